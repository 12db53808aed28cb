"""Sync stamps: hybrid-logical-clock values written on every pushed document.

Two fields of ours ride on each document on the remote (names start with ``_`` so the invoice
hash and the spec's readers ignore them):

- ``_hlc``: when the pushed version was *written* (on the device that wrote it). Last writer
  wins per document by comparing these.
- ``_syncedAt``: when it was *pushed*. Pulls ask for ``_syncedAt`` greater than a saved cursor.
- ``_savedAt``: the ``updatedAt`` the PC gave the version. While the two are equal, a PC wrote
  the version last; a save by the backend moves ``updatedAt`` alone.

Three more ride on remote items only (:mod:`viveka_pos.sync.remote_stock`): ``_stockSum``,
``_stockMarks`` and ``_stockEdit``, the bookkeeping that turns a backend's edit of ``stock``
into a stock movement. None of these fields is ever kept in the local store.

A stamp is a string that sorts like the time it holds: 17 digits of microseconds since the
epoch, ``@``, then the device id, so that two devices never make equal stamps.
"""

from __future__ import annotations

from typing import Any

from ..store import Store
from ..store.outbox import HybridClock, OutboxWriter

HLC_FIELD = "_hlc"
SYNCED_AT_FIELD = "_syncedAt"
SAVED_AT_FIELD = "_savedAt"
STOCK_SUM_FIELD = "_stockSum"
STOCK_MARKS_FIELD = "_stockMarks"
STOCK_EDIT_FIELD = "_stockEdit"
SYNC_FIELDS = frozenset(
    {
        HLC_FIELD,
        SYNCED_AT_FIELD,
        SAVED_AT_FIELD,
        STOCK_SUM_FIELD,
        STOCK_MARKS_FIELD,
        STOCK_EDIT_FIELD,
    }
)
_DIGITS = 17


def format_stamp(value: int, device_id: str) -> str:
    return f"{value:0{_DIGITS}d}@{device_id}"


def stamp_value(stamp: Any) -> int | None:
    """The clock value of a stamp, or None when it is not one of ours."""
    if not isinstance(stamp, str) or len(stamp) <= _DIGITS or stamp[_DIGITS] != "@":
        return None
    digits = stamp[:_DIGITS]
    return int(digits) if digits.isdigit() else None


def stamp_device(stamp: Any) -> str:
    return stamp[_DIGITS + 1 :] if stamp_value(stamp) is not None else ""


def floor_stamp(value: int) -> str:
    """A string just below every stamp of clock value ``value`` (for ``$gt`` queries)."""
    return f"{max(value, 0):0{_DIGITS}d}"


def outbox_writer(store: Store) -> OutboxWriter:
    """The store's outbox writer (it owns the clock that stamps every local write).

    Looked up on every use: restoring a backup replaces it.
    """
    writer = store.engine.on_write
    if not isinstance(writer, OutboxWriter):
        raise RuntimeError("this store does not record an outbox")
    return writer


def observe(clock: HybridClock, *stamps: Any) -> None:
    """Move the clock past stamps seen on pulled documents."""
    for stamp in stamps:
        value = stamp_value(stamp)
        if value is not None:
            clock.observe(value)
