"""Backups: a consistent SQLite copy plus a manifest, verified after writing."""

from __future__ import annotations

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


def write_backup(source: sqlite3.Connection, target_dir: Path, *, counts: dict[str, int],
                 store_id: str, schema_version: int,
                 shops: list[dict[str, Any]]) -> BackupManifest:
    """Copy ``source`` into ``target_dir`` and verify the copy before declaring success."""
    target_dir.mkdir(parents=True, exist_ok=True)
    final = target_dir / BACKUP_DB
    if final.exists() or (target_dir / MANIFEST).exists():
        raise StoreError(f"{target_dir} already holds a backup; choose an empty folder.")
    partial = target_dir / (BACKUP_DB + ".partial")
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(str(partial))
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        dest.close()
        partial.unlink(missing_ok=True)
        raise StoreError(f"The backup to {target_dir} failed: {exc}") from exc
    dest.close()
    copied = _count_rows(partial)
    expected = {name: n for name, n in counts.items() if n}
    if copied != expected:
        partial.unlink(missing_ok=True)
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
