"""Manual backups (Settings → Backup → Back up now): each in its own dated folder.

The store does the real work (a consistent SQLite copy, verified). This module chooses
where a manual backup goes, so a
"Backups" folder collects one sub-folder per backup, and finds backups there — manual ones
and the automatic ``auto-…`` ones of :mod:`.auto` alike.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from ...domain.errors import ValidationError
from ...store import Store
from ...store.backup_file import BackupManifest
from .on_disk import find_backups

PREFIX = "viveka-backup-"


def backup_folder_name(moment: datetime) -> str:
    return f"{PREFIX}{moment.strftime('%Y%m%d-%H%M%S')}"


def chosen_folder(value: str | os.PathLike[str], field: str) -> Path:
    """The folder the owner typed or picked; ``ValidationError`` on ``field`` if none."""
    text = str(value or "").strip()
    if not text:
        raise ValidationError(field, "choose a folder")
    return Path(text).expanduser()


def new_backup_folder(folder: str | os.PathLike[str], *, now: datetime | None = None) -> Path:
    """A new dated sub-folder of ``folder`` (the owner's choice) for one backup."""
    base = chosen_folder(folder, "backupDir")
    moment = now or datetime.now()
    target = base / backup_folder_name(moment)
    suffix = 1
    while target.exists():
        suffix += 1
        target = base / f"{backup_folder_name(moment)}-{suffix}"
    return target


def backup_now(
    store: Store, folder: str | os.PathLike[str], *, now: datetime | None = None
) -> BackupManifest:
    """Write a verified backup into a new dated sub-folder of ``folder``.

    Returns the manifest; :func:`latest_backup` finds the folder it went to.
    """
    return store.backup(new_backup_folder(folder, now=now))


def list_backups(folder: str | os.PathLike[str]) -> list[Path]:
    """Backup folders directly inside ``folder`` (manual or automatic), oldest first."""
    base = Path(folder).expanduser()
    if not base.is_dir():
        return []
    entries = find_backups([base])
    return [entry.folder for entry in reversed(entries) if entry.folder != base]


def latest_backup(folder: str | os.PathLike[str]) -> Path | None:
    found = list_backups(folder)
    return found[-1] if found else None
