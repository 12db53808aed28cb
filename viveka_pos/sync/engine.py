"""One sync of one shop: push what this PC recorded, pull what the others did.

Push comes first, so a PC whose login was ended elsewhere still delivers everything it
recorded before; the pull then tells it (``session_revoked``) and the app asks for a new
login. Writes that the pull causes here (recomputed stock and paid amounts, customer merges)
are pushed in the same sync, unless that pull ended this PC's login.

Before anything, the engine asks its login gate (``sync/login.py``; the app and the CLI give
one that checks the saved login): no valid login, no sync (:class:`LoginRequiredError`).
Without a gate it still refuses once a pull has shown this PC's session ended, until a login
here makes it active again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from ..domain.clock import Clock, SystemClock, store_time
from ..gateways.remote import RemoteDatabase
from ..store import Store
from .deadletters import DeadLetters
from .link import ShopLink
from .local import LocalRules
from .login import LOG_IN_AGAIN, LoginGate, LoginRequiredError
from .merge import CustomerMerger
from .pull import Puller, PullResult
from .push import Pusher, PushResult
from .state import SyncState

log = logging.getLogger("viveka_pos.sync")

REVOKED_MESSAGE = "logged out on this PC: log in again"


@dataclass
class SyncReport:
    push: PushResult = field(default_factory=PushResult)
    pull: PullResult = field(default_factory=PullResult)
    second_push: PushResult = field(default_factory=PushResult)
    pending: int = 0
    dead_letters: int = 0
    session_revoked: bool = False
    seconds: float = 0.0
    index_warnings: list[str] = field(default_factory=list)

    @property
    def pushed(self) -> int:
        return self.push.pushed + self.second_push.pushed

    @property
    def pulled(self) -> int:
        return self.pull.applied

    def summary(self) -> str:
        text = (
            f"pushed {self.pushed}, pulled {self.pull.received} "
            f"(applied {self.pull.applied}, unchanged {self.pull.unchanged}), "
            f"pending {self.pending}, dead letters {self.dead_letters}"
        )
        if self.session_revoked:
            text += f"; {REVOKED_MESSAGE}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "push": asdict(self.push),
            "pull": asdict(self.pull),
            "secondPush": asdict(self.second_push),
            "pushed": self.pushed,
            "pulled": self.pulled,
            "pending": self.pending,
            "deadLetters": self.dead_letters,
            "sessionRevoked": self.session_revoked,
            "seconds": round(self.seconds, 3),
            "indexWarnings": list(self.index_warnings),
        }


class SyncEngine:
    """Syncs one shop of one store with one remote database (not thread-safe: one caller)."""

    def __init__(
        self,
        store: Store,
        remote: RemoteDatabase,
        client_id: ObjectId,
        device_id: str,
        *,
        clock: Clock | None = None,
        batch_size: int = 1000,
        page_size: int = 1000,
        overlap: timedelta = timedelta(minutes=10),
        full_every: timedelta | None = timedelta(hours=6),
        ensure_indexes: bool = True,
        gate: LoginGate | None = None,
        rules: LocalRules,
    ):
        self.store = store
        self.remote = remote
        self.client_id = client_id
        self.device_id = device_id
        self.clock = clock or SystemClock()
        self.full_every = full_every
        self.gate = gate
        self.state = SyncState(store, client_id)
        self.letters = DeadLetters(store)
        self.merger = CustomerMerger(store, client_id, self.state, self.now)
        link = ShopLink(store, remote, client_id, device_id, rules, self.state)
        self.pusher = Pusher(link, self.letters, self.merger, self.now, batch_size=batch_size)
        self.puller = Puller(
            link,
            self.letters,
            self.merger,
            self.now,
            page_size=page_size,
            overlap_micros=int(overlap.total_seconds() * 1_000_000),
        )
        self._indexes_checked = not ensure_indexes
        self._index_warnings: list[str] = []

    def now(self) -> datetime:
        return store_time(self.clock.now())

    def full_pull_due(self) -> bool:
        last = self.state.full_pull_at()
        if last is None:
            return True
        return self.full_every is not None and self.now() - last >= self.full_every

    def sync_once(self, *, full: bool | None = None) -> SyncReport:
        """Push, pull, push what the pull changed. Raises ``RemoteUnavailableError`` when
        the remote cannot be reached (nothing is lost: unconfirmed records stay queued)."""
        started = time.perf_counter()
        refusal = self.login_problem()
        if refusal:
            self.state.save_result(lastError=refusal, lastErrorAt=self.now(), sessionRevoked=True)
            raise LoginRequiredError(f"{refusal} — {LOG_IN_AGAIN}")
        report = SyncReport()
        if not self._indexes_checked:
            self._index_warnings = self.remote.ensure_indexes()
            self._indexes_checked = True
        report.index_warnings = list(self._index_warnings)
        report.push = self.pusher.push()
        report.pull = self.puller.pull(full=self.full_pull_due() if full is None else full)
        if self.store.outbox_size() and not report.pull.session_revoked:
            report.second_push = self.pusher.push()
        report.pending = self.store.outbox_size()
        report.dead_letters = self.letters.count()
        report.session_revoked = self._session_revoked(report.pull.session_revoked)
        report.seconds = time.perf_counter() - started
        self.state.save_result(
            lastSuccessAt=self.now(),
            lastError="",
            sessionRevoked=report.session_revoked,
            lastReport=report.as_dict(),
        )
        log.info("sync: %s in %.2fs", report.summary(), report.seconds)
        return report

    def login_problem(self) -> str:
        """Why this PC may not sync now ('' when it may)."""
        if self.gate is not None:
            return self.gate()
        if self._session_revoked(False):
            return "this computer's login was ended (the shop logged in on another computer)"
        return ""

    def _session_revoked(self, revoked_now: bool) -> bool:
        """Whether this PC's login was ended elsewhere and not renewed since."""
        if revoked_now:
            return True
        if not self.state.last_result().get("sessionRevoked"):
            return False
        return not any(
            doc.get("isActive", True)
            for doc in self.store.iter_docs("devicesessions")
            if doc.get("clientId") == self.client_id and doc.get("deviceId") == self.device_id
        )

    def record_failure(self, message: str) -> None:
        self.state.save_result(lastError=message, lastErrorAt=self.now())
