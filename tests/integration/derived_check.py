"""Whether the tables a store derives from its documents hold what a rebuild from those
documents makes.

Every write keeps the derived tables (index rows, unique keys, report ledgers and their
sums, item and customer search, the item list, the invoice chains) in step inside its own
transaction. A mistake in that upkeep would not lose a document, but it would make a
report, a search or a duplicate check wrong until the next ``doctor --rebuild``, and no
check of the documents alone would notice. Here a copy of the database is compared with
the same copy rebuilt; the full-text indexes are checked against their content tables.
Used after kills and restores by ``bench/soak.py``.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from pathlib import Path

from viveka_pos.store import open_store
from viveka_pos.store.store import DB_FILE

#: the document tables themselves, and the store's own bookkeeping: not derived
_SOURCES = {"docs", "meta", "store_info"}
#: columns that only number rows: a rebuild deals them out again
_ROW_NUMBERS = {("search_items", "id"), ("search_customers", "id")}


def derived_drift(db_file: Path, limit: int = 5) -> tuple[list[str], int]:
    """The differences between the derived tables of ``db_file`` and what a rebuild of a
    copy makes of them (at most ``limit`` rows named per table), and how many derived rows
    were compared. ``db_file`` is only read."""
    with tempfile.TemporaryDirectory(prefix="viveka-derived-") as tmp:
        copy = Path(tmp) / DB_FILE
        source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
            problems = _text_index_problems(target) + _search_order_problems(target)
            before = _derived_rows(target)
        finally:
            source.close()
            target.close()
        store = open_store(Path(tmp))
        try:
            store.rebuild_derived()
        finally:
            store.close()
        rebuilt = sqlite3.connect(copy)
        try:
            after = _derived_rows(rebuilt)
        finally:
            rebuilt.close()
    for table in sorted(before.keys() | after.keys()):
        kept, made = before.get(table, Counter()), after.get(table, Counter())
        extra, missing = sorted((kept - made).elements()), sorted((made - kept).elements())
        problems += [f"{table}: kept {row!r}, a rebuild does not make it" for row in extra[:limit]]
        problems += [f"{table}: a rebuild makes {row!r}, not kept" for row in missing[:limit]]
    return problems, sum(sum(rows.values()) for rows in before.values())


def _virtual_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")
        if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")
    ]


def _derived_rows(conn: sqlite3.Connection) -> dict[str, Counter[tuple[object, ...]]]:
    """table -> its rows (without row numbers), for every derived ordinary table."""
    virtual = _virtual_tables(conn)
    rows: dict[str, Counter[tuple[object, ...]]] = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"):
        if (
            table in _SOURCES
            or table.startswith("sqlite_")
            or any(table == v or table.startswith(v + "_") for v in virtual)
        ):
            continue
        columns = [
            name
            for _cid, name, *_rest in conn.execute(f'PRAGMA table_info("{table}")')
            if (table, name) not in _ROW_NUMBERS
        ]
        listed = ", ".join(f'"{name}"' for name in columns)
        rows[table] = Counter(conn.execute(f'SELECT {listed} FROM "{table}"'))
    return rows


def _text_index_problems(conn: sqlite3.Connection) -> list[str]:
    """Full-text indexes that do not match the rows they index (FTS5's own check, against
    the content table)."""
    problems = []
    for table in _virtual_tables(conn):
        try:
            conn.execute(f'INSERT INTO "{table}" ("{table}", rank) VALUES (\'integrity-check\', 1)')
        except sqlite3.DatabaseError as exc:
            problems.append(f"{table}: the text index does not match its rows ({exc})")
    return problems


def _search_order_problems(conn: sqlite3.Connection) -> list[str]:
    """Item search rows numbered out of name order (search reads matches in row order as
    the name order)."""
    by_number = [key for (key,) in conn.execute("SELECT key FROM search_items ORDER BY id")]
    by_name = [key for (key,) in conn.execute("SELECT key FROM search_items ORDER BY name, key")]
    if by_number == by_name:
        return []
    first = next(n for n, (a, b) in enumerate(zip(by_number, by_name, strict=True)) if a != b)
    return [
        f"search_items: row {first} in number order is {by_number[first]}, by name {by_name[first]}"
    ]
