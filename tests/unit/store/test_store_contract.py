"""The Mongita API on our engine: what stock Mongita does, ours must do the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import bson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mongita import MongitaClientMemory
from mongita.errors import MongitaError

from viveka_pos.store import DuplicateKeyError, Store, UnsupportedQueryError, open_store


def test_insert_find_update_delete(store: Store) -> None:
    db = store.db
    result = db.items.insert_one({"name": "Carburetor", "price": 2500, "stock": 50})
    doc = db.items.find_one({"_id": result.inserted_id})
    assert doc is not None and doc["name"] == "Carburetor"
    assert (
        db.items.update_one({"_id": result.inserted_id}, {"$inc": {"stock": -2}}).modified_count
        == 1
    )
    assert db.items.find_one({"name": "Carburetor"})["stock"] == 48
    db.items.update_many({}, {"$set": {"unit": "nos"}, "$push": {"dealerIds": "d1"}})
    doc = db.items.find_one({})
    assert doc["unit"] == "nos" and doc["dealerIds"] == ["d1"]
    assert db.items.delete_one({"_id": result.inserted_id}).deleted_count == 1
    assert db.items.find_one({"_id": result.inserted_id}) is None
    assert db.items.count_documents({}) == 0


def test_returned_documents_are_copies(store: Store) -> None:
    db = store.db
    db.items.insert_one({"name": "Bolt", "tags": ["a"]})
    doc = db.items.find_one({"name": "Bolt"})
    doc["tags"].append("mutated")
    doc["name"] = "changed"
    assert db.items.find_one({})["tags"] == ["a"]
    assert db.items.find_one({})["name"] == "Bolt"


def test_find_one_by_id_checks_the_other_fields(store: Store) -> None:
    """Stock Mongita returns a document by _id even when another field does not match."""
    db = store.db
    shop_a, shop_b = bson.ObjectId(), bson.ObjectId()
    inserted = db.invoices.insert_one({"clientId": shop_a, "invoiceNumber": "A1/2526/00001"})
    assert db.invoices.find_one({"_id": inserted.inserted_id, "clientId": shop_b}) is None
    assert db.invoices.find_one({"_id": inserted.inserted_id, "clientId": shop_a}) is not None
    assert (
        db.invoices.update_one(
            {"_id": inserted.inserted_id, "clientId": shop_b}, {"$set": {"notes": "x"}}
        ).matched_count
        == 0
    )


def test_unique_single_field(store: Store) -> None:
    db = store.db
    db.clients.insert_one({"phoneNumber": "9890000000", "ownerName": "Asha"})
    with pytest.raises(DuplicateKeyError, match="phoneNumber"):
        db.clients.insert_one({"phoneNumber": "9890000000", "ownerName": "Ravi"})
    assert db.clients.count_documents({}) == 1
    other = db.clients.insert_one({"phoneNumber": "9890000001", "ownerName": "Ravi"})
    with pytest.raises(DuplicateKeyError):
        db.clients.update_one({"_id": other.inserted_id}, {"$set": {"phoneNumber": "9890000000"}})
    assert db.clients.find_one({"_id": other.inserted_id})["phoneNumber"] == "9890000001"


def test_unique_compound_per_shop(store: Store) -> None:
    db = store.db
    shop_a, shop_b = bson.ObjectId(), bson.ObjectId()
    db.clientCustomers.insert_one({"clientId": shop_a, "phoneNumber": "9891112222"})
    db.clientCustomers.insert_one({"clientId": shop_b, "phoneNumber": "9891112222"})
    with pytest.raises(DuplicateKeyError, match=r"clientId.*phoneNumber"):
        db.clientCustomers.insert_one({"clientId": shop_a, "phoneNumber": "9891112222"})
    db.invoices.insert_one({"clientId": shop_a, "invoiceNumber": "A1/2526/00001"})
    with pytest.raises(DuplicateKeyError):
        db.invoices.insert_one({"clientId": shop_a, "invoiceNumber": "A1/2526/00001"})
    db.dealerorders.insert_one({"clientId": shop_a, "orderNumber": "PO-1"})
    with pytest.raises(DuplicateKeyError):
        db.dealerorders.insert_one({"clientId": shop_a, "orderNumber": "PO-1"})
    db.devicesessions.insert_one({"clientId": shop_a, "deviceId": "pc-1"})
    with pytest.raises(DuplicateKeyError):
        db.devicesessions.insert_one({"clientId": shop_a, "deviceId": "pc-1"})


def test_item_code_unique_only_when_set(store: Store) -> None:
    db = store.db
    shop = bson.ObjectId()
    db.items.insert_one({"clientId": shop, "name": "A", "code": ""})
    db.items.insert_one({"clientId": shop, "name": "B", "code": ""})
    db.items.insert_one({"clientId": shop, "name": "C"})
    db.items.insert_one({"clientId": shop, "name": "D", "code": "8901"})
    with pytest.raises(DuplicateKeyError):
        db.items.insert_one({"clientId": shop, "name": "E", "code": "8901"})


def test_a_doc_may_keep_its_own_unique_key_on_update(store: Store) -> None:
    db = store.db
    db.clients.insert_one({"phoneNumber": "9890000000", "ownerName": "Asha"})
    db.clients.update_one({"phoneNumber": "9890000000"}, {"$set": {"ownerName": "Asha K"}})
    assert db.clients.find_one({})["ownerName"] == "Asha K"


def test_unique_key_freed_by_delete(store: Store) -> None:
    db = store.db
    db.clients.insert_one({"phoneNumber": "9890000000"})
    db.clients.delete_one({"phoneNumber": "9890000000"})
    db.clients.insert_one({"phoneNumber": "9890000000"})
    assert db.clients.count_documents({}) == 1


def test_create_unique_index_over_duplicates_is_refused(store: Store) -> None:
    db = store.db
    db.widgets.insert_many([{"sku": "x"}, {"sku": "x"}])
    with pytest.raises(DuplicateKeyError):
        db.widgets.create_index("sku", unique=True)
    assert "sku_1" not in db.widgets.index_information()
    db.widgets.insert_one({"sku": "x"})  # no constraint was left behind


@pytest.mark.parametrize(
    "bad_filter",
    [
        {"$or": [{"a": 1}, {"b": 2}]},
        {"$and": [{"a": 1}]},
        {"$nor": [{"a": 1}]},
        {"name": {"$regex": "^Car"}},
        {"name": {"$exists": True}},
    ],
)
def test_unsupported_operators_are_refused_loudly(store: Store, bad_filter: dict) -> None:
    store.db.items.insert_one({"a": 1, "name": "Carburetor"})
    with pytest.raises((UnsupportedQueryError, MongitaError)):
        list(store.db.items.find(bad_filter))
    with pytest.raises((UnsupportedQueryError, MongitaError)):
        store.db.items.count_documents(bad_filter)
    with pytest.raises((UnsupportedQueryError, MongitaError)):
        store.db.items.delete_many(bad_filter)
    assert store.db.items.count_documents({}) == 1


def test_upserts_insert_from_the_filter_and_the_update(store: Store) -> None:
    db = store.db
    result = db.items.update_one(
        {"name": "x"}, {"$set": {"price": 1}, "$inc": {"n": 2}}, upsert=True
    )
    assert result.matched_count == 0 and result.upserted_id is not None
    assert db.items.find_one({"_id": result.upserted_id}) == {
        "_id": result.upserted_id,
        "name": "x",
        "price": 1,
        "n": 2,
    }
    again = db.items.update_many({"name": "x"}, {"$inc": {"n": 1}}, upsert=True)
    assert (again.matched_count, again.upserted_id) == (1, None)
    assert db.items.count_documents({"name": "x"}) == 1
    new_id = bson.ObjectId()
    db.items.replace_one({"_id": new_id}, {"name": "x"}, upsert=True)
    assert db.items.find_one({"_id": new_id})["name"] == "x"


def test_typo_attribute_is_an_error_not_a_new_collection(store: Store) -> None:
    with pytest.raises(AttributeError):
        store.db.items.fnd  # noqa: B018


def test_spec_collections_and_indexes_exist(store: Store) -> None:
    names = set(store.db.list_collection_names())
    for expected in [
        "clients",
        "otpsessions",
        "devicesessions",
        "clientCustomers",
        "itemgroups",
        "items",
        "carts",
        "cartitems",
        "invoices",
        "payments",
        "purchasehistories",
        "dealers",
        "dealerorders",
        "dealerorderitems",
        "dealerpayments",
        "outbox",
    ]:
        assert expected in names
    info = store.db.clients.index_information()
    assert info["phoneNumber_1"]["unique"] is True
    orders = store.db.dealerorders.index_information()
    assert orders["clientId_1_dealerId_1_createdAt_-1"]["key"] == [
        ("clientId", 1),
        ("dealerId", 1),
        ("createdAt", -1),
    ]


def test_datetimes_round_trip_as_naive_utc(store: Store) -> None:
    aware = datetime(2025, 1, 12, 15, 30, 0, 123456, tzinfo=UTC)
    store.db.payments.insert_one({"paidAt": aware, "amount": 10})
    doc = store.db.payments.find_one({})
    assert doc["paidAt"] == datetime(2025, 1, 12, 15, 30, 0, 123000)
    # filters may use aware datetimes
    later = aware + timedelta(hours=1)
    assert store.db.payments.count_documents({"paidAt": {"$lt": later}}) == 1
    assert store.db.payments.count_documents({"paidAt": {"$gt": later}}) == 0


# --------------------------------------------------------------------------------------
def test_by_id_reads_and_writes_behave_like_the_general_path(store: Store) -> None:
    """``{"_id": x}`` alone takes a shortcut past the query planner; same answers."""
    db = store.db
    item = db.items.insert_one({"name": "Bolt", "tags": ["a"], "sizes": {"m": 8}}).inserted_id
    doc = db.items.find_one({"_id": item})
    doc["tags"].append("mutated")
    doc["sizes"]["m"] = 10
    assert db.items.find_one({"_id": item}) == {
        "_id": item,
        "name": "Bolt",
        "tags": ["a"],
        "sizes": {"m": 8},
    }
    assert db.items.find_one({"_id": bson.ObjectId()}) is None
    missing = db.items.update_one({"_id": bson.ObjectId()}, {"$set": {"name": "x"}})
    assert (missing.matched_count, missing.modified_count) == (0, 0)
    with pytest.raises(MongitaError):
        db.items.update_one({"_id": item}, {"name": "no operator"})
    assert db.items.update_one({"_id": item}, {"$inc": {"sizes.m": 2}}).modified_count == 1
    assert db.items.find_one({"_id": item})["sizes"] == {"m": 10}
    pending = store.outbox_size()
    db.items.update_one({"_id": item}, {"$set": {"name": "Bolt M8"}})
    assert store.outbox_size() == pending  # the same document: its outbox record moves on
    assert db.items.find_one({"name": "Bolt M8"})["_id"] == item


def test_a_filter_on_a_whole_unique_key_needs_no_index(store: Store) -> None:
    db = store.db
    shop, other = bson.ObjectId(), bson.ObjectId()
    db.invoices.insert_many(
        [
            {"clientId": c, "invoiceNumber": f"A/2526/{n:05d}", "n": n}
            for c in (shop, other)
            for n in range(50)
        ]
    )
    found = db.invoices.find_one({"clientId": shop, "invoiceNumber": "A/2526/00007"})
    assert found is not None and (found["clientId"], found["n"]) == (shop, 7)
    assert db.invoices.find_one({"clientId": shop, "invoiceNumber": "A/2526/00099"}) is None
    # the other fields of the filter are still checked on the document found
    assert db.invoices.find_one({"clientId": shop, "invoiceNumber": "A/2526/00007", "n": 8}) is None
    assert db.invoices.count_documents({"clientId": other, "invoiceNumber": "A/2526/00049"}) == 1


def test_unique_key_lookup_still_finds_array_values(store: Store) -> None:
    """Equality on an array field matches its elements: such documents are not found
    through the unique key's map, so the lookup steps aside for them."""
    db = store.db
    shop = bson.ObjectId()
    db.items.insert_one({"clientId": shop, "code": "A1", "name": "plain"})
    db.items.insert_one({"clientId": shop, "code": ["B1", "B2"], "name": "listed"})
    assert db.items.find_one({"clientId": shop, "code": "B2"})["name"] == "listed"
    assert db.items.find_one({"clientId": shop, "code": "A1"})["name"] == "plain"


# Model-based: random operations give the same answers as stock Mongita (memory client).

values = st.one_of(
    st.integers(-3, 3),
    st.sampled_from(["a", "b", "c"]),
    st.none(),
    st.lists(st.integers(0, 3), max_size=3),
)
doc_strategy = st.fixed_dictionaries({"k": values, "n": st.integers(0, 5), "s": values})
filter_strategy = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"k": values}),
    st.fixed_dictionaries({"n": st.integers(0, 5)}),
    st.fixed_dictionaries({"n": st.fixed_dictionaries({"$gte": st.integers(0, 5)})}),
    st.fixed_dictionaries({"n": st.fixed_dictionaries({"$lt": st.integers(0, 5)})}),
    st.fixed_dictionaries({"k": st.fixed_dictionaries({"$in": st.lists(values, max_size=3)})}),
    st.fixed_dictionaries({"k": values, "n": st.integers(0, 5)}),
)
operation = st.one_of(
    st.tuples(st.just("insert"), doc_strategy),
    st.tuples(st.just("update"), filter_strategy, st.integers(-2, 2)),
    st.tuples(st.just("set"), filter_strategy, values),
    st.tuples(st.just("delete"), filter_strategy),
)


def _apply(coll, op) -> object:
    kind = op[0]
    if kind == "insert":
        return coll.insert_one(dict(op[1])).acknowledged
    if kind == "update":
        return coll.update_many(op[1], {"$inc": {"n": op[2]}}).matched_count
    if kind == "set":
        # update_many: which document update_one picks among several is unspecified.
        return coll.update_many(op[1], {"$set": {"k": op[2]}}).matched_count
    return coll.delete_many(op[1]).deleted_count


def _snapshot(coll, flt) -> list:
    docs = coll.find(flt, sort=[("n", 1)])
    return sorted(repr(sorted((k, v) for k, v in d.items() if k != "_id")) for d in docs)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, max_size=25), probes=st.lists(filter_strategy, max_size=5))
def test_same_answers_as_stock_mongita(tmp_path_factory, ops, probes) -> None:
    ours_store = open_store(tmp_path_factory.mktemp("model"))
    try:
        ours = ours_store.db.things
        ours.create_index("k")
        ours.create_index("n")
        stock = MongitaClientMemory().db.things
        stock.create_index("k")
        stock.create_index("n")
        for op in ops:
            assert _apply(ours, op) == _apply(stock, op)
        for probe in [{}, *probes]:
            assert _snapshot(ours, probe) == _snapshot(stock, probe)
            assert ours.count_documents(probe) == stock.count_documents(probe)
    finally:
        ours_store.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    docs=st.lists(doc_strategy, min_size=1, max_size=6),
    probes=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.dictionaries(
                st.sampled_from(["k", "n", "s", "missing"]),
                st.one_of(
                    st.integers(-3, 5),
                    st.sampled_from(["a", "b"]),
                    st.booleans(),
                    st.none(),
                    st.lists(st.integers(0, 3), max_size=2),
                ),
                max_size=2,
            ),
        ),
        max_size=8,
    ),
)
def test_find_one_by_id_and_fields_answers_like_the_general_path(
    store: Store, docs, probes
) -> None:
    """``{"_id": x, "field": v}`` takes a shortcut; ``find`` takes the planner's path."""
    things = store.db.things
    ids = [things.insert_one(dict(doc)).inserted_id for doc in docs]
    ids.append(bson.ObjectId())  # never stored
    for position, fields in probes:
        probe = {"_id": ids[min(position, len(ids) - 1)], **fields}
        assert things.find_one(probe) == next(iter(things.find(probe)), None)
    things.delete_many({})
