"""A backup as files: a consistent SQLite copy plus a manifest, verified after writing;
read back and checked; put in place of the store's own file; and the damaged data kept
aside as it was.

This is the file level only (what a backup folder holds and how it is written, checked and
copied in). When backups are taken, where they go, how many are kept and how a restore is
decided is the policy of :mod:`viveka_pos.services.backups`, which reaches the store's files
through what is here and through :meth:`Store.pin_snapshot` — never by SQL of its own.

Restore without an open store (:func:`replace_with_backup`): the damaged files are never
deleted; they are moved into ``<data dir>/damaged/<time stamp>/`` first with a note saying
what they are (someone may still want to look at them), then the backup's database file is
copied in and checked against its manifest's checksum. Opening the store afterwards
upgrades the data if the backup came from an older version.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import bson

from .engine import utcnow
from .errors import StoreCorruptError, StoreError, StoreVersionError
from .filelock import DataDirLock
from .opening import describe_os_error
from .schema import COLLECTIONS, DATABASE_NAME, SCHEMA_VERSION

BACKUP_DB = "viveka.sqlite3"
MANIFEST = "manifest.json"
FORMAT = "viveka-pos-backup"
DAMAGED_DIR = "damaged"
NOTE_FILE = "WHAT-IS-THIS.txt"
_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass
class BackupManifest:
    format: str
    format_version: int
    created_at: str
    store_id: str
    schema_version: int
    counts: dict[str, int]
    sha256: str
    shops: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_documents(self) -> int:
        return sum(self.counts.values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` survive a power cut (nothing to do on
    Windows, where a folder cannot be opened for it)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _count_rows(db_file: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise StoreCorruptError(f"The backup {db_file} failed its integrity check: {check}")
        rows = conn.execute("SELECT coll, COUNT(*) FROM docs GROUP BY coll").fetchall()
    except sqlite3.DatabaseError as exc:
        raise StoreCorruptError(f"The backup {db_file} cannot be read ({exc}).") from exc
    finally:
        conn.close()
    return {coll.split(".", 1)[1]: n for coll, n in rows}


def describe_target_error(exc: OSError, target_dir: Path) -> StoreError:
    """An ``OSError`` met writing a backup into ``target_dir``, as one line naming it."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", None)):
        return StoreError(
            f"The disk holding the backup folder {target_dir} is full: the "
            "backup was not made. Free some space there or choose another "
            "folder."
        )
    where = exc.filename if exc.filename is not None else target_dir
    reason = {
        errno.ENAMETOOLONG: "the name is too long",
        errno.EEXIST: "a file of that name is in the way",
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.EROFS: "the drive is write-protected",
    }.get(exc.errno or 0)
    hint = ""
    if reason is None:
        reason = exc.strerror or str(exc)
        hint = " Check that the drive is connected and writable, or choose another folder."
    return StoreError(
        f"The backup folder {where} cannot be used ({reason}): the backup was not made.{hint}"
    )


def prepare_target(target_dir: Path) -> bool:
    """Make sure ``target_dir`` is a new or empty folder for one backup; create it.

    Returns True when it was created here (so a failed backup removes it again). Raises
    ``StoreError`` as one line naming the folder: a file is in the way, the folder already
    holds something, or it cannot be made.
    """
    try:
        if target_dir.is_dir():
            if (target_dir / MANIFEST).exists():
                raise StoreError(f"{target_dir} already holds a backup; choose an empty folder.")
            if any(target_dir.iterdir()):
                raise StoreError(
                    f"The backup folder {target_dir} is not empty: choose a new "
                    "or empty folder (a backup never mixes with other files)."
                )
            return False
        if target_dir.exists() or target_dir.is_symlink():
            raise StoreError(
                f"{target_dir} is a file, not a folder: name a new or empty folder for the backup."
            )
        target_dir.mkdir(parents=True)
    except OSError as exc:
        raise describe_target_error(exc, target_dir) from None
    return True


def write_backup(
    source: sqlite3.Connection,
    target_dir: Path,
    *,
    counts: dict[str, int],
    store_id: str,
    schema_version: int,
    shops: list[dict[str, Any]],
) -> BackupManifest:
    """Copy ``source`` into ``target_dir`` (a new or empty folder) and verify the copy
    before declaring success. A failure leaves no part of the backup behind."""
    created = prepare_target(target_dir)
    try:
        partial = _copy_checked(source, target_dir, counts)
        manifest = BackupManifest(
            format=FORMAT,
            format_version=1,
            created_at=utcnow().isoformat(),
            store_id=store_id,
            schema_version=schema_version,
            counts=counts,
            sha256=_sha256(partial),
            shops=shops,
        )
        _seal(partial, target_dir, manifest)
        return manifest
    except BaseException as exc:
        for name in (BACKUP_DB, BACKUP_DB + ".partial", MANIFEST, MANIFEST + ".partial"):
            with contextlib.suppress(OSError):
                (target_dir / name).unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                target_dir.rmdir()
        if isinstance(exc, OSError):
            raise describe_target_error(exc, target_dir) from exc
        raise


def _copy_checked(source: sqlite3.Connection, target_dir: Path, counts: dict[str, int]) -> Path:
    """The copy, not yet in its place, once it holds as many documents as ``counts``."""
    partial = target_dir / (BACKUP_DB + ".partial")
    dest = sqlite3.connect(str(partial))
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        dest.close()
        if "full" in str(exc).lower():
            raise describe_target_error(OSError(errno.ENOSPC, str(exc)), target_dir) from exc
        raise StoreError(f"The backup to {target_dir} failed: {exc}") from exc
    dest.close()
    try:
        copied = _count_rows(partial)
    except StoreCorruptError as exc:  # a faithful copy of damaged data fails as it does
        raise StoreCorruptError(
            f"The data could not be backed up: its copy failed the integrity check, so the "
            f"data itself is damaged ({exc.__cause__ or exc}). Nothing was kept in "
            f"{target_dir}. Restore the newest good backup."
        ) from exc
    expected = {name: n for name, n in counts.items() if n}
    if copied != expected:
        raise StoreCorruptError(
            f"The backup in {target_dir} does not match the store (copied {copied}, "
            f"expected {expected}); it was discarded."
        )
    return partial


def _seal(partial: Path, target_dir: Path, manifest: BackupManifest) -> None:
    """Put the checked copy in its place, then its manifest, each synced to the disk."""
    final = target_dir / BACKUP_DB
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, final)
    manifest_tmp = target_dir / (MANIFEST + ".partial")
    manifest_tmp.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    with manifest_tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(manifest_tmp, target_dir / MANIFEST)
    fsync_dir(target_dir)


def shop_summary(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a manifest records of a shop: enough to say whose backup it is."""
    return {
        "_id": str(doc["_id"]),
        "phoneNumber": doc.get("phoneNumber", ""),
        "businessName": doc.get("businessName", ""),
    }


@dataclass(frozen=True)
class SnapshotFacts:
    """What a backup's manifest records, read from the snapshot it is copied from."""

    counts: dict[str, int]
    store_id: str
    schema_version: int
    shops: list[dict[str, Any]]


class Snapshot:
    """A read transaction pinned on the store's file (:meth:`Store.pin_snapshot`): the data
    as it was at that moment, while the store goes on writing (WAL keeps it). Read its
    facts and copy it into a backup folder from any thread; close it when done."""

    def __init__(self, reader: sqlite3.Connection, held_seconds: float):
        self._reader = reader
        self.held_seconds = held_seconds
        """How long writers waited for the snapshot to be pinned."""

    def facts(self) -> SnapshotFacts:
        try:
            info = dict(self._reader.execute("SELECT key, value FROM store_info").fetchall())
            counts = {spec.name: 0 for spec in COLLECTIONS}
            for coll, count in self._reader.execute(
                "SELECT coll, COUNT(*) FROM docs GROUP BY coll"
            ):
                counts[coll.split(".", 1)[1]] = int(count)
            rows = self._reader.execute(
                "SELECT body FROM docs WHERE coll = ?", (f"{DATABASE_NAME}.clients",)
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreCorruptError(
                f"The data could not be read for a backup ({exc}). Restore the newest good backup."
            ) from exc
        shops = [shop_summary(bson.decode(row[0])) for row in rows]
        return SnapshotFacts(
            counts, info.get("store_id", ""), int(info.get("schema_version") or 0), shops
        )

    def write_backup(self, target_dir: Path, facts: SnapshotFacts) -> BackupManifest:
        """A verified backup of the snapshot in ``target_dir`` (see :func:`write_backup`)."""
        return write_backup(
            self._reader,
            target_dir,
            counts=facts.counts,
            store_id=facts.store_id,
            schema_version=facts.schema_version,
            shops=facts.shops,
        )

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def backup_documents(folder: Path, collection: str) -> Iterator[dict[str, Any]]:
    """The documents of ``collection`` in the backup in ``folder``, read straight from its
    file (never opened as a store: that would write to it), decoded in small batches.

    Raises ``StoreCorruptError`` when the copy cannot be read.
    """
    try:
        conn = sqlite3.connect(f"file:{folder / BACKUP_DB}?mode=ro", uri=True)
        try:
            cursor = conn.execute(
                "SELECT body FROM docs WHERE coll = ?", (f"{DATABASE_NAME}.{collection}",)
            )
            # Small batches: decoding holds the interpreter lock for the whole batch.
            while rows := cursor.fetchmany(200):
                yield from bson.decode_all(b"".join(row[0] for row in rows))
        finally:
            conn.close()
    except (sqlite3.Error, bson.errors.BSONError) as exc:
        raise StoreCorruptError(
            f"The {collection} in the backup {folder} cannot be read ({exc})."
        ) from exc


def read_backup(source_dir: Path) -> BackupManifest:
    """Read and verify a backup folder: manifest, checksum, integrity, counts."""
    manifest_path = source_dir / MANIFEST
    db_file = source_dir / BACKUP_DB
    if not manifest_path.is_file() or not db_file.is_file():
        raise StoreError(
            f"{source_dir} is not a Viveka POS backup folder (it needs {MANIFEST} and {BACKUP_DB})."
        )
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = BackupManifest(**raw)
    except (ValueError, TypeError) as exc:
        raise StoreCorruptError(f"The backup manifest in {source_dir} is damaged ({exc}).") from exc
    if manifest.format != FORMAT:
        raise StoreError(f"{source_dir} is not a Viveka POS backup.")
    if _sha256(db_file) != manifest.sha256:
        raise StoreCorruptError(
            f"The backup in {source_dir} was changed or damaged after it was written "
            "(checksum mismatch)."
        )
    copied = _count_rows(db_file)
    expected = {name: n for name, n in manifest.counts.items() if n}
    if copied != expected:
        raise StoreCorruptError(f"The backup in {source_dir} is incomplete.")
    return manifest


def restore_into(source_dir: Path, dest: sqlite3.Connection) -> None:
    """Replace ``dest``'s whole contents with the backup, in one transaction."""
    src = sqlite3.connect(f"file:{source_dir / BACKUP_DB}?mode=ro", uri=True)
    try:
        src.backup(dest)
    except sqlite3.Error as exc:
        raise StoreError(
            f"The restore from {source_dir} failed; nothing was changed ({exc})."
        ) from exc
    finally:
        src.close()


@dataclass(frozen=True)
class RescueResult:
    manifest: BackupManifest
    source: Path
    moved_to: Path | None
    """Where the files that were replaced now are (None when there were none)."""


def replace_with_backup(data_dir: Path, backup_dir: Path, db_file: str) -> RescueResult:
    """Make the backup in ``backup_dir`` the data of ``data_dir`` (the store must be closed).

    Raises ``StoreError`` subclasses in words: the backup is damaged or too new, the data
    folder is in use by a running program (:class:`StoreLockedError`) or cannot be written.
    """
    manifest = read_backup(backup_dir)  # checksum, integrity and counts, before anything moves
    if manifest.schema_version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"That backup was made by a newer version of Viveka POS (data version "
            f"{manifest.schema_version}; this program reads up to {SCHEMA_VERSION})."
        )
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
    present = [
        data_dir / name
        for name in [db_file] + [db_file + s for s in _SIDE_FILES]
        if (data_dir / name).exists()
    ]
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
                "be failing. Nothing was restored."
            )
        os.replace(partial, dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise describe_os_error(exc, dest.parent) from None


def _leave_note(
    target: Path, data_dir: Path, why: str, when: str = "when a backup was restored over it"
) -> None:
    """Say, beside data kept aside, what it is (it is no backup, nothing reads it)."""
    (target / NOTE_FILE).write_text(
        f"The data of {data_dir} as it was at {utcnow():%Y-%m-%d %H:%M} UTC, {when}. "
        f"{why}, so it is kept here as it was, for inspection only: Viveka POS never reads "
        "it. Delete this folder when you no longer need it.\n",
        encoding="utf-8",
    )


def _copy_files(sources: list[Path], target: Path) -> None:
    """Copy ``sources`` byte for byte into the folder ``target``."""
    for source in sources:
        shutil.copyfile(source, target / source.name)


def _fsync_files(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())
    fsync_dir(folder)


def copy_data_aside(data_dir: Path, db_file: str, parent: Path) -> Path:
    """Copy the data of ``data_dir`` that cannot be opened, as it is, into a new folder
    ``damaged-data-<time>`` inside ``parent`` (a pen drive, before trying to recover it);
    returns that folder.

    Nothing is opened as a store or checked, and nothing in the data folder changes: the
    file and its log are copied byte for byte, with a note saying what they are (no
    manifest, so nothing lists the copy as a backup or restores from it). The folder's lock
    is held while copying, so no running program changes the file half way. Raises
    ``StoreError`` in words (in use, nothing to copy, the target cannot be written: then
    no part of the copy is left).
    """
    present = [
        data_dir / name
        for name in [db_file] + [db_file + s for s in _SIDE_FILES]
        if (data_dir / name).is_file()
    ]
    if not present:
        raise StoreError(f"There is no data file in {data_dir} to copy.")
    lock = DataDirLock(data_dir)
    lock.acquire(required=False)  # a read-only data folder is copied all the same
    stamp = f"damaged-data-{utcnow():%Y%m%d-%H%M%S}"  # UTC, as the note says
    target = parent / stamp
    try:
        parent.mkdir(parents=True, exist_ok=True)
        number = 1
        while target.exists():  # copied again within the same second
            number += 1
            target = parent / f"{stamp}-{number}"
        target.mkdir()
        _copy_files(present, target)
        _leave_note(
            target,
            data_dir,
            "It could not be opened",
            when="copied aside before trying to recover it",
        )
        _fsync_files(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            shutil.rmtree(target)
        raise describe_os_error(exc, parent, "folder for the copy of the data") from None
    finally:
        lock.release()
    return target


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
            _copy_files(
                [source for source in (db_path, Path(f"{db_path}-wal")) if source.exists()], target
            )
        _leave_note(target, db_path.parent, "It had failed its integrity check")
        _fsync_files(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            shutil.rmtree(target)
        raise describe_os_error(exc, target, "folder for the damaged data") from None
    return target
