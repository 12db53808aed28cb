"""The shop (the spec's *client*) and its settings, as the UI and the CLI read them.

``clientSettings`` holds the spec's ``customerFields`` and the settings this program adds
(GST, paper, terms, UPI, time zone...). A shop written by the spec's backend may carry only
``customerFields``, or no settings at all: every missing setting reads as its default here,
the same default the services apply when they write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..clock import DEFAULT_TIME_ZONE
from ..stored import moment_of, rate_of, text_of

__all__ = [
    "CustomerFields",
    "Shop",
    "ShopSettings",
    "customer_fields_from_stored",
    "shop_from_stored",
    "shop_settings_from_stored",
]


@dataclass(frozen=True, slots=True)
class CustomerFields:
    """Which optional customer details the shop asks for (phone and name always)."""

    address: bool = False
    gst_no: bool = False
    email_id: bool = False


@dataclass(frozen=True, slots=True)
class ShopSettings:
    customer_fields: CustomerFields
    state_code: str
    """GST state code of the shop ('29'); '' when neither GSTIN nor state names one."""
    default_gst_rate: int | Decimal
    prices_include_tax: bool
    paper_size: str
    """'a4', '80mm' or '58mm': the shop's paper (a PC may choose its own)."""
    terms_text: str
    upi_id: str
    logo_path: str
    time_zone: str
    """IANA name; the shop's days (invoice dates, 'today') are counted in it."""
    allow_negative_stock: bool


@dataclass(frozen=True, slots=True)
class Shop:
    id: ObjectId
    phone_number: str
    owner_name: str
    business_name: str
    shop_name: str
    location: str
    city: str
    state: str
    gstin: str
    profile_url: str
    settings: ShopSettings
    is_active: bool
    created_at: datetime | None
    last_login_at: datetime | None

    @property
    def display_name(self) -> str:
        """The name shown on screen: the shop name, else the business name."""
        return self.shop_name or self.business_name


def _rate(value: Any) -> int | Decimal:
    """A stored GST rate; one that is not a number (written by hand, or by another
    program) reads as 0, as a missing one does, rather than stopping the app."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return 0
    try:
        rate = rate_of(value)
    except (ArithmeticError, ValueError):
        return 0
    return rate if isinstance(rate, int) or rate.is_finite() else 0


def customer_fields_from_stored(stored: Any) -> CustomerFields:
    fields = stored if isinstance(stored, Mapping) else {}
    return CustomerFields(
        address=bool(fields.get("address")),
        gst_no=bool(fields.get("gstNo")),
        email_id=bool(fields.get("emailId")),
    )


def shop_settings_from_stored(stored: Any) -> ShopSettings:
    """A shop's ``clientSettings`` (None or partial: the defaults fill the rest)."""
    settings = stored if isinstance(stored, Mapping) else {}
    return ShopSettings(
        customer_fields=customer_fields_from_stored(settings.get("customerFields")),
        state_code=text_of(settings.get("stateCode")),
        default_gst_rate=_rate(settings.get("defaultGstRate")),
        prices_include_tax=bool(settings.get("pricesIncludeTax")),
        paper_size=text_of(settings.get("paperSize")) or "a4",
        terms_text=text_of(settings.get("termsText")),
        upi_id=text_of(settings.get("upiId")),
        logo_path=text_of(settings.get("logoPath")),
        time_zone=text_of(settings.get("timeZone")) or DEFAULT_TIME_ZONE,
        allow_negative_stock=bool(settings.get("allowNegativeStock")),
    )


def shop_from_stored(doc: Mapping[str, Any]) -> Shop:
    """A ``clients`` document as the UI and the CLI read it."""
    return Shop(
        id=doc["_id"],
        phone_number=text_of(doc.get("phoneNumber")),
        owner_name=text_of(doc.get("ownerName")),
        business_name=text_of(doc.get("businessName")),
        shop_name=text_of(doc.get("shopName")),
        location=text_of(doc.get("location")),
        city=text_of(doc.get("city")),
        state=text_of(doc.get("state")),
        gstin=text_of(doc.get("gstin")),
        profile_url=text_of(doc.get("profileUrl")),
        settings=shop_settings_from_stored(doc.get("clientSettings")),
        is_active=bool(doc.get("isActive", True)),
        created_at=moment_of(doc.get("createdAt")),
        last_login_at=moment_of(doc.get("lastLoginAt")),
    )
