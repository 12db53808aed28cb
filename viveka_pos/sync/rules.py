"""What syncs, in which order, how each collection is scoped to one shop, and how it merges.

Conflict rules (ARCHITECTURE.md, docs/design/sync.md):

- *append-only* collections (invoices, credit notes, payments, stock movements, dealer
  payments, purchase histories) merge by union on ``_id``: documents are only ever added. An
  invoice's ``paidAmount``/``isFinalized`` are derived from all its payments; the only other
  fields that change are ``clientCustomerId`` (customer merge) and, once, the cancellation
  mark (``isCancelled`` and its details);
- *master data* merges per field (:mod:`.fields`): a PC's push sets only the fields it changed
  since the remote version it last saw, and only while the remote still is that version;
- an item's ``stock`` is derived from its stock movements; an edit of it by another writer
  becomes a movement (:mod:`.remote_stock`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from bson import ObjectId

APPEND_ONLY: Final = frozenset(
    {"invoices", "creditnotes", "payments", "stockmovements", "dealerpayments", "purchasehistories"}
)

#: Every synced collection, in pull order: a document's parents arrive before it (orders
#: before their lines, invoices before payments), so references resolve and derived values
#: are recomputed once.
PULL_ORDER: Final = (
    "clients",
    "devicesessions",
    "clientCustomers",
    "itemgroups",
    "items",
    "dealers",
    "dealerorders",
    "dealerorderitems",
    "invoices",
    "creditnotes",
    "payments",
    "purchasehistories",
    "stockmovements",
    "dealerpayments",
)
#: Master data: every synced collection that is not append-only.
MASTER: Final = frozenset(PULL_ORDER) - APPEND_ONLY

#: Fields kept from the local document when a pulled version is applied (derived here).
LOCAL_DERIVED: Final[dict[str, tuple[str, ...]]] = {"items": ("stock",)}


@dataclass(frozen=True)
class ParentScope:
    """A collection without ``clientId`` whose shop is its parent's (spec: dealerorderitems).

    We add ``clientId`` to such documents when pushing them (an additive field), so remote
    reads and writes can be filtered by shop like every other collection; documents written
    by other tools without it are found through their parent instead.
    """

    field: str
    parent: str


PARENT_SCOPED: Final[dict[str, ParentScope]] = {
    "dealerorderitems": ParentScope("orderId", "dealerorders"),
}

#: Collections holding a customer reference that a customer merge re-points.
CUSTOMER_REFERENCES: Final = ("invoices", "creditnotes", "purchasehistories", "carts")


def shop_filter(collection: str, client_id: ObjectId) -> dict[str, Any]:
    """The remote filter restricting ``collection`` to one shop.

    ``{"$in": [id]}`` instead of plain equality: some MongoDB-compatible servers (the test
    server among them) do not match an ObjectId field by equality, while ``$in`` works on
    every server and means the same.
    """
    if collection == "clients":
        return {"_id": client_id}
    return {"clientId": {"$in": [client_id]}}


def owner_of(collection: str, doc: dict[str, Any], lookup: Any) -> Any:
    """The shop a local document belongs to (``lookup(coll, id)`` reads its parent)."""
    if collection == "clients":
        return doc.get("_id")
    owner = doc.get("clientId")
    scope = PARENT_SCOPED.get(collection)
    if owner is None and scope is not None:
        parent = lookup(scope.parent, doc.get(scope.field))
        owner = parent.get("clientId") if parent is not None else None
    return owner


#: The only fields of an append-only document that change after it is made (a customer
#: merge re-points them); everything else is written once.
#: The field holding when an append-only document was made: its ``updatedAt`` until a later
#: change (the app sets both at once; documents older versions made lack ``updatedAt``).
MADE_AT: Final[dict[str, str]] = {
    "invoices": "generatedAt",
    "creditnotes": "generatedAt",
    "payments": "paidAt",
    "dealerpayments": "paidAt",
    "purchasehistories": "purchasedAt",
    "stockmovements": "createdAt",
}
APPEND_MUTABLE: Final[dict[str, tuple[str, ...]]] = {
    # and, set once, the cancellation of a bill (its number and contents stay as they were)
    "invoices": (
        "clientCustomerId",
        "isCancelled",
        "cancelledAt",
        "cancelReason",
        "cancelRefund",
        "cancelRefundMethod",
    ),
    "creditnotes": ("clientCustomerId",),
    "purchasehistories": ("clientCustomerId",),
}
