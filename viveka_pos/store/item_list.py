"""The catalogue as the Inventory screen lists it: one narrow row per item (inactive ones
too), so the screen reads the page it shows, sorted and filtered in SQLite, instead of
holding every item.

``catalog_rows`` (kept in step with ``items`` inside each write's transaction, a
:class:`~.engine.Projection`): shop, casefolded name, code and HSN (and the three joined,
for "contains" filters), group, unit, price (paise), GST rate, stock and low-stock level
(numbers, for sorting and the low/out marks), whether the item is active, and its stock
``state`` (low, out: kept by triggers from the stock and the low level, so whoever writes a
row keeps it right).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .ledger import stock_values
from .values import doc_key

if TYPE_CHECKING:
    from .engine import Change, SqliteEngine

ITEMS = "vivekaDB.items"

_TABLES = """
CREATE TABLE IF NOT EXISTS catalog_rows (
    key TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    code TEXT NOT NULL,
    hsn TEXT NOT NULL,
    haystack TEXT NOT NULL,
    group_key TEXT NOT NULL,
    unit TEXT NOT NULL,
    price INTEGER NOT NULL,
    gst REAL NOT NULL,
    stock REAL NOT NULL,
    low REAL NOT NULL,
    active INTEGER NOT NULL,
    state INTEGER NOT NULL DEFAULT 0
);
"""


def _state(row: str = "") -> str:
    """``state``: 1 when the stock is at or below the low level, plus 2 when it is out (at
    or below 0). A sale changes the stock, and the state only when it crosses one of them."""
    return f"(({row}stock <= {row}low) + 2 * ({row}stock <= 0))"


_STATE_TRIGGERS = f"""
CREATE TRIGGER IF NOT EXISTS catalog_rows_state_new AFTER INSERT ON catalog_rows
        WHEN new.state IS NOT {_state("new.")}
BEGIN
    UPDATE catalog_rows SET state = {_state()} WHERE rowid = new.rowid;
END;
CREATE TRIGGER IF NOT EXISTS catalog_rows_state AFTER UPDATE OF stock, low ON catalog_rows
        WHEN new.state IS NOT {_state("new.")}
BEGIN
    UPDATE catalog_rows SET state = {_state()} WHERE rowid = new.rowid;
END;
"""
#: the column added to a list made before it; it starts at 0, so only the rows of low and
#: out-of-stock items are written
_ADD_STATE = f"""
BEGIN;
ALTER TABLE catalog_rows ADD COLUMN state INTEGER NOT NULL DEFAULT 0;
UPDATE catalog_rows SET state = {_state()} WHERE {_state()} != 0;
COMMIT;
"""
#: a trigram index over the names, codes and HSN codes, for "contains" of 3 letters or more
_GRAMS = """
CREATE VIRTUAL TABLE IF NOT EXISTS catalog_grams USING fts5 (
    haystack, content='catalog_rows', content_rowid='rowid', tokenize='trigram');
"""
#: the name order; counts per group and of low and out-of-stock items read from an index
#: alone (by the state: a sale moves an item's entry only when its state changes); the
#: price and stock orders (the others sort the list they show). The stock order is the one
#: index a sale moves: without it, sorting by stock is a sort of the whole list (S5:
#: 250-450 ms a page instead of 6 ms).
_INDEXES = """
CREATE INDEX IF NOT EXISTS catalog_rows_name ON catalog_rows (client, active, sort_name, key);
DROP INDEX IF EXISTS catalog_rows_counts;
CREATE INDEX IF NOT EXISTS catalog_rows_states ON catalog_rows (client, active, group_key, state);
CREATE INDEX IF NOT EXISTS catalog_rows_price ON catalog_rows (client, active, price,
    sort_name, key);
CREATE INDEX IF NOT EXISTS catalog_rows_stock ON catalog_rows (client, active, stock,
    sort_name, key);
"""

#: what a column of the list sorts by (the Inventory screen's columns, in order)
SORTS = {
    "name": "sort_name",
    "code": "lower(code)",
    "group": None,  # by group name: given as the groups' order
    "unit": "unit",
    "price": "price",
    "gst": "gst",
    "hsn": "hsn",
    "stock": "stock",
    "low": "low",
    # "", "Inactive", "Low stock", "Out of stock" as text sorts them
    "status": "CASE WHEN active = 0 THEN 1 WHEN stock <= 0 THEN 3 WHEN stock <= low "
    "THEN 2 ELSE 0 END",
}


def _row(key: str, doc: dict[str, Any] | None) -> tuple[Any, ...] | None:
    if doc is None or doc.get("clientId") is None:
        return None
    try:
        client = doc_key(doc["clientId"])
        group = "" if doc.get("groupId") is None else doc_key(doc["groupId"])
    except TypeError:
        return None
    stock, low, price, _value, _low = stock_values(doc)
    name = str(doc.get("name") or "").casefold()
    code = str(doc.get("code") or "").casefold()
    hsn = str(doc.get("hsnCode") or "")
    try:
        gst = float(doc.get("gstRate") or 0)
    except (TypeError, ValueError):
        gst = 0.0
    return (
        key,
        client,
        name,
        code,
        hsn.casefold(),
        f"{name} {code} {hsn.casefold()}",
        group,
        str(doc.get("unit") or "nos"),
        price,
        gst,
        float(stock),
        float(low),
        1 if doc.get("isActive", True) else 0,
    )


_COLUMNS = (
    "key, client, sort_name, code, hsn, haystack, group_key, unit, price, gst, stock, low, active"
)
_NAMES = _COLUMNS.split(", ")


def _insert(execute: Any, row: tuple[Any, ...]) -> None:
    execute(f"INSERT INTO catalog_rows ({_COLUMNS}) VALUES ({', '.join('?' * 13)})", row)


def _grams(execute: Any, row_id: int, haystack: str, *, delete: bool = False) -> None:
    if delete:
        execute(
            "INSERT INTO catalog_grams (catalog_grams, rowid, haystack) VALUES ('delete', ?, ?)",
            (row_id, haystack),
        )
    else:
        execute("INSERT INTO catalog_grams (rowid, haystack) VALUES (?, ?)", (row_id, haystack))


def _put(engine: SqliteEngine, change: Change) -> None:
    """File an item's change. The usual one (a sale: its stock) changes its row in place,
    without reading it: the row holds what the old document gives (``_row``), so the
    columns to set are those where the new document gives another value. Only those are
    set: SQLite rewrites every index holding a column named in an UPDATE, and a bill's ten
    items would otherwise rewrite every index of the list."""
    key = change.key
    old = None if change.old is None else _row(key, change.old)
    row = _row(key, change.new)
    if old is None or row is None or row[5] != old[5]:
        _refile(engine, key, row)  # new, gone, or its text changed
        return
    _set_changed(engine, row, old, "key", key)


def _set_changed(
    engine: SqliteEngine, row: tuple[Any, ...], stored: Any, where: str, at: Any
) -> None:
    """Set the columns where ``row`` differs from ``stored``, in the row whose ``where``
    column is ``at`` (no statement when none differs)."""
    changed = [n for n, (now, was) in enumerate(zip(row, stored, strict=True)) if now != was]
    if changed:
        engine.execute(
            f"UPDATE catalog_rows SET {', '.join(f'{_NAMES[n]} = ?' for n in changed)} "
            f"WHERE {where} = ?",
            (*(row[n] for n in changed), at),
        )


def _refile(engine: SqliteEngine, key: str, row: tuple[Any, ...] | None) -> None:
    """File an item's row (None: none) against the stored one, the text index with it."""
    found = engine.query(f"SELECT rowid, {_COLUMNS} FROM catalog_rows WHERE key = ?", (key,))
    if found:
        row_id, *stored = found[0]
        haystack = stored[5]
        if row is None or row[5] != haystack:
            _grams(engine.execute, row_id, haystack, delete=True)
        if row is None:
            engine.execute("DELETE FROM catalog_rows WHERE rowid = ?", (row_id,))
            return
        _set_changed(engine, row, stored, "rowid", row_id)
        if row[5] != haystack:
            _grams(engine.execute, row_id, row[5])
    elif row is not None:
        _insert(engine.execute, row)
        row_id = engine.query("SELECT rowid FROM catalog_rows WHERE key = ?", (key,))[0][0]
        _grams(engine.execute, row_id, row[5])


class ItemList:
    """The list table's :class:`~.engine.Projection`."""

    name = "item-list"
    follows = frozenset({ITEMS})

    def create(self, cursor: sqlite3.Cursor) -> None:
        cursor.executescript(_TABLES)
        if not any(row[1] == "state" for row in cursor.execute("PRAGMA table_info(catalog_rows)")):
            # a list made before the state column (it came after data version 4): filled
            # here, once, in one transaction
            cursor.executescript(_ADD_STATE)
        cursor.executescript(_GRAMS + _STATE_TRIGGERS + _INDEXES)

    def write(self, engine: SqliteEngine, change: Change) -> None:
        _put(engine, change)

    def write_many(self, engine: SqliteEngine, changes: list[Change]) -> None:
        """:meth:`write` of a page of changes (a pull): items new to the list are filed
        with one statement per table; the others as one write does."""
        keys = [change.key for change in changes]
        listed: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            listed.update(
                row[0]
                for row in engine.query(
                    f"SELECT key FROM catalog_rows WHERE key IN ({', '.join('?' * len(chunk))})",
                    tuple(chunk),
                )
            )
        new_rows: list[tuple[Any, ...]] = []
        for change in changes:
            if change.key in listed:
                _put(engine, change)
            elif (row := _row(change.key, change.new)) is not None:
                new_rows.append(row)
        if not new_rows:
            return
        engine.execute_many(
            f"INSERT INTO catalog_rows ({_COLUMNS}) VALUES ({', '.join('?' * 13)})", new_rows
        )
        haystacks = {row[0]: row[5] for row in new_rows}
        filed: list[tuple[int, str]] = []
        added = list(haystacks)
        for start in range(0, len(added), 500):
            chunk = added[start : start + 500]
            filed += [
                (row_id, haystacks[key])
                for row_id, key in engine.query(
                    "SELECT rowid, key FROM catalog_rows WHERE key IN "
                    f"({', '.join('?' * len(chunk))})",
                    tuple(chunk),
                )
            ]
        engine.execute_many("INSERT INTO catalog_grams (rowid, haystack) VALUES (?, ?)", filed)

    def rebuild(self, engine: SqliteEngine) -> None:
        engine.execute("DELETE FROM catalog_rows")
        for key, doc in engine._scan(ITEMS):
            row = _row(key, doc)
            if row is not None:
                _insert(engine.execute, row)
        engine.execute("INSERT INTO catalog_grams (catalog_grams) VALUES ('rebuild')")


@dataclass(frozen=True)
class ItemFilter:
    """Which items, in which order. ``group`` is a group's key, '' for items in no group,
    None for all; each of ``terms`` must be in the name, code or HSN, or in the name of
    the item's group (``groups_named`` gives, per term, the keys of the groups whose name
    holds it)."""

    client: str
    terms: tuple[str, ...] = ()
    groups_named: tuple[tuple[str, ...], ...] = ()
    group: str | None = None
    low_only: bool = False
    include_inactive: bool = False
    sort: str = "name"
    descending: bool = False
    #: group keys in the order of their names (to sort by group)
    group_order: tuple[str, ...] = ()

    def where(self) -> tuple[str, list[Any]]:
        parts, params = ["client = ?"], [self.client]
        if not self.include_inactive or self.low_only:
            parts.append("active = 1")
        if self.low_only:
            parts.append("stock <= low")
        if self.group is not None:
            parts.append("group_key = ?")
            params.append(self.group)
        for term, groups in zip(self.terms, self.groups_named, strict=True):
            marks = ", ".join("?" * len(groups))
            in_group = f" OR group_key IN ({marks})" if groups else ""
            if len(term) >= 3:  # the trigram index holds it
                parts.append(
                    "(rowid IN (SELECT rowid FROM catalog_grams WHERE catalog_grams "
                    f"MATCH ?){in_group})"
                )
                params += ['"' + term.replace('"', '""') + '"', *groups]
            else:
                parts.append(f"(instr(haystack, ?) > 0{in_group})")
                params += [term, *groups]
        return " AND ".join(parts), params

    def order(self) -> tuple[str, list[Any]]:
        direction = " DESC" if self.descending else ""
        if self.sort == "group":
            if not self.group_order:
                # no groups: every item ranks alike, so the name order (a rank of a bare 0
                # would be read as a column number)
                return "sort_name, key", []
            cases = " ".join("WHEN ? THEN ?" for _ in self.group_order)
            rank = f"CASE group_key {cases} ELSE {len(self.group_order)} END"
            params: list[Any] = [v for n, key in enumerate(self.group_order) for v in (key, n)]
            return f"{rank}{direction}, sort_name, key", params
        column = SORTS.get(self.sort) or "sort_name"
        return f"{column}{direction}, sort_name, key", []


class ItemListQueries:
    """Pages and counts of the item list of one store (``store.item_list``)."""

    def __init__(self, engine: SqliteEngine):
        self._engine = engine

    def page(self, wanted: ItemFilter, offset: int, limit: int) -> list[str]:
        """Keys of the items ``offset`` to ``offset + limit`` in the filter's order."""
        where, params = wanted.where()
        order, order_params = wanted.order()
        return [
            row[0]
            for row in self._engine.query(
                f"SELECT key FROM catalog_rows WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                (*params, *order_params, limit, offset),
            )
        ]

    def position(self, wanted: ItemFilter, key: str) -> int:
        """Where the item is in the filter's order (-1 when the filter leaves it out)."""
        where, params = wanted.where()
        order, order_params = wanted.order()
        rows = self._engine.query(
            f"SELECT n FROM (SELECT key, ROW_NUMBER() OVER (ORDER BY {order}) - 1 AS n "
            f"FROM catalog_rows WHERE {where}) WHERE key = ?",
            (*order_params, *params, key),
        )
        return int(rows[0][0]) if rows else -1

    def counts(self, wanted: ItemFilter) -> tuple[int, int, int]:
        """(items, active ones out of stock, active ones low but not out)."""
        where, params = wanted.where()
        row = self._engine.query(
            "SELECT COUNT(*), COALESCE(SUM(active = 1 AND state >= 2), 0), "
            "COALESCE(SUM(active = 1 AND state = 1), 0) "
            f"FROM catalog_rows WHERE {where}",
            tuple(params),
        )[0]
        return int(row[0]), int(row[1]), int(row[2])

    def by_group(self, client: str, include_inactive: bool) -> dict[str, int]:
        """group key ('' for none) -> items."""
        active = "" if include_inactive else " AND active = 1"
        return {
            row[0]: int(row[1])
            for row in self._engine.query(
                f"SELECT group_key, COUNT(*) FROM catalog_rows WHERE client = ?{active} "
                "GROUP BY group_key",
                (client,),
            )
        }
