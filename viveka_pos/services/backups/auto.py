"""Automatic backups: when they are taken, where they go, and how they are made.

When
    At start-up, unless a good backup was already made today (the shop's calendar day), and
    after every ``backupEveryBills`` new invoices (a device setting, default 50) — counted as
    invoices in the store now minus invoices in the last good backup, so the count survives a
    restart. The billing code calls :meth:`AutoBackup.note_bill_saved` after each bill. A
    failed attempt is not retried before another ``backupEveryBills`` invoices (or the next
    start), so a missing pen drive does not slow every bill down.

Where
    The device setting ``backupDir``, else ``<data dir>/backups/auto``; one sub-folder per
    backup named ``auto-YYYYMMDDTHHMMSSZ`` (UTC). A backup is written into a hidden
    ``.incomplete-…`` folder and renamed only once it has been verified, so a folder named
    ``auto-…`` is always complete.

How
    The store lock is held only for a moment: long enough to pin a read snapshot of the
    database between two units of work (:meth:`Store.pin_snapshot`). Counting, copying,
    checking and the manifest then run on a plain thread, from that snapshot, while billing
    goes on. A backup is *good* when its copy passed the store's checks (checksum,
    ``PRAGMA integrity_check``, a count per collection) and every hash chain in it (invoices,
    credit notes) verifies (:mod:`.chain_check`). The result is written beside it in
    ``verified.json``. A backup of data whose chain is already broken is kept but not good:
    the last good one, from before the damage, stays. Old ones go by :mod:`.retention`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from ...domain.clock import Clock, SystemClock, shop_zone
from ...domain.errors import ValidationError
from ...store import Store, StoreError
from ...store.backup_file import describe_target_error, fsync_dir
from ..device import DeviceSettings
from .chain_check import check_chains
from .on_disk import (
    AUTO_PREFIX,
    INCOMPLETE_PREFIX,
    STAMP,
    VERIFIED_FILE,
    BackupEntry,
    backup_dir,
    last_good_backup,
    read_entry,
    read_status,
    sequence_of,
    shops_oldest_first,
    write_status,
)
from .retention import prune

log = logging.getLogger("viveka_pos.backups")

DEFAULT_EVERY_BILLS = 50
_COUNT_AT_NEXT_BILL = -1  # a failed attempt: start counting N bills at the next bill


@dataclass(frozen=True)
class BackupOutcome:
    ok: bool
    entry: BackupEntry | None
    error: str = ""
    seconds: float = 0.0
    lock_seconds: float = 0.0
    """How long billing had to wait (the store lock is held only to pin the snapshot)."""
    removed: list[Path] = field(default_factory=list)


def _write_json(path: Path, value: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2, default=str)
        handle.flush()
        os.fsync(handle.fileno())


def make_backup(
    store: Store, folder: Path, *, now: datetime | None = None
) -> tuple[BackupEntry, float]:
    """Write, verify and name one automatic backup in ``folder``.

    Returns the backup and how long the store lock was held (billing waited that long).

    Raises ``StoreError`` in words when the folder cannot be used or the copy fails its
    checks (the partial folder is removed). A copy whose invoice chains do not verify is
    still kept, marked not good.
    """
    try:
        return _make_backup(store, folder, now)
    except OSError as exc:
        raise describe_target_error(exc, folder) from exc


def _make_backup(store: Store, folder: Path, now: datetime | None) -> tuple[BackupEntry, float]:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = AUTO_PREFIX + moment.strftime(STAMP)
    # Names only grow: a backup made in the same second as others gets a higher ``-N``
    # than any of them still on disk (never the name of one that retention removed).
    same_second = [
        sequence_of(p.name)
        for p in folder.iterdir()
        if p.name == stamp or p.name.startswith(stamp + "-")
    ]
    name = stamp if not same_second else f"{stamp}-{max(same_second) + 1}"
    work = folder / f"{INCOMPLETE_PREFIX}{store.store_id[:12]}-{name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        with store.pin_snapshot() as snapshot:
            held = snapshot.held_seconds
            facts = snapshot.facts()  # from the snapshot itself, so it matches the copy
            snapshot.write_backup(work, facts)
        counts = facts.counts
        problems = check_chains(work, counts.get("invoices", 0) + counts.get("creditnotes", 0))
        _write_json(
            work / VERIFIED_FILE,
            {
                "good": not problems,
                "problems": problems[:50],
                "verifiedAt": datetime.now(UTC).isoformat(),
            },
        )
        os.replace(work, folder / name)
        fsync_dir(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    entry = read_entry(folder / name)
    if entry is None:  # pragma: no cover - the folder was just written and verified
        raise StoreError(f"The backup in {folder / name} cannot be read back.")
    return entry, held


def _shop_zone_name(store: Store) -> str:
    shops = shops_oldest_first(store)
    settings = (shops[0].get("clientSettings") or {}) if shops else {}
    return str(settings.get("timeZone") or "Asia/Kolkata")


class AutoBackup:
    """Backups taken on their own: at start-up (once a day) and every N bills.

    One per store, made by the composition root. ``on_finished`` is called on the backup
    thread with each :class:`BackupOutcome` (a Qt UI must hand it over to the GUI thread).
    Call :meth:`wait` before closing the store.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        on_finished: Callable[[BackupOutcome], None] | None = None,
    ):
        self.store = store
        self.clock = clock or SystemClock()
        self.on_finished = on_finished
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        # Invoice count when the last attempt failed (None: it did not fail).
        self._attempted_at: int | None = None

    # ------------------------------------------------------------ settings
    def folder(self) -> Path:
        return backup_dir(self.store)

    def every_bills(self) -> int:
        value = DeviceSettings(self.store).get("backupEveryBills")
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return DEFAULT_EVERY_BILLS

    def zone(self) -> tzinfo:
        try:
            return shop_zone(_shop_zone_name(self.store))
        except ValidationError:
            return shop_zone()

    # ------------------------------------------------------------ decisions
    def due_at_start(self) -> bool:
        """No good backup of this store was made today (the shop's day)."""
        last = last_good_backup(self.store)
        if last is None:
            return True
        zone = self.zone()
        return last.at.astimezone(zone).date() != self.clock.now().astimezone(zone).date()

    def bills_since_backup(self) -> int:
        last = last_good_backup(self.store)
        base = last.counts.get("invoices", 0) if last is not None else 0
        return self.store.count("invoices") - base

    def due_after_bill(self) -> bool:
        every = self.every_bills()
        if self._attempted_at == _COUNT_AT_NEXT_BILL:  # the last attempt failed: wait
            # N bills from the failure, which was before this bill.
            self._attempted_at = self.store.count("invoices") - 1
            return False
        if self.bills_since_backup() < every:
            return False
        if self._attempted_at is not None:
            return self.store.count("invoices") - self._attempted_at >= every
        return True

    # ------------------------------------------------------------ triggers
    def start_up(self) -> threading.Thread | None:
        """Call once after the store is open; starts a backup thread if one is due today."""
        return self.run_in_background() if self.due_at_start() else None

    def note_bill_saved(self) -> threading.Thread | None:
        """Call after each bill is saved; starts a backup thread every N bills."""
        return self.run_in_background() if self.due_after_bill() else None

    def run_in_background(self) -> threading.Thread | None:
        """Start a backup on a thread, unless one is already running (then None)."""
        if not self._busy.acquire(blocking=False):
            return None
        thread = threading.Thread(target=self._run_holding, name="viveka-backup", daemon=True)
        self._thread = thread
        try:
            thread.start()
        except BaseException:
            self._busy.release()
            raise
        return thread

    @property
    def running(self) -> bool:
        return self._busy.locked()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running backup; True when none is running any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def run(self) -> BackupOutcome:
        """Take a backup now, on this thread (waits for a background one first)."""
        with self._busy:
            return self._run()

    def _run_holding(self) -> None:
        try:
            self._run()
        finally:
            self._busy.release()

    def _run(self) -> BackupOutcome:
        started = time.perf_counter()
        # Read what is needed from the store now (it may be closed before the end). Not the
        # invoice count: before the invoices are loaded, counting them holds the store lock
        # for a full scan (seconds on a large shop).
        try:
            folder = self.folder()
            store_id, zone = self.store.store_id, self.zone()
        except Exception as exc:
            log.warning("no automatic backup: the store cannot be read (%s)", exc)
            return BackupOutcome(False, None, str(exc))
        try:
            entry, held = make_backup(self.store, folder, now=self.clock.now())
        except Exception as exc:  # reported, never raised on the backup thread
            if not isinstance(exc, StoreError | sqlite3.Error):
                log.exception("unexpected failure of an automatic backup")
            outcome = BackupOutcome(False, None, str(exc), time.perf_counter() - started)
            self._attempted_at = _COUNT_AT_NEXT_BILL
            self._record(outcome, folder)
            return self._finish(outcome)
        removed = prune(folder, store_id, zone)
        error = (
            ""
            if entry.good
            else "a hash chain in the copy does not verify: " + "; ".join(entry.problems[:3])
        )
        outcome = BackupOutcome(
            bool(entry.verified), entry, error, time.perf_counter() - started, held, removed
        )
        self._attempted_at = None if outcome.ok else _COUNT_AT_NEXT_BILL
        self._record(outcome, folder)
        return self._finish(outcome)

    def _record(self, outcome: BackupOutcome, folder: Path) -> None:
        status = read_status(self.store.data_dir)
        folders = [str(folder)] + [f for f in status.get("folders", []) if f != str(folder)]
        status["folders"] = folders[:5]
        now = self.clock.now().astimezone(UTC).isoformat()
        if outcome.ok and outcome.entry is not None:
            entry = outcome.entry
            status["lastGood"] = {
                "at": entry.created_at.isoformat(),
                "folder": str(entry.folder),
                "counts": entry.counts,
                "storeId": entry.store_id,
                "seconds": round(outcome.seconds, 3),
            }
            status.pop("lastError", None)
        else:
            status["lastError"] = {"at": now, "message": outcome.error}
        write_status(self.store.data_dir, status)

    def _finish(self, outcome: BackupOutcome) -> BackupOutcome:
        if outcome.ok:
            log.info(
                "backup written to %s in %.2f s (store lock held %.3f s); removed %d old",
                outcome.entry.folder if outcome.entry else "?",
                outcome.seconds,
                outcome.lock_seconds,
                len(outcome.removed),
            )
        else:
            log.warning("automatic backup failed: %s", outcome.error)
        if self.on_finished is not None:
            try:
                self.on_finished(outcome)
            except Exception:
                log.exception("the backup listener failed")
        return outcome
