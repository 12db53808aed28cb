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
from .schema import DATABASE_NAME, SYNCED
from .values import RANK_NUMBER, new_id, order_key, same_value

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
    """The engine's write hook that records synced writes in the outbox.

    Holds nothing but the clock: the pending record of a document is found through the
    outbox's ``docId`` index, the next sequence number through its ``seq`` index, so an
    outbox of any length costs no memory and a rollback leaves nothing to put back.
    """

    def __init__(self, engine: SqliteEngine):
        self._engine = engine
        self.enabled = True
        floor = int(engine.get_info(HLC_INFO_KEY) or 0)
        newest = self._first(OUTBOX, "hlc")
        if newest is not None:
            floor = max(floor, int(newest.get("hlc") or 0))
        self.clock = HybridClock(floor)

    def refresh_floor(self) -> None:
        """Move the clock past every stamp in the outbox (once its index exists)."""
        newest = self._first(OUTBOX, "hlc")
        if newest is not None:
            self.clock.observe(int(newest.get("hlc") or 0))

    def _first(self, location: str, field: str) -> dict[str, Any] | None:
        """The record with the largest ``field`` (through its index)."""
        for key in self._engine.index_keys(location, field, rank=RANK_NUMBER,
                                           descending=True):
            return self._engine.get_by_key(location, key)
        return None

    def __call__(self, collection: str, doc_id: Any, doc: dict[str, Any] | None) -> None:
        if collection == OUTBOX:
            return
        short = _SYNCED_FULL.get(collection)
        if short is None or not self.enabled:
            return
        engine = self._engine
        existing = self.pending(short, doc_id)
        now = utcnow()
        stamp = bson.Int64(self.clock.tick())
        if existing is None:
            last = self._first(OUTBOX, "seq")
            record = {
                "_id": new_id(),
                "seq": (last["seq"] + 1) if last is not None else 1,
                "collection": short,
                "docId": doc_id,
                "op": "delete" if doc is None else "upsert",
                "rev": 1,
                "hlc": stamp,
                "createdAt": now,
                "updatedAt": now,
            }
        else:
            record = {
                **existing,
                "op": "delete" if doc is None else "upsert",
                "rev": existing["rev"] + 1,
                "hlc": stamp,
                "updatedAt": now,
            }
        engine.put_doc(OUTBOX, record)

    def pending(self, collection: str, doc_id: Any) -> dict[str, Any] | None:
        """The outbox record waiting for a document, if any (a copy)."""
        engine = self._engine
        rank, val = order_key(doc_id)
        for key in engine.index_keys(OUTBOX, "docId", rank=rank, eq=0 if val is None else val):
            record = engine.get_by_key(OUTBOX, key)
            if (record is not None and record.get("collection") == collection
                    and same_value(record.get("docId"), doc_id)):
                return record
        return None

    def save_clock(self) -> None:
        """Keep the clock's high-water mark (stamps seen from other devices included)."""
        self._engine.set_info(HLC_INFO_KEY, str(self.clock.last))
