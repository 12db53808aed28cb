"""Background TTL sweeping (Mongita has no TTL indexes)."""

from __future__ import annotations

import logging
import threading

from .store import Store

log = logging.getLogger("viveka_pos.store.ttl")


class TtlSweeper:
    """Calls :meth:`Store.sweep_expired` every ``interval`` seconds on a daemon thread."""

    def __init__(self, store: Store, interval: float = 60.0):
        self._store = store
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ttl-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                removed = self._store.sweep_expired()
            except Exception:  # keep sweeping; a failed sweep loses nothing
                log.exception("TTL sweep failed")
                continue
            if any(removed.values()):
                log.info("TTL sweep removed %s", removed)
