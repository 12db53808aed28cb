"""The write path a bill takes: pages of inserts inside a unit of work, updates by named
fields, deletes of many documents — each with the result of one write at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import bson
import pytest

from viveka_pos.store import BulkWriteError, DuplicateKeyError, Store
from viveka_pos.store.outbox import record_id


@contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []
    store.engine.connection.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        store.engine.connection.set_trace_callback(None)


def _movement(item: bson.ObjectId, quantity: int, **extra: object) -> dict[str, object]:
    return {"_id": bson.ObjectId(), "itemId": item, "quantity": quantity, **extra}


def test_insert_many_in_a_unit_sets_no_savepoint_and_files_every_document(
    store: Store,
) -> None:
    item = bson.ObjectId()
    movements = [_movement(item, -n) for n in range(1, 11)]
    with _statements(store) as seen, store.unit_of_work() as db:
        db.stockmovements.insert_many(movements)
    assert not [s for s in seen if s.startswith(("SAVEPOINT", "RELEASE"))]
    # index rows, outbox records and the cache as ten insert_one would leave them
    found = store.db.stockmovements.find({"itemId": item}, sort=[("quantity", 1)])
    assert [m["quantity"] for m in found] == list(range(-10, 0))
    for movement in movements:
        record = store.engine.get_by_key(
            "vivekaDB.outbox", str(record_id("stockmovements", movement["_id"]))
        )
        assert record is not None and record["op"] == "upsert" and record["rev"] == 1


def test_insert_many_in_a_unit_reports_duplicates_as_pymongo_does(store: Store) -> None:
    item = bson.ObjectId()
    taken = _movement(item, 1)
    store.db.stockmovements.insert_one(taken)
    first, second = _movement(item, 2), _movement(item, 3)
    with store.unit_of_work() as db:
        with pytest.raises(BulkWriteError) as ordered:
            db.stockmovements.insert_many([first, dict(taken, quantity=9), second])
        assert ordered.value.details["nInserted"] == 1  # stopped at the duplicate
        with pytest.raises(BulkWriteError) as unordered:
            db.stockmovements.insert_many([dict(taken), second], ordered=False)
        assert [e["index"] for e in unordered.value.details["writeErrors"]] == [0]
    quantities = sorted(m["quantity"] for m in store.db.stockmovements.find({"itemId": item}))
    assert quantities == [1, 2, 3]  # the stored one was not overwritten


def test_a_failed_write_after_an_insert_many_rolls_the_whole_unit_back(store: Store) -> None:
    item = bson.ObjectId()
    shop = bson.ObjectId()
    store.db.items.insert_one({"clientId": shop, "name": "Bolt", "code": "B1"})
    outbox_before = store.outbox_size()
    with pytest.raises(DuplicateKeyError), store.unit_of_work() as db:
        db.stockmovements.insert_many([_movement(item, -1), _movement(item, -2)])
        db.items.insert_one({"clientId": shop, "name": "Nut", "code": "B1"})
    assert store.db.stockmovements.count_documents({"itemId": item}) == 0
    assert store.outbox_size() == outbox_before


def test_an_update_by_named_fields_writes_only_a_real_change(store: Store) -> None:
    items = store.db.items
    item = items.insert_one({"name": "Bolt", "stock": 5, "tags": ["a"], "spec": {"mm": 8}})
    key = str(record_id("items", item.inserted_id))
    rev = store.engine.get_by_key("vivekaDB.outbox", key)["rev"]
    same = items.update_one({"_id": item.inserted_id}, {"$set": {"stock": 5}})
    assert (same.matched_count, same.modified_count) == (1, 0)
    assert store.engine.get_by_key("vivekaDB.outbox", key)["rev"] == rev  # nothing written
    tags = ["b"]
    changed = items.update_one(
        {"_id": item.inserted_id}, {"$set": {"tags": tags}, "$inc": {"stock": -1}}
    )
    assert (changed.matched_count, changed.modified_count) == (1, 1)
    assert store.engine.get_by_key("vivekaDB.outbox", key)["rev"] == rev + 1
    tags.append("c")  # the caller's list is not the store's
    got = items.find_one({"_id": item.inserted_id})
    assert got == {
        "_id": item.inserted_id,
        "name": "Bolt",
        "stock": 4,
        "tags": ["b"],
        "spec": {"mm": 8},
    }
    got["spec"]["mm"] = 10  # nor is a reader's copy of a field the update left alone
    assert items.find_one({"_id": item.inserted_id})["spec"] == {"mm": 8}
    unset = items.update_one({"_id": item.inserted_id}, {"$unset": {"missing": ""}})
    assert unset.modified_count == 0
    assert items.update_one({"_id": item.inserted_id}, {"$unset": {"tags": ""}}).modified_count == 1
    assert "tags" not in items.find_one({"_id": item.inserted_id})
    assert items.count_documents({"stock": 4}) == 1


def test_a_refused_update_leaves_the_stored_document_as_it_was(store: Store) -> None:
    shop = bson.ObjectId()
    items = store.db.items
    items.insert_one({"clientId": shop, "name": "Bolt", "code": "B1"})
    nut = items.insert_one({"clientId": shop, "name": "Nut", "code": "N1", "stock": 3})
    with pytest.raises(DuplicateKeyError):
        items.update_one({"_id": nut.inserted_id}, {"$set": {"code": "B1", "stock": 2}})
    assert items.find_one({"_id": nut.inserted_id})["code"] == "N1"
    assert items.find_one({"_id": nut.inserted_id})["stock"] == 3
    assert items.find_one({"code": "N1"})["_id"] == nut.inserted_id
    # an index field that changes type is filed again (True is not 1)
    items.update_one({"_id": nut.inserted_id}, {"$set": {"isActive": 1}})
    items.update_one({"_id": nut.inserted_id}, {"$set": {"isActive": True}})
    assert items.count_documents({"isActive": True}) == 1
    assert items.count_documents({"isActive": 1}) == 0
    # the same stored value given as another Python type is no change
    items.update_one({"_id": nut.inserted_id}, {"$set": {"at": bson.Int64(2**40)}})
    again = items.update_one({"_id": nut.inserted_id}, {"$set": {"at": 2**40}})
    assert again.modified_count == 0


def test_delete_many_deletes_in_one_statement_and_records_each_delete(store: Store) -> None:
    invoice = bson.ObjectId()
    payments = store.db.payments
    ids = payments.insert_many([{"invoiceId": invoice, "amount": n} for n in range(5)]).inserted_ids
    payments.insert_one({"invoiceId": bson.ObjectId(), "amount": 99})
    with _statements(store) as seen, store.unit_of_work() as db:
        assert db.payments.delete_many({"invoiceId": invoice}).deleted_count == 5
    assert len([s for s in seen if s.startswith("DELETE FROM docs")]) == 1
    assert payments.count_documents({"invoiceId": invoice}) == 0
    assert payments.count_documents({}) == 1
    for doc_id in ids:
        record = store.engine.get_by_key("vivekaDB.outbox", str(record_id("payments", doc_id)))
        assert record is not None and record["op"] == "delete"
    assert payments.delete_many({"invoiceId": invoice}).deleted_count == 0
