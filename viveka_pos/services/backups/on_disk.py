"""Backups as they are found on disk, and this PC's backup status file.

A backup folder holds a manifest and a copy of the database (:mod:`viveka_pos.store.backup_file`);
an automatic one also ``verified.json``, the result of checking its hash chains. Reading an
entry is cheap (no checksum): listing many backups, on a pen drive too, stays quick.

The last good backup (time, folder, counts) and the last failure are kept in
``<data dir>/backup-status.json`` rather than in the database: it belongs to this PC, it
must survive a restore (which replaces the database), and the recovery screen must read it
when the database cannot be opened.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...store import Store
from ...store.backup_file import BACKUP_DB, MANIFEST, BackupManifest
from ..device import DeviceSettings

log = logging.getLogger("viveka_pos.backups")

AUTO_PREFIX = "auto-"
INCOMPLETE_PREFIX = ".incomplete-"
VERIFIED_FILE = "verified.json"
STATUS_FILE = "backup-status.json"
STAMP = "%Y%m%dT%H%M%SZ"


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
        return self.created_at, sequence_of(self.folder.name), self.folder.name

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


def aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _named_time(name: str) -> datetime | None:
    """The UTC time in an automatic backup's folder name (``auto-20250616T050000Z[-2]``)."""
    if not name.startswith(AUTO_PREFIX):
        return None
    try:
        stamp = name[len(AUTO_PREFIX) :].split("-", 1)[0]
        return datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def sequence_of(name: str) -> int:
    """1 for ``auto-…Z``, N for ``auto-…Z-N`` (later backups made in the same second)."""
    head, _, tail = name.rpartition("-")
    return (
        int(tail) if head.startswith(AUTO_PREFIX) and head.endswith("Z") and tail.isdigit() else 1
    )


def read_entry(folder: Path) -> BackupEntry | None:
    """The backup in ``folder`` from its manifest (cheap: no checksum), or None."""
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest = BackupManifest(**raw)
        created = _named_time(folder.name) or aware(manifest.created_at)
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
    return BackupEntry(
        folder,
        created,
        manifest.store_id,
        int(manifest.schema_version),
        dict(manifest.counts),
        list(manifest.shops),
        verified,
        problems,
    )


def find_backups(
    folders: Iterable[str | os.PathLike[str]], *, store_id: str | None = None
) -> list[BackupEntry]:
    """Backups in ``folders`` (each folder itself and its direct sub-folders), newest first.

    ``store_id`` keeps only backups of that store. Unreadable folders are skipped.
    """
    found: dict[Path, BackupEntry] = {}
    for base in folders:
        path = Path(base).expanduser()
        candidates = [path]
        try:
            if path.is_dir():
                candidates += [
                    p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")
                ]
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
    return next((e for e in sorted(entries, key=lambda e: e.order, reverse=True) if e.good), None)


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


def _status_path(data_dir: Path) -> Path:
    return data_dir / STATUS_FILE


def read_status(data_dir: Path) -> dict[str, Any]:
    try:
        value = json.loads(_status_path(data_dir).read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def write_status(data_dir: Path, status: dict[str, Any]) -> None:
    path = _status_path(data_dir)
    tmp = path.with_name(STATUS_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(status, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not record the backup status in %s: %s", path, exc)


def _info_of(raw: Any) -> BackupInfo | None:
    try:
        return BackupInfo(
            aware(raw["at"]),
            Path(raw["folder"]),
            {str(k): int(v) for k, v in raw["counts"].items()},
            str(raw.get("storeId", "")),
            float(raw.get("seconds", 0.0)),
        )
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
        return aware(error["at"]), str(error["message"])
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


def shops_oldest_first(store: Store) -> list[dict[str, Any]]:
    docs = list(store.iter_docs("clients"))
    return sorted(
        docs, key=lambda d: (d.get("createdAt") is None, d.get("createdAt") or datetime.min)
    )


def as_dict(entry: BackupEntry) -> dict[str, Any]:
    """JSON-ready form of a backup entry (for the CLI)."""
    data = asdict(entry)
    data["folder"] = str(entry.folder)
    data["created_at"] = entry.created_at.isoformat()
    data["good"] = entry.good
    data["total"] = entry.total
    return data
