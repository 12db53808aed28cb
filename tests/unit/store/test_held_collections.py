"""Held collections (the open carts): whole in memory, in no index table, and still exactly
what is on disk after a commit, a rollback (of a unit or a savepoint) and a reopen."""

from __future__ import annotations

import bson
import pytest

from viveka_pos.store import Store, open_store


def _idx_rows(store: Store, collection: str) -> int:
    return store.engine.query(
        "SELECT COUNT(*) FROM idx WHERE coll = ?", (f"vivekaDB.{collection}",)
    )[0][0]


def test_carts_are_answered_from_memory_and_filed_in_no_index(store: Store) -> None:
    db = store.db
    cart = db.carts.insert_one({"clientId": 1, "isFinalized": False, "label": "a"}).inserted_id
    db.cartitems.insert_many([{"cartId": cart, "position": p} for p in (2, 1, 3)])
    db.cartitems.insert_one({"cartId": bson.ObjectId(), "position": 9})
    assert _idx_rows(store, "carts") == 0 and _idx_rows(store, "cartitems") == 0
    # the spec's indexes are still declared
    assert "cartId_1" in db.cartitems.index_information()
    lines = list(db.cartitems.find({"cartId": cart}, sort=[("position", 1)]))
    assert [line["position"] for line in lines] == [1, 2, 3]
    assert db.cartitems.count_documents({"cartId": cart}) == 3
    # readers get copies: editing one changes nothing stored
    lines[0]["position"] = 99
    assert db.cartitems.find_one({"_id": lines[0]["_id"]})["position"] == 1
    db.cartitems.update_many({"cartId": cart}, {"$inc": {"position": 10}})
    assert sorted(d["position"] for d in db.cartitems.find({"cartId": cart})) == [11, 12, 13]
    assert db.cartitems.delete_many({"cartId": cart}).deleted_count == 3
    assert db.cartitems.count_documents({}) == 1


def test_a_rolled_back_unit_or_savepoint_leaves_memory_as_the_disk(store: Store) -> None:
    db = store.db
    kept = db.carts.insert_one({"label": "kept"}).inserted_id
    with pytest.raises(RuntimeError), store.unit_of_work(durable=False) as unit:
        unit.carts.update_one({"_id": kept}, {"$set": {"label": "changed"}})
        unit.carts.insert_one({"label": "undone"})
        raise RuntimeError("the cashier's change fails")
    assert [c["label"] for c in db.carts.find({})] == ["kept"]
    with store.unit_of_work(durable=False) as unit:
        unit.carts.insert_one({"label": "outer"})
        with pytest.raises(RuntimeError), store.unit_of_work(durable=False) as inner:
            inner.carts.delete_one({"_id": kept})
            raise RuntimeError("undo the inner block only")
        assert db.carts.find_one({"_id": kept})["label"] == "kept"
    assert sorted(c["label"] for c in db.carts.find({})) == ["kept", "outer"]


def test_held_documents_survive_a_reopen_and_old_index_rows_go(store: Store) -> None:
    db = store.db
    cart = db.carts.insert_one({"label": "parked", "isFinalized": False}).inserted_id
    db.cartitems.insert_one({"cartId": cart, "quantity": 2})
    # rows an earlier version filed for carts: dropped at the next open, never read
    store.engine.execute(
        "INSERT INTO idx (coll, field, rank, val, id) VALUES "
        "('vivekaDB.carts', 'label', 4, 'x', 'stale')"
    )
    path = store.data_dir
    store.close()
    reopened = open_store(path)
    try:
        assert _idx_rows(reopened, "carts") == 0
        assert reopened.db.carts.find_one({"isFinalized": False})["label"] == "parked"
        assert reopened.db.cartitems.find_one({"cartId": cart})["quantity"] == 2
        assert reopened.count("cartitems") == 1
    finally:
        reopened.close()
