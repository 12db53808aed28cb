"""The background sync worker: a plain thread (no Qt here) that syncs on start, every
``interval`` seconds, and soon after :meth:`SyncWorker.poke` (call it after each bill).

When the remote cannot be reached it backs off exponentially (2 s, 4 s, 8 s ... up to
``backoff_max``), so a shop without internet does not spend its time on timeouts; a poke during
a back-off does not cut it short, it only makes the next attempt come no later than planned.

The UI reads :attr:`SyncWorker.status` or passes ``on_status``; that callback runs on the
worker thread, so a Qt UI must hand it over to the GUI thread (a queued signal).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bson import ObjectId

from ..domain.clock import Clock, SystemClock, store_time
from ..gateways.remote import RemoteDatabase, RemoteError, RemoteUnavailableError
from ..store import Store
from .deadletters import DeadLetters
from .engine import REVOKED_MESSAGE, SyncEngine, SyncReport
from .local import LocalRules
from .login import LoginGate, LoginRequiredError
from .state import SyncState

log = logging.getLogger("viveka_pos.sync")


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows. ``online`` is None until the first attempt ends."""

    state: str = "starting"  # starting | syncing | idle | offline | error | login | stopped
    online: bool | None = None
    pending: int = 0
    last_success: datetime | None = None
    last_error: str = ""
    dead_letters: int = 0
    session_revoked: bool = False
    failures: int = 0
    next_attempt_in: float = 0.0
    last_report: SyncReport | None = None

    @property
    def message(self) -> str:
        if self.session_revoked:
            return REVOKED_MESSAGE
        if self.state == "offline":
            return f"offline — {self.pending} waiting to sync"
        if self.state == "error":
            return f"sync problem: {self.last_error}"
        if self.state == "syncing":
            return "syncing…"
        if self.dead_letters:
            return f"synced; {self.dead_letters} refused (see Settings → Sync)"
        return "synced" if self.online else "not synced yet"


class SyncWorker(threading.Thread):
    def __init__(
        self,
        store: Store,
        connect: Callable[[], RemoteDatabase],
        client_id: ObjectId,
        device_id: str,
        *,
        interval: float = 60.0,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,
        on_status: Callable[[SyncStatus], None] | None = None,
        clock: Clock | None = None,
        engine_options: dict[str, Any] | None = None,
        gate: LoginGate | None = None,
        rules: LocalRules,
    ):
        super().__init__(name="viveka-sync", daemon=True)
        self.store = store
        self._rules = rules
        self._connect = connect
        self.client_id = client_id
        self.device_id = device_id
        self.interval = interval
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._on_status = on_status
        self._clock = clock or SystemClock()
        self._engine_options = {**(engine_options or {}), "gate": gate}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._remote: RemoteDatabase | None = None
        self._engine: SyncEngine | None = None
        self._rng = random.Random()
        saved = SyncState(store, client_id).last_result()
        self._status = SyncStatus(
            pending=store.outbox_size(),
            last_success=saved.get("lastSuccessAt"),
            dead_letters=DeadLetters(store).count(),
            session_revoked=bool(saved.get("sessionRevoked")),
        )

    # ------------------------------------------------------------ control
    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def poke(self) -> None:
        """Sync soon (after a bill was saved)."""
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    # -------------------------------------------------------------- loop
    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                delay = self._attempt()
                self._publish(next_attempt_in=delay)
                self._wait(delay)
        finally:
            if self._remote is not None:
                self._remote.close()
            self._publish(state="stopped")

    def _wait(self, delay: float) -> None:
        """Sleep until the delay is over; a poke ends a normal wait early, not a back-off."""
        backing_off = self.status.failures > 0
        if backing_off:
            self._stopping.wait(delay)
            self._wake.clear()
            return
        self._wake.wait(delay)
        self._wake.clear()

    def _attempt(self) -> float:
        """One sync; returns the seconds until the next."""
        self._publish(state="syncing")
        try:
            engine = self._engine_for_use()
            report = engine.sync_once()
        except LoginRequiredError as exc:
            # Not a failure to back off from: nothing is tried until the login is back.
            self._publish(
                state="login",
                session_revoked=True,
                last_error=str(exc),
                pending=self.store.outbox_size(),
                failures=0,
            )
            return self.interval
        except RemoteUnavailableError as exc:
            self._drop_connection()
            return self._failed("offline", str(exc))
        except RemoteError as exc:  # a bad address, or the server refusing us: say so
            self._drop_connection()
            return self._failed("error", str(exc))
        except Exception as exc:  # never let the thread die; the log has the traceback
            log.exception("sync failed")
            return self._failed("error", f"{type(exc).__name__}: {exc}")
        self._publish(
            state="idle",
            online=True,
            pending=report.pending,
            last_success=store_time(self._clock.now()),
            last_error="",
            dead_letters=report.dead_letters,
            session_revoked=report.session_revoked,
            failures=0,
            last_report=report,
        )
        return self.interval

    def _engine_for_use(self) -> SyncEngine:
        if self._engine is None:
            self._remote = self._connect()
            self._engine = SyncEngine(
                self.store,
                self._remote,
                self.client_id,
                self.device_id,
                clock=self._clock,
                rules=self._rules,
                **self._engine_options,
            )
        return self._engine

    def _drop_connection(self) -> None:
        """Forget a connection that failed at its start; a working one reconnects itself."""
        if self._engine is None and self._remote is not None:
            self._remote.close()
            self._remote = None

    def _failed(self, state: str, message: str) -> float:
        failures = self.status.failures + 1
        delay = min(self.backoff_max, self.backoff_base * (2 ** (failures - 1)))
        delay *= 0.8 + 0.4 * self._rng.random()  # spread PCs of one shop apart
        if self._engine is not None:
            try:
                self._engine.record_failure(message)
            except Exception:  # the store may be closing; the status still tells
                log.debug("could not record the sync failure", exc_info=True)
        self._publish(
            state=state,
            online=False if state == "offline" else self.status.online,
            last_error=message,
            failures=failures,
            pending=self.store.outbox_size(),
        )
        return delay

    def _publish(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)
            status = self._status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("sync status callback failed")
