"""Customer lookup tables: each customer's casefolded name and phone, by name order, with
an FTS5 trigram index for "the phone contains these digits" / "the name contains this".

Kept in step with ``clientCustomers`` inside each write's transaction (a
:class:`~.engine.Projection`), so a lookup reads the rows it shows: nothing is built at
start-up and nothing scans every customer per keystroke.

- ``search_customers``: one row per customer: shop, casefolded name, phone; an index in
  (shop, name, phone) order serves the list as it is shown and short queries;
- ``search_customer_grams``: FTS5 trigram index over (name, phone), for queries of three
  characters or more.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from .values import doc_key

if TYPE_CHECKING:
    from .engine import Change, SqliteEngine

CUSTOMERS = "vivekaDB.clientCustomers"
#: below this many characters a term is looked for by scanning the name-ordered index
#: (the trigram index needs three)
TRIGRAM = 3

_TABLES = """
CREATE TABLE IF NOT EXISTS search_customers (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    client TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS search_customers_order ON search_customers (client, name, phone, key);
CREATE VIRTUAL TABLE IF NOT EXISTS search_customer_grams USING fts5 (
    name, phone, content='search_customers', content_rowid='id', tokenize='trigram');
"""


def _entry(doc: dict[str, Any] | None) -> tuple[str, str, str] | None:
    """(shop, casefolded name, phone) of a customer that can be looked up."""
    if doc is None or doc.get("clientId") is None:
        return None
    try:
        client = doc_key(doc["clientId"])
    except TypeError:
        return None
    return client, str(doc.get("name") or "").casefold(), str(doc.get("phoneNumber") or "")


class CustomerSearch:
    """The lookup tables' :class:`~.engine.Projection`."""

    name = "customer-search"
    follows = frozenset({CUSTOMERS})

    def create(self, cursor: sqlite3.Cursor) -> None:
        cursor.executescript(_TABLES)

    def write(self, engine: SqliteEngine, change: Change) -> None:
        entry = _entry(change.new)
        if change.old is not None and change.new is not None and _entry(change.old) == entry:
            return  # a purchase moved lastPurchaseAt: nothing searchable changed
        _remove(engine.execute, engine.query, change.key)
        if entry is not None:
            _insert(engine.execute, change.key, *entry)

    def rebuild(self, engine: SqliteEngine) -> None:
        engine.execute("DELETE FROM search_customers")
        engine.execute(
            "INSERT INTO search_customer_grams (search_customer_grams) VALUES ('delete-all')"
        )
        for key, doc in engine._scan(CUSTOMERS):
            entry = _entry(doc)
            if entry is not None:
                _insert(engine.execute, key, *entry)


def _insert(execute: Any, key: str, client: str, name: str, phone: str) -> None:
    execute(
        "INSERT INTO search_customers (key, client, name, phone) VALUES (?, ?, ?, ?)",
        (key, client, name, phone),
    )
    execute(
        "INSERT INTO search_customer_grams (rowid, name, phone) "
        "SELECT id, name, phone FROM search_customers WHERE key = ?",
        (key,),
    )


def _remove(execute: Any, query: Any, key: str) -> None:
    rows = query("SELECT id, name, phone FROM search_customers WHERE key = ?", (key,))
    if not rows:
        return
    row_id, name, phone = rows[0]
    execute(
        "INSERT INTO search_customer_grams (search_customer_grams, rowid, name, phone) "
        "VALUES ('delete', ?, ?, ?)",
        (row_id, name, phone),
    )
    execute("DELETE FROM search_customers WHERE id = ?", (row_id,))


def _like(text: str) -> str:
    """A LIKE pattern for "contains ``text``" (its own % and _ taken literally)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CustomerQueries:
    """Lookups on the customer tables of one store (``store.customer_search``)."""

    def __init__(self, engine: SqliteEngine):
        self._engine = engine

    def find(
        self, client_id: Any, *, digits: str = "", text: str = "", limit: int = 50
    ) -> list[str]:
        """Keys of the shop's customers, by (name, phone): those whose phone contains
        ``digits`` or (no digits) whose casefolded name contains ``text``; all when both
        are empty."""
        client = doc_key(client_id)
        column, wanted = ("phone", digits) if digits else ("name", text.casefold())
        if len(wanted) >= TRIGRAM:
            phrase = '"' + wanted.replace('"', '""') + '"'
            rows = self._engine.query(
                # CROSS JOIN: the index's matches first, then their rows (SQLite would
                # otherwise walk every customer in name order and probe the index for each)
                "SELECT s.key FROM search_customer_grams g CROSS JOIN search_customers s "
                "ON s.id = g.rowid WHERE search_customer_grams MATCH ? AND s.client = ? "
                "ORDER BY s.name, s.phone, s.key LIMIT ?",
                (f"{column} : {phrase}", client, limit),
            )
        elif wanted:
            rows = self._engine.query(
                "SELECT key FROM search_customers INDEXED BY search_customers_order "
                f"WHERE client = ? AND {column} LIKE ? ESCAPE '\\' "
                "ORDER BY name, phone, key LIMIT ?",
                (client, _like(wanted), limit),
            )
        else:
            rows = self._engine.query(
                "SELECT key FROM search_customers WHERE client = ? "
                "ORDER BY name, phone, key LIMIT ?",
                (client, limit),
            )
        return [row[0] for row in rows]
