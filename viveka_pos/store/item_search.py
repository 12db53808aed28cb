"""Item search tables: active items by code and name, with FTS5 word and substring indexes.

Kept in step with ``items`` inside each write's transaction (a
:class:`~.engine.Projection`), so nothing is built at start-up and an import or a sync pull
is searchable the moment it commits.

- ``search_items``: one row per active item: its shop, casefolded name and code. Row ids
  follow the name order (an item added later is given an id between its neighbours'; when
  no room is left the ids of the rows around it are dealt out again), so FTS5 matches,
  which come in row-id order, come in name order: the first twenty of a broad query are
  read without sorting the rest (bm25 ranking cost ~50 ms a query at 100k items; this ~0.1 ms).
- ``search_words``: FTS5 over the names' words (unicode61, prefix indexes 1-3), for
  "every term starts a word".
- ``search_grams``: FTS5 trigram index over the same words, for terms found inside words.

Words are the runs of ``[0-9a-z]`` and Devanagari in the casefolded name; they are written
to FTS5 joined by spaces, so the tokenizers see exactly these words.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .values import doc_key

if TYPE_CHECKING:
    from .engine import Change, SqliteEngine

ITEMS = "vivekaDB.items"
WORD = re.compile(r"[0-9a-z\u0900-\u097f]+")
#: row ids dealt out this far apart, leaving room for items added between two names
SPACING = 1 << 32
_LAST_ID = 1 << 62

_DEVANAGARI = "".join(chr(c) for c in range(0x0900, 0x0980))
_TABLES = f"""
CREATE TABLE IF NOT EXISTS search_items (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    client TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    words TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS search_items_name ON search_items (client, name, key);
CREATE INDEX IF NOT EXISTS search_items_code ON search_items (client, code, key);
CREATE INDEX IF NOT EXISTS search_items_order ON search_items (name, key);
CREATE VIRTUAL TABLE IF NOT EXISTS search_words USING fts5 (
    words, content='search_items', content_rowid='id',
    tokenize="unicode61 remove_diacritics 0 tokenchars '{_DEVANAGARI}'", prefix='1 2 3');
CREATE VIRTUAL TABLE IF NOT EXISTS search_grams USING fts5 (
    words, content='search_items', content_rowid='id', tokenize='trigram');
"""


def words_of(name: str) -> list[str]:
    """The distinct words of a casefolded name, in order."""
    return list(dict.fromkeys(WORD.findall(name)))


class ItemSearch:
    """The search tables' :class:`~.engine.Projection`, and the queries on them."""

    name = "item-search"
    follows = frozenset({ITEMS})

    def create(self, cursor: sqlite3.Cursor) -> None:
        cursor.executescript(_TABLES)

    def write(self, engine: SqliteEngine, change: Change) -> None:
        self.write_many(engine, [change])

    def write_many(self, engine: SqliteEngine, changes: list[Change]) -> None:
        """File a page of changes (one write's, or a pull's): the rows that go and the rows
        that come each in one statement per table. New names are given ids in name order,
        spread evenly over the room between their neighbours (made once for a whole run
        where too small), so names arriving in order move no filed row, or a few once per
        page."""
        going: list[str] = []
        coming: list[tuple[str, str, str, str]] = []
        for change in changes:
            entry = _entry(change.new)
            if change.old is not None and change.new is not None and _entry(change.old) == entry:
                continue  # nothing searchable changed
            going.append(change.key)  # (a new document's stale row, if any, goes too)
            if entry is not None:
                client, name, code = entry
                coming.append((name, change.key, client, code))
        rows: list[tuple[int, str]] = []
        for start in range(0, len(going), 500):
            chunk = going[start : start + 500]
            rows += engine.query(
                f"SELECT id, words FROM search_items WHERE key IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
        _delete_rows(engine, rows)
        coming.sort()
        position = 0
        while position < len(coming):
            position = self._file_run(engine, coming, position)

    def _file_run(
        self, engine: SqliteEngine, coming: list[tuple[str, str, str, str]], position: int
    ) -> int:
        """File the run of new entries (sorted by (name, key), none filed yet) from
        ``position`` that lies between the same two filed neighbours: they share the room
        between them evenly (after the last name: :data:`SPACING` apart), made first where
        it is too small. Returns where the next run starts."""
        name, key = coming[position][:2]
        before, after = _neighbours(engine, name, key, 1)
        end = position + 1
        if after:
            bound = (after[0][3], after[0][1])
            while end < len(coming) and coming[end][:2] < bound:
                end += 1
        else:
            end = len(coming)
        count = end - position
        low = before[0][0] if before else 0
        if after:
            step = (after[0][0] - low) // (count + 1)
        else:
            step = min(SPACING, (_LAST_ID - low) // (count + 1))
        # One name takes the middle of any gap, which halves it; a run of names is spread
        # with wide gaps left between them for the names that come later.
        if step < (1 if count == 1 else max(2, SPACING >> 8)):
            ids = self._make_room(engine, name, key, count)
        else:
            ids = [low + step * n for n in range(1, count + 1)]
        _insert_rows(
            engine,
            [
                (row_id, key, client, name, code, " ".join(words_of(name)))
                for (name, key, client, code), row_id in zip(coming[position:end], ids, strict=True)
            ],
        )
        return end

    def _make_room(self, engine: SqliteEngine, name: str, key: str, count: int = 1) -> list[int]:
        """Deal out again, evenly, the ids of the rows around (name, key), leaving ``count``
        slots in a row there (for it, and the names just after it that are filed next and
        have no row between them), and return the slots' ids.

        The window starts at a few rows each side and widens until its ids span enough room
        (each new gap at least ``SPACING >> 8``), so a run of names added in order next to
        one neighbour costs a few rows now and then, never the whole table each time."""
        reach = 8
        while True:
            before, after = _neighbours(engine, name, key, reach + 1)
            at_start, at_end = len(before) <= reach, len(after) <= reach
            low = 0 if at_start else before.pop()[0]
            rows = before[::-1] + (after if at_end else after[:-1])
            if at_end:  # the window reaches the last name: the room after it is free
                top = max((row[0] for row in rows), default=low)
                high = min(_LAST_ID, top + SPACING * (len(rows) + count + 1))
            else:
                high = after[-1][0]
            step = (high - low) // (len(rows) + count + 1)
            if step >= max(2, SPACING >> 8) or (at_start and at_end):
                break
            reach *= 4
        _delete_rows(engine, [(row[0], row[5]) for row in rows])
        first = len(before) + 1
        _insert_rows(
            engine,
            [
                (low + step * (position + (count + 1 if position >= len(before) else 1)), *row[1:])
                for position, row in enumerate(rows)
            ],
        )
        return [low + step * (first + n) for n in range(count)]

    def rebuild(self, engine: SqliteEngine) -> None:
        engine.execute("DELETE FROM search_items")
        for table in ("search_words", "search_grams"):
            engine.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
        coming = []
        for key, doc in engine._scan(ITEMS):
            entry = _entry(doc)
            if entry is not None:
                coming.append((entry[1], key, entry[0], entry[2]))
        coming.sort()
        if coming:  # one run: the table is empty, so the ids come SPACING apart
            self._file_run(engine, coming, 0)


def _insert_rows(engine: SqliteEngine, rows: list[tuple[Any, ...]]) -> None:
    """File rows (id, key, client, name, code, words) and their words in both text indexes."""
    engine.execute_many(
        "INSERT INTO search_items (id, key, client, name, code, words) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    for table in ("search_words", "search_grams"):
        engine.execute_many(
            f"INSERT INTO {table} (rowid, words) VALUES (?, ?)", [(r[0], r[5]) for r in rows]
        )


def _delete_rows(engine: SqliteEngine, rows: list[tuple[int, str]]) -> None:
    """Remove filed rows, given as (id, words), from the table and both text indexes."""
    for table in ("search_words", "search_grams"):
        engine.execute_many(
            f"INSERT INTO {table} ({table}, rowid, words) VALUES ('delete', ?, ?)", rows
        )
    engine.execute_many("DELETE FROM search_items WHERE id = ?", [(r[0],) for r in rows])


def _neighbours(
    engine: SqliteEngine, name: str, key: str, count: int
) -> tuple[list[Any], list[Any]]:
    """Up to ``count`` filed rows (id, key, client, name, code, words) each side of
    (name, key): those before it nearest first, those after it in order."""
    columns = "id, key, client, name, code, words"
    before = engine.query(
        f"SELECT {columns} FROM search_items WHERE (name, key) < (?, ?) "
        "ORDER BY name DESC, key DESC LIMIT ?",
        (name, key, count),
    )
    after = engine.query(
        f"SELECT {columns} FROM search_items WHERE (name, key) > (?, ?) ORDER BY name, key LIMIT ?",
        (name, key, count),
    )
    return before, after


def _entry(doc: dict[str, Any] | None) -> tuple[str, str, str] | None:
    """(client, casefolded name, casefolded code) of a searchable item."""
    if doc is None or doc.get("clientId") is None or not doc.get("isActive", True):
        return None
    try:
        client = doc_key(doc["clientId"])
    except TypeError:  # a shop reference no shop can have: not searchable
        return None
    name = str(doc.get("name") or "").casefold()
    code = str(doc.get("code") or "").strip().casefold()
    return client, name, code


class SearchQueries:
    """Search queries on the item search tables of one store (``store.item_search``)."""

    def __init__(self, engine: SqliteEngine):
        self._engine = engine

    def by_code(self, client_id: Any, code: str) -> list[str]:
        client = doc_key(client_id)
        return [
            row[0]
            for row in self._engine.query(
                "SELECT key FROM search_items WHERE client = ? AND code = ? ORDER BY key",
                (client, code),
            )
        ]

    def code_prefix(self, client_id: Any, text: str, limit: int) -> list[str]:
        return self._prefix("code", client_id, text, limit)

    def name_prefix(self, client_id: Any, text: str, limit: int) -> list[str]:
        return self._prefix("name", client_id, text, limit)

    def _prefix(self, column: str, client_id: Any, text: str, limit: int) -> list[str]:
        """Keys of the items whose ``column`` starts with ``text``, in that column's order."""
        return [
            row[0]
            for row in self._engine.query(
                f"SELECT key FROM search_items WHERE client = ? AND {column} >= ? AND "
                f"{column} < ? ORDER BY {column}, key LIMIT ?",
                (doc_key(client_id), text, text + "\uffff", limit),
            )
        ]

    def matching(
        self, client_id: Any, terms: list[str], *, inside: bool
    ) -> Iterator[tuple[str, str]]:
        """(key, words) of the items in name order where every term starts a word, or
        (``inside``) where every term of three letters or more is found in the words (the
        caller checks within which word, and the shorter terms). Read a chunk at a time, as
        far as the caller goes."""
        client = doc_key(client_id)
        long_terms = [t for t in terms if len(t) >= 3]
        if inside and long_terms:
            table = "search_grams"
            query = " AND ".join(f'"{t}"' for t in long_terms)
        else:
            table = "search_words"
            query = " AND ".join(f'"{t}"*' for t in terms)
        after = -1
        chunk = 32
        while True:
            rows = self._engine.query(
                f"SELECT s.id, s.key, s.client, s.words FROM {table} f "
                f"JOIN search_items s ON s.id = f.rowid WHERE {table} MATCH ? "
                "AND f.rowid > ? ORDER BY f.rowid LIMIT ?",
                (query, after, chunk),
            )
            for _row_id, key, owner, words in rows:
                if owner == client:
                    yield key, words
            if len(rows) < chunk:
                return
            after = rows[-1][0]
            chunk = min(chunk * 4, 1000)
