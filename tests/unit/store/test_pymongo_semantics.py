"""The store answers as pymongo would (or refuses loudly): one test per behaviour that the
first store got silently wrong."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import bson
import pytest
from mongita.errors import MongitaError

from viveka_pos.store import BulkWriteError, Store, StoreError, open_store

BIG = 2**31
MILLIS = 1_764_000_000_000  # an epoch-milliseconds stamp (December 2025)


def _reopen(store: Store) -> Store:
    folder = store.data_dir
    store.close()
    return open_store(folder)


@pytest.mark.parametrize("indexed", [False, True])
def test_integers_past_32_bits_compare_by_value_also_after_reopen(
    store: Store, indexed: bool
) -> None:
    if indexed:
        store.db.things.create_index("n")
    store.db.things.insert_many([{"n": v, "i": i} for i, v in enumerate(VALUES)])
    _check_big_integers(store)
    reopened = _reopen(store)
    try:
        _check_big_integers(reopened)
    finally:
        reopened.close()


VALUES = [MILLIS, BIG, BIG - 1, -BIG - 5, 7, 2**62, 3.5, BIG + 0.5]


def _check_big_integers(current: Store) -> None:
    things = current.db.things
    assert [d["n"] for d in things.find({}, sort=[("n", 1)])] == sorted(VALUES)
    assert things.find_one({"n": MILLIS})["i"] == 0
    assert things.count_documents({"n": BIG}) == 1
    assert things.count_documents({"n": {"$gte": BIG}}) == 4  # BIG, BIG+.5, MILLIS, 2**62
    assert things.count_documents({"n": {"$gt": BIG - 1, "$lt": MILLIS}}) == 2
    assert {d["i"] for d in things.find({"n": {"$in": [MILLIS, 2**62, 99]}})} == {0, 5}
    assert things.count_documents({"n": {"$nin": [MILLIS, 7]}}) == 6
    assert things.count_documents({"n": {"$ne": 7}}) == 7


def test_sorting_when_the_field_is_missing_or_of_mixed_types(store: Store) -> None:
    store.db.things.insert_many(
        [
            {"k": 1, "n": "b"},
            {"k": 2},
            {"k": 3, "n": 5},
            {"k": 4, "n": None},
            {"k": 5, "n": True},
            {"k": 6, "n": "a"},
        ]
    )
    ascending = [d["k"] for d in store.db.things.find({}, sort=[("n", 1), ("k", 1)])]
    # MongoDB's order: null and missing, numbers, strings, ..., booleans
    assert ascending == [2, 4, 3, 6, 1, 5]
    store.db.things.create_index("n")
    assert [d["k"] for d in store.db.things.find({}).sort("n", -1)][:3] == [5, 1, 6]


def test_the_type_of_an_id_is_part_of_it(store: Store) -> None:
    things = store.db.things
    oid = bson.ObjectId()
    things.insert_many(
        [
            {"_id": 5, "t": "int"},
            {"_id": "5", "t": "str"},
            {"_id": str(oid), "t": "hex"},
            {"_id": oid, "t": "oid"},
        ]
    )
    assert things.find_one({"_id": 5})["t"] == "int"
    assert things.find_one({"_id": "5"})["t"] == "str"
    assert things.find_one({"_id": oid})["t"] == "oid"
    assert things.find_one({"_id": str(oid)})["t"] == "hex"
    assert things.find_one({"_id": 6}) is None
    assert store.get("things", 5)["t"] == "int" and store.get("things", "5")["t"] == "str"
    assert {type(d["_id"]) for d in _reopen_find(store)} == {int, str, bson.ObjectId}


def _reopen_find(store: Store) -> list[dict]:
    return list(store.db.things.find({}))


def test_reads_on_a_closed_store_raise(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d")
    store.db.things.insert_one({"a": 1})
    things = store.db.things
    store.close()
    for read in (
        lambda: things.find_one({"a": 1}),
        lambda: list(things.find({})),
        lambda: things.count_documents({}),
        lambda: store.get("things", 1),
        lambda: list(store.iter_docs("things")),
    ):
        with pytest.raises(StoreError, match="closed"):
            read()


def test_the_id_cannot_be_changed_by_an_update(store: Store) -> None:
    store.db.things.insert_one({"_id": 1, "a": 1})
    with pytest.raises(MongitaError, match="_id"):
        store.db.things.update_one({"_id": 1}, {"$set": {"_id": 2}})
    with pytest.raises(MongitaError, match="_id"):
        store.db.things.replace_one({"_id": 1}, {"_id": 2, "a": 2})
    assert [d["_id"] for d in store.db.things.find({})] == [1]


def test_inc_of_a_missing_field_starts_from_zero(store: Store) -> None:
    store.db.things.insert_one({"_id": 1})
    store.db.things.update_one({"_id": 1}, {"$inc": {"n": 3, "deep.m": 2}})
    assert store.db.things.find_one({"_id": 1}) == {"_id": 1, "n": 3, "deep": {"m": 2}}


def test_distinct_counts_array_elements_one_by_one(store: Store) -> None:
    store.db.things.insert_many(
        [{"tags": ["a", "b"]}, {"tags": "c"}, {"tags": ["b", 1]}, {"other": 1}]
    )
    assert store.db.things.distinct("tags") == [1, "a", "b", "c"]
    assert store.db.things.distinct("tags", {"tags": "b"}) == [1, "a", "b"]


def test_drop_index_by_name_or_by_key_list(store: Store) -> None:
    things = store.db.things
    things.create_index([("a", 1), ("b", -1)])
    things.create_index("c")
    things.drop_index([("a", 1), ("b", -1)])
    things.drop_index("c_1")
    assert set(things.index_information()) == {"_id_", "a_1"}
    with pytest.raises(MongitaError):
        things.drop_index([("zz", 1)])


def test_upserts_on_update_one_and_update_many(store: Store) -> None:
    things = store.db.things
    made = things.update_one(
        {"name": "bolt", "size": {"$gt": 3}},
        {"$set": {"price": 5}, "$setOnInsert": {"new": True}},
        upsert=True,
    )
    assert made.upserted_id is not None
    assert things.find_one({"name": "bolt"}) == {
        "_id": made.upserted_id,
        "name": "bolt",
        "price": 5,
        "new": True,
    }
    again = things.update_one(
        {"name": "bolt"}, {"$set": {"price": 6}, "$setOnInsert": {"new": False}}, upsert=True
    )
    assert (again.matched_count, again.modified_count, again.upserted_id) == (1, 1, None)
    assert things.find_one({"name": "bolt"})["new"] is True
    many = things.update_many({"name": "nut"}, {"$inc": {"count": 1}}, upsert=True)
    assert many.upserted_id is not None and things.count_documents({}) == 2


def test_insert_many_ordered_and_unordered(store: Store) -> None:
    things = store.db.things
    things.create_index("code", unique=True)
    things.insert_one({"code": "A"})
    with pytest.raises(BulkWriteError) as ordered:
        things.insert_many([{"code": "B"}, {"code": "A"}, {"code": "C"}])
    assert ordered.value.details["nInserted"] == 1
    assert sorted(d["code"] for d in things.find({})) == ["A", "B"]
    with pytest.raises(BulkWriteError) as unordered:
        things.insert_many(
            [{"code": "A"}, {"code": "D"}, {"code": "B"}, {"code": "E"}], ordered=False
        )
    errors = unordered.value.details["writeErrors"]
    assert [e["index"] for e in errors] == [0, 2] and {e["code"] for e in errors} == {11000}
    assert sorted(d["code"] for d in things.find({})) == ["A", "B", "D", "E"]


def test_what_a_reader_changes_never_reaches_the_store(store: Store) -> None:
    store.db.things.create_index("tags")
    store.db.things.insert_one({"_id": 1, "tags": ["a"], "deep": {"x": 1}})
    got = store.db.things.find_one({"_id": 1})
    got["tags"].append("b")
    got["deep"]["x"] = 2
    for doc in store.iter_docs("things"):
        doc["tags"].clear()
    store.get("things", 1)["deep"]["x"] = 3
    assert store.db.things.find_one({"_id": 1}) == {"_id": 1, "tags": ["a"], "deep": {"x": 1}}
    assert store.db.things.count_documents({"tags": "b"}) == 0
    assert store.db.things.count_documents({"tags": "a"}) == 1


def test_equality_on_arrays_and_sub_documents(store: Store) -> None:
    things = store.db.things
    things.create_index("tags")
    things.insert_many(
        [{"k": 1, "tags": ["a", "b"]}, {"k": 2, "tags": "a"}, {"k": 3, "tags": {"x": 1}}, {"k": 4}]
    )
    assert sorted(d["k"] for d in things.find({"tags": "a"})) == [1, 2]
    assert [d["k"] for d in things.find({"tags": ["a", "b"]})] == [1]
    assert [d["k"] for d in things.find({"tags": {"x": 1}})] == [3]
    assert [d["k"] for d in things.find({"tags": None})] == [4]
    assert sorted(d["k"] for d in things.find({"tags": {"$ne": "a"}})) == [3, 4]


def test_dates_compare_whatever_their_time_zone(store: Store) -> None:
    from datetime import UTC, timedelta, timezone

    store.db.things.create_index("at")
    store.db.things.insert_one({"at": datetime(2025, 1, 1, 12, 0)})
    ist = timezone(timedelta(hours=5, minutes=30))
    assert store.db.things.count_documents({"at": datetime(2025, 1, 1, 17, 30, tzinfo=ist)}) == 1
    assert (
        store.db.things.count_documents({"at": {"$gt": datetime(2025, 1, 1, 11, 59, tzinfo=UTC)}})
        == 1
    )
