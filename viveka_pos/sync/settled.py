"""When the overlap before a pull cursor has settled: no push on its way can still land there.

A pull reads again the versions of what PCs pushed in the overlap before its cursor
(``Puller._window_heads``), because a push in flight when the cursor's document landed may
land later with an earlier stamp: PCs' clocks differ. Read on every pull, that costs the
versions of everything pushed in the overlap, every minute, for as long as no newer push
moves the cursor on (a shop closed for the night after a PC sent a three-day backlog).

The read is needed only for a while. A PC's stamps never run behind its clock (the hybrid
clock), and its clock is within the overlap of every other PC's (the assumption the overlap
already rests on), so once the overlap has passed since the cursor's document was stamped no
PC stamps below the cursor any more; what it stamped before lands within a further overlap
(a push's requests time out long before). So when twice the overlap has passed, by the
server's clock, since the first pull that started from the cursor, one more full read of
the overlap sees the last of what can land there. From then until the cursor moves, only a
writer without our stamps can change a document there (the backend, whose save moves
``updatedAt``): the pull reads just the ``updatedAt`` window, widened to cover the overlap.

A record per collection (kept in ``syncstate``) remembers the cursor, when the first pull
from it started and whether the overlap has settled. Without the server's clock (a server
that does not say its time) the overlap is always read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def settling(
    record: dict[str, Any] | None,
    cursor: str,
    server_now: datetime | None,
    overlap: timedelta,
) -> tuple[bool, dict[str, Any] | None]:
    """Whether this pull may leave the overlap before ``cursor`` unread, and the record to
    keep once its pass of the collection is done (None: keep the one there).

    ``record`` is what the last pass kept; ``server_now`` the server's time at the start of
    this pull (None when the server does not say)."""
    if server_now is None or not cursor:
        return False, None
    if not isinstance(record, dict):
        record = None  # none kept yet (or not one this code wrote): start waiting again
    since = None if record is None else record.get("since")
    if record is None or record.get("cursor") != cursor or not isinstance(since, datetime):
        # The cursor's document landed before this pull started (an earlier pull read it).
        return False, {"cursor": cursor, "since": server_now, "settled": False}
    if record.get("settled"):
        return True, None
    if server_now - since >= 2 * overlap:
        return False, {**record, "settled": True}  # after this pull's full read of it
    return False, None
