"""Put a backup in place of a data file that cannot be opened (damaged, emptied, missing).

:meth:`Store.restore` needs an open store; this is for when there is none. The damaged files
are never deleted: they are moved into ``<data dir>/damaged/<time stamp>/`` first (someone
may still want to look at them), then the backup's database file is copied in and checked
against its manifest's checksum. Opening the store afterwards upgrades the data if the backup
came from an older version.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .backup import BACKUP_DB, BackupManifest, read_backup
from .engine import utcnow
from .errors import StoreCorruptError, StoreVersionError
from .filelock import DataDirLock
from .opening import describe_os_error
from .schema import SCHEMA_VERSION

DAMAGED_DIR = "damaged"
_SIDE_FILES = ("-wal", "-shm", "-journal")
NOTE_FILE = "WHAT-IS-THIS.txt"


@dataclass(frozen=True)
class RescueResult:
    manifest: BackupManifest
    source: Path
    moved_to: Path | None
    """Where the files that were replaced now are (None when there were none)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def replace_with_backup(data_dir: Path, backup_dir: Path, db_file: str) -> RescueResult:
    """Make the backup in ``backup_dir`` the data of ``data_dir`` (the store must be closed).

    Raises ``StoreError`` subclasses in words: the backup is damaged or too new, the data
    folder is in use by a running program (:class:`StoreLockedError`) or cannot be written.
    """
    manifest = read_backup(backup_dir)  # checksum, integrity and counts, before anything moves
    if manifest.schema_version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"That backup was made by a newer version of Viveka POS (data version "
            f"{manifest.schema_version}; this program reads up to {SCHEMA_VERSION}).")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise describe_os_error(exc, data_dir) from None
    lock = DataDirLock(data_dir)
    try:
        lock.acquire()
    except PermissionError as exc:
        raise describe_os_error(exc, data_dir) from None
    try:
        moved_to = _move_aside(data_dir, db_file)
        _copy_in(backup_dir / BACKUP_DB, data_dir / db_file, manifest.sha256)
    finally:
        lock.release()
    return RescueResult(manifest, backup_dir, moved_to)


def _move_aside(data_dir: Path, db_file: str) -> Path | None:
    present = [data_dir / name for name in [db_file] + [db_file + s for s in _SIDE_FILES]
               if (data_dir / name).exists()]
    if not present:
        return None
    target = data_dir / DAMAGED_DIR / utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    try:
        target.mkdir(parents=True)
        for path in present:
            os.replace(path, target / path.name)
        _leave_note(target, data_dir, "It could not be opened")
    except OSError as exc:
        raise describe_os_error(exc, data_dir) from None
    return target


def _copy_in(source: Path, dest: Path, sha256: str) -> None:
    partial = dest.with_name(dest.name + ".partial")
    try:
        with source.open("rb") as src, partial.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        if _sha256(partial) != sha256:
            partial.unlink(missing_ok=True)
            raise StoreCorruptError(
                f"The copy of the backup {source} did not match its checksum; the disk may "
                "be failing. Nothing was restored.")
        os.replace(partial, dest)
        if os.name != "nt":
            fd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise describe_os_error(exc, dest.parent) from None


def _leave_note(target: Path, data_dir: Path, why: str) -> None:
    """Say, beside data kept aside, what it is (it is no backup, nothing reads it)."""
    (target / NOTE_FILE).write_text(
        f"The data of {data_dir} as it was at {utcnow():%Y-%m-%d %H:%M} UTC, when a backup "
        f"was restored over it. {why}, so it is kept here as it was, for inspection only: "
        "Viveka POS never reads it. Delete this folder when you no longer need it.\n",
        encoding="utf-8")


def damaged_place(data_dir: Path, name: str) -> Path:
    """Where data that failed its checks is kept aside (never a backup folder: it has no
    manifest, so nothing lists it as one or restores from it)."""
    return data_dir / DAMAGED_DIR / name


def keep_damaged_copy(conn: sqlite3.Connection, db_path: Path, target: Path) -> Path:
    """Copy the open, damaged data of ``conn`` (file ``db_path``) into the new folder
    ``target`` as it is, before a restore replaces it; returns ``target``.

    A verified safety copy is impossible (the copy fails the same checks), and checking it
    as if it were a backup is pointless. SQLite copies the pages as they are; if even that
    fails, the file's bytes are copied. Raises ``StoreError`` in words when the folder
    cannot be written (then nothing is replaced).
    """
    try:
        target.mkdir(parents=True)
        dest_file = target / db_path.name
        try:
            dest = sqlite3.connect(str(dest_file))
            try:
                conn.backup(dest)
            finally:
                dest.close()
        except sqlite3.Error:
            dest_file.unlink(missing_ok=True)
            for suffix in ("", "-wal"):
                source = Path(f"{db_path}{suffix}")
                if source.exists():
                    shutil.copyfile(source, target / source.name)
        _leave_note(target, db_path.parent, "It had failed its integrity check")
        for path in target.iterdir():
            with path.open("rb+") as handle:
                os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            shutil.rmtree(target)
        raise describe_os_error(exc, target, "folder for the damaged data") from None
    return target
