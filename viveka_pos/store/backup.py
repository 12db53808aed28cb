"""Backups: a consistent SQLite copy plus a manifest, verified after writing."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .engine import utcnow
from .errors import StoreCorruptError, StoreError

BACKUP_DB = "viveka.sqlite3"
MANIFEST = "manifest.json"
FORMAT = "viveka-pos-backup"


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


def _fsync_dir(path: Path) -> None:
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
        return StoreError(f"The disk holding the backup folder {target_dir} is full: the "
                          "backup was not made. Free some space there or choose another "
                          "folder.")
    where = exc.filename if exc.filename is not None else target_dir
    reason = {errno.ENAMETOOLONG: "the name is too long",
              errno.EEXIST: "a file of that name is in the way",
              errno.ENOTDIR: "part of the path is a file, not a folder",
              errno.EROFS: "the drive is write-protected"}.get(exc.errno or 0,
                                                              exc.strerror or str(exc))
    return StoreError(f"The backup folder {where} cannot be used ({reason}): the backup was "
                      "not made.")


def prepare_target(target_dir: Path) -> bool:
    """Make sure ``target_dir`` is a new or empty folder for one backup; create it.

    Returns True when it was created here (so a failed backup removes it again). Raises
    ``StoreError`` as one line naming the folder: a file is in the way, the folder already
    holds something, or it cannot be made.
    """
    try:
        if target_dir.is_dir():
            if (target_dir / MANIFEST).exists():
                raise StoreError(f"{target_dir} already holds a backup; choose an empty "
                                 "folder.")
            if any(target_dir.iterdir()):
                raise StoreError(f"The backup folder {target_dir} is not empty: choose a new "
                                 "or empty folder (a backup never mixes with other files).")
            return False
        if target_dir.exists() or target_dir.is_symlink():
            raise StoreError(f"{target_dir} is a file, not a folder: name a new or empty "
                             "folder for the backup.")
        target_dir.mkdir(parents=True)
    except OSError as exc:
        raise describe_target_error(exc, target_dir) from None
    return True


def write_backup(source: sqlite3.Connection, target_dir: Path, *, counts: dict[str, int],
                 store_id: str, schema_version: int,
                 shops: list[dict[str, Any]]) -> BackupManifest:
    """Copy ``source`` into ``target_dir`` (a new or empty folder) and verify the copy
    before declaring success. A failure leaves no part of the backup behind."""
    created = prepare_target(target_dir)
    try:
        return _write_backup(source, target_dir, counts=counts, store_id=store_id,
                             schema_version=schema_version, shops=shops)
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


def _write_backup(source: sqlite3.Connection, target_dir: Path, *, counts: dict[str, int],
                  store_id: str, schema_version: int,
                  shops: list[dict[str, Any]]) -> BackupManifest:
    partial = target_dir / (BACKUP_DB + ".partial")
    final = target_dir / BACKUP_DB
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
            f"{target_dir}. Restore the newest good backup.") from exc
    expected = {name: n for name, n in counts.items() if n}
    if copied != expected:
        raise StoreCorruptError(
            f"The backup in {target_dir} does not match the store (copied {copied}, "
            f"expected {expected}); it was discarded."
        )
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
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, final)
    manifest_tmp = target_dir / (MANIFEST + ".partial")
    manifest_tmp.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    with manifest_tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(manifest_tmp, target_dir / MANIFEST)
    _fsync_dir(target_dir)
    return manifest


def read_backup(source_dir: Path) -> BackupManifest:
    """Read and verify a backup folder: manifest, checksum, integrity, counts."""
    manifest_path = source_dir / MANIFEST
    db_file = source_dir / BACKUP_DB
    if not manifest_path.is_file() or not db_file.is_file():
        raise StoreError(f"{source_dir} is not a Viveka POS backup folder "
                         f"(it needs {MANIFEST} and {BACKUP_DB}).")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = BackupManifest(**raw)
    except (ValueError, TypeError) as exc:
        raise StoreCorruptError(f"The backup manifest in {source_dir} is damaged ({exc}).") \
            from exc
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
        raise StoreError(f"The restore from {source_dir} failed; nothing was changed ({exc}).") \
            from exc
    finally:
        src.close()
