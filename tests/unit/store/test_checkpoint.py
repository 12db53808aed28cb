"""WAL checkpoints run off the writer's commits, and fall back to SQLite's own when they can't."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.fixtures.waiting import wait_for
from viveka_pos.store import Store, checkpoint, open_store
from viveka_pos.store.checkpoint import AUTOCHECKPOINT_PAGES, WalCheckpointer


def _autocheckpoint(store: Store) -> int:
    return int(store.engine.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def test_commits_leave_checkpoints_to_the_background_thread(store: Store) -> None:
    assert _autocheckpoint(store) == checkpoint.SAFETY_NET_PAGES  # a net for floods only
    with store.unit_of_work() as db:
        db.items.insert_many([{"name": f"Item {i}", "note": "x" * 500} for i in range(2000)])
    checkpointer = store.engine._checkpointer
    assert checkpointer is not None
    wait_for(lambda: checkpointer.runs >= 1, what="a checkpoint")
    # Everything in the log has reached the database file: a reader of the file alone (no
    # WAL) would see all 2000 documents.
    probe = sqlite3.connect(str(store.db_path))
    try:
        busy, log_frames, done = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        probe.close()
    assert busy == 0 and done == log_frames


def test_close_stops_the_thread_and_leaves_no_log(store: Store) -> None:
    store.db.items.insert_one({"name": "Broom"})
    checkpointer = store.engine._checkpointer
    assert checkpointer is not None
    store.close()
    assert not checkpointer._thread.is_alive()
    wal = Path(f"{store.db_path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_checkpointer_that_cannot_work_gives_way_to_sqlite(store: Store, tmp_path: Path) -> None:
    broken = WalCheckpointer(tmp_path / "no-such-folder" / "viveka.sqlite3")
    wait_for(lambda: broken.failed, what="the failure recorded")
    store.db.items.insert_one({"name": "Broom"})  # starts the real checkpointer
    store.engine._checkpointer.stop()  # type: ignore[union-attr]
    store.engine._checkpointer = broken
    store.db.items.insert_one({"name": "Mop"})
    assert _autocheckpoint(store) == AUTOCHECKPOINT_PAGES
    store.db.items.insert_one({"name": "Bucket"})  # and stays so: no new thread
    assert store.engine._checkpointer is None
    assert store.db.items.count_documents({}) == 3


def test_the_log_stays_bounded_while_writes_keep_coming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes without a pause never let the log be fully copied at the start of a write, so
    without the writer's safety net it would grow by everything written (here ~60 MB)."""
    monkeypatch.setattr(checkpoint, "SAFETY_NET_PAGES", 100)
    store = open_store(tmp_path / "flood")
    try:
        for i in range(2500):
            store.db.items.insert_one({"name": f"Item {i}", "note": "x" * 2000})
        assert Path(f"{store.db_path}-wal").stat().st_size < 4 * 1024 * 1024
        assert store.db.items.count_documents({}) == 2500
    finally:
        store.close()
