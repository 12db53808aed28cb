"""A page of documents written together (``SqliteEngine.put_docs``, a sync pull's path)
leaves the documents, index rows, unique keys and every derived table exactly as filing
them again from the documents (``rebuild_storage``) gives."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from viveka_pos.store import DuplicateKeyError, Store
from viveka_pos.store.item_search import SearchQueries

ITEMS = "vivekaDB.items"


def _item(client: ObjectId, name: str, **extra: Any) -> dict[str, Any]:
    doc = {
        "_id": ObjectId(),
        "clientId": client,
        "groupId": None,
        "name": name,
        "price": 120,
        "stock": 4,
        "lowStockQuantity": 5,
        "unit": "nos",
        "code": "",
        "hsnCode": "0902",
        "gstRate": 5,
        "isActive": True,
    }
    doc.update(extra)
    return doc


def _derived(store: Store) -> dict[str, list[Any]]:
    """The derived tables and index rows, without the row ids that only order them."""
    conn = store.engine.connection
    tables = {
        "docs": "SELECT coll, id, body FROM docs ORDER BY coll, id",
        "idx": "SELECT * FROM idx ORDER BY 1, 2, 3, 4, 5",
        "uniq": "SELECT * FROM uniq ORDER BY 1, 2, 3",
        # the search rows in their row-id order: matches come in this order
        "search_items": "SELECT key, client, name, code, words FROM search_items ORDER BY id",
        "search_order": "SELECT key FROM search_items ORDER BY name, key",
        "catalog_rows": "SELECT * FROM catalog_rows ORDER BY key",
        "ledger_stock": "SELECT * FROM ledger_stock ORDER BY key",
    }
    found = {name: conn.execute(sql).fetchall() for name, sql in tables.items()}
    found["catalog_grams"] = conn.execute(
        "SELECT r.key FROM catalog_grams g JOIN catalog_rows r ON r.rowid = g.rowid "
        "WHERE catalog_grams MATCH 'tem' ORDER BY r.key"
    ).fetchall()
    return found


def _matches(store: Store, client: ObjectId, term: str, inside: bool) -> list[str]:
    return [
        key for key, _words in SearchQueries(store.engine).matching(client, [term], inside=inside)
    ]


def test_a_bulk_page_leaves_the_derived_tables_as_a_rebuild_does(store: Store) -> None:
    client = ObjectId()
    kept = [_item(client, f"Item {n:03d}", code=f"C{n}") for n in range(0, 60, 2)]
    with store.unit_of_work() as db:
        db.items.insert_many([dict(d) for d in kept])
        db.items.insert_one(_item(client, "Zeta tea"))
    page = [_item(client, f"Item {n:03d}") for n in range(1, 60, 2)]  # between the others
    page += [_item(client, f"New {n:04d}") for n in range(300)]  # a run in name order
    page.append(_item(client, "Gone item", isActive=False))
    changed = dict(kept[3], name="Renamed", price=150, stock=9)
    deactivated = dict(kept[4], isActive=False)
    sold = dict(kept[5], stock=1)  # the stock only: the search row stays
    page += [changed, deactivated, sold]
    with store.unit_of_work(record_outbox=False):
        refused = store.engine.put_docs(ITEMS, page)
    assert refused == {}
    assert store.get("items", changed["_id"])["name"] == "Renamed"
    bulk = _derived(store)
    searches = [
        _matches(store, client, term, inside)
        for term in ("item", "new", "ren", "tea")
        for inside in (False, True)
    ]
    assert len(bulk["search_items"]) == 30 + 1 + 30 + 300 - 1
    assert [row[2] for row in bulk["search_items"]] == sorted(
        row[2] for row in bulk["search_items"]
    )
    store.engine.rebuild_storage()
    assert _derived(store) == bulk
    assert [
        _matches(store, client, term, inside)
        for term in ("item", "new", "ren", "tea")
        for inside in (False, True)
    ] == searches
    for table in ("search_words", "search_grams", "catalog_grams"):
        store.engine.connection.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")


def test_a_bulk_page_refuses_only_the_documents_whose_unique_key_is_taken(store: Store) -> None:
    client = ObjectId()
    holder = _item(client, "Holder", code="X1")
    store.db.items.insert_one(dict(holder))
    moved = dict(holder, code="X2")  # lets X1 go: a later document of the page may take it
    takes_freed = _item(client, "Takes X1", code="X1")
    clashes = _item(client, "Wants X2 too", code="X2")  # X2 is taken earlier in the page
    plain = _item(client, "Plain")
    with store.unit_of_work(record_outbox=False):
        refused = store.engine.put_docs(ITEMS, [moved, takes_freed, clashes, plain])
    assert set(refused) == {str(clashes["_id"])}
    assert isinstance(refused[str(clashes["_id"])], DuplicateKeyError)
    assert store.get("items", clashes["_id"]) is None
    assert store.get("items", takes_freed["_id"])["code"] == "X1"
    assert store.get("items", plain["_id"]) is not None
    bulk = _derived(store)
    store.engine.rebuild_storage()
    assert _derived(store) == bulk


def test_a_failed_unit_of_work_leaves_none_of_the_page(store: Store) -> None:
    client = ObjectId()
    page = [_item(client, f"Item {n}") for n in range(20)]
    before = _derived(store)
    with pytest.raises(RuntimeError), store.unit_of_work(record_outbox=False):
        store.engine.put_docs(ITEMS, page)
        raise RuntimeError("power cut")
    assert _derived(store) == before
    assert store.get("items", page[0]["_id"]) is None
