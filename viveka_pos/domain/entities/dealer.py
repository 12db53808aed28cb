"""A dealer (supplier) of the shop and the shop's payments to it: the spec's ``dealers``
and ``dealerpayments``, as services hand them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from ..money import Paise
from ..stored import moment_of, paise_of, text_of

__all__ = ["Dealer", "DealerPayment", "dealer_from_stored", "dealer_payment_from_stored"]


@dataclass(frozen=True, slots=True)
class Dealer:
    """One dealer. An inactive dealer is soft-deleted: kept for its orders and payments,
    not offered for new orders."""

    id: ObjectId
    name: str
    contact_person: str
    phone_number: str
    email: str
    address: str
    logo_url: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class DealerPayment:
    """Money the shop paid a dealer, optionally against one of its orders (``order_id``
    None when not). ``method`` is one of cash, card, upi, bank, other."""

    id: ObjectId
    dealer_id: ObjectId
    order_id: ObjectId | None
    amount: Paise
    method: str
    note: str
    proof_url: str
    paid_at: datetime | None


def dealer_from_stored(doc: dict[str, Any]) -> Dealer:
    """The dealer a ``dealers`` document describes (a missing ``isActive`` is active, as
    the spec's default)."""
    return Dealer(
        id=doc["_id"],
        name=text_of(doc.get("name")),
        contact_person=text_of(doc.get("contactPerson")),
        phone_number=text_of(doc.get("phoneNumber")),
        email=text_of(doc.get("email")),
        address=text_of(doc.get("address")),
        logo_url=text_of(doc.get("logoUrl")),
        is_active=bool(doc.get("isActive", True)),
    )


def dealer_payment_from_stored(doc: dict[str, Any]) -> DealerPayment:
    """The payment a ``dealerpayments`` document records (the spec's default method is
    cash)."""
    return DealerPayment(
        id=doc["_id"],
        dealer_id=doc["dealerId"],
        order_id=doc.get("orderId"),
        amount=paise_of(doc.get("amount")),
        method=text_of(doc.get("method")) or "cash",
        note=text_of(doc.get("note")),
        proof_url=text_of(doc.get("proofUrl")),
        paid_at=moment_of(doc.get("paidAt")),
    )
