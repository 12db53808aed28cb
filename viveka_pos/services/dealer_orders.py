"""Purchase-order rules: order lines, per-device order numbers, status transitions.

An order moves ``pending → delivered`` or ``pending → cancelled`` and nowhere else: a
delivery adds stock, so delivering twice (or delivering what was cancelled) would count goods
that never arrived, and cancelling a delivered order would leave that stock unexplained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.errors import ValidationError
from ..domain.numbering import format_order_number
from .catalog import CatalogService

MAX_LINES = 500
#: status -> statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("delivered", "cancelled"),
    "delivered": (),
    "cancelled": (),
}
_VERBS = {"delivered": "deliver", "cancelled": "cancel"}


@dataclass(frozen=True)
class OrderLine:
    """One cleaned line of a new order: the item as it is now and the quantity wanted."""

    item: dict[str, Any]
    quantity: Decimal

    @property
    def item_id(self) -> ObjectId:
        return self.item["_id"]


def clean_lines(catalog: CatalogService, items: Any) -> list[OrderLine]:
    """Validate ``[(item id or code, quantity), ...]``; the same item twice becomes one line.

    Quantities follow the item's unit (whole for nos/pcs, up to 3 decimals otherwise) and
    must be at least 1, as the spec's ``dealerorderitems.quantity`` is ``>= 1``.
    """
    if isinstance(items, (str, bytes, dict)) or not isinstance(items, Sequence):
        raise ValidationError("items", "must be a list of (item, quantity) pairs")
    if not items:
        raise ValidationError("items", "an order needs at least one item")
    if len(items) > MAX_LINES:
        raise ValidationError("items", f"an order can have at most {MAX_LINES} lines")
    merged: dict[ObjectId, OrderLine] = {}
    for number, entry in enumerate(items, 1):
        if (
            isinstance(entry, (str, bytes, dict))
            or not isinstance(entry, Sequence)
            or len(entry) != 2
        ):
            raise ValidationError("items", f"line {number}: must be an (item, quantity) pair")
        ref, raw_quantity = entry
        item = resolve_item(catalog, ref, number)
        quantity = _line_quantity(raw_quantity, item.get("unit", "nos"), number)
        previous = merged.get(item["_id"])
        if previous is not None:
            quantity += previous.quantity
            if quantity > v.MAX_QUANTITY:
                raise ValidationError(
                    "quantity",
                    f"line {number}: {item['name']} adds up to more than {v.MAX_QUANTITY}",
                )
        merged[item["_id"]] = OrderLine(item, quantity)
    return list(merged.values())


def resolve_item(catalog: CatalogService, ref: Any, number: int) -> dict[str, Any]:
    """An active item of the shop, by id or by code/barcode."""
    if isinstance(ref, dict):
        ref = ref.get("_id")
    if isinstance(ref, bool) or not isinstance(ref, (str, int, ObjectId)):
        raise ValidationError("items", f"line {number}: give the item's id or code")
    try:
        as_id = (
            ObjectId(ref.strip())
            if isinstance(ref, str) and ObjectId.is_valid(ref.strip())
            else None
        )
        if isinstance(ref, ObjectId) or (
            as_id is not None and catalog.scope.store.get("items", as_id)
        ):
            item = catalog.item_document(ref)
        else:
            item = catalog.item_document_by_code(str(ref))
    except ValidationError as exc:
        raise ValidationError(exc.field, f"line {number}: {exc.message}") from None
    if not item.get("isActive", True):
        raise ValidationError(
            "itemId", f"line {number}: {item['name']} is inactive; reactivate it before ordering"
        )
    return item


def _line_quantity(value: Any, unit: str, number: int) -> Decimal:
    try:
        quantity = v.quantity(value, unit, "quantity")
    except ValidationError as exc:
        raise ValidationError("quantity", f"line {number}: {exc.message}") from None
    if quantity < 1:
        raise ValidationError("quantity", f"line {number}: must be at least 1")
    return quantity


def next_order_number(db: Any, client_id: ObjectId, series: str, fy: str) -> tuple[str, int]:
    """The next unused order number of this device's series (call inside a unit of work).

    The counter lives in the local ``counters`` collection; numbers already present (an order
    that came back by sync after a restore of an older backup) are skipped, never reused.
    """
    counter = db.counters.find_one({"_id": order_counter_id(series, fy)}) or {}
    seq = int(counter.get("next", 1))
    while db.dealerorders.find_one(
        {"clientId": client_id, "orderNumber": format_order_number(series, fy, seq)}
    ):
        seq += 1
    return format_order_number(series, fy, seq), seq


def order_counter_id(series: str, fy: str) -> str:
    return f"dealerorder:{series}:{fy}"


def require_transition(order: dict[str, Any] | None, target: str) -> None:
    """Refuse a status change the order's life cycle does not allow (or an order that is
    gone: ``order`` as read again inside the unit of work)."""
    if order is None:
        raise ValidationError("order", "this order no longer exists — it was deleted")
    status = order.get("status") or "pending"
    if target in TRANSITIONS.get(status, ()):
        return
    number = order.get("orderNumber", "this order")
    raise ValidationError(
        "status", f"cannot {_VERBS.get(target, target)} order {number}: it is already {status}"
    )
