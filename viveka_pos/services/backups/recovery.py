"""When the data cannot be opened: what went wrong, in words, and putting a backup back.

Used by the "cannot open your data" screen (``ui/recovery.py``) before any store exists, so
nothing here needs an open store; and by ``viveka-pos restore``, which must work whatever
state the data is in (:func:`restore_data_dir`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ...domain.errors import ValidationError
from ...store import (
    DB_FILE,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreVersionError,
    StoreWriteError,
    open_store,
)
from ...store.backup_file import (
    BackupManifest,
    RescueResult,
    copy_data_aside,
    replace_with_backup,
)
from ...store.migrations import StoreMigrationError
from ...store.opening import StoreAccessError, StoreDiskFullError, remembered_store_id
from .manual import chosen_folder, new_backup_folder
from .on_disk import BackupEntry, find_backups, known_backup_dirs
from .restore import BackupPreview, check_restorable, preview
from .restore import restore as restore_open

log = logging.getLogger("viveka_pos.recovery")


@dataclass(frozen=True)
class OpenFailure:
    """An open failure explained: a title, what to do, and whether a backup would help."""

    title: str
    advice: str
    detail: str
    can_restore: bool
    can_back_up: bool = False
    """The data is intact but cannot be written: a backup elsewhere can still be taken
    (:func:`backup_read_only`), e.g. to a pen drive before making room."""


def explain(error: BaseException) -> OpenFailure:
    detail = str(error) or type(error).__name__
    if isinstance(error, StoreLockedError):
        return OpenFailure(
            "Viveka POS is already open",
            "Switch to the window that is already open, or close it, then try again.",
            detail,
            False,
        )
    if isinstance(error, StoreDiskFullError):
        return OpenFailure(
            "The disk is full",
            "Delete or move some files to make room "
            "(at least a few hundred MB), then try again. Your data is "
            "intact; you can back it up to a pen drive first.",
            detail,
            False,
            can_back_up=True,
        )
    if isinstance(error, StoreAccessError | StoreWriteError):
        return OpenFailure(
            "The data folder cannot be written",
            "Make the folder writable "
            "(or put the pen drive's write-protect switch off), then try "
            "again. Your data is intact.",
            detail,
            False,
            can_back_up=True,
        )
    if isinstance(error, StoreVersionError):
        return OpenFailure(
            "The data is from a newer Viveka POS",
            "Install the newer version of Viveka POS. Nothing was changed.",
            detail,
            False,
        )
    if isinstance(error, StoreMigrationError):
        return OpenFailure(
            "The data could not be upgraded",
            "Nothing was changed. Try "
            "again; if it fails again, restore the newest good backup and "
            "contact support with the log file.",
            detail,
            True,
        )
    if isinstance(error, StoreCorruptError):
        return OpenFailure(
            "Your data file is damaged or missing",
            "Restore the newest good backup. The damaged file is kept aside, never deleted.",
            detail,
            True,
        )
    if isinstance(error, StoreError | OSError):
        return OpenFailure(
            "Your data cannot be opened",
            "Try again. If it fails again, restore the newest good backup.",
            detail,
            True,
        )
    return OpenFailure(
        "Your data cannot be opened", "Try again, or restore the newest good backup.", detail, True
    )


def candidates(
    data_dir: Path, extra_dirs: Iterable[str | os.PathLike[str]] = ()
) -> list[BackupEntry]:
    """Backups to offer, newest first: those of the store this folder held first (when it
    is known), then any others found in the same places."""
    folders = [Path(p) for p in extra_dirs] + known_backup_dirs(data_dir)
    entries = find_backups(folders)
    mine = remembered_store_id(data_dir)
    if not mine:
        return entries
    return [e for e in entries if e.store_id == mine] + [e for e in entries if e.store_id != mine]


def newest_restorable(data_dir: Path, entries: Iterable[BackupEntry]) -> BackupEntry | None:
    """The newest good backup of this folder's own store (of any store if unknown)."""
    mine = remembered_store_id(data_dir)
    good = [e for e in entries if e.good and (not mine or e.store_id == mine)]
    return max(good, key=lambda e: e.order) if good else None


def is_foreign(data_dir: Path, entry: BackupEntry) -> bool:
    """True when ``entry`` is known to be another store's backup."""
    mine = remembered_store_id(data_dir)
    return bool(mine) and entry.store_id != mine


def backup_read_only(
    data_dir: str | os.PathLike[str], target: str | os.PathLike[str]
) -> BackupManifest:
    """A verified backup into the new or empty folder ``target`` of data that cannot be
    opened for writing (a full disk, a write-protected folder): the data is only read."""
    store = open_store(data_dir, read_only=True)
    try:
        return store.backup(target)
    finally:
        store.close()


def has_data(data_dir: str | os.PathLike[str]) -> bool:
    """Whether ``data_dir`` holds a data file (damaged or not) that could be copied aside."""
    return any(Path(data_dir).glob(f"{DB_FILE}*"))


def backup_read_only_into(
    data_dir: str | os.PathLike[str], folder: str | os.PathLike[str]
) -> BackupManifest:
    """:func:`backup_read_only` into a new dated sub-folder of ``folder`` (the owner's
    choice, as a backup from Settings goes)."""
    return backup_read_only(data_dir, new_backup_folder(folder))


def copy_aside(data_dir: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """Copy the data that cannot be opened, as it is, into a new folder inside ``folder``
    (a pen drive, before anything is tried on it); returns that new folder."""
    copied = copy_data_aside(Path(data_dir), DB_FILE, chosen_folder(folder, "folder"))
    log.warning(
        "the data of %s that could not be opened was copied as it is to %s", data_dir, copied
    )
    return copied


def restore_closed(data_dir: Path, folder: str | os.PathLike[str]) -> RescueResult:
    """Put the backup in ``folder`` in place of the data that cannot be opened.

    The backup is verified first; the files it replaces move to ``<data dir>/damaged/``.
    Open the store again afterwards.
    """
    result = replace_with_backup(Path(data_dir), Path(folder), DB_FILE)
    log.warning(
        "data in %s replaced by the backup %s made %s (old files kept in %s)",
        data_dir,
        folder,
        result.manifest.created_at,
        result.moved_to,
    )
    return result


@dataclass(frozen=True)
class DataDirRestore:
    """What :func:`restore_data_dir` did."""

    backup: BackupPreview
    kept_in: Path | None
    """Where the data that was replaced is now (None: there was none)."""
    damaged: bool
    """The data replaced was damaged: kept as it was, not as a checked safety copy."""


def restore_data_dir(
    data_dir: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    *,
    allow_other_shop: bool = False,
) -> DataDirRestore:
    """Make the backup in ``folder`` the data of ``data_dir``, whatever state that data is
    in (the store must not be open; another running program holding it is refused).

    The backup is checked before anything else. Data that opens is replaced through the
    store (a verified safety copy first, or, when it proves damaged, a copy as it is); data
    that cannot be opened because it is damaged or missing is moved into ``damaged/`` and
    the backup copied in its place (:func:`restore_closed`), then opened once (an older
    backup is upgraded). Another shop's backup is refused unless ``allow_other_shop``.
    """
    path = Path(data_dir)
    found = preview(folder)  # checksum, integrity, counts: a bad backup changes nothing
    check_restorable(found, allow_other_shop=allow_other_shop)
    try:
        store = open_store(path)
    except StoreCorruptError:
        return _restore_into_closed(path, found, allow_other_shop)
    try:
        restored = restore_open(store, found.folder, allow_other_shop=allow_other_shop)
    except StoreCorruptError:
        # Damage the open did not see (it reads little) broke the checks of this shop's
        # data: put the backup in place as for data that cannot be opened.
        store.close()
        return _restore_into_closed(path, found, allow_other_shop)
    finally:
        store.close()
    return DataDirRestore(restored, restored.kept_in, restored.kept_damaged)


def _restore_into_closed(
    data_dir: Path, found: BackupPreview, allow_other_shop: bool
) -> DataDirRestore:
    mine = remembered_store_id(data_dir)
    if mine and found.store_id != mine and not allow_other_shop:
        raise ValidationError(
            "backupDir",
            f"this backup is of another shop's data ({found.shop_name or '?'}, "
            f"phone {found.shop_phone or '?'}) than the data this folder held; restoring it "
            "would replace that shop's data: confirm to do it anyway",
        )
    result = replace_with_backup(data_dir, found.folder, DB_FILE)
    log.info(
        "data in %s replaced by the backup %s (old files kept in %s)",
        data_dir,
        found.folder,
        result.moved_to,
    )
    open_store(data_dir).close()  # upgrades an older backup, records the store as here
    return DataDirRestore(replace(found, kept_in=result.moved_to), result.moved_to, True)
