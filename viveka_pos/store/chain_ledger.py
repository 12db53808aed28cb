"""The invoice hash chains, filed as each invoice is written: ``verify`` without re-hashing.

Checking a chain means recomputing every invoice's hash (a canonical JSON of its fields):
about 0.1 ms an invoice, 20 s for a shop with 200k invoices. This projection does it once,
when an invoice is written, and keeps per invoice: its place in its chain, its hash and
link, whether its contents still matched its hash, and a digest of the stored document. A
check then reads each invoice's stored bytes and compares digests (fast: no decoding); only
an invoice whose bytes changed outside the store (an edited file) is hashed again. The
chain itself is then walked in order from this table, a row at a time.

Nothing is trusted that the check does not confirm: a row is used only while the digest of
the document it was made from matches the document's bytes now.
"""

from __future__ import annotations

import hashlib
import heapq
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import bson

from ..domain.hashchain import GENESIS_HASH, ChainEntry, chain_entry, chain_order, series_of
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
    digest BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chain_entries_order
    ON chain_entries (client, series, fy, seq, number, key) WHERE series IS NOT NULL;
"""

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
    entry = chain_entry(doc) if series_of(doc) is not None else ChainEntry(
        "", None, None, False, None)
    fy, seq, number = chain_order(doc)
    position = entry.position
    return (key, _client(doc), series_of(doc), fy, seq, number, entry.label,
            entry.stored if isinstance(entry.stored, str) else None,
            entry.link if isinstance(entry.link, str) else None, int(entry.intact),
            *(position if position is not None else (None, None, None)), digest_of(body))


def _placed(row: tuple[Any, ...]) -> Placed:
    (_key, client, series, fy, seq, number, label, stored, link, intact,
     p_series, p_fy, p_seq) = row[:13]
    position = None if p_series is None else (p_series, p_fy, p_seq)
    return client, series, (fy, seq, number), ChainEntry(label, stored, link, bool(intact),
                                                        position)


class InvoiceChains:
    """The :class:`~.engine.Projection` keeping ``chain_entries``."""

    name = "invoice-chains"
    follows = frozenset({INVOICES})

    def create(self, cursor: sqlite3.Cursor) -> None:
        cursor.executescript(_TABLES)

    def write(self, engine: SqliteEngine, collection: str, key: str,
              old: dict[str, Any] | None, new: dict[str, Any] | None,
              body: bytes | None = None) -> None:
        if new is None:
            engine.execute("DELETE FROM chain_entries WHERE key = ?", (key,))
            return
        engine.execute("INSERT OR REPLACE INTO chain_entries VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       _row(key, new, body if body is not None else bson.encode(new)))

    def rebuild(self, engine: SqliteEngine) -> None:
        engine.execute("DELETE FROM chain_entries")
        for key, body in engine.bodies(INVOICES):
            self.write(engine, INVOICES, key, None, bson.decode(body), body)


class ChainQueries:
    """The chains of one store, checked against the stored invoices (``store.chains``)."""

    def __init__(self, engine: SqliteEngine):
        self._engine = engine

    def shops(self) -> list[str]:
        """The shops (their keys) with invoices in a chain."""
        return [row[0] for row in self._engine.query(
            "SELECT DISTINCT client FROM chain_entries WHERE series IS NOT NULL")]

    def suspect_chains(self, client_id: Any = None) -> tuple[int, set[tuple[str, str]]]:
        """(invoices in a chain, the chains that need a close look), in one SQL pass: a
        chain where every invoice is intact, links to the one before it and follows it in
        the sequence has nothing to report; only the others are walked in Python."""
        where = "series IS NOT NULL" + ("" if client_id is None else " AND client = ?")
        params: tuple[Any, ...] = (GENESIS_HASH,) + (
            () if client_id is None else (doc_key(client_id),))
        total = 0
        suspect: set[tuple[str, str]] = set()
        for client, series, rows, bad in self._engine.stream(
                "SELECT client, series, COUNT(*), SUM(NOT ("
                " intact = 1 AND p_series IS NOT NULL AND"
                " link IS COALESCE(prev_stored, ?) AND CASE WHEN prev_key IS NULL"
                "  THEN p_seq = 1 ELSE p_series = prev_series AND ("
                "  (p_fy = prev_fy AND p_seq = prev_seq + 1) OR (p_fy > prev_fy AND p_seq = 1))"
                " END)) FROM (SELECT client, series, intact, link, p_series, p_fy, p_seq,"
                " LAG(key) OVER w AS prev_key, LAG(stored) OVER w AS prev_stored,"
                " LAG(p_series) OVER w AS prev_series, LAG(p_fy) OVER w AS prev_fy,"
                " LAG(p_seq) OVER w AS prev_seq"
                f" FROM chain_entries WHERE {where}"
                " WINDOW w AS (PARTITION BY client, series ORDER BY fy, seq, number, key))"
                " GROUP BY client, series", params):
            total += rows
            if bad:
                suspect.add((client, series))
        return total, suspect

    def changed_outside(self) -> dict[str, Placed | None]:
        """Invoices whose stored bytes no longer match their row (edited outside the
        store), made afresh from the bytes (None: not in a chain, or gone)."""
        engine = self._engine
        fresh: dict[str, Placed | None] = {}
        for key, body, digest in engine.stream(
                "SELECT d.id, d.body, c.digest FROM docs d LEFT JOIN chain_entries c "
                "ON c.key = d.id WHERE d.coll = ?", (INVOICES,)):
            if digest != digest_of(body):
                doc = bson.decode(body)
                row = _row(key, doc, body)
                fresh[key] = _placed(row) if row[2] is not None else None
        for (key,) in engine.query(
                "SELECT c.key FROM chain_entries c LEFT JOIN docs d ON d.coll = ? AND "
                "d.id = c.key WHERE d.id IS NULL", (INVOICES,)):
            fresh[key] = None  # a row without its invoice: the invoice is gone
        return fresh

    def entries(self, client_id: Any = None, fresh: dict[str, Placed | None] | None = None,
                only: set[tuple[str, str]] | None = None) -> Iterator[Placed]:
        """The chained invoices (of one shop, or all; of the chains in ``only`` if given),
        in chain order: (client, series, place, entry); ``fresh`` (from
        :meth:`changed_outside`) replaces the rows of invoices changed outside the store."""
        client = None if client_id is None else doc_key(client_id)
        if fresh is None:
            fresh = self.changed_outside()
        changed = sorted((p for p in fresh.values()
                          if p is not None and (client is None or p[0] == client)),
                         key=lambda p: (p[0], p[1], p[2]))
        merged = heapq.merge(self._filed(client, fresh), iter(changed),
                             key=lambda p: (p[0], p[1], p[2]))
        return merged if only is None else (p for p in merged if (p[0], p[1]) in only)

    def _filed(self, client: str | None, skip: dict[str, Placed | None]) -> Iterator[Placed]:
        where = "series IS NOT NULL" + ("" if client is None else " AND client = ?")
        params: tuple[Any, ...] = () if client is None else (client,)
        for row in self._engine.stream(
                "SELECT key, client, series, fy, seq, number, label, stored, link, intact, "
                f"p_series, p_fy, p_seq FROM chain_entries WHERE {where} "
                "ORDER BY client, series, fy, seq, number, key", params):
            if row[0] not in skip:
                yield _placed(row)
