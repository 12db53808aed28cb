"""Stock as append-only movements; an item's ``stock`` is their cached sum.

Two counters selling offline each record their own movements, so after sync the stock is
the sum of both — never one overwriting the other.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..domain.errors import ValidationError
from ..store import Store, new_id
from .context import ShopScope
from .convert import quantity_of, stored_quantity
from .ids import opening_movement_id

#: "return": goods taken back on a credit note; "cancel": the goods of a cancelled bill
REASONS = ("sale", "purchase", "adjustment", "return", "opening", "cancel")


def ensure_opening(scope: ShopScope, item: dict[str, Any]) -> None:
    """Make sure the item's stock has its base movement (call inside a unit of work).

    An item created by this app gets it at creation. An item that arrived from elsewhere
    (another tool writing the spec's ``stock`` directly) gets one equal to its stock the
    first time it moves here; the id is derived from the item, so two PCs doing this
    offline create the same record instead of counting the stock twice.
    """
    movement_id = opening_movement_id(item["_id"])
    if scope.db.stockmovements.find_one({"_id": movement_id}) is not None:
        return
    now = scope.now()
    scope.db.stockmovements.insert_one(
        {
            "_id": movement_id,
            "clientId": scope.client_id,
            "itemId": item["_id"],
            "quantity": stored_quantity(quantity_of(item.get("stock"))),
            "reason": "opening",
            "refCollection": "",
            "refId": None,
            "note": "",
            "createdAt": now,
            "updatedAt": now,
            "deviceId": scope.ctx.device_id,
        }
    )


def record_movement(
    scope: ShopScope,
    item: dict[str, Any],
    delta: Decimal,
    reason: str,
    *,
    ref_collection: str = "",
    ref_id: Any = None,
    note: str = "",
    allow_negative: bool | None = None,
) -> dict[str, Any]:
    """Append a movement and update the item's cached stock. Call inside a unit of work."""
    if reason not in REASONS:
        raise ValidationError("reason", f"must be one of {', '.join(REASONS)}")
    if allow_negative is None:
        allow_negative = bool(scope.settings().get("allowNegativeStock", False))
    ensure_opening(scope, item)
    current = quantity_of(item.get("stock"))
    new_stock = current + delta
    if new_stock < 0 and not allow_negative:
        raise ValidationError(
            "quantity",
            f"{item.get('name', 'item')}: only {current.normalize():f} in stock "
            f"(needs {(-delta).normalize():f})",
        )
    now = scope.now()
    movement = {
        "_id": new_id(),
        "clientId": scope.client_id,
        "itemId": item["_id"],
        "quantity": stored_quantity(delta),
        "reason": reason,
        "refCollection": ref_collection,
        "refId": ref_id,
        "note": note,
        "createdAt": now,
        "updatedAt": now,
        "deviceId": scope.ctx.device_id,
    }
    db = scope.db
    db.stockmovements.insert_one(movement)
    db.items.update_one(
        {"_id": item["_id"]}, {"$set": {"stock": stored_quantity(new_stock), "updatedAt": now}}
    )
    return movement


def recompute_item_stock(store: Store, item_id: Any) -> bool:
    """Set an item's cached stock to the sum of its movements (after a sync pull).

    Returns whether the cached value changed. The new value is pushed like any write, so
    the remote's ``stock`` (read by other tools) follows; every device derives the same
    value from the same movements. An item without its opening movement has no movement
    history to derive from and is left alone.
    """
    with store.unit_of_work() as db:
        item = db.items.find_one({"_id": item_id})
        if (
            item is None
            or db.stockmovements.find_one({"_id": opening_movement_id(item_id)}) is None
        ):
            return False
        total = sum(
            (quantity_of(m.get("quantity")) for m in db.stockmovements.find({"itemId": item_id})),
            Decimal(0),
        )
        if quantity_of(item.get("stock")) == total:
            return False
        db.items.update_one({"_id": item_id}, {"$set": {"stock": stored_quantity(total)}})
        return True
