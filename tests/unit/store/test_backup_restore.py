"""Backups are consistent and verified; restores are checked and reversible."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.fixtures.safety_shop import damage_invoice_page
from viveka_pos.store import Store, StoreCorruptError, StoreError, StoreVersionError, open_store
from viveka_pos.store.backup_file import write_backup


def _fill(store: Store, n: int) -> None:
    with store.unit_of_work() as db:
        db.items.insert_many([{"name": f"item {i}", "stock": i} for i in range(n)])


def test_backup_while_running_then_restore(store: Store, tmp_path: Path) -> None:
    _fill(store, 20)
    manifest = store.backup(tmp_path / "b1")
    assert manifest.counts["items"] == 20 and len(manifest.sha256) == 64
    assert json.loads((tmp_path / "b1" / "manifest.json").read_text())["counts"]["items"] == 20
    # the app keeps working after the backup, and then the backup is restored live
    _fill(store, 5)
    store.db.items.delete_one({"name": "item 0"})
    assert store.db.items.count_documents({}) == 24
    restored = store.restore(tmp_path / "b1", safety_copy_dir=tmp_path / "safety")
    assert restored.counts["items"] == 20
    assert store.db.items.count_documents({}) == 20
    assert store.db.items.find_one({"name": "item 0"}) is not None
    # indexes and writes work on the restored data
    store.db.items.insert_one({"name": "after restore"})
    assert store.db.items.count_documents({"name": "after restore"}) == 1
    # the safety copy holds what was there before the restore
    safety = json.loads((tmp_path / "safety" / "manifest.json").read_text())
    assert safety["counts"]["items"] == 24


def test_backup_refuses_a_folder_that_already_has_one(store: Store, tmp_path: Path) -> None:
    store.backup(tmp_path / "b")
    with pytest.raises(StoreError, match="already holds a backup"):
        store.backup(tmp_path / "b")


def test_damaged_backup_is_refused_and_nothing_changes(store: Store, tmp_path: Path) -> None:
    _fill(store, 3)
    store.backup(tmp_path / "b")
    db_file = tmp_path / "b" / "viveka.sqlite3"
    data = bytearray(db_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db_file.write_bytes(bytes(data))
    _fill(store, 2)
    with pytest.raises(StoreCorruptError, match="checksum"):
        store.restore(tmp_path / "b")
    assert store.db.items.count_documents({}) == 5


def test_not_a_backup_folder(store: Store, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="not a Viveka POS backup"):
        store.restore(tmp_path / "empty")


def test_backup_from_newer_version_is_refused(store: Store, tmp_path: Path) -> None:
    store.backup(tmp_path / "b")
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(StoreVersionError):
        store.restore(tmp_path / "b")


def test_backup_inside_a_unit_of_work_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unit of work"), store.unit_of_work():
        store.backup(tmp_path / "b")


def test_a_backup_goes_only_into_a_new_or_empty_folder(store: Store, tmp_path: Path) -> None:
    _fill(store, 2)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "photo.jpg").write_bytes(b"x")
    with pytest.raises(StoreError, match="is not empty"):
        store.backup(busy)
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        store.backup(tmp_path / "a-file")
    # (Windows says a file is in the way of the folder; POSIX that part of the path is one)
    in_the_way = r"part of the path is a file|a file of that name is in the way"
    with pytest.raises(StoreError, match=in_the_way):
        store.backup(tmp_path / "a-file" / "sub")
    # (Windows reports a 300-letter name as a folder it cannot find)
    too_long = r"the name is too long" if os.name != "nt" else r"cannot be used"
    with pytest.raises(StoreError, match=too_long):
        store.backup(tmp_path / ("n" * 300))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "busy", "data"]
    assert [p.name for p in busy.iterdir()] == ["photo.jpg"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert store.backup(empty).counts["items"] == 2
    assert store.backup(tmp_path / "new" / "deeper").counts["items"] == 2


def test_a_backup_of_damaged_data_leaves_nothing_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "shop"
    store = open_store(data_dir)
    _fill(store, 300)
    store.close()
    damage_invoice_page(data_dir / "viveka.sqlite3", ["item 150", "item 200", "item 250"])
    source = sqlite3.connect(data_dir / "viveka.sqlite3")
    try:
        with pytest.raises(StoreCorruptError, match="the data itself is damaged"):
            write_backup(
                source,
                tmp_path / "b",
                counts={"items": 300},
                store_id="s",
                schema_version=2,
                shops=[],
            )
    finally:
        source.close()
    assert not (tmp_path / "b").exists()  # no .partial, and not the folder it made
