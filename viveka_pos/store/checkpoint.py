"""Copying the write-ahead log into the database file, away from the counter.

SQLite's automatic checkpoint runs inside whichever commit crosses the WAL size threshold:
that one commit then writes and fsyncs the pages of the last thousand writes, and a bill
that normally saves in a few milliseconds takes ten times longer. The store's connection
therefore checkpoints itself only as a safety net, at a much larger size, and this thread
does the work on its own connection once the writer has been quiet for a moment (between
bills), with ``PASSIVE``: it never waits for, nor blocks, the writer or the readers.

Checkpoints are crash-safe by SQLite's design; a kill in the middle leaves the WAL to be
replayed at the next open. If this thread cannot do its work (the folder became read-only,
the disk is full), ``failed`` is set and the store turns automatic checkpoints back on, so
the WAL never grows without bound.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Final

logger = logging.getLogger("viveka_pos.store")

#: checkpoint once the writer has been quiet this long (seconds): never during a bill
QUIET_SECONDS = 0.3
#: the writer's own automatic checkpoint stays on at this size (pages, about 128 MB): see
#: ``WalCheckpointer._checkpoint``. Reached only by writes without a 0.3 s pause (an import,
#: a first sync, a benchmark): about 160 bills back to back at S5. Then one commit copies
#: the log (about 0.1 s); a crash meanwhile replays up to this much at the next open.
#: Copying beside such a queue instead (every 120 commits) was measured and made every bill
#: slower (S5, p50 and p99 about 1.5x): one slow commit in 160 bills is the lesser cost.
SAFETY_NET_PAGES = 32768
#: SQLite's own default threshold for the fallback automatic checkpoint (pages)
AUTOCHECKPOINT_PAGES: Final = 1000
#: how long closing the store waits for a checkpoint in progress (seconds)
STOP_SECONDS = 10.0


class WalCheckpointer:
    """A daemon thread that checkpoints ``db_path`` after it is nudged.

    One condition variable guards the thread's whole state (last commit, pending nudge,
    stopping), and the thread looks at ``_stopping`` every time it wakes: a stop can never
    be lost between two waits, whatever the thread was doing when it came.
    """

    def __init__(self, db_path: Path, *, quiet_seconds: float | None = None):
        self._db_path = db_path
        self._quiet = QUIET_SECONDS if quiet_seconds is None else quiet_seconds
        self._state = threading.Condition()
        self._last_commit = time.monotonic()
        self._nudged = False
        self._stopping = False
        self.failed = False
        #: checkpoints done (frames were waiting), for tests and diagnostics
        self.runs = 0
        self._thread = threading.Thread(target=self._run, name="viveka-wal-checkpoint", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Something was committed: checkpoint once the writer is quiet."""
        with self._state:
            self._last_commit = time.monotonic()
            if not self._nudged:
                # Already nudged: the thread is waiting for a pause and reads the time of
                # this commit when its wait ends; waking it on every commit of a bill would
                # only hand the interpreter over to it and back.
                self._nudged = True
                self._state.notify()

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """End the thread (a checkpoint in progress finishes first). Waits ``timeout``
        seconds at most: a checkpoint stuck on a sick disk must not hang the app's exit.
        Returns False (and logs it) when the thread was still busy then."""
        with self._state:
            self._stopping = True
            self._state.notify()
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning(
                "the background checkpoint did not end within %.0f s; the store "
                "closes without waiting for it (SQLite finishes or replays the "
                "log at the next open)",
                timeout,
            )
            return False
        return True

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(
                str(self._db_path), isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            self._give_up(exc)
            return
        try:
            while self._next_turn():
                self._checkpoint(conn)
                if self.failed:
                    return
        finally:
            conn.close()

    def _next_turn(self) -> bool:
        """Wait for a nudge, then for the writer to be quiet; False when stopping."""
        with self._state:
            while True:
                if self._stopping:
                    return False
                if not self._nudged:
                    self._state.wait()
                    continue
                left = self._quiet - (time.monotonic() - self._last_commit)
                if left > 0:
                    # Copying pages and syncing the database file while a bill is saved
                    # would slow that bill down (the same disk): wait for a pause.
                    self._state.wait(left)
                    continue
                self._nudged = False
                return True

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Copy what the log holds into the database file, never waiting for anyone.

        The writer starts the log again from its beginning only when, at the start of a
        write, everything in it has been copied. While writes keep coming faster than this
        thread copies them (a sync pull, an import), that never happens, so the writer keeps
        SQLite's automatic checkpoint as a safety net at ``SAFETY_NET_PAGES``: past that, one
        commit copies what is left (most of it is copied here already) and the log restarts.
        """
        try:
            busy, log_frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            self._give_up(exc)
            return
        if log_frames > 0 and done > 0:
            self.runs += 1
        if busy or done < log_frames:
            with self._state:  # a reader held frames back: try again after the interval
                self._nudged = True

    def _give_up(self, exc: BaseException) -> None:
        logger.warning(
            "background checkpoint stopped (%s); the store checkpoints at commit instead", exc
        )
        self.failed = True
