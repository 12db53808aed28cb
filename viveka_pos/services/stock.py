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
    ensure_openings(scope, [item])


def ensure_openings(scope: ShopScope, items: list[dict[str, Any]]) -> None:
    """:func:`ensure_opening` of several items, their openings looked up in one read."""
    missing = missing_openings(scope, items)
    if missing:
        scope.db.stockmovements.insert_many(missing)


def missing_openings(scope: ShopScope, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The opening movements the items lack (see :func:`ensure_opening`), not yet saved."""
    wanted = {opening_movement_id(item["_id"]): item for item in items}
    found = scope.db.stockmovements.find({"_id": {"$in": list(wanted)}})
    for movement in found:
        wanted.pop(movement["_id"], None)
    now = scope.now()
    return [
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
        for movement_id, item in wanted.items()
    ]


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
    return record_movements(
        scope,
        [(item, delta)],
        reason,
        ref_collection=ref_collection,
        ref_id=ref_id,
        note=note,
        allow_negative=allow_negative,
    )[0]


def record_movements(
    scope: ShopScope,
    changes: list[tuple[dict[str, Any], Decimal]],
    reason: str,
    *,
    ref_collection: str = "",
    ref_id: Any = None,
    note: str = "",
    allow_negative: bool | None = None,
) -> list[dict[str, Any]]:
    """:func:`record_movement` of several items (each once), as one change: the stock of
    every item is checked first, then the movements are inserted together and each item's
    cached stock updated (a bill's lines). Call inside a unit of work."""
    if reason not in REASONS:
        raise ValidationError("reason", f"must be one of {', '.join(REASONS)}")
    if len({item["_id"] for item, _delta in changes}) != len(changes):
        raise ValueError("record_movements: an item comes twice")
    if allow_negative is None:
        allow_negative = bool(scope.settings().get("allowNegativeStock", False))
    # saved with the movements, before them (one page: a statement per table)
    openings = missing_openings(scope, [item for item, _delta in changes])
    now = scope.now()
    movements: list[dict[str, Any]] = []
    stocks: list[Decimal] = []
    for item, delta in changes:
        current = quantity_of(item.get("stock"))
        new_stock = current + delta
        if new_stock < 0 and not allow_negative:
            raise ValidationError(
                "quantity",
                f"{item.get('name', 'item')}: only {current.normalize():f} in stock "
                f"(needs {(-delta).normalize():f})",
            )
        stocks.append(new_stock)
        movements.append(
            {
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
        )
    db = scope.db
    db.stockmovements.insert_many(openings + movements)
    for (item, _delta), new_stock in zip(changes, stocks, strict=True):
        db.items.update_one(
            {"_id": item["_id"]}, {"$set": {"stock": stored_quantity(new_stock), "updatedAt": now}}
        )
    return movements


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
