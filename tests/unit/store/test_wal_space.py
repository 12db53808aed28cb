"""Room made ahead for the write-ahead log never costs a committed write."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from viveka_pos.store import open_store
from viveka_pos.store.checkpoint import SAFETY_NET_PAGES
from viveka_pos.store.wal_space import (
    RESERVE_FROM_DATABASE_BYTES,
    WalSpaceReserver,
    wal_bytes,
    worth_reserving,
)


def _wal(data_dir: Path) -> Path:
    return next(data_dir.glob("*.sqlite3-wal"))


def _names(data_dir: Path) -> set[str]:
    store = open_store(data_dir)
    try:
        return {doc["name"] for doc in store.engine.iter_docs("vivekaDB.items")}
    finally:
        store.close()


def _big_shop(data_dir: Path) -> None:
    store = open_store(data_dir)
    big = "x" * (1 << 20)
    with store.unit_of_work() as db:
        for i in range(RESERVE_FROM_DATABASE_BYTES // len(big) + 2):
            db.items.insert_one({"name": f"bulky {i}", "note": big})
    store.close()


def test_zeros_go_past_the_log_while_commits_continue(tmp_path: Path) -> None:
    data_dir = tmp_path / "shop"
    store = open_store(data_dir)
    assert store.reserve_log_space() == 0  # a new shop's store is too small to bother
    store.db.items.insert_one({"name": "first"})
    # Well past what the sales below append themselves (about 1.5 MB).
    target = _wal(data_dir).stat().st_size + (8 << 20)
    reserver = WalSpaceReserver(_wal(data_dir), target, store.engine.lock)
    written = ["first"]

    def sell() -> None:
        for i in range(150):
            with store.unit_of_work() as db:
                db.items.insert_one({"name": f"item {i}", "note": "x" * 300})
            written.append(f"item {i}")

    seller = threading.Thread(target=sell)
    seller.start()
    added = reserver.reserve()
    seller.join(30)
    assert added > 0
    assert _wal(data_dir).stat().st_size >= target

    # A power cut now: the files as they are, without the shared-memory index.
    copy_dir = tmp_path / "after-a-crash"
    copy_dir.mkdir()
    for path in data_dir.iterdir():
        if path.is_file() and not path.name.endswith(("-shm", ".lock")):
            shutil.copy2(path, copy_dir / path.name)
    store.close()
    assert _names(copy_dir) == set(written)
    assert _names(data_dir) == set(written)


def test_a_large_shop_reserves_once_and_keeps_its_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "shop"
    _big_shop(data_dir)
    store = open_store(data_dir)
    assert store.reserve_log_space() > 0
    assert store.reserve_log_space() == 0  # once per open
    assert _wal(data_dir).stat().st_size >= wal_bytes(SAFETY_NET_PAGES, 4096)
    store.db.items.insert_one({"name": "after the zeros"})
    store.close()
    names = _names(data_dir)
    assert "after the zeros" in names and "bulky 0" in names


def test_closing_the_store_stops_a_reservation_at_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "shop"
    _big_shop(data_dir)
    store = open_store(data_dir)
    added: list[int] = []
    worker = threading.Thread(target=lambda: added.append(store.reserve_log_space()))
    worker.start()
    store.close()
    worker.join(10)
    assert not worker.is_alive()
    assert added[0] < wal_bytes(SAFETY_NET_PAGES, 4096)
    assert "bulky 0" in _names(data_dir)


def test_no_reservation_on_a_disk_without_room(tmp_path: Path) -> None:
    db_file = tmp_path / "big.sqlite3"
    with db_file.open("wb") as handle:
        handle.truncate(RESERVE_FROM_DATABASE_BYTES)  # large enough, but sparse
    free = shutil.disk_usage(tmp_path).free
    assert worth_reserving(db_file, 1 << 20)
    assert not worth_reserving(db_file, free)  # would leave too little room
    assert not worth_reserving(tmp_path / "missing.sqlite3", 1 << 20)
