"""The invoice hash chains, filed as each invoice is written: ``verify`` without re-hashing.

Checking a chain means recomputing every invoice's hash (a canonical JSON of its fields):
about 0.1 ms an invoice, 20 s for a shop with 200k invoices. This projection does it once,
when an invoice is written, and keeps per invoice: its place in its chain, its hash and
link, whether its contents still matched its hash, whether it follows the invoice before it
in its chain (``ok``: linked to its hash, next in the sequence; kept for the invoice after
it too when one is written), and a SHA-1 digest of the stored document.

A check (:func:`~viveka_pos.services.chains.store_chain_report`) reads every invoice's
stored bytes and compares digests (no decoding); an invoice whose bytes changed outside
the store (an edited file) is hashed again, and an invoice removed from the file shows as
a row without its document. When every digest matches and every row is there, the rows
are what the store made from these very documents: the chains with a row not ``ok`` are
walked in order, the others have nothing to report.
"""

from __future__ import annotations

import hashlib
import heapq
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import bson

from ..domain.hashchain import GENESIS_HASH, ChainEntry, chain_entry, chain_order, series_of
from .engine import Change
from .values import doc_key

if TYPE_CHECKING:
    from .engine import SqliteEngine

INVOICES = "vivekaDB.invoices"

_TABLES = """
CREATE TABLE IF NOT EXISTS chain_entries (
    key TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    series TEXT,
    fy TEXT NOT NULL,
    seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    label TEXT NOT NULL,
    stored TEXT,
    link TEXT,
    intact INTEGER NOT NULL,
    p_series TEXT,
    p_fy TEXT,
    p_seq INTEGER,
    digest BLOB NOT NULL,
    ok INTEGER
);
CREATE INDEX IF NOT EXISTS chain_entries_order
    ON chain_entries (client, series, fy, seq, number, key) WHERE series IS NOT NULL;
"""
#: after ``ok`` exists (a table made before it gets the column, filled, at its next open);
#: the digests in key order, read beside the invoices by ``changed_outside``
_SUSPECT_INDEX = """
CREATE INDEX IF NOT EXISTS chain_entries_suspect ON chain_entries (client, series)
    WHERE series IS NOT NULL AND ok IS NOT 1;
CREATE INDEX IF NOT EXISTS chain_entries_digest ON chain_entries (key, digest);
"""
#: ``ok`` of every row at once, by the rule of :func:`_follows`
_FILL_OK = """
UPDATE chain_entries SET ok = w.ok FROM (SELECT key, (
    intact = 1 AND p_series IS NOT NULL AND link IS COALESCE(prev_stored, ?) AND CASE
    WHEN prev_key IS NULL THEN p_seq = 1 ELSE prev_stored IS NOT NULL AND p_series = prev_series
    AND ((p_fy = prev_fy AND p_seq = prev_seq + 1) OR (p_fy > prev_fy AND p_seq = 1)) END
    ) AS ok FROM (SELECT key, intact, link, p_series, p_fy, p_seq,
    LAG(key) OVER w AS prev_key, LAG(stored) OVER w AS prev_stored,
    LAG(p_series) OVER w AS prev_series, LAG(p_fy) OVER w AS prev_fy,
    LAG(p_seq) OVER w AS prev_seq FROM chain_entries WHERE series IS NOT NULL
    WINDOW w AS (PARTITION BY client, series ORDER BY fy, seq, number, key))) w
WHERE chain_entries.key = w.key
"""
_ORDER = "(fy, seq, number, key)"
#: the columns :func:`_follows` reads of a row and of the one before it
_LINK_COLUMNS = "key, stored, link, intact, p_series, p_fy, p_seq"

#: (client, series, (fy, seq, number), entry): one invoice of a chain, in chain order
Placed = tuple[str, str, tuple[str, int, str], ChainEntry]


def digest_of(body: bytes) -> bytes:
    return hashlib.sha1(body).digest()


def _client(doc: dict[str, Any]) -> str:
    try:
        return doc_key(doc.get("clientId"))
    except TypeError:
        return "?"


def _row(key: str, doc: dict[str, Any], body: bytes) -> tuple[Any, ...]:
    entry = (
        chain_entry(doc) if series_of(doc) is not None else ChainEntry("", None, None, False, None)
    )
    fy, seq, number = chain_order(doc)
    position = entry.position
    return (
        key,
        _client(doc),
        series_of(doc),
        fy,
        seq,
        number,
        entry.label,
        entry.stored if isinstance(entry.stored, str) else None,
        entry.link if isinstance(entry.link, str) else None,
        int(entry.intact),
        *(position if position is not None else (None, None, None)),
        digest_of(body),
    )


def _follows(row: tuple[Any, ...], before: tuple[Any, ...] | None) -> bool:
    """Whether a chained row (``_LINK_COLUMNS``) is intact and follows ``before``, the row
    before it in its chain (None: it is the first): linked to its hash, and next in the
    sequence, which restarts at 1 each financial year. Rows that all follow their
    predecessors leave ``verify_entries`` nothing to report."""
    _key, _stored, link, intact, p_series, p_fy, p_seq = row
    if not intact or p_series is None:
        return False
    if before is None:
        return link == GENESIS_HASH and p_seq == 1
    _bkey, b_stored, _blink, _bintact, b_series, b_fy, b_seq = before
    return (
        b_stored is not None
        and link == b_stored
        and p_series == b_series
        and ((p_fy == b_fy and p_seq == b_seq + 1) or (p_fy > b_fy and p_seq == 1))
    )


def _placed(row: tuple[Any, ...]) -> Placed:
    (_key, client, series, fy, seq, number, label, stored, link, intact, p_series, p_fy, p_seq) = (
        row[:13]
    )
    position = None if p_series is None else (p_series, p_fy, p_seq)
    return (
        client,
        series,
        (fy, seq, number),
        ChainEntry(label, stored, link, bool(intact), position),
    )


class InvoiceChains:
    """The :class:`~.engine.Projection` keeping ``chain_entries``."""

    name = "invoice-chains"
    follows = frozenset({INVOICES})

    def create(self, cursor: sqlite3.Cursor) -> None:
        cursor.executescript(_TABLES)
        columns = {row[1] for row in cursor.execute("PRAGMA table_info(chain_entries)")}
        if "ok" not in columns:  # made before ``ok``: filled at the upgrade (NULL is walked)
            cursor.execute("ALTER TABLE chain_entries ADD COLUMN ok INTEGER")
        cursor.executescript(_SUSPECT_INDEX)

    def write(self, engine: SqliteEngine, change: Change) -> None:
        key, new, body = change.key, change.new, change.body
        was = engine.query(
            "SELECT client, series, fy, seq, number, stored FROM chain_entries WHERE key = ?",
            (key,),
        )
        row = (
            None if new is None else _row(key, new, body if body is not None else bson.encode(new))
        )
        if row is None:
            engine.execute("DELETE FROM chain_entries WHERE key = ?", (key,))
        else:
            client, series, fy, seq, number = row[1:6]
            ok = None
            if series is not None:
                before = self._neighbour(engine, client, series, (fy, seq, number, key), True)
                ok = int(_follows((key, row[7], row[8], row[9], *row[10:13]), before))
            engine.execute(
                "INSERT OR REPLACE INTO chain_entries VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, ok),
            )
            if was and tuple(was[0]) == (client, series, fy, seq, number, row[7]):
                return  # same place, same hash: the invoice after it still follows it
            if series is not None:
                self._recheck_after(engine, client, series, (fy, seq, number, key))
        if was and was[0][1] is not None:
            client, series, fy, seq, number, _stored = was[0]
            self._recheck_after(engine, client, series, (fy, seq, number, key))

    @staticmethod
    def _neighbour(
        engine: SqliteEngine, client: str, series: str, place: tuple[Any, ...], before: bool
    ) -> tuple[Any, ...] | None:
        """The row just before (or after) ``place`` in a chain (``_LINK_COLUMNS``)."""
        op, order = ("<", "DESC") if before else (">", "ASC")
        rows = engine.query(
            f"SELECT {_LINK_COLUMNS} FROM chain_entries WHERE client = ? AND series = ? "
            f"AND {_ORDER} {op} (?, ?, ?, ?) ORDER BY fy {order}, seq {order}, "
            f"number {order}, key {order} LIMIT 1",
            (client, series, *place),
        )
        return tuple(rows[0]) if rows else None

    def _recheck_after(
        self, engine: SqliteEngine, client: str, series: str, place: tuple[Any, ...]
    ) -> None:
        """Set ``ok`` again for the row after ``place`` (the row before it changed)."""
        after = self._neighbour(engine, client, series, place, False)
        if after is None:
            return
        rows = engine.query("SELECT fy, seq, number FROM chain_entries WHERE key = ?", (after[0],))
        before = self._neighbour(engine, client, series, (*rows[0], after[0]), True)
        engine.execute(
            "UPDATE chain_entries SET ok = ? WHERE key = ?",
            (int(_follows(after, before)), after[0]),
        )

    def rebuild(self, engine: SqliteEngine) -> None:
        engine.execute("DELETE FROM chain_entries")
        for key, body in engine.bodies(INVOICES):
            self.write(engine, Change(INVOICES, key, None, bson.decode(body), body))


def refill_follow_flags(engine: SqliteEngine) -> None:
    """Set every row's ``ok`` again, in one statement."""
    engine.execute(_FILL_OK, (GENESIS_HASH,))


class ChainQueries:
    """The chains of one store, checked against the stored invoices (``store.chains``)."""

    def __init__(self, engine: SqliteEngine):
        self._engine = engine

    def shops(self) -> list[str]:
        """The shops (their keys) with invoices in a chain."""
        return [
            row[0]
            for row in self._engine.query(
                "SELECT DISTINCT client FROM chain_entries WHERE series IS NOT NULL"
            )
        ]

    def suspect_chains(self, client_id: Any = None) -> tuple[int, set[tuple[str, str]]]:
        """(invoices in a chain, the chains with an invoice that does not follow the one
        before it): only those need a close look (``changed_outside`` first confirms that
        the rows are the documents' own)."""
        where = "series IS NOT NULL" + ("" if client_id is None else " AND client = ?")
        params: tuple[Any, ...] = () if client_id is None else (doc_key(client_id),)
        engine = self._engine
        total = engine.query(f"SELECT COUNT(*) FROM chain_entries WHERE {where}", params)[0][0]
        where += " AND ok IS NOT 1"
        suspect = {
            (client, series)
            for client, series in engine.query(
                f"SELECT DISTINCT client, series FROM chain_entries WHERE {where}", params
            )
        }
        return int(total), suspect

    def changed_outside(self) -> dict[str, Placed | None]:
        """Invoices whose stored bytes no longer match their row (edited outside the
        store), made afresh from the bytes (None: not in a chain, or gone: a row without
        its invoice). Reads every invoice's bytes once, beside the rows in the same key
        order (one snapshot of both)."""
        fresh: dict[str, Placed | None] = {}
        with self._engine.snapshot() as rows_of:
            filed = rows_of("SELECT key, digest FROM chain_entries ORDER BY key")
            row = next(filed, None)
            for key, body in rows_of(
                "SELECT id, body FROM docs WHERE coll = ? ORDER BY id", (INVOICES,)
            ):
                while row is not None and row[0] < key:
                    fresh[row[0]] = None
                    row = next(filed, None)
                if row is not None and row[0] == key:
                    if row[1] == digest_of(body):
                        row = next(filed, None)
                        continue
                    row = next(filed, None)
                entry = _row(key, bson.decode(body), body)
                fresh[key] = _placed(entry) if entry[2] is not None else None
            while row is not None:
                fresh[row[0]] = None
                row = next(filed, None)
        return fresh

    def invoice_count(self) -> int:
        """How many invoices the chain table holds a row for (one per invoice: checked by
        :meth:`changed_outside`)."""
        return int(self._engine.query("SELECT COUNT(*) FROM chain_entries")[0][0])

    def entries(
        self,
        client_id: Any = None,
        fresh: dict[str, Placed | None] | None = None,
        only: set[tuple[str, str]] | None = None,
    ) -> Iterator[Placed]:
        """The chained invoices (of one shop, or all; of the chains in ``only`` if given),
        in chain order: (client, series, place, entry); ``fresh`` (from
        :meth:`changed_outside`) replaces the rows of invoices changed outside the store."""
        client = None if client_id is None else doc_key(client_id)
        if fresh is None:
            fresh = self.changed_outside()
        changed = sorted(
            (p for p in fresh.values() if p is not None and (client is None or p[0] == client)),
            key=lambda p: (p[0], p[1], p[2]),
        )
        merged = heapq.merge(
            self._filed(client, fresh), iter(changed), key=lambda p: (p[0], p[1], p[2])
        )
        return merged if only is None else (p for p in merged if (p[0], p[1]) in only)

    def _filed(self, client: str | None, skip: dict[str, Placed | None]) -> Iterator[Placed]:
        where = "series IS NOT NULL" + ("" if client is None else " AND client = ?")
        params: tuple[Any, ...] = () if client is None else (client,)
        for row in self._engine.stream(
            "SELECT key, client, series, fy, seq, number, label, stored, link, intact, "
            f"p_series, p_fy, p_seq FROM chain_entries WHERE {where} "
            "ORDER BY client, series, fy, seq, number, key",
            params,
        ):
            if row[0] not in skip:
                yield _placed(row)
