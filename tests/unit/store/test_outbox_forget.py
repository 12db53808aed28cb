"""A push's batch leaves the outbox in one statement per table, yet each record only if no
write bumped it since the push read it; the batch's other bulk paths (the remote versions
last seen written without reading the previous ones, documents read without being kept in
memory) keep the store's promises: all or nothing, readers get copies."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from viveka_pos.store import Store, open_store
from viveka_pos.store.errors import StoreWriteError
from viveka_pos.store.outbox import OUTBOX, OutboxWriter
from viveka_pos.store.values import doc_key

ITEMS = "vivekaDB.items"
SYNCSTATE = "vivekaDB.syncstate"


def _writer(store: Store) -> OutboxWriter:
    writer = store.engine.on_write
    assert isinstance(writer, OutboxWriter)
    return writer


def _records(store: Store) -> dict[Any, dict[str, Any]]:
    return {record["docId"]: record for record in store.iter_docs("outbox")}


def _filed(store: Store) -> list[Any]:
    """The outbox's index rows and documents, as stored."""
    conn = store.engine.connection
    return [
        conn.execute(
            "SELECT * FROM idx WHERE coll = ? ORDER BY 1, 2, 3, 4, 5", (OUTBOX,)
        ).fetchall(),
        conn.execute("SELECT id, body FROM docs WHERE coll = ? ORDER BY id", (OUTBOX,)).fetchall(),
    ]


def _items(store: Store, count: int) -> list[Any]:
    client = ObjectId()
    with store.unit_of_work() as db:
        return list(
            db.items.insert_many(
                [{"clientId": client, "name": f"Item {n}", "price": 10 + n} for n in range(count)]
            ).inserted_ids
        )


def test_forget_removes_only_the_records_no_write_bumped_since_they_were_read(
    store: Store,
) -> None:
    ids = _items(store, 6)
    pushed = _records(store)  # as a push reads its batch
    assert set(pushed) == set(ids)
    with store.unit_of_work() as db:  # written while the batch is on the wire
        db.items.update_one({"_id": ids[1]}, {"$set": {"price": 99}})
        db.items.delete_one({"_id": ids[4]})
    gone = ObjectId()  # a record that left already (a pull took it)
    stale = {**pushed[ids[0]], "_id": ObjectId(), "docId": gone}
    with store.unit_of_work(record_outbox=False):
        left = _writer(store).forget([*pushed.values(), stale])
    assert left == 4
    kept = _records(store)
    assert set(kept) == {ids[1], ids[4]}
    assert kept[ids[1]]["rev"] == pushed[ids[1]]["rev"] + 1
    assert (kept[ids[4]]["op"], kept[ids[4]]["rev"]) == ("delete", pushed[ids[4]]["rev"] + 1)
    # The kept records are found in order through the seq index; the index rows are what
    # filing the documents again gives.
    assert [r["docId"] for r in store.outbox_batch()] == [ids[1], ids[4]]
    filed = _filed(store)
    store.engine.rebuild_storage()
    assert _filed(store) == filed
    # The kept records go with the next push.
    with store.unit_of_work(record_outbox=False):
        assert _writer(store).forget(kept.values()) == 2
    assert store.outbox_size() == 0


def test_forget_is_undone_with_its_unit_of_work(store: Store) -> None:
    ids = _items(store, 3)
    pushed = _records(store)
    filed = _filed(store)
    with pytest.raises(RuntimeError), store.unit_of_work(record_outbox=False):
        assert _writer(store).forget(pushed.values()) == 3
        assert store.outbox_size() == 0
        raise RuntimeError("the batch's local unit of work failed")
    assert _records(store) == pushed
    assert [r["docId"] for r in store.outbox_batch()] == ids
    assert _filed(store) == filed


def test_the_bulk_writes_run_inside_a_unit_of_work_only(store: Store) -> None:
    _items(store, 1)
    record = next(iter(_records(store).values()))
    with pytest.raises(StoreWriteError):
        store.engine.delete_unchanged(OUTBOX, {doc_key(record["_id"]): {"rev": record["rev"]}})
    with pytest.raises(StoreWriteError):
        store.engine.put_plain_docs(SYNCSTATE, [{"_id": "base:x", "doc": {}}])
    assert store.outbox_size() == 1


def test_plain_documents_replace_what_memory_held_and_roll_back(store: Store) -> None:
    with store.unit_of_work(record_outbox=False) as db:
        db.syncstate.insert_one({"_id": "base:a", "doc": {"v": 1}})
    assert store.get("syncstate", "base:a") == {"_id": "base:a", "doc": {"v": 1}}  # in memory
    with store.unit_of_work(record_outbox=False):
        store.engine.put_plain_docs(
            SYNCSTATE, [{"_id": "base:a", "doc": {"v": 2}}, {"_id": "base:b", "doc": {"v": 1}}]
        )
    assert store.get("syncstate", "base:a") == {"_id": "base:a", "doc": {"v": 2}}
    assert store.get("syncstate", "base:b") == {"_id": "base:b", "doc": {"v": 1}}
    with pytest.raises(RuntimeError), store.unit_of_work(record_outbox=False):
        store.engine.put_plain_docs(SYNCSTATE, [{"_id": "base:a", "doc": {"v": 3}}])
        raise RuntimeError("undone")
    assert store.get("syncstate", "base:a") == {"_id": "base:a", "doc": {"v": 2}}
    reopened_path = store.data_dir
    store.close()
    again = open_store(reopened_path)
    try:
        assert again.get("syncstate", "base:a") == {"_id": "base:a", "doc": {"v": 2}}
    finally:
        again.close()


def test_plain_documents_are_refused_where_a_write_files_something(store: Store) -> None:
    with store.unit_of_work(record_outbox=False), pytest.raises(ValueError, match="file"):
        store.engine.put_plain_docs(ITEMS, [{"_id": ObjectId(), "name": "Indexed"}])
    with store.unit_of_work(record_outbox=False), pytest.raises(ValueError, match="twice"):
        store.engine.put_plain_docs(SYNCSTATE, [{"_id": "base:a"}, {"_id": "base:a"}])


def test_get_many_copies_are_the_readers_own(store: Store) -> None:
    ids = _items(store, 2)
    with store.unit_of_work() as db:
        db.items.update_many({}, {"$set": {"tags": ["a"], "size": {"w": 1}}})
    path = store.data_dir
    store.close()
    store = open_store(path)  # nothing in memory
    try:
        store.get("items", ids[0])  # one document in memory, the other not
        copies = store.engine.get_many(ITEMS, [doc_key(i) for i in ids] + ["missing"])
        assert set(copies) == {doc_key(i) for i in ids}
        for copy in copies.values():
            copy["tags"].append("mine")
            copy["size"]["w"] = 9
            copy["name"] = "changed"
        for doc_id in ids:
            doc = store.get("items", doc_id)
            assert (doc["tags"], doc["size"], doc["name"][:4]) == (["a"], {"w": 1}, "Item")
    finally:
        store.close()
