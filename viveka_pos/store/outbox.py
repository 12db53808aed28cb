"""The outbox: which synced documents changed, committed together with each change.

A record names the collection, document id and operation; it does not copy the document.
Sync pushes the document as it is *now*, so there is at most one pending record per
document: a later write bumps the record's ``rev`` (and ``op``) instead of adding another.
Sync removes a record only if its ``rev`` is still the one it pushed, so a write that lands
while a push is in flight is never lost.

Each record also carries ``hlc``: the hybrid-logical-clock time of the latest write it stands
for (microseconds; see :class:`HybridClock`). Sync compares these stamps to decide which of two
concurrent edits of a document wins, so they must not trust the PC's wall clock alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import bson

from .engine import SqliteEngine, utcnow
from .object_ids import new_id
from .schema import DATABASE_NAME, SYNCED

OUTBOX = f"{DATABASE_NAME}.outbox"
_SYNCED_FULL = {f"{DATABASE_NAME}.{name}": name for name in SYNCED}
#: store_info key keeping the clock's high-water mark across restarts.
HLC_INFO_KEY = "hlc"


def _wall_micros() -> int:
    return time.time_ns() // 1000


class HybridClock:
    """A hybrid logical clock: ``max(wall clock, last value + 1)`` in microseconds.

    It never goes back and never repeats, even when the PC's clock is set back, and it moves
    past every stamp it is shown (:meth:`observe`), so a write made after seeing another
    device's write always carries a larger stamp than that write.
    """

    def __init__(self, floor: int = 0, wall: Callable[[], int] = _wall_micros):
        self._last = floor
        self._wall = wall
        self._lock = threading.Lock()

    @property
    def last(self) -> int:
        return self._last

    def tick(self) -> int:
        with self._lock:
            self._last = max(self._wall(), self._last + 1)
            return self._last

    def observe(self, value: int) -> None:
        with self._lock:
            if value > self._last:
                self._last = value


class OutboxWriter:
    """The engine's write hook that records synced writes in the outbox."""

    def __init__(self, engine: SqliteEngine):
        self._engine = engine
        self.enabled = True
        self._by_doc: dict[tuple[str, str], Any] = {}
        self._doc_of_record: dict[str, tuple[str, str]] = {}
        last_seq = 0
        floor = int(engine.get_info(HLC_INFO_KEY) or 0)
        for record in engine.iter_docs(OUTBOX):
            self._track_outbox_change(record["_id"], record)
            last_seq = max(last_seq, record["seq"])
            floor = max(floor, record.get("hlc", 0))
        self._next_seq = last_seq + 1
        self.clock = HybridClock(floor)

    def __call__(self, collection: str, doc_id: Any, doc: dict[str, Any] | None) -> None:
        if collection == OUTBOX:
            self._track_outbox_change(doc_id, doc)
            return
        short = _SYNCED_FULL.get(collection)
        if short is None or not self.enabled:
            return
        engine = self._engine
        record_id = self._by_doc.get((short, str(doc_id)))
        existing = engine.get_doc(OUTBOX, record_id) if record_id is not None else None
        now = utcnow()
        # Int64: what decoding gives for a stamp this large (the record is cached as built).
        stamp = bson.Int64(self.clock.tick())
        if existing is None:
            record = {
                "_id": new_id(),
                "seq": self._next_seq,
                "collection": short,
                "docId": doc_id,
                "op": "delete" if doc is None else "upsert",
                "rev": 1,
                "hlc": stamp,
                "createdAt": now,
                "updatedAt": now,
            }
            self._next_seq += 1
        else:
            record = {
                **existing,
                "op": "delete" if doc is None else "upsert",
                "rev": existing["rev"] + 1,
                "hlc": stamp,
                "updatedAt": now,
            }
        engine.put_doc(OUTBOX, record, as_decoded=True)

    def pending(self, collection: str, doc_id: Any) -> dict[str, Any] | None:
        """The outbox record waiting for a document, if any (read-only)."""
        record_id = self._by_doc.get((collection, str(doc_id)))
        return None if record_id is None else self._engine.get_doc(OUTBOX, record_id)

    def save_clock(self) -> None:
        """Keep the clock's high-water mark (stamps seen from other devices included)."""
        self._engine.set_info(HLC_INFO_KEY, str(self.clock.last))

    def undo(self, collection: str, doc_id: Any, doc: dict[str, Any] | None) -> None:
        """The engine's rollback hook."""
        if collection == OUTBOX:
            self._track_outbox_change(doc_id, doc)

    def _track_outbox_change(self, record_id: Any, record: dict[str, Any] | None) -> None:
        """Keep the doc -> record map in step with every outbox write, rollbacks included."""
        record_key = str(record_id)
        previous = self._doc_of_record.pop(record_key, None)
        if previous is not None and self._by_doc.get(previous) == record_id:
            del self._by_doc[previous]
        if record is not None:
            doc_key = (record["collection"], str(record["docId"]))
            self._by_doc[doc_key] = record_id
            self._doc_of_record[record_key] = doc_key
