"""The shop, its settings, this PC's settings and a login, as built from stored documents."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bson import ObjectId

from viveka_pos.domain.entities.device import device_config_from_stored
from viveka_pos.domain.entities.session import Session
from viveka_pos.domain.entities.shop import (
    CustomerFields,
    shop_from_stored,
    shop_settings_from_stored,
)

SHOP_ID = ObjectId("507f1f77bcf86cd799439011")


def spec_shop() -> dict:
    """The spec's example client document, with the settings this program adds."""
    return {
        "_id": SHOP_ID,
        "phoneNumber": "9890000000",
        "ownerName": "Alice Johnson",
        "businessName": "Alice Auto Spares Pvt Ltd",
        "shopName": "Alice's Auto Shop",
        "location": "123 Main Street, Downtown Area",
        "city": "Bangalore",
        "state": "Karnataka",
        "gstin": "29AAPFU0939F1ZV",
        "profileUrl": "https://example.com/logo.png",
        "clientSettings": {
            "customerFields": {"address": True, "gstNo": False, "emailId": True},
            "stateCode": "29",
            "defaultGstRate": 0.25,
            "pricesIncludeTax": True,
            "paperSize": "80mm",
            "termsText": "No returns after 7 days.",
            "upiId": "alice@okaxis",
            "logoPath": "",
            "timeZone": "Asia/Dubai",
            "allowNegativeStock": True,
        },
        "isActive": True,
        "createdAt": datetime(2025, 1, 12, 10, 0),
        "lastLoginAt": datetime(2025, 1, 12, 12, 30),
    }


def test_a_spec_shaped_shop() -> None:
    shop = shop_from_stored(spec_shop())
    assert shop.id == SHOP_ID
    assert (shop.phone_number, shop.owner_name, shop.business_name) == (
        "9890000000",
        "Alice Johnson",
        "Alice Auto Spares Pvt Ltd",
    )
    assert shop.display_name == "Alice's Auto Shop"
    assert (shop.location, shop.city, shop.state, shop.gstin) == (
        "123 Main Street, Downtown Area",
        "Bangalore",
        "Karnataka",
        "29AAPFU0939F1ZV",
    )
    assert shop.profile_url == "https://example.com/logo.png"
    assert shop.is_active is True
    assert shop.created_at == datetime(2025, 1, 12, 10, 0)
    assert shop.last_login_at == datetime(2025, 1, 12, 12, 30)
    settings = shop.settings
    assert settings.customer_fields == CustomerFields(address=True, gst_no=False, email_id=True)
    assert settings.state_code == "29"
    assert settings.default_gst_rate == Decimal("0.25")
    assert isinstance(settings.default_gst_rate, Decimal)
    assert settings.prices_include_tax is True
    assert settings.paper_size == "80mm"
    assert settings.terms_text == "No returns after 7 days."
    assert settings.upi_id == "alice@okaxis"
    assert settings.time_zone == "Asia/Dubai"
    assert settings.allow_negative_stock is True


def test_optional_fields_missing_read_as_their_defaults() -> None:
    shop = shop_from_stored(
        {
            "_id": SHOP_ID,
            "phoneNumber": "9890000000",
            "ownerName": "Alice",
            "businessName": "Alice Auto",
        }
    )
    assert (shop.shop_name, shop.location, shop.city, shop.state, shop.gstin) == ("",) * 5
    assert shop.profile_url == ""
    assert shop.display_name == "Alice Auto"  # no shop name: the business name
    assert shop.is_active is True  # the spec's default
    assert shop.created_at is None and shop.last_login_at is None
    settings = shop.settings
    assert settings.customer_fields == CustomerFields()
    assert settings.state_code == "" and settings.default_gst_rate == 0
    assert settings.prices_include_tax is False and settings.allow_negative_stock is False
    assert settings.paper_size == "a4"
    assert settings.terms_text == "" and settings.upi_id == "" and settings.logo_path == ""
    assert settings.time_zone == "Asia/Kolkata"


def test_a_shop_written_by_the_backend() -> None:
    """Mongoose's ``__v`` and timestamps, only ``customerFields`` in the settings, no sync
    fields: read as any other shop."""
    doc = {
        "_id": SHOP_ID,
        "phoneNumber": "9890000000",
        "ownerName": "Alice Johnson",
        "businessName": "Alice Auto Spares Pvt Ltd",
        "shopName": "",
        "clientSettings": {"customerFields": {"address": False, "gstNo": True, "emailId": False}},
        "isActive": False,
        "createdAt": datetime(2025, 1, 12, 10, 0),
        "updatedAt": datetime(2025, 3, 1, 9, 0),
        "lastLoginAt": None,
        "__v": 0,
    }
    shop = shop_from_stored(doc)
    assert shop.display_name == "Alice Auto Spares Pvt Ltd"
    assert shop.is_active is False
    assert shop.settings.customer_fields == CustomerFields(gst_no=True)
    assert shop.settings.paper_size == "a4" and shop.settings.time_zone == "Asia/Kolkata"
    assert shop.last_login_at is None


def test_settings_tolerate_odd_stored_values() -> None:
    """None for the whole object or a switch, and a whole-number rate stored as a float."""
    assert shop_settings_from_stored(None) == shop_settings_from_stored({})
    settings = shop_settings_from_stored(
        {"customerFields": None, "defaultGstRate": 18.0, "timeZone": "", "paperSize": None}
    )
    assert settings.customer_fields == CustomerFields()
    assert settings.default_gst_rate == 18 and isinstance(settings.default_gst_rate, int)
    assert settings.time_zone == "Asia/Kolkata" and settings.paper_size == "a4"
    for odd in ("eighteen", [18], True, float("nan")):
        assert shop_settings_from_stored({"defaultGstRate": odd}).default_gst_rate == 0
    assert shop_settings_from_stored({"defaultGstRate": "5"}).default_gst_rate == 5
    assert shop_from_stored({"_id": SHOP_ID, "createdAt": "2025-01-12"}).created_at is None


def test_views_are_read_only() -> None:
    shop = shop_from_stored(spec_shop())
    with pytest.raises(dataclasses.FrozenInstanceError):
        shop.city = "Mysuru"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        shop.settings.upi_id = "x@y"  # type: ignore[misc]


def test_device_settings_view_hides_its_secrets_from_repr() -> None:
    config = device_config_from_stored(
        {
            "invoicePrefix": "A2",
            "printerName": "EPSON TM-T82",
            "paperSize": "",
            "remoteUrl": "mongodb://shop:s3cret@db.example.in/",
            "remoteDatabase": "",
            "otpMode": "sms",
            "twoFactorApiKey": "key-123456",
            "twoFactorBaseUrl": "",
            "twoFactorTemplate": "VIVEKA",
            "backupDir": "/media/usb",
            "backupEveryBills": 25,
        }
    )
    assert config.invoice_prefix == "A2" and config.printer_name == "EPSON TM-T82"
    assert config.remote_url == "mongodb://shop:s3cret@db.example.in/"
    assert config.two_factor_api_key == "key-123456"
    assert config.backup_every_bills == 25 and config.backup_dir == "/media/usb"
    assert "s3cret" not in repr(config) and "key-123456" not in repr(config)
    assert device_config_from_stored({}).backup_every_bills == 50


def test_a_session_keeps_its_token_out_of_repr() -> None:
    session = Session(
        token="header.payload.signature",
        client_id=SHOP_ID,
        device_session_id=ObjectId(),
        device_id="pc-1",
        expires_at=datetime(2025, 2, 11, tzinfo=UTC),
        shop=shop_from_stored(spec_shop()),
    )
    assert "payload" not in repr(session)
    assert session.shop.phone_number == "9890000000"
