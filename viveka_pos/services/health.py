"""The health check behind ``viveka-pos doctor``: is this PC's data safe right now?

Each check answers one question and never raises: a check that cannot run is reported as a
failed check with the reason. A problem is something that can cost the shop its bills:

* the database fails SQLite's ``PRAGMA integrity_check``;
* an invoice hash chain does not verify (an invoice was changed, removed or re-ordered);
* an item's stock or a bill's balance disagrees with its movements or payments (the
  counter would show it wrong; ``doctor --rebuild`` re-derives it);
* the data version is not the one this program writes;
* no good backup in the last 7 days (a shop set up less than 7 days ago may have none yet);
* less than 200 MB free on the disk holding the data folder.

Pending sync records and dead letters are reported for information only: being offline is
normal for a shop, and sync shows its own state.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.clock import Clock, SystemClock
from ..domain.hashchain import CREDIT_NOTES
from ..store import SCHEMA_VERSION, Store, StoreError
from ..store.opening import integrity_problems
from .backups import backup_dir, find_backups, known_backup_dirs, last_good_backup
from .chains import chain_report, store_chain_report
from .consistency import Disagreement, disagreements

MIN_FREE_BYTES = 200 * 1024 * 1024
MAX_BACKUP_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    ok: bool
    detail: str
    value: Any = None
    """A machine-readable figure (count, bytes, seconds) for the JSON output."""


@dataclass(frozen=True)
class HealthReport:
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "checks": [
                {"name": c.name, "title": c.title, "ok": c.ok, "detail": c.detail, "value": c.value}
                for c in self.checks
            ],
        }


def _size(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"  # pragma: no cover


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(0, int(seconds // 60))} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


# ---------------------------------------------------------------------- checks
def check_version(store: Store) -> Check:
    version = store.schema_version
    ok = version == SCHEMA_VERSION
    detail = (
        f"data version {version}"
        if ok
        else f"data version {version}, but this program writes version {SCHEMA_VERSION}"
    )
    return Check("version", "Data version", ok, detail, version)


def check_integrity(store: Store) -> Check:
    """SQLite's full integrity check, beside the store (billing is not held up)."""
    try:
        rows = integrity_problems(store.db_path, writer_open=not store.read_only)
    except StoreError as exc:
        return Check("integrity", "Store integrity", False, str(exc), [str(exc)])
    ok = rows == ["ok"]
    detail = (
        "the database file is sound"
        if ok
        else "the database file is damaged: "
        + "; ".join(rows[:5])
        + " — restore the newest good backup"
    )
    return Check("integrity", "Store integrity", ok, detail, rows[:20])


def check_chains(store: Store) -> Check:
    problems, chained = store_chain_report(store)
    notes, credit = chain_report(store.iter_docs("creditnotes"), CREDIT_NOTES)
    problems += notes
    if not problems:
        return Check(
            "chain",
            "Invoice hash chain",
            True,
            f"all {chained} invoices intact"
            + (f"; all {credit} credit notes intact" if credit else ""),
            chained,
        )
    shown = "; ".join(problems[:5]) + (
        f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    )
    return Check(
        "chain",
        "Invoice hash chain",
        False,
        f"{len(problems)} problem(s) in {chained} invoices: {shown}",
        problems,
    )


def check_derived(store: Store, found: list[Disagreement] | None = None) -> Check:
    """``found``: the disagreements a scan of this store found, when nothing was written
    since (saves scanning the whole history again)."""
    if found is None:
        found = disagreements(store)
    if not found:
        return Check(
            "derived",
            "Stock and balances",
            True,
            "every item's stock agrees with its movements, every bill's balance with its payments",
            0,
        )
    items = sum(1 for one in found if one.collection == "items")
    shown = "; ".join(one.describe() for one in found[:5]) + (
        f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    )
    advice = (
        " — put them right with: viveka-pos doctor --rebuild"
        if any(not one.unreadable for one in found)
        else ""
    )
    return Check(
        "derived",
        "Stock and balances",
        False,
        f"{items} item stock(s) and {len(found) - items} bill balance(s) disagree with "
        f"their records: {shown}{advice}",
        [one.describe() for one in found[:100]],
    )


def check_outbox(store: Store, now: datetime) -> Check:
    pending = store.outbox_size()
    dead = store.count("deadletters")
    detail = "nothing waiting to sync" if not pending else f"{pending} change(s) waiting to sync"
    if pending:
        oldest = store.outbox_batch(1)
        created = oldest[0].get("createdAt") if oldest else None
        if isinstance(created, datetime):
            seconds = (now - created.replace(tzinfo=UTC)).total_seconds()
            detail += f", oldest {_age(seconds)} old"
    if dead:
        detail += f"; {dead} refused by the remote (see Settings → Sync)"
    return Check("outbox", "Sync outbox", True, detail, {"pending": pending, "dead": dead})


def check_backup(store: Store, now: datetime, max_age: timedelta = MAX_BACKUP_AGE) -> Check:
    """The newest good backup of this store: recorded by the automatic backups, or found in
    the backup folders (manual backups and safety copies count too)."""
    moments: list[tuple[datetime, str]] = []
    last = last_good_backup(store)
    if last is not None:
        moments.append((last.at, str(last.folder)))
    folders = [backup_dir(store), *known_backup_dirs(store.data_dir)]
    for entry in find_backups(folders, store_id=store.store_id):
        if entry.good:
            moments.append((entry.created_at, str(entry.folder)))
            break
    if not moments:
        started = _shop_started(store)
        if started is not None and now - started <= max_age:
            # A new shop is not yet overdue: the first backup is due a week after set-up.
            due = started + max_age
            return Check(
                "backup",
                "Last backup",
                True,
                f"none yet (the shop was set up {_age((now - started).total_seconds())}"
                f" ago); the first is due by {due:%Y-%m-%d} — the app makes one at "
                "start, or run viveka-pos backup DIR",
                None,
            )
        return Check(
            "backup",
            "Last backup",
            False,
            "no backup of this data was found — make one now (viveka-pos backup DIR)",
            None,
        )
    at, folder = max(moments)
    seconds = (now - at).total_seconds()
    ok = seconds <= max_age.total_seconds()
    detail = f"{_age(seconds)} ago, in {folder}"
    if not ok:
        detail += f" — older than {max_age.days} days: make a backup now"
    return Check("backup", "Last backup", ok, detail, round(seconds))


def _shop_started(store: Store) -> datetime | None:
    """When the first shop of this store was set up (UTC), if it says."""
    moments = [
        doc["createdAt"]
        for doc in store.iter_docs("clients")
        if isinstance(doc.get("createdAt"), datetime)
    ]
    if not moments:
        return None
    first = min(m.replace(tzinfo=UTC) if m.tzinfo is None else m for m in moments)
    return first.astimezone(UTC)


def check_disk(store: Store, min_free: int = MIN_FREE_BYTES) -> Check:
    usage = shutil.disk_usage(store.data_dir)
    ok = usage.free >= min_free
    detail = f"{_size(usage.free)} free in {store.data_dir}"
    if not ok:
        detail += f" — less than {_size(min_free)}: free some space before bills fail to save"
    return Check("disk", "Free disk space", ok, detail, usage.free)


def check_health(
    store: Store,
    *,
    clock: Clock | None = None,
    min_free_bytes: int = MIN_FREE_BYTES,
    max_backup_age: timedelta = MAX_BACKUP_AGE,
    derived: list[Disagreement] | None = None,
) -> HealthReport:
    """Run every check; see the module docstring for what counts as a problem.
    ``derived``: what :func:`check_derived` would find, known already (see there)."""
    started = time.perf_counter()
    now = (clock or SystemClock()).now().astimezone(UTC)
    runs: list[tuple[str, str, Callable[[], Check]]] = [
        ("version", "Data version", lambda: check_version(store)),
        ("integrity", "Store integrity", lambda: check_integrity(store)),
        ("chain", "Invoice hash chain", lambda: check_chains(store)),
        ("derived", "Stock and balances", lambda: check_derived(store, derived)),
        ("outbox", "Sync outbox", lambda: check_outbox(store, now)),
        ("backup", "Last backup", lambda: check_backup(store, now, max_backup_age)),
        ("disk", "Free disk space", lambda: check_disk(store, min_free_bytes)),
    ]
    checks = []
    for name, title, run in runs:
        try:
            checks.append(run())
        except Exception as exc:  # a check that cannot run is a failed check, never a crash
            checks.append(Check(name, title, False, f"could not be checked: {exc}"))
    return HealthReport(checks, time.perf_counter() - started)
