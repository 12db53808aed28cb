"""Stock rows of every item, sorted by name, kept current by commits.

A stock report lists every active item: with 100k items, reading, converting and sorting
them on each request costs more than the report's budget, so rows are made once per open
store and then redone only for the items a commit changed.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any, NamedTuple

from bson import ObjectId
from sortedcontainers import SortedList

from ..domain.money import MoneyError, Paise, round_half_up
from ..store import Store
from ..store.heap import building
from .convert import quantity_of
from .per_store import shared
from .report_ledger import Changes, amount_paise

DEFAULT_LOW_STOCK = Decimal(5)


class StockRow(NamedTuple):
    """One item's stock; ``value`` is stock × selling price, in paise, rounded half-up."""

    item_id: ObjectId
    name: str
    code: str
    unit: str
    stock: Decimal
    low_stock_quantity: Decimal
    price: Paise
    value: Paise
    is_low: bool


def stock_row(doc: dict[str, Any]) -> StockRow:
    raw_stock, raw_low = doc.get("stock"), doc.get("lowStockQuantity", 5)
    price = amount_paise(doc.get("price"))
    if type(raw_stock) is int and type(raw_low) is int:  # the common case, without Decimal
        value, is_low = raw_stock * price, raw_stock <= raw_low
        stock, low = Decimal(raw_stock), Decimal(raw_low)
    else:
        stock = _quantity(raw_stock, Decimal(0))
        low = _quantity(raw_low, DEFAULT_LOW_STOCK)
        value, is_low = round_half_up(stock * price), stock <= low
    return StockRow(doc["_id"], str(doc.get("name") or ""), str(doc.get("code") or ""),
                    str(doc.get("unit") or "nos"), stock, low, price, value, is_low)


def _quantity(value: Any, default: Decimal) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    try:
        number = quantity_of(value)
    except (MoneyError, ValueError, TypeError, ArithmeticError):
        return default
    return number if number.is_finite() else default


class _ShopStock:
    def __init__(self) -> None:
        self.rows: dict[str, StockRow] = {}
        self.order = SortedList()  # (casefolded name, key) of active items
        self.low: set[str] = set()
        self.value: Paise = 0


class StockBook:
    """Active items' stock rows per shop. Get the one of a store with :func:`stock_book`."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._shops: dict[ObjectId, _ShopStock] = {}
        #: every item's shop and place in the name order (None: inactive or shopless)
        self._home: dict[str, tuple[Any, tuple[str, str] | None]] = {}

    def attach(self, store: Store) -> None:
        store.on_commit("items", self._on_items)
        self.rebuild(store)

    def rebuild(self, store: Store) -> None:
        with store.read_lock(), self._lock, building() as built:
            self._shops.clear()
            self._home.clear()
            # Sorting once at the end is several times cheaper than 100k sorted inserts.
            positions: dict[ObjectId, list[tuple[str, str]]] = {}
            for doc in store.iter_docs("items"):
                self._add(str(doc["_id"]), doc, positions)
            for client_id, shop_positions in positions.items():
                self._shops[client_id].order.update(shop_positions)
            built.count = len(self._home)

    def ensure_current(self, store: Store) -> None:
        """Rebuild if items changed without a commit notice (a restored backup)."""
        count = store.count("items")  # before taking our lock (see SalesLedger)
        with self._lock:
            current = len(self._home) == count
        if not current:
            with store.read_lock(), self._lock:
                if len(self._home) != store.count("items"):
                    self.rebuild(store)

    def _add(self, key: str, doc: dict[str, Any],
             bulk: dict[ObjectId, list[tuple[str, str]]] | None = None) -> None:
        client_id = doc.get("clientId")
        if client_id is None:  # filed all the same, so the counts keep matching the store's
            self._home[key] = (client_id, None)
            return
        shop = self._shops.get(client_id)
        if shop is None:
            shop = self._shops[client_id] = _ShopStock()
        if not doc.get("isActive", True):
            self._home[key] = (client_id, None)
            return
        row = stock_row(doc)
        position = (row.name.casefold(), key)
        self._home[key] = (client_id, position)
        shop.rows[key] = row
        if bulk is None:
            shop.order.add(position)
        else:
            bulk.setdefault(client_id, []).append(position)
        shop.value += row.value
        if row.is_low:
            shop.low.add(key)

    def _remove(self, key: str) -> None:
        home = self._home.pop(key, None)
        if home is None or home[1] is None:
            return
        shop = self._shops[home[0]]
        row = shop.rows.pop(key)
        shop.order.remove(home[1])
        shop.value -= row.value
        shop.low.discard(key)

    def _on_items(self, changes: Changes) -> None:
        with self._lock:
            for key, doc in changes:
                if doc is not None and self._replace_row(key, doc):
                    continue
                self._remove(key)
                if doc is not None:
                    self._add(key, doc)

    def _replace_row(self, key: str, doc: dict[str, Any]) -> bool:
        """Refresh an active item's row in place when it keeps its shop and its place in
        the name order (a sale changes the stock only). False: nothing done."""
        home = self._home.get(key)
        if home is None or home[1] is None or not doc.get("isActive", True):
            return False
        if doc.get("clientId") != home[0]:
            return False
        row = stock_row(doc)
        if (row.name.casefold(), key) != home[1]:
            return False
        shop = self._shops[home[0]]
        shop.value += row.value - shop.rows[key].value
        shop.rows[key] = row
        if row.is_low:
            shop.low.add(key)
        else:
            shop.low.discard(key)
        return True

    def rows(self, client_id: ObjectId, *, low_first: bool = False) -> list[StockRow]:
        """Active items by name; with ``low_first`` the low-stock ones come first."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return []
            rows = shop.rows
            ordered = [rows[key] for _, key in shop.order]
        if low_first:
            ordered = [r for r in ordered if r.is_low] + [r for r in ordered if not r.is_low]
        return ordered

    def summary(self, client_id: ObjectId) -> tuple[int, int, Paise]:
        """(active items, low-stock items, total value) of a shop."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return 0, 0, 0
            return len(shop.rows), len(shop.low), shop.value


def _new_book(store: Store) -> StockBook:
    book = StockBook()
    book.attach(store)
    return book


def stock_book(store: Store) -> StockBook:
    """The stock book of an open store, built on first use and shared by every caller."""
    return shared(store, "stock-book", _new_book)
