"""Units of work: all or nothing, on disk and in memory; the outbox commits with them."""

from __future__ import annotations

from pathlib import Path

import bson
import pytest

from viveka_pos.store import BulkWriteError, DuplicateKeyError, Store, open_store


def _reopen(store: Store) -> Store:
    path = store.data_dir
    store.close()
    return open_store(path)


def test_writes_across_collections_commit_together(store: Store) -> None:
    with store.unit_of_work() as db:
        invoice = db.invoices.insert_one({"invoiceNumber": "A1/2526/00001", "totalAmount": 5000})
        db.payments.insert_one({"invoiceId": invoice.inserted_id, "amount": 2000})
        db.items.insert_one({"name": "Carburetor", "stock": 48})
    reopened = _reopen(store)
    try:
        assert reopened.db.invoices.count_documents({}) == 1
        assert reopened.db.payments.count_documents({}) == 1
        assert reopened.db.items.count_documents({}) == 1
    finally:
        reopened.close()


def test_failure_undoes_everything_on_disk_and_in_memory(store: Store) -> None:
    db = store.db
    shop = bson.ObjectId()
    item = db.items.insert_one(
        {"clientId": shop, "name": "Carburetor", "stock": 50, "code": "CARB"}
    )
    db.clients.insert_one({"phoneNumber": "9890000000"})
    outbox_before = store.outbox_size()
    with pytest.raises(DuplicateKeyError), store.unit_of_work():
        db.items.update_one({"_id": item.inserted_id}, {"$inc": {"stock": -2}})
        db.items.update_one({"_id": item.inserted_id}, {"$set": {"code": "CARB2"}})
        db.invoices.insert_one({"invoiceNumber": "A1/2526/00001"})
        db.items.insert_one({"clientId": shop, "name": "Other", "code": "CARB"})  # now free
        db.clients.insert_one({"phoneNumber": "9890000000"})  # duplicate: everything undone
    assert db.items.find_one({"_id": item.inserted_id})["stock"] == 50
    assert db.items.find_one({"code": "CARB"})["_id"] == item.inserted_id
    assert db.items.find_one({"code": "CARB2"}) is None
    assert db.items.count_documents({}) == 1
    assert db.invoices.count_documents({}) == 0
    assert store.outbox_size() == outbox_before
    # the unique map was rolled back too: CARB is still taken, CARB2 is free
    with pytest.raises(DuplicateKeyError):
        db.items.insert_one({"clientId": shop, "name": "Again", "code": "CARB"})
    db.items.insert_one({"clientId": shop, "name": "Fresh", "code": "CARB2"})
    reopened = _reopen(store)
    try:
        assert reopened.db.items.find_one({"_id": item.inserted_id})["stock"] == 50
        assert reopened.db.invoices.count_documents({}) == 0
    finally:
        reopened.close()


def test_nested_unit_is_a_savepoint(store: Store) -> None:
    db = store.db
    with store.unit_of_work():
        db.items.insert_one({"name": "kept"})
        with pytest.raises(RuntimeError), store.unit_of_work():
            db.items.insert_one({"name": "inner, undone"})
            raise RuntimeError("inner failure")
        db.items.insert_one({"name": "also kept"})
    assert sorted(d["name"] for d in db.items.find({})) == ["also kept", "kept"]


def test_failed_single_write_inside_a_unit_leaves_the_rest(store: Store) -> None:
    db = store.db
    db.clients.insert_one({"phoneNumber": "9890000000"})
    with store.unit_of_work():
        db.items.insert_one({"name": "kept"})
        with pytest.raises(BulkWriteError) as caught:
            db.clients.insert_many(
                [
                    {"phoneNumber": "9890000001"},
                    {"phoneNumber": "9890000000"},
                    {"phoneNumber": "9890000002"},
                ]
            )
    assert db.items.count_documents({}) == 1
    # as pymongo: an ordered insert_many keeps what came before the failure, then stops
    assert caught.value.details["nInserted"] == 1
    assert [e["index"] for e in caught.value.details["writeErrors"]] == [1]
    assert db.clients.count_documents({}) == 2


def test_outbox_records_each_synced_write_once_per_document(store: Store) -> None:
    db = store.db
    start = store.outbox_size()
    with store.unit_of_work():
        item = db.items.insert_one({"name": "Bolt", "stock": 1})
        for _ in range(5):
            db.items.update_one({"_id": item.inserted_id}, {"$inc": {"stock": 1}})
        db.carts.insert_one({"totalAmount": 0})  # carts are local: not in the outbox
    records = [r for r in store.outbox_batch() if r["docId"] == item.inserted_id]
    assert len(records) == 1 and records[0]["op"] == "upsert" and records[0]["rev"] == 6
    assert store.outbox_size() == start + 1
    db.items.delete_one({"_id": item.inserted_id})
    record = next(r for r in store.outbox_batch() if r["docId"] == item.inserted_id)
    assert record["op"] == "delete" and record["seq"] == records[0]["seq"]
    # made again under the same _id while its deletion waits: the same record, an upsert
    db.items.insert_one({"_id": item.inserted_id, "name": "Bolt", "stock": 3})
    again = [r for r in store.outbox_batch() if r["docId"] == item.inserted_id]
    assert [(r["op"], r["rev"], r["seq"]) for r in again] == [("upsert", 8, records[0]["seq"])]
    assert store.outbox_size() == start + 1


def _typed(value: object) -> object:
    """A value with the exact type of every part spelled out (Int64 and int compare equal)."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


def test_cached_outbox_records_are_what_the_file_holds(store: Store) -> None:
    """Records are cached as built (no decode of their BSON): the types must match a read."""
    db = store.db
    item = db.items.insert_one({"name": "Bolt", "stock": 1}).inserted_id
    db.items.update_one({"_id": item}, {"$set": {"stock": 2}})
    db.clientCustomers.insert_one({"_id": "text-id", "name": "Ravi"})
    db.items.delete_one({"_id": item})
    outbox = "vivekaDB.outbox"
    rows = store.engine.connection.execute(
        "SELECT id, body FROM docs WHERE coll = ?", (outbox,)
    ).fetchall()
    assert rows
    for key, body in rows:
        cached = store.engine.get_doc(outbox, bson.ObjectId(key))
        assert cached is not None
        assert _typed(cached) == _typed(bson.decode(body))


def test_outbox_sequence_keeps_order_and_survives_reopen(store: Store) -> None:
    db = store.db
    ids = [db.items.insert_one({"name": f"i{n}"}).inserted_id for n in range(3)]
    seqs = [r["seq"] for r in store.outbox_batch()]
    assert seqs == sorted(seqs) and [r["docId"] for r in store.outbox_batch()] == ids
    reopened = _reopen(store)
    try:
        new = reopened.db.items.insert_one({"name": "after"}).inserted_id
        batch = reopened.outbox_batch()
        assert batch[-1]["docId"] == new and batch[-1]["seq"] > max(seqs)
    finally:
        reopened.close()


def test_remote_changes_are_not_echoed_to_the_outbox(store: Store) -> None:
    start = store.outbox_size()
    with store.unit_of_work(record_outbox=False) as db:
        db.items.insert_one({"_id": bson.ObjectId(), "name": "pulled"})
    assert store.outbox_size() == start
    store.db.items.insert_one({"name": "local"})
    assert store.outbox_size() == start + 1


def test_rolled_back_outbox_record_is_recreated_later(store: Store) -> None:
    db = store.db
    item = db.items.insert_one({"name": "Bolt"}).inserted_id
    record = next(r for r in store.outbox_batch() if r["docId"] == item)
    with store.unit_of_work(record_outbox=False):
        db.outbox.delete_one({"_id": record["_id"]})  # as sync does after a push
    with pytest.raises(RuntimeError), store.unit_of_work():
        db.items.update_one({"_id": item}, {"$set": {"name": "Bolt M8"}})
        raise RuntimeError
    assert all(r["docId"] != item for r in store.outbox_batch())
    db.items.update_one({"_id": item}, {"$set": {"name": "Bolt M10"}})
    assert [r["op"] for r in store.outbox_batch() if r["docId"] == item] == ["upsert"]


def test_closed_store_refuses_work(data_dir: Path) -> None:
    opened = open_store(data_dir)
    opened.close()
    with pytest.raises(Exception, match="closed"), opened.unit_of_work():
        pass


def test_a_write_failing_half_way_inside_a_unit_lets_nothing_of_the_unit_commit(
    store: Store,
) -> None:
    """Writes of one document take no savepoint inside a unit of work. If one fails after
    its document was saved (here its outbox record breaks a unique key made for the test),
    catching the error must not let the unit commit a document without its outbox record:
    the whole unit rolls back instead."""
    from viveka_pos.store import StoreWriteError

    store.db.outbox.create_index("docId", unique=True)
    store.db.items.insert_one({"name": "Existing"})
    second = bson.ObjectId()
    store.db.outbox.insert_one(
        {"seq": 10**9, "collection": "test", "docId": second, "op": "upsert", "rev": 1}
    )
    outbox_before = store.outbox_size()
    with pytest.raises(StoreWriteError, match="failed part-way"), store.unit_of_work() as db:
        db.items.insert_one({"name": "First"})
        with pytest.raises(DuplicateKeyError):
            # saved, then its outbox record fails
            db.items.insert_one({"_id": second, "name": "Second"})
        db.items.insert_one({"name": "Third"})
    assert [d["name"] for d in store.db.items.find({})] == ["Existing"]
    assert store.outbox_size() == outbox_before
    reopened = _reopen(store)
    try:
        assert [d["name"] for d in reopened.db.items.find({})] == ["Existing"]
        reopened.db.items.insert_one({"name": "Later"})  # the store works on
    finally:
        reopened.close()


def test_a_write_refused_before_it_changes_anything_leaves_the_unit_usable(store: Store) -> None:
    shop = bson.ObjectId()
    store.db.items.insert_one({"clientId": shop, "code": "CARB", "name": "Carburetor"})
    with store.unit_of_work() as db:
        db.items.insert_one({"clientId": shop, "code": "PLUG", "name": "Spark plug"})
        with pytest.raises(DuplicateKeyError):
            db.items.insert_one({"clientId": shop, "code": "CARB", "name": "Twin"})
        db.items.insert_one({"clientId": shop, "code": "OIL", "name": "Engine oil"})
    assert sorted(d["code"] for d in store.db.items.find({})) == ["CARB", "OIL", "PLUG"]
