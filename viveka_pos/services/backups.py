"""Automatic backups: when they are taken, where they go, how long they are kept; and restore.

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
    database between two units of work (SQLite's WAL keeps it while the store goes on
    writing). Counting, copying, checking and the manifest then run on a plain thread,
    from that snapshot, while billing goes on. A backup is *good* when its copy passed
    the store's checks (checksum, ``PRAGMA integrity_check``, a count per collection) and
    every invoice hash chain in it verifies (read straight from the copy, read-only). The
    result is written beside it in ``verified.json``. A backup of data whose chain is already
    broken is kept but not good: the last good one, from before the damage, stays.

How long (retention, applied to this store's ``auto-…`` folders only; other folders,
manual backups and other stores' backups in the same place are never touched)
    Days and weeks are those of the shop's time zone (``clientSettings.timeZone``, default
    Asia/Kolkata); weeks are ISO weeks (Monday to Sunday).

    * daily: for each of the 7 most recent days that have a good backup, the newest good
      backup of that day is kept (days without backups do not count, so a shop closed for a
      fortnight still has 7);
    * weekly: for each of the 4 most recent weeks that have a good backup, the newest good
      backup of that week is kept (often the same folder as a daily one);
    * the newest good backup is always kept, whatever its age;
    * of the backups that are not good, only the newest is kept (to look at), and only if
      it is newer than the newest good one;
    * everything else, and this store's leftover ``.incomplete-…`` folders, is deleted.

Status
    The last good backup (time, folder, counts) and the last failure are kept in
    ``<data dir>/backup-status.json`` rather than in the database: it belongs to this PC, it
    must survive a restore (which replaces the database), and the recovery screen must read
    it when the database cannot be opened.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

import bson

from ..domain.clock import Clock, SystemClock, shop_zone
from ..domain.errors import ValidationError
from ..store import SCHEMA_VERSION, Store, StoreCorruptError, StoreError
from ..store.backup import BACKUP_DB, MANIFEST, BackupManifest, read_backup, write_backup
from ..store.engine import utcnow
from ..store.opening import read_only_uri
from ..store.rescue import DAMAGED_DIR, damaged_place
from ..store.schema import COLLECTIONS, DATABASE_NAME
from .backup_check import check_chains
from .device import DeviceSettings

log = logging.getLogger("viveka_pos.backups")

AUTO_PREFIX = "auto-"
INCOMPLETE_PREFIX = ".incomplete-"
VERIFIED_FILE = "verified.json"
STATUS_FILE = "backup-status.json"
DEFAULT_EVERY_BILLS = 50
KEEP_DAILY = 7
KEEP_WEEKLY = 4
_STAMP = "%Y%m%dT%H%M%SZ"
_COUNT_AT_NEXT_BILL = -1  # a failed attempt: start counting N bills at the next bill


# ------------------------------------------------------------------ what is on disk
@dataclass(frozen=True)
class BackupEntry:
    """A backup folder found on disk (its manifest, and our verification if any)."""

    folder: Path
    created_at: datetime
    """Aware UTC; for automatic backups the time in the folder name (the app's clock)."""
    store_id: str
    schema_version: int
    counts: dict[str, int]
    shops: list[dict[str, Any]]
    verified: bool | None  # True good, False failed a check, None never checked by us
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def automatic(self) -> bool:
        return self.folder.name.startswith(AUTO_PREFIX)

    @property
    def order(self) -> tuple[datetime, int, str]:
        """Sort key: time, then the ``-N`` of backups made within the same second."""
        return self.created_at, _sequence_of(self.folder.name), self.folder.name

    @property
    def good(self) -> bool:
        """Not known to be bad (manual backups are checked when they are restored)."""
        return self.verified is not False

    @property
    def shop_label(self) -> str:
        if not self.shops:
            return "no shop"
        shop = self.shops[0]
        return f"{shop.get('businessName') or '?'} ({shop.get('phoneNumber') or '?'})"


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _named_time(name: str) -> datetime | None:
    """The UTC time in an automatic backup's folder name (``auto-20250616T050000Z[-2]``)."""
    if not name.startswith(AUTO_PREFIX):
        return None
    try:
        stamp = name[len(AUTO_PREFIX):].split("-", 1)[0]
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def _sequence_of(name: str) -> int:
    """1 for ``auto-…Z``, N for ``auto-…Z-N`` (later backups made in the same second)."""
    head, _, tail = name.rpartition("-")
    return int(tail) if head.startswith(AUTO_PREFIX) and head.endswith("Z") and \
        tail.isdigit() else 1


def read_entry(folder: Path) -> BackupEntry | None:
    """The backup in ``folder`` from its manifest (cheap: no checksum), or None."""
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest = BackupManifest(**raw)
        created = _named_time(folder.name) or _aware(manifest.created_at)
    except (OSError, ValueError, TypeError):
        return None
    if not (folder / BACKUP_DB).is_file():
        return None
    verified: bool | None = None
    problems: list[str] = []
    try:
        check = json.loads((folder / VERIFIED_FILE).read_text(encoding="utf-8"))
        verified = bool(check.get("good"))
        problems = [str(p) for p in check.get("problems", [])]
    except (OSError, ValueError, AttributeError):
        pass
    return BackupEntry(folder, created, manifest.store_id, int(manifest.schema_version),
                       dict(manifest.counts), list(manifest.shops), verified, problems)


def find_backups(folders: Iterable[str | os.PathLike[str]], *,
                 store_id: str | None = None) -> list[BackupEntry]:
    """Backups in ``folders`` (each folder itself and its direct sub-folders), newest first.

    ``store_id`` keeps only backups of that store. Unreadable folders are skipped.
    """
    found: dict[Path, BackupEntry] = {}
    for base in folders:
        path = Path(base).expanduser()
        candidates = [path]
        try:
            if path.is_dir():
                candidates += [p for p in path.iterdir()
                               if p.is_dir() and not p.name.startswith(".")]
        except OSError:
            continue
        for folder in candidates:
            key = folder.resolve()
            if key in found:
                continue
            entry = read_entry(folder)
            if entry is not None and (store_id is None or entry.store_id == store_id):
                found[key] = entry
    return sorted(found.values(), key=lambda e: e.order, reverse=True)


def newest_good(entries: Iterable[BackupEntry]) -> BackupEntry | None:
    return next((e for e in sorted(entries, key=lambda e: e.order, reverse=True)
                 if e.good), None)


# ------------------------------------------------------------------ status file
@dataclass(frozen=True)
class BackupInfo:
    """The last good backup, for the Settings screen and the health check."""

    at: datetime  # aware UTC
    folder: Path
    counts: dict[str, int]
    store_id: str
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def age(self, now: datetime) -> float:
        """Seconds since the backup was made."""
        return (now - self.at).total_seconds()


def _status_path(data_dir: Path) -> Path:
    return data_dir / STATUS_FILE


def read_status(data_dir: Path) -> dict[str, Any]:
    try:
        value = json.loads(_status_path(data_dir).read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_status(data_dir: Path, status: dict[str, Any]) -> None:
    path = _status_path(data_dir)
    tmp = path.with_name(STATUS_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(status, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not record the backup status in %s: %s", path, exc)


def _info_of(raw: Any) -> BackupInfo | None:
    try:
        return BackupInfo(_aware(raw["at"]), Path(raw["folder"]),
                          {str(k): int(v) for k, v in raw["counts"].items()},
                          str(raw.get("storeId", "")), float(raw.get("seconds", 0.0)))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def last_good_backup(store: Store) -> BackupInfo | None:
    """The last good automatic backup of this store made from this PC, if any."""
    info = _info_of(read_status(store.data_dir).get("lastGood"))
    if info is None or info.store_id != store.store_id:
        return None
    return info


def last_failure(store: Store) -> tuple[datetime, str] | None:
    """When the last automatic backup failed and why, if it failed after the last good one."""
    status = read_status(store.data_dir)
    error = status.get("lastError")
    if not isinstance(error, dict):
        return None
    try:
        return _aware(error["at"]), str(error["message"])
    except (KeyError, TypeError, ValueError):
        return None


def known_backup_dirs(data_dir: Path) -> list[Path]:
    """Every folder this PC has put backups in, most likely first (usable without a store):
    the folders recorded in the status file, the default automatic folder, and
    ``<data dir>/backups`` (safety copies taken before restores and upgrades)."""
    recorded = read_status(data_dir).get("folders") or []
    folders = [Path(str(p)) for p in recorded if isinstance(p, str)]
    folders += [default_backup_dir(data_dir), data_dir / "backups"]
    unique: list[Path] = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


def default_backup_dir(data_dir: Path) -> Path:
    return data_dir / "backups" / "auto"


def backup_dir(store: Store) -> Path:
    """Where automatic backups of ``store`` go (device setting ``backupDir`` or default)."""
    chosen = str(DeviceSettings(store).get("backupDir") or "").strip()
    return Path(chosen).expanduser() if chosen else default_backup_dir(store.data_dir)


# ------------------------------------------------------------------ making a backup
@dataclass(frozen=True)
class BackupOutcome:
    ok: bool
    entry: BackupEntry | None
    error: str = ""
    seconds: float = 0.0
    lock_seconds: float = 0.0
    """How long billing had to wait (the store lock is held only to pin the snapshot)."""
    removed: list[Path] = field(default_factory=list)


def _open_snapshot(store: Store) -> tuple[sqlite3.Connection, float]:
    """A read-only connection holding a read transaction on the store as it is now.

    The store lock is held only to start that transaction between two units of work; WAL
    then lets the store go on writing while the snapshot is read and copied, and the copy
    still sees the data as it was at that moment. Returns (connection, seconds held).
    """
    reader = sqlite3.connect(read_only_uri(store.db_path, writer_open=not store.read_only),
                             uri=True, isolation_level=None, check_same_thread=False)
    try:
        with store.read_lock():
            started = time.perf_counter()
            if store.engine.in_transaction:
                raise StoreError("A backup cannot be taken inside a unit of work.")
            reader.execute("BEGIN")
            reader.execute("SELECT COUNT(*) FROM store_info").fetchone()  # pins the snapshot
            held = time.perf_counter() - started
    except sqlite3.Error as exc:
        reader.close()
        raise StoreError(f"The database could not be read for a backup ({exc}).") from exc
    except BaseException:
        reader.close()
        raise
    return reader, held


def _facts(reader: sqlite3.Connection) -> dict[str, Any]:
    """What the manifest records, read from the snapshot itself (so it matches the copy)."""
    info = dict(reader.execute("SELECT key, value FROM store_info").fetchall())
    counts = {spec.name: 0 for spec in COLLECTIONS}
    for coll, count in reader.execute("SELECT coll, COUNT(*) FROM docs GROUP BY coll"):
        counts[coll.split(".", 1)[1]] = int(count)
    rows = reader.execute("SELECT body FROM docs WHERE coll = ?",
                          (f"{DATABASE_NAME}.clients",)).fetchall()
    shops = [{"_id": str(doc["_id"]), "phoneNumber": doc.get("phoneNumber", ""),
              "businessName": doc.get("businessName", "")}
             for doc in (bson.decode(row[0]) for row in rows)]
    return {"counts": counts, "store_id": info.get("store_id", ""),
            "schema_version": int(info.get("schema_version") or 0), "shops": shops}


def _write_json(path: Path, value: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2, default=str)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _folder_error(exc: OSError, folder: Path) -> StoreError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", None)):
        return StoreError(f"The disk holding the backup folder {folder} is full: the backup "
                          "was not made. Free some space there or choose another folder.")
    return StoreError(f"The backup folder {folder} cannot be used ({exc.strerror or exc}): "
                      "the backup was not made. Check that the drive is connected and "
                      "writable, or choose another folder.")


def make_backup(store: Store, folder: Path, *,
                now: datetime | None = None) -> tuple[BackupEntry, float]:
    """Write, verify and name one automatic backup in ``folder``.

    Returns the backup and how long the store lock was held (billing waited that long).

    Raises ``StoreError`` in words when the folder cannot be used or the copy fails its
    checks (the partial folder is removed). A copy whose invoice chains do not verify is
    still kept, marked not good.
    """
    try:
        return _make_backup(store, folder, now)
    except OSError as exc:
        raise _folder_error(exc, folder) from exc


def _make_backup(store: Store, folder: Path,
                 now: datetime | None) -> tuple[BackupEntry, float]:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = AUTO_PREFIX + moment.strftime(_STAMP)
    # Names only grow: a backup made in the same second as others gets a higher ``-N``
    # than any of them still on disk (never the name of one that retention removed).
    same_second = [_sequence_of(p.name) for p in folder.iterdir()
                   if p.name == stamp or p.name.startswith(stamp + "-")]
    name = stamp if not same_second else f"{stamp}-{max(same_second) + 1}"
    work = folder / f"{INCOMPLETE_PREFIX}{store.store_id[:12]}-{name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        reader, held = _open_snapshot(store)
        try:
            facts = _facts(reader)
            write_backup(reader, work, **facts)
        finally:
            reader.close()
        counts = facts["counts"]
        problems = check_chains(work, counts.get("invoices", 0) + counts.get("creditnotes", 0))
        _write_json(work / VERIFIED_FILE, {
            "good": not problems, "problems": problems[:50],
            "verifiedAt": datetime.now(UTC).isoformat(),
        })
        os.replace(work, folder / name)
        _fsync_dir(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    entry = read_entry(folder / name)
    if entry is None:  # pragma: no cover - the folder was just written and verified
        raise StoreError(f"The backup in {folder / name} cannot be read back.")
    return entry, held


# ------------------------------------------------------------------ retention
def plan_retention(entries: Iterable[BackupEntry], zone: tzinfo, *, daily: int = KEEP_DAILY,
                   weekly: int = KEEP_WEEKLY) -> tuple[list[BackupEntry], list[BackupEntry]]:
    """Split automatic backups of one store into (keep, delete) by the rules in the module
    docstring. Pure: looks only at the entries."""
    ordered = sorted(entries, key=lambda e: e.order, reverse=True)
    good = [e for e in ordered if e.verified is True]
    keep: list[BackupEntry] = []
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for entry in good:
        local = entry.created_at.astimezone(zone).date()
        week = local.isocalendar()[:2]
        wanted = False
        if local not in days and len(days) < daily:
            days.add(local)
            wanted = True
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)
            wanted = True
        if wanted or entry is good[0]:
            keep.append(entry)
    bad = [e for e in ordered if e.verified is not True]
    if bad and (not good or bad[0].created_at > good[0].created_at):
        keep.append(bad[0])
    kept = {id(e) for e in keep}
    return keep, [e for e in ordered if id(e) not in kept]


def prune(folder: Path, store_id: str, zone: tzinfo) -> list[Path]:
    """Apply the retention rules to ``folder``; returns the folders deleted."""
    mine = [e for e in find_backups([folder], store_id=store_id)
            if e.automatic and e.folder.parent == folder]
    _, doomed = plan_retention(mine, zone)
    removed = []
    for entry in doomed:
        shutil.rmtree(entry.folder, ignore_errors=True)
        removed.append(entry.folder)
    try:
        leftovers = [p for p in folder.iterdir()
                     if p.name.startswith(f"{INCOMPLETE_PREFIX}{store_id[:12]}-")]
    except OSError:
        leftovers = []
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


# ------------------------------------------------------------------ the policy
def _shops_oldest_first(store: Store) -> list[dict[str, Any]]:
    docs = list(store.iter_docs("clients"))
    return sorted(docs, key=lambda d: (d.get("createdAt") is None,
                                       d.get("createdAt") or datetime.min))


def _shop_zone_name(store: Store) -> str:
    shops = _shops_oldest_first(store)
    settings = (shops[0].get("clientSettings") or {}) if shops else {}
    return str(settings.get("timeZone") or "Asia/Kolkata")


class AutoBackup:
    """Backups taken on their own: at start-up (once a day) and every N bills.

    One per store, made by the composition root. ``on_finished`` is called on the backup
    thread with each :class:`BackupOutcome` (a Qt UI must hand it over to the GUI thread).
    Call :meth:`wait` before closing the store.
    """

    def __init__(self, store: Store, *, clock: Clock | None = None,
                 on_finished: Callable[[BackupOutcome], None] | None = None):
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
        error = "" if entry.good else "a hash chain in the copy does not verify: " + \
            "; ".join(entry.problems[:3])
        outcome = BackupOutcome(bool(entry.verified), entry, error,
                                time.perf_counter() - started, held, removed)
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
                "at": entry.created_at.isoformat(), "folder": str(entry.folder),
                "counts": entry.counts, "storeId": entry.store_id,
                "seconds": round(outcome.seconds, 3),
            }
            status.pop("lastError", None)
        else:
            status["lastError"] = {"at": now, "message": outcome.error}
        _write_status(self.store.data_dir, status)

    def _finish(self, outcome: BackupOutcome) -> BackupOutcome:
        if outcome.ok:
            log.info("backup written to %s in %.2f s (store lock held %.3f s); removed %d old",
                     outcome.entry.folder if outcome.entry else "?", outcome.seconds,
                     outcome.lock_seconds, len(outcome.removed))
        else:
            log.warning("automatic backup failed: %s", outcome.error)
        if self.on_finished is not None:
            try:
                self.on_finished(outcome)
            except Exception:
                log.exception("the backup listener failed")
        return outcome


# ------------------------------------------------------------------ restore
@dataclass(frozen=True)
class BackupPreview:
    """What a backup holds, shown before the owner confirms a restore."""

    folder: Path
    created_at: datetime  # aware UTC
    schema_version: int
    counts: dict[str, int]
    shops: list[dict[str, Any]]
    store_id: str
    verified: bool | None
    is_this_shop: bool | None
    """False: another shop's backup; None: nothing to compare with (no shop here yet)."""
    same_store: bool
    this_shop: dict[str, Any] | None = None
    kept_in: Path | None = None
    """After a restore: where the data it replaced was kept (a verified safety copy, or,
    when that data was damaged, a copy as it was under ``damaged/``)."""
    damaged_here: bool = False
    """The shop's records on this PC could not be read (damaged): ``is_this_shop`` then
    compares the data's identity (the store id), not the shop."""

    @property
    def kept_damaged(self) -> bool:
        """After a restore: the data it replaced was damaged and kept as it was."""
        return self.kept_in is not None and self.kept_in.parent.name == DAMAGED_DIR

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def readable(self) -> bool:
        """This program can read it (made by this or an older version)."""
        return self.schema_version <= SCHEMA_VERSION

    @property
    def shop_name(self) -> str:
        return str(self.shops[0].get("businessName", "")) if self.shops else ""

    @property
    def shop_phone(self) -> str:
        return str(self.shops[0].get("phoneNumber", "")) if self.shops else ""


def _label(shop: dict[str, Any] | None) -> str:
    if not shop:
        return "no shop"
    return f"“{shop.get('businessName') or '?'}” (phone {shop.get('phoneNumber') or '?'})"


def preview(folder: str | os.PathLike[str], store: Store | None = None) -> BackupPreview:
    """Read and check the backup in ``folder`` (checksum, integrity, counts) and describe it.

    Raises ``ValidationError("backupDir", ...)`` when the folder is not a backup and
    ``StoreError`` subclasses when it is damaged.
    """
    path = Path(folder).expanduser()
    if not (path / MANIFEST).is_file():
        raise ValidationError("backupDir", f"{path} is not a Viveka POS backup folder "
                              f"(it has no {MANIFEST})")
    manifest = read_backup(path)
    entry = read_entry(path)
    shops = list(manifest.shops)
    this_shop = None
    is_this: bool | None = None
    same_store = False
    damaged_here = False
    if store is not None:
        same_store = bool(manifest.store_id) and manifest.store_id == store.store_id
        try:
            here = _shops_oldest_first(store)
        except StoreCorruptError:
            # The shop's own records are damaged (the reason for restoring, often): compare
            # the data's identity instead, as a restore over data that cannot be opened does.
            here, damaged_here = [], True
            is_this = True if same_store else False if manifest.store_id else None
        if here:
            this_shop = {"businessName": here[0].get("businessName", ""),
                         "phoneNumber": here[0].get("phoneNumber", "")}
            phones_here = {d.get("phoneNumber") for d in here}
            is_this = any(s.get("phoneNumber") in phones_here for s in shops)
    return BackupPreview(path, _aware(manifest.created_at), int(manifest.schema_version),
                         dict(manifest.counts), shops, manifest.store_id,
                         entry.verified if entry else None, is_this, same_store, this_shop,
                         damaged_here=damaged_here)


def check_restorable(found: BackupPreview, *, allow_other_shop: bool = False) -> None:
    """Refuse (``ValidationError``) a backup this program cannot read, or another shop's
    backup unless ``allow_other_shop``."""
    if not found.readable:
        raise ValidationError(
            "backupDir", f"this backup was made by a newer version of Viveka POS (data "
            f"version {found.schema_version}); install that version to restore it")
    if found.is_this_shop is False and found.damaged_here and not allow_other_shop:
        raise ValidationError(
            "backupDir", f"this backup is of {_label(found.shops[0] if found.shops else None)}"
            ", from other data than this computer holds (whose shop records are damaged and "
            "cannot be read to compare); restoring it would replace that data: confirm to do "
            "it anyway")
    if found.is_this_shop is False and not allow_other_shop:
        raise ValidationError(
            "backupDir",
            f"this backup is of {_label(found.shops[0] if found.shops else None)}, not of "
            f"{_label(found.this_shop)}, the shop on this computer. Restoring it would "
            f"replace all of {_label(found.this_shop)}'s data; confirm to do it anyway")


def restore(store: Store, folder: str | os.PathLike[str], *,
            allow_other_shop: bool = False,
            checked: BackupPreview | None = None) -> BackupPreview:
    """Replace this PC's data with the backup in ``folder``; returns what was restored.

    A backup of another shop is refused unless ``allow_other_shop`` (the screen asks first,
    naming both shops). ``checked``: the :func:`preview` of that folder already shown to the
    owner (not read again here; the store checks the backup once more before replacing).
    The store writes a safety copy of the current data before anything is replaced
    (``<data dir>/backups/before-restore-…``), or, when the data here is damaged, copies it
    as it is into ``<data dir>/damaged/before-restore-…`` with a note; data from an older
    version is upgraded as it is opened.
    """
    found = checked if checked is not None else preview(folder, store)
    check_restorable(found, allow_other_shop=allow_other_shop)
    safety = store.data_dir / "backups" / f"before-restore-{utcnow():%Y%m%d-%H%M%S-%f}"
    store.restore(found.folder, safety_copy_dir=safety)
    kept = safety if (safety / MANIFEST).is_file() else damaged_place(store.data_dir,
                                                                      safety.name)
    log.info("restored the backup of %s made %s from %s", _label(found.shops[0] if found.shops
             else None), found.created_at.isoformat(), found.folder)
    return replace(found, kept_in=kept)


def as_dict(entry: BackupEntry) -> dict[str, Any]:
    """JSON-ready form of a backup entry (for the CLI)."""
    data = asdict(entry)
    data["folder"] = str(entry.folder)
    data["created_at"] = entry.created_at.isoformat()
    data["good"] = entry.good
    data["total"] = entry.total
    return data
