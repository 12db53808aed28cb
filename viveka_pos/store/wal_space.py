"""Disk room for the write-ahead log, made ahead of a busy hour.

Every commit appends to the WAL file. While that file grows, each durable commit's sync
also has to record the file's new size and blocks in the file system's own journal: a bill
saved in a burst (bills back to back, with no pause for the background checkpoint to let
the log start over) took 1.6 ms to commit instead of 0.6 ms. The log file keeps its size
when it starts over, so growth happens only until it is as large as the longest burst —
from zero again after every restart of the app, because closing the store removes it.

So, once the app has loaded a large shop's data after start (``services/warmup.py``), the
main window has a worker thread make the store extend the WAL file with zeros up to the
size the writer's own safety-net checkpoint allows (``SAFETY_NET_PAGES``), and sync them,
a little at a time.

This is safe by SQLite's design: the log holds a header and checksummed frames salted per
generation, and SQLite reads frames only up to the first one that does not check out, so
bytes past the last frame are ignored, zeros as much as the stale frames SQLite itself
leaves there after starting the log over. The zeros are only ever appended past the file's
current end, with the store's write lock held, so they never overwrite a frame and never
race a commit.

Small stores (tests, a new shop) and disks with little room are left alone; any error just
ends the work early, which leaves a shorter run of zeros and nothing else.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Final

logger = logging.getLogger("viveka_pos.store")

#: databases smaller than this are not worth the disk writes at every open
RESERVE_FROM_DATABASE_BYTES: Final = 32 << 20
#: written per hold of the store's lock (well under a millisecond of a commit's wait)
CHUNK_BYTES: Final = 256 << 10
#: Each chunk is synced at once, outside the lock: a commit's own sync also flushes whatever
#: zeros are still unsynced in the file (with 16 MB between syncs, commits made during the
#: reservation took 8-9 ms instead of under 1 ms). Between chunks the work pauses this long
#: (seconds), about 2 s for the whole log.
PAUSE_SECONDS: Final = 0.004
#: the disk must keep this many times the reserved size free besides
FREE_SPACE_FACTOR: Final = 8
_WAL_HEADER_BYTES: Final = 32
_FRAME_HEADER_BYTES: Final = 24


def wal_bytes(pages: int, page_size: int) -> int:
    """The size of a WAL file holding ``pages`` frames."""
    return _WAL_HEADER_BYTES + pages * (page_size + _FRAME_HEADER_BYTES)


def worth_reserving(db_path: Path, target: int) -> bool:
    """A large shop's database on a disk with plenty of room."""
    try:
        if db_path.stat().st_size < RESERVE_FROM_DATABASE_BYTES:
            return False
        return shutil.disk_usage(db_path.parent).free >= FREE_SPACE_FACTOR * target
    except OSError:
        return False


class WalSpaceReserver:
    """Extends ``wal_path`` with zeros up to ``target`` bytes, on the caller's thread."""

    def __init__(self, wal_path: Path, target: int, write_lock: threading.RLock):
        self._wal_path = wal_path
        self._target = target
        self._write_lock = write_lock
        self._stopping = threading.Event()
        self._file_closed = threading.Event()
        self._file_closed.set()  # no file open until ``reserve`` runs
        #: bytes of zeros appended (for tests and diagnostics)
        self.added = 0

    def stop(self, wait_seconds: float = 2.0) -> None:
        """End the work early (the store is closing) and wait until the log file is no
        longer held open here (Windows cannot delete a file someone holds open)."""
        self._stopping.set()
        self._file_closed.wait(wait_seconds)

    def reserve(self) -> int:
        """Do the work; returns the bytes added. Errors only end it early (logged)."""
        try:
            self._extend()
        except OSError as exc:
            logger.info("write-ahead log space not reserved (%s); commits still work, "
                        "a little slower in long bursts", exc)
        return self.added

    def _hold_write_lock(self) -> bool:
        """Take the store's write lock; False (not taken) once the store is closing, whose
        ``close`` holds that lock."""
        while not self._write_lock.acquire(timeout=0.05):
            if self._stopping.is_set():
                return False
        if self._stopping.is_set():
            self._write_lock.release()
            return False
        return True

    def _extend(self) -> None:
        zeros = memoryview(bytes(CHUNK_BYTES))
        # Opened under the lock: ``close`` (which holds it) is then either over (stopping
        # is set) or waits for ``stop`` to see the file closed again.
        if not self._hold_write_lock():
            return
        try:
            # No O_CREAT: the file is SQLite's; if it is gone, there is nothing to do.
            fd = os.open(self._wal_path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
            self._file_closed.clear()
        finally:
            self._write_lock.release()
        try:
            while self._hold_write_lock():
                try:
                    end = os.fstat(fd).st_size
                    if end >= self._target:
                        break
                    size = min(CHUNK_BYTES, self._target - end)
                    os.lseek(fd, end, os.SEEK_SET)
                    written = os.write(fd, zeros[:size])
                finally:
                    self._write_lock.release()
                self.added += written
                os.fsync(fd)
                # Paced: the disk stays free for the bills and reads going on meanwhile.
                if self._stopping.wait(PAUSE_SECONDS):
                    break
        finally:
            os.close(fd)
            self._file_closed.set()
