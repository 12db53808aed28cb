"""A customer of the shop (the spec's ``clientCustomers``), as services hand it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from ..stored import moment_of, text_of

__all__ = ["Customer", "customer_from_stored"]


@dataclass(frozen=True, slots=True)
class Customer:
    """One customer, found by phone. ``state_code`` is the two-digit GST state code ("" when
    the customer buys in the shop's own state); ``last_purchase_at`` is None until the first
    bill. Datetimes are naive UTC, as stored."""

    id: ObjectId
    phone_number: str
    name: str
    address: str
    email: str
    gst_no: str
    state_code: str
    first_seen_at: datetime | None
    last_purchase_at: datetime | None


def customer_from_stored(doc: dict[str, Any]) -> Customer:
    """The customer a ``clientCustomers`` document describes (fields the spec's backend
    leaves out, such as our ``stateCode``, read as empty)."""
    return Customer(
        id=doc["_id"],
        phone_number=text_of(doc.get("phoneNumber")),
        name=text_of(doc.get("name")),
        address=text_of(doc.get("address")),
        email=text_of(doc.get("emailId")),
        gst_no=text_of(doc.get("gstNo")),
        state_code=text_of(doc.get("stateCode")),
        first_seen_at=moment_of(doc.get("firstSeenAt")),
        last_purchase_at=moment_of(doc.get("lastPurchaseAt")),
    )
