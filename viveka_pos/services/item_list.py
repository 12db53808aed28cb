"""The Inventory screen's list of items, a page at a time: filtered by text, group and low
stock, sorted by any column, in SQLite (``store.item_list``), so a catalogue of 100k items
is never held whole."""

from __future__ import annotations

from dataclasses import dataclass

from bson import ObjectId

from ..domain.entities.item import Item, item_from_stored
from ..store.item_list import ItemFilter
from ..store.values import doc_key, key_to_id
from .context import ShopScope

#: the list's columns that sort, by the name the store knows them by
SORT_COLUMNS = ("name", "code", "group", "unit", "price", "gst", "hsn", "stock", "low", "status")
ALL_GROUPS = "__all__"
NO_GROUP = "__none__"


@dataclass(frozen=True)
class ItemView:
    """Which items the list shows, and in which order. ``group`` is a group id,
    :data:`ALL_GROUPS` or :data:`NO_GROUP`; ``text`` words must each be in the name, code,
    HSN or group name."""

    text: str = ""
    group: ObjectId | str = ALL_GROUPS
    low_only: bool = False
    include_inactive: bool = False
    sort: str = "name"
    descending: bool = False


@dataclass(frozen=True)
class ItemCounts:
    shown: int
    out_of_stock: int
    low: int


class ItemListing:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    def _filter(self, view: ItemView) -> ItemFilter:
        groups = sorted(
            self.scope.db.itemgroups.find({"clientId": self.scope.client_id}),
            key=lambda g: str(g.get("name", "")).casefold(),
        )
        terms = tuple(view.text.casefold().split())
        named = tuple(
            tuple(doc_key(g["_id"]) for g in groups if term in str(g.get("name", "")).casefold())
            for term in terms
        )
        group = (
            None
            if view.group == ALL_GROUPS
            else ""
            if view.group == NO_GROUP
            else doc_key(view.group)
        )
        return ItemFilter(
            doc_key(self.scope.client_id),
            terms,
            named,
            group,
            view.low_only,
            view.include_inactive,
            view.sort if view.sort in SORT_COLUMNS else "name",
            view.descending,
            tuple(doc_key(g["_id"]) for g in groups),
        )

    def page(self, view: ItemView, offset: int, limit: int) -> list[Item]:
        """Items ``offset`` to ``offset + limit`` of the list."""
        keys = self.scope.store.item_list.page(self._filter(view), offset, limit)
        ids = [key_to_id(key) for key in keys]
        found = {doc["_id"]: doc for doc in self.scope.db.items.find({"_id": {"$in": ids}})}
        return [item_from_stored(found[i]) for i in ids if i in found]

    def position(self, view: ItemView, item_id: ObjectId) -> int:
        """The item's row in the list, -1 when the view leaves it out."""
        return self.scope.store.item_list.position(self._filter(view), doc_key(item_id))

    def counts(self, view: ItemView) -> ItemCounts:
        return ItemCounts(*self.scope.store.item_list.counts(self._filter(view)))

    def by_group(self, *, include_inactive: bool) -> dict[ObjectId | None, int]:
        """group id (None: no group) -> items."""
        return {
            (None if key == "" else key_to_id(key)): count
            for key, count in self.scope.store.item_list.by_group(
                doc_key(self.scope.client_id), include_inactive
            ).items()
        }
