"""A purchase order to a dealer and its lines: the spec's ``dealerorders`` and
``dealerorderitems``, as services hand them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..money import Paise
from ..stored import moment_of, paise_of, quantity_of, text_of

__all__ = [
    "DealerOrder",
    "DealerOrderLine",
    "dealer_order_from_stored",
    "dealer_order_line_from_stored",
]


@dataclass(frozen=True, slots=True)
class DealerOrder:
    """One purchase order. ``status`` is pending, delivered or cancelled; ``total_amount``
    is the dealer's bill, None until it is known (a bill of zero is a bill); ``due_date``
    is the day to pay by as ``YYYY-MM-DD`` ("" when none)."""

    id: ObjectId
    dealer_id: ObjectId
    order_number: str
    status: str
    is_urgent: bool
    delivery_instructions: str
    notes: str
    total_amount: Paise | None
    due_date: str
    created_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True, slots=True)
class DealerOrderLine:
    """An item ordered: its name as it was when ordered, and the quantity."""

    id: ObjectId
    order_id: ObjectId
    item_id: ObjectId
    item_name: str
    quantity: Decimal


def dealer_order_from_stored(doc: dict[str, Any]) -> DealerOrder:
    """The order a ``dealerorders`` document describes. A missing status is pending (the
    spec's default); a due date stored as a date (by the spec's backend) reads as its day."""
    bill = doc.get("totalAmount")
    return DealerOrder(
        id=doc["_id"],
        dealer_id=doc["dealerId"],
        order_number=text_of(doc.get("orderNumber")),
        status=text_of(doc.get("status")) or "pending",
        is_urgent=bool(doc.get("isUrgent", False)),
        delivery_instructions=text_of(doc.get("deliveryInstructions")),
        notes=text_of(doc.get("notes")),
        total_amount=None if bill is None else paise_of(bill),
        due_date=_day(doc.get("dueDate")),
        created_at=moment_of(doc.get("createdAt")),
        delivered_at=moment_of(doc.get("deliveredAt")),
        cancelled_at=moment_of(doc.get("cancelledAt")),
    )


def dealer_order_line_from_stored(doc: dict[str, Any]) -> DealerOrderLine:
    """A line of a ``dealerorderitems`` document."""
    return DealerOrderLine(
        id=doc["_id"],
        order_id=doc["orderId"],
        item_id=doc["itemId"],
        item_name=text_of(doc.get("itemNameSnapshot")),
        quantity=quantity_of(doc.get("quantity")),
    )


def _day(stored: Any) -> str:
    if isinstance(stored, datetime):
        return stored.date().isoformat()
    if isinstance(stored, date):
        return stored.isoformat()
    return text_of(stored)
