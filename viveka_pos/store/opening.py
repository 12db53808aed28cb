"""Checks made before the store is opened, so that a sick data folder is reported in words.

Left to itself SQLite explains these cases badly or not at all: a read-only folder surfaces
as "attempt to write a readonly database" (which reads like damage), a read-only lock file as
a bare ``PermissionError``, and a missing or emptied data file is silently re-created as a new,
empty store, so the shop would start again from nothing and the first-run screen would offer
to register the shop afresh.

To tell "a new installation" from "the data file went missing", the store leaves a small
marker file (:data:`MARKER`) beside its database once it has been opened successfully. A
``device.json`` (written by the app after every successful open) counts as the same evidence
for folders made before the marker existed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
import stat
from pathlib import Path

from .errors import StoreCorruptError, StoreError

log = logging.getLogger("viveka_pos.store")

MARKER = "viveka.store"
"""Written beside the database after a successful open: ``{"storeId": ...}``."""
_EVIDENCE = (MARKER, "device.json")
_SQLITE_HEADER = b"SQLite format 3\x00"
_SIDE_FILES = ("-wal", "-shm")


class StoreAccessError(StoreError):
    """The data folder or one of its files cannot be written (read-only, permissions)."""


class StoreDiskFullError(StoreAccessError):
    """The disk holding the data folder has no room left."""


class StoreMissingError(StoreCorruptError):
    """The data file of a folder that held a store is gone (moved, deleted, not copied)."""


def describe_os_error(exc: OSError, path: Path, noun: str = "data folder") -> StoreError:
    """The store error, in words, for an ``OSError`` met using ``path`` (a ``noun``)."""
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", None):
        return StoreDiskFullError(
            f"The disk holding the {noun} {path} is full. Viveka POS needs some free space "
            "to save bills: delete or move other files, then start again."
        )
    what = f"The {noun} {path}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StoreAccessError(
            f"{what} cannot be written ({exc.strerror}). Viveka POS must save every bill "
            "there: if it is on a pen drive, check that the drive is not write-protected; "
            "otherwise make the folder writable for this user (or start with --data-dir "
            "pointing to a folder you can write)."
        )
    return StoreAccessError(f"{what} cannot be used ({exc.strerror or exc}).")


def had_store(data_dir: Path) -> bool:
    """True when this folder has held an opened store before."""
    return any((data_dir / name).exists() for name in _EVIDENCE)


def missing_message(data_dir: Path, db_file: str) -> str:
    return (
        f"The shop's data file {db_file} is missing from {data_dir}, which held "
        "Viveka POS data before. It may have been moved or deleted, or the folder "
        "was copied without it. Restore the newest good backup, or put the file "
        "back and start again."
    )


def check_data_dir(data_dir: Path, db_file: str) -> None:
    """Create the data folder if needed and make sure a store can be opened in it.

    Raises :class:`StoreAccessError` (read-only, permissions), :class:`StoreDiskFullError`,
    :class:`StoreMissingError` (the data file of an existing store is gone) or
    :class:`StoreCorruptError` (the data file is empty or is not a database), each with a
    message that says what to do. Changes nothing but a short-lived probe file.
    """
    try:
        data_dir.mkdir(mode=OWNER_ONLY_FOLDER, parents=True, exist_ok=True)
    except FileExistsError:
        raise StoreAccessError(
            f"{data_dir} is a file, not a folder: choose another data folder."
        ) from None
    except OSError as exc:
        raise describe_os_error(exc, data_dir) from None
    _probe_folder(data_dir)
    keep_private(data_dir)
    db_path = data_dir / db_file
    if not db_path.exists():
        if had_store(data_dir):
            raise StoreMissingError(missing_message(data_dir, db_file))
        _create_private(db_path)
        return
    _check_database_file(db_path)
    for name in [db_file + suffix for suffix in _SIDE_FILES] + ["viveka.lock"]:
        path = data_dir / name
        if path.exists():
            _probe_file(path)


OWNER_ONLY_FOLDER = 0o700
OWNER_ONLY_FILE = 0o600


def keep_private(data_dir: Path) -> None:
    """Make the data folder, and what is directly in it, readable by its owner only.

    The shop's customers, bills and login live there: other users of the PC have no
    business reading them. New folders are made 0700; a folder from an older version (or
    made by hand) is tightened at each open, its files to 0600 and its subfolders (logs,
    backups) to 0700. SQLite gives its ``-wal`` and ``-shm`` files the database file's own
    permissions, and the database file is created 0600 (:func:`_create_private`). On Windows
    the folder is in the user's own profile, whose permissions already keep others out.
    Failures are logged, never raised: a folder on a pen drive (FAT) has no permissions.
    """
    if os.name == "nt":
        return
    try:
        entries = [data_dir, *data_dir.iterdir()]
    except OSError as exc:
        log.warning("cannot list %s to restrict its permissions: %s", data_dir, exc)
        return
    for path in entries:
        try:
            if path.is_symlink():
                continue
            wanted = OWNER_ONLY_FOLDER if path.is_dir() else OWNER_ONLY_FILE
            if stat.S_IMODE(path.stat().st_mode) & ~wanted:
                os.chmod(path, stat.S_IMODE(path.stat().st_mode) & wanted)
        except OSError as exc:
            log.warning("cannot make %s private: %s", path, exc)


def _create_private(db_path: Path) -> None:
    """Create the empty database file owner-only (SQLite then makes its side files alike)."""
    if os.name == "nt":
        return
    try:
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise describe_os_error(exc, db_path, "data file") from None


def check_readable(data_dir: Path, db_file: str) -> None:
    """What :func:`check_data_dir` checks, for a store opened only to be read: nothing is
    created or written (a full disk or a read-only folder must still let the owner read
    reports and take a backup)."""
    db_path = data_dir / db_file
    try:
        empty = db_path.stat().st_size == 0
    except FileNotFoundError:
        empty = True
    except OSError as exc:
        raise describe_os_error(exc, db_path, "data file") from None
    if empty and not had_store(data_dir):
        raise StoreError(f"There is no Viveka POS data in {data_dir} yet.")
    if not db_path.exists():
        raise StoreMissingError(missing_message(data_dir, db_file))
    _check_database_file(db_path, probe=False)


def read_only_uri(db_path: Path, *, writer_open: bool = False) -> str:
    """The SQLite URI that reads the store without writing anything beside it.

    With no writer (``writer_open`` False: the store itself is open read-only, so the
    caller holds the data folder's lock or the folder cannot be written at all) a store
    closed cleanly, which has no write-ahead log, is opened ``immutable``: that needs no
    ``-shm`` file either, which SQLite would otherwise create, and cannot on a read-only
    folder or a full disk. A log left over by a crash holds saved bills, so then the file
    is read the normal way; and always while this process writes it.
    """
    uri = f"{db_path.absolute().as_uri()}?mode=ro"  # as_uri: escapes, Windows drives
    if writer_open:
        return uri
    try:
        has_log = Path(f"{db_path}-wal").stat().st_size > 0
    except OSError:
        has_log = False
    return uri if has_log else uri + "&immutable=1"


def integrity_problems(db_path: Path, *, writer_open: bool, limit: int = 20) -> list[str]:
    """SQLite's full integrity check on a read-only connection of its own (a writer in
    the same process is not held up: WAL lets it read while the store writes).

    ``["ok"]`` when the file is sound, else up to ``limit`` findings, one line each.
    Raises :class:`StoreError` when the file cannot be opened for the check."""
    try:
        conn = sqlite3.connect(read_only_uri(db_path, writer_open=writer_open), uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"the database file could not be opened for the check: {exc}") from exc
    try:
        return [
            " ".join(str(row[0]).split())  # one line each (SQLite's may hold several)
            for row in conn.execute(f"PRAGMA integrity_check({int(limit)})")
        ]
    except sqlite3.DatabaseError as exc:  # damage bad enough to stop the check itself
        return [str(exc)]
    finally:
        conn.close()


def unmerged_log_error(db_path: Path) -> StoreError | None:
    """Why a read-only open failed, when the reason is a write-ahead log left by a program
    that stopped without closing, on a folder where SQLite cannot make the index it needs
    to read that log (None for any other reason). The data is intact."""
    try:
        if Path(f"{db_path}-wal").stat().st_size == 0:
            return None
    except OSError:
        return None
    return StoreAccessError(
        f"The data in {db_path.parent} holds saved changes not yet merged into its data file "
        "(Viveka POS was stopped without closing), and the folder cannot be written to read "
        "them. Make the folder writable once (or copy the whole folder to a disk you can "
        "write) and open it again. Nothing was lost."
    )


def _probe_folder(data_dir: Path) -> None:
    probe = data_dir / f".write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"ok")  # a full disk refuses even this (space is reserved at write)
        finally:
            os.close(fd)
    except OSError as exc:
        raise describe_os_error(exc, data_dir) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)


def _probe_file(path: Path, noun: str = "file") -> None:
    try:
        with path.open("r+b"):
            pass
    except OSError as exc:
        raise describe_os_error(exc, path, noun) from None


def _check_database_file(db_path: Path, *, probe: bool = True) -> None:
    try:
        size = db_path.stat().st_size
        with db_path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise describe_os_error(exc, db_path, "data file") from None
    if size == 0:
        if had_store(db_path.parent):
            raise StoreCorruptError(
                f"The data file {db_path} is empty: its contents were lost (often a copy or "
                "a power cut that did not finish). Restore the newest good backup."
            )
        return
    if header != _SQLITE_HEADER:
        raise StoreCorruptError(
            f"The data file {db_path} is damaged: it does not start like a database file. "
            "Restore the newest good backup."
        )
    if probe:
        _probe_file(db_path, "data file")


def remember_store(data_dir: Path, store_id: str) -> None:
    """Leave (or update) the marker that says this folder holds a store.

    A failure here is logged, never raised: the store is open and works without it.
    """
    path = data_dir / MARKER
    wanted = {"storeId": store_id}
    try:
        if path.is_file() and json.loads(path.read_text(encoding="utf-8")) == wanted:
            return
    except (OSError, ValueError):
        pass
    tmp = path.with_name(MARKER + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY_FILE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(wanted))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not write %s: %s", path, exc)


def remembered_store_id(data_dir: Path) -> str:
    """The id of the store this folder held when it was last opened ('' if unknown)."""
    try:
        value = json.loads((data_dir / MARKER).read_text(encoding="utf-8")).get("storeId", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""
