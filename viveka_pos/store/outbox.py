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

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import bson

from .engine import SqliteEngine, utcnow
from .errors import StoreWriteError
from .schema import DATABASE_NAME, SYNCED
from .values import RANK_NUMBER, doc_key

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


def record_id(collection: str, doc_id: Any) -> bson.ObjectId:
    """The id of the outbox record of a document: derived from the document, so its
    pending record is found by key (at most one per document, by construction)."""
    digest = hashlib.sha1(f"outbox\0{collection}\0{doc_key(doc_id)}".encode()).digest()
    return bson.ObjectId(digest[:12])


class OutboxWriter:
    """The engine's write hook that records synced writes in the outbox.

    Holds nothing but the clock and the next sequence number: a document's pending record
    is found by its derived id (:func:`record_id`), the next sequence number once through
    the ``seq`` index and then counted (forgotten at any rollback). The clock's high-water
    mark is saved in the store's info once per unit of work, before it commits, so a
    restart never stamps below a record it made.
    """

    def __init__(self, engine: SqliteEngine):
        self._engine = engine
        self.enabled = True
        self._next_seq: int | None = None
        self._clock_saved = True
        engine.on_rollback.append(self._forget_seq)
        engine.before_commit.append(self._save_clock_in_unit)
        self.clock = HybridClock(int(engine.get_info(HLC_INFO_KEY) or 0))

    def refresh_floor(self) -> None:
        """Move the clock past the saved high-water mark again (after an upgrade or a
        restore wrote a new one)."""
        self.clock.observe(int(self._engine.get_info(HLC_INFO_KEY) or 0))

    def _last_seq(self) -> int:
        for _key, record in self._engine.index_docs(
            OUTBOX, "seq", rank=RANK_NUMBER, descending=True
        ):
            return int(record["seq"])
        return 0

    def __call__(
        self, collection: str, doc_id: Any, doc: dict[str, Any] | None, created: bool = False
    ) -> None:
        if collection == OUTBOX:
            return
        short = _SYNCED_FULL.get(collection)
        if short is None or not self.enabled:
            return
        engine = self._engine
        rid = record_id(short, doc_id)
        now = utcnow()
        stamp = bson.Int64(self.clock.tick())
        self._clock_saved = False
        op = "delete" if doc is None else "upsert"
        # A new document has a pending record only if it was deleted and made again: its
        # record is inserted without looking for one first (the database refuses a second).
        # (decoded for this call, not copied again: the lock is held, and it is only read)
        existing = None if created else engine._load(OUTBOX, str(rid))
        if existing is None:
            if self._next_seq is None:
                self._next_seq = self._last_seq() + 1
            record = {
                "_id": rid,
                "seq": self._next_seq,
                "collection": short,
                "docId": doc_id,
                "op": op,
                "rev": 1,
                "hlc": stamp,
                "createdAt": now,
                "updatedAt": now,
            }
            if engine.put_doc(OUTBOX, record, no_overwrite=True):
                self._next_seq += 1
                return
            existing = engine._load(OUTBOX, str(rid))
            if existing is None:  # pragma: no cover - refused, yet not there
                raise StoreWriteError("The outbox record of a change could not be saved.")
        engine.put_doc(
            OUTBOX,
            {**existing, "op": op, "rev": existing["rev"] + 1, "hlc": stamp, "updatedAt": now},
        )

    def _forget_seq(self) -> None:
        self._next_seq = None

    def _save_clock_in_unit(self) -> None:
        if not self._clock_saved:
            self._engine.execute(
                "INSERT OR REPLACE INTO store_info (key, value) VALUES (?, ?)",
                (HLC_INFO_KEY, str(self.clock.last)),
            )
            self._clock_saved = True

    def pending(self, collection: str, doc_id: Any) -> dict[str, Any] | None:
        """The outbox record waiting for a document, if any (a copy)."""
        return self._engine.get_by_key(OUTBOX, str(record_id(collection, doc_id)))

    def pending_many(self, collection: str, doc_ids: list[Any]) -> dict[Any, dict[str, Any]]:
        """The outbox records waiting for some documents: doc id -> record (a copy)."""
        keys = {str(record_id(collection, doc_id)): doc_id for doc_id in doc_ids}
        found = self._engine.get_many(OUTBOX, list(keys))
        return {keys[key]: record for key, record in found.items()}

    def forget(self, records: Iterable[dict[str, Any]]) -> int:
        """Remove pushed records (call in the unit of work that finishes their push), each
        only if its ``rev`` is still the one the push read: a record that a write
        made meanwhile bumped stays, and that write goes with the next push. One statement
        per table for all of them; returns how many left."""
        expected = {doc_key(record["_id"]): {"rev": record["rev"]} for record in records}
        return len(self._engine.delete_unchanged(OUTBOX, expected)) if expected else 0

    def save_clock(self) -> None:
        """Keep the clock's high-water mark (stamps seen from other devices included)."""
        self._engine.set_info(HLC_INFO_KEY, str(self.clock.last))
