"""Items of the catalogue and their groups (the spec's ``items`` and ``itemgroups``).

The same :class:`Item` is what the Inventory list pages, the billing search's hits, a
scanned code and the dealer order's low-stock list hand upwards: it is built on the
search path, so the builder does no more than read each field once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..money import Paise
from ..stored import paise_of, quantity_of, rate_of

__all__ = [
    "DEFAULT_LOW_STOCK",
    "DEFAULT_UNIT",
    "Item",
    "ItemGroup",
    "item_from_stored",
    "item_group_from_stored",
]

#: the spec's defaults for an item without the field
DEFAULT_UNIT = "nos"
DEFAULT_LOW_STOCK = 5


@dataclass(frozen=True, slots=True)
class ItemGroup:
    """A named group of items ("Engine Parts")."""

    id: ObjectId
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Item:
    """One item of the catalogue, as stored now (stock included)."""

    id: ObjectId
    name: str
    #: ``""`` when the item has none (the spec's backend does not know codes)
    code: str
    price: Paise
    unit: str
    gst_rate: int | Decimal
    hsn_code: str
    #: ``None``: in no group
    group_id: ObjectId | None
    stock: Decimal
    #: at or below this the item is low on stock (the spec's default 5 when not stored)
    low_stock_quantity: Decimal
    description: str
    #: dealers who supply it
    dealer_ids: tuple[ObjectId, ...]
    #: ``False``: soft-deleted, no longer sold
    is_active: bool

    @property
    def is_out_of_stock(self) -> bool:
        return self.stock <= 0

    @property
    def is_low_on_stock(self) -> bool:
        return self.stock <= self.low_stock_quantity


def item_group_from_stored(doc: dict[str, Any]) -> ItemGroup:
    return ItemGroup(
        id=doc["_id"],
        name=doc.get("name") or "",
        description=doc.get("description") or "",
    )


def item_from_stored(doc: dict[str, Any]) -> Item:
    get = doc.get
    return Item(
        id=doc["_id"],
        name=get("name") or "",
        code=get("code") or "",
        price=paise_of(get("price")),
        unit=get("unit") or DEFAULT_UNIT,
        gst_rate=rate_of(get("gstRate")),
        hsn_code=get("hsnCode") or "",
        group_id=get("groupId"),
        stock=quantity_of(get("stock")),
        low_stock_quantity=quantity_of(get("lowStockQuantity", DEFAULT_LOW_STOCK)),
        description=get("description") or "",
        dealer_ids=tuple(get("dealerIds") or ()),
        is_active=bool(get("isActive", True)),
    )
