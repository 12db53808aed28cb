"""The data folder and its files are readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from viveka_pos.store import open_store

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _others_can_read(folder: Path) -> list[str]:
    return [str(p) for p in [folder, *folder.iterdir()] if _mode(p) & 0o077]


def test_a_new_data_folder_and_its_files_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask, under which files come out 0644
    try:
        data = tmp_path / "new" / "data"
        store = open_store(data)
        try:
            with store.unit_of_work() as db:
                db.items.insert_one({"name": "Notebook", "price": 50})
            assert (data / "viveka.sqlite3-wal").exists()
            assert _others_can_read(data) == []
        finally:
            store.close()
    finally:
        os.umask(old_umask)
    assert _mode(data) == 0o700
    assert _mode(data / "viveka.sqlite3") == 0o600


def test_an_older_open_data_folder_is_tightened_at_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_store(data).close()
    os.chmod(data, 0o755)
    os.chmod(data / "viveka.sqlite3", 0o644)
    (data / "logs").mkdir()
    os.chmod(data / "logs", 0o755)
    (data / "device.json").write_text("{}")
    os.chmod(data / "device.json", 0o644)
    store = open_store(data)
    store.close()
    assert _others_can_read(data) == []
    assert _mode(data / "logs") == 0o700
