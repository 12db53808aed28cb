"""Reopening, the data-dir lock, schema version and TTL sweeping."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fixtures.waiting import wait_for
from viveka_pos.store import (
    DuplicateKeyError,
    StoreLockedError,
    StoreVersionError,
    open_store,
)
from viveka_pos.store.engine import utcnow


def test_reopen_rebuilds_indexes_and_keeps_definitions(data_dir: Path) -> None:
    store = open_store(data_dir)
    store.db.gadgets.create_index("colour")
    store.db.gadgets.insert_many([{"colour": c, "n": i} for i, c in enumerate("rgbrg")])
    store.close()
    store = open_store(data_dir)
    try:
        assert "colour_1" in store.db.gadgets.index_information()
        assert store.db.gadgets.count_documents({"colour": "r"}) == 2
        rows = store.engine.query(
            "SELECT COUNT(*) FROM idx WHERE coll = ? AND field = ?", ("vivekaDB.gadgets", "colour")
        )
        assert rows[0][0] == 5  # one index row per document, kept on disk
        store.db.gadgets.insert_one({"colour": "r"})  # written with the document
        assert store.db.gadgets.count_documents({"colour": "r"}) == 3
    finally:
        store.close()


def test_second_open_in_this_process_is_refused(data_dir: Path) -> None:
    store = open_store(data_dir)
    try:
        with pytest.raises(StoreLockedError, match="already running"):
            open_store(data_dir)
    finally:
        store.close()
    open_store(data_dir).close()  # free again after close


def _child(data_dir: Path, body: str) -> subprocess.Popen[str]:
    code = textwrap.dedent(
        f"""
        import sys, time
        from viveka_pos.store import open_store
        store = open_store({str(data_dir)!r})
        print("open", flush=True)
        {body}
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_other_process_is_refused_and_lock_dies_with_it(data_dir: Path) -> None:
    child = _child(data_dir, "time.sleep(60)")
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "open"
        for _ in range(2):  # a refused start leaves the holder's record as it was
            with pytest.raises(StoreLockedError, match=str(child.pid)):
                open_store(data_dir)
    finally:
        child.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        child.wait()
    open_store(data_dir).close()  # a killed owner leaves no stale lock


def test_newer_data_version_is_refused_without_damage(data_dir: Path) -> None:
    store = open_store(data_dir)
    store.db.items.insert_one({"name": "kept"})
    store.engine.set_info("schema_version", "999")
    store.close()
    with pytest.raises(StoreVersionError, match="newer version"):
        open_store(data_dir)
    store = open_store.__wrapped__(data_dir) if hasattr(open_store, "__wrapped__") else None
    assert store is None
    # the data is untouched: put the version back and read it
    import sqlite3

    conn = sqlite3.connect(data_dir / "viveka.sqlite3")
    conn.execute("UPDATE store_info SET value='1' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    store = open_store(data_dir)
    try:
        assert store.db.items.find_one({})["name"] == "kept"
    finally:
        store.close()


def test_ttl_sweep_removes_expired_otp_sessions_and_stale_carts(store) -> None:
    db = store.db
    now = utcnow()
    db.otpsessions.insert_one(
        {"phoneNumber": "9890000000", "purpose": "login", "expiresAt": now - timedelta(seconds=1)}
    )
    db.otpsessions.insert_one(
        {
            "phoneNumber": "9890000000",
            "purpose": "register",
            "expiresAt": now + timedelta(minutes=10),
        }
    )
    stale = db.carts.insert_one({"isFinalized": False, "expiresAt": now - timedelta(hours=1)})
    done = db.carts.insert_one({"isFinalized": True, "expiresAt": now - timedelta(hours=1)})
    fresh = db.carts.insert_one({"isFinalized": False, "expiresAt": now + timedelta(hours=23)})
    db.cartitems.insert_one({"cartId": stale.inserted_id, "quantity": 1})
    db.cartitems.insert_one({"cartId": fresh.inserted_id, "quantity": 1})
    removed = store.sweep_expired()
    assert removed == {"otpsessions": 1, "carts": 1, "cartitems": 1}
    assert [d["purpose"] for d in db.otpsessions.find({})] == ["register"]
    assert {d["_id"] for d in db.carts.find({})} == {done.inserted_id, fresh.inserted_id}
    assert db.cartitems.count_documents({}) == 1
    later = store.sweep_expired(now + timedelta(days=2))
    assert later["otpsessions"] == 1 and later["carts"] == 1


def test_ttl_sweeper_thread_runs(store) -> None:
    from viveka_pos.store import TtlSweeper

    store.db.otpsessions.insert_one(
        {"phoneNumber": "1", "purpose": "login", "expiresAt": utcnow() - timedelta(seconds=1)}
    )
    sweeper = TtlSweeper(store, interval=0.05)
    sweeper.start()
    try:
        wait_for(
            lambda: store.db.otpsessions.count_documents({}) == 0,
            5,
            what="the expired session swept",
        )
    finally:
        sweeper.stop()
    assert store.db.otpsessions.count_documents({}) == 0


def test_a_reopened_store_reads_only_what_it_is_asked(data_dir: Path) -> None:
    """Nothing is loaded at open: counts and indexed lookups read SQLite, and the unique
    keys of a collection are kept on disk, so a write checks them without reading it."""
    store = open_store(data_dir)
    with store.unit_of_work() as db:
        db.invoices.insert_many([{"clientId": 1, "invoiceNumber": f"A/{n}"} for n in range(50)])
        db.payments.insert_many([{"invoiceId": n, "amount": 1} for n in range(30)])
    store.close()
    store = open_store(data_dir)
    try:
        assert store.count("invoices") == 50
        with pytest.raises(DuplicateKeyError):
            store.db.invoices.insert_one({"clientId": 1, "invoiceNumber": "A/7"})
        assert store.db.invoices.count_documents({"invoiceNumber": "A/7"}) == 1
        assert store.db.payments.count_documents({"amount": 1}) == 30
        assert len(store.engine._cache) <= 64  # a handful of documents, not the collections
    finally:
        store.close()


def test_documents_read_and_written_leave_nothing_for_the_garbage_collector(
    data_dir: Path,
) -> None:
    """What memory keeps of the documents a bill reads and writes is not a pile of dicts
    the garbage collector walks at each pass (its passes would grow with that pile and land
    inside bills); each read still hands out the reader's own copy."""
    store = open_store(data_dir)
    with store.unit_of_work() as db:
        ids = db.items.insert_many(
            [{"name": f"Item {n}", "tags": ["a", "b"], "size": {"w": n}} for n in range(500)]
        ).inserted_ids
    store.close()
    store = open_store(data_dir)  # nothing in memory
    try:
        gc.collect()
        tracked = len(gc.get_objects())
        for doc_id in ids:
            store.get("items", doc_id)
            store.db.items.update_one({"_id": doc_id}, {"$set": {"price": 5}})
        kept = [store.get("items", doc_id) for doc_id in ids[:3]]
        gc.collect()
        # three copies kept here (a dict, a list and a dict each) and a few objects of the
        # engine's own; the 500 documents and their outbox records kept decoded: 3,500
        assert len(gc.get_objects()) - tracked < 300
        kept[0]["tags"].append("mine")
        assert store.get("items", ids[0])["tags"] == ["a", "b"]
    finally:
        store.close()
