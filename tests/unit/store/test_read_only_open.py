"""Opening the store only to read it: nothing in the data folder is created or written, so
reports, checks and backups work on a full disk or a write-protected folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.mounts import fill_disk, folder_bytes, remount, small_disk
from tests.fixtures.safety_shop import make_data, snapshot
from viveka_pos.store import StoreError, StoreLockedError, StoreWriteError, open_store
from viveka_pos.store.opening import StoreAccessError, StoreDiskFullError, StoreMissingError


def test_reads_everything_and_writes_nothing(data_dir: Path) -> None:
    saved = make_data(data_dir, bills=2)
    before = folder_bytes(data_dir, skip=("viveka.lock",))
    store = open_store(data_dir, read_only=True)
    try:
        assert store.read_only
        assert snapshot(store) == saved
        with (
            pytest.raises(StoreWriteError, match="opened for reading only"),
            store.unit_of_work() as db,
        ):
            db.items.delete_many({})
        assert snapshot(store) == saved
    finally:
        store.close()
    assert folder_bytes(data_dir, skip=("viveka.lock",)) == before


def test_a_read_only_open_still_keeps_a_second_program_out(data_dir: Path) -> None:
    make_data(data_dir, bills=0)
    store = open_store(data_dir, read_only=True)
    try:
        with pytest.raises(StoreLockedError):
            open_store(data_dir)
    finally:
        store.close()


def test_nothing_to_read_is_said_and_nothing_is_created(tmp_path: Path) -> None:
    folder = tmp_path / "typo"
    with pytest.raises(StoreError, match="no Viveka POS data"):
        open_store(folder, read_only=True)
    assert not folder.exists()


def test_a_missing_data_file_is_not_taken_for_a_new_folder(data_dir: Path) -> None:
    make_data(data_dir, bills=0)
    (data_dir / "viveka.sqlite3").unlink()
    with pytest.raises(StoreMissingError):
        open_store(data_dir, read_only=True)


def test_on_a_write_protected_disk(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        data_dir = disk / "data"
        saved = make_data(data_dir, bills=2)
        remount(disk, read_only=True)
        with pytest.raises(StoreError, match="cannot be written"):
            open_store(data_dir)
        store = open_store(data_dir, read_only=True)
        try:
            assert snapshot(store) == saved
        finally:
            store.close()
        remount(disk, read_only=False)


def test_on_a_full_disk(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        data_dir = disk / "data"
        saved = make_data(data_dir, bills=2)
        filler = fill_disk(disk)
        with pytest.raises(StoreDiskFullError):
            open_store(data_dir)
        before = folder_bytes(data_dir, skip=("viveka.lock",))
        store = open_store(data_dir, read_only=True)
        try:
            assert snapshot(store) == saved
        finally:
            store.close()
        assert folder_bytes(data_dir, skip=("viveka.lock",)) == before
        filler.unlink()


CRASH = """
import os, sys
from viveka_pos.store import open_store
from tests.fixtures.safety_shop import make_shop, sell
store = open_store(sys.argv[1])
sell(make_shop(store))
os._exit(0)  # stopped without closing: the last bill is only in the write-ahead log
"""


def test_a_log_left_by_a_stopped_program_on_a_write_protected_disk(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        data_dir = disk / "data"
        subprocess.run(
            [sys.executable, "-c", CRASH, str(data_dir)],
            check=True,
            timeout=120,
            cwd=Path(__file__).parents[3],
        )
        assert (data_dir / "viveka.sqlite3-wal").stat().st_size > 0
        (data_dir / "viveka.sqlite3-shm").unlink()
        remount(disk, read_only=True)
        with pytest.raises(StoreAccessError, match=r"not yet merged.*Nothing was lost"):
            open_store(data_dir, read_only=True)
        remount(disk, read_only=False)
        store = open_store(data_dir, read_only=True)
        try:
            assert store.count("invoices") == 1
        finally:
            store.close()


def test_the_recovery_screen_can_offer_a_backup_of_a_full_disk(tmp_path: Path) -> None:
    from viveka_pos.services.backups import recovery

    with small_disk(tmp_path / "disk") as disk:
        data_dir = disk / "data"
        saved = make_data(data_dir, bills=2)
        filler = fill_disk(disk)
        with pytest.raises(StoreDiskFullError) as caught:
            open_store(data_dir)
        assert recovery.explain(caught.value).can_back_up
        manifest = recovery.backup_read_only(data_dir, tmp_path / "pen-drive")
        assert manifest.counts["invoices"] == len(saved["invoices"]) == 2
        filler.unlink()
