"""Documents on the remote that break the spec's schema never reach this PC's store.

The remote has writers this PC does not control; these tests write to it with plain pymongo,
as any of them could, then run a real sync against nx-27017: a refused document becomes a pull
dead letter with its reason, the sync finishes, the documents after it are applied, and what
this PC already had is left exactly as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo.errors import DuplicateKeyError

from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device, now, shop_snapshot
from viveka_pos.gateways.remote import RemoteDatabase, connect
from viveka_pos.sync import DeadLetters
from viveka_pos.sync.rules import PULL_ORDER
from viveka_pos.sync.validate import MAX_TEXT, letter_doc_id


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


def _pulled_letters(dev: Device) -> dict[tuple[str, Any], str]:
    return {
        (d.collection, d.doc_id): d.reason
        for d in DeadLetters(dev.store).list()
        if d.direction == "pull"
    }


def _seed(dev: Device) -> None:
    """A shop with at least one document of every synced collection."""
    item = dev.add_item("Brake shoe", 450, 20)
    customer = dev.add_customer("9123400001", "Asha")
    dev.sell(item, 2, customer_id=customer)
    dev.sell(item, 1, paid=0)
    at = now()
    dealer, order = ObjectId(), ObjectId()
    with dev.store.unit_of_work() as db:
        db.itemgroups.insert_one(
            {
                "_id": ObjectId(),
                "clientId": dev.client_id,
                "name": "Brakes",
                "description": "",
                "createdAt": at,
                "updatedAt": at,
            }
        )
        db.devicesessions.insert_one(
            {
                "_id": ObjectId(),
                "clientId": dev.client_id,
                "deviceId": dev.device_id,
                "isActive": True,
                "lastSeenAt": at,
                "createdAt": at,
            }
        )
        db.dealers.insert_one(
            {
                "_id": dealer,
                "clientId": dev.client_id,
                "name": "Ravi Traders",
                "contactPerson": "",
                "phoneNumber": "",
                "email": "",
                "address": "",
                "logoUrl": "",
                "isActive": True,
                "createdAt": at,
                "updatedAt": at,
            }
        )
        db.dealerorders.insert_one(
            {
                "_id": order,
                "clientId": dev.client_id,
                "dealerId": dealer,
                "orderNumber": "A1/PO/2526/00001",
                "status": "pending",
                "isUrgent": False,
                "deliveryInstructions": "",
                "notes": "",
                "pdfUrl": "",
                "totalAmount": None,
                "dueDate": None,
                "deliveredAt": None,
                "cancelledAt": None,
                "createdAt": at,
                "updatedAt": at,
            }
        )
        db.dealerorderitems.insert_one(
            {
                "_id": ObjectId(),
                "clientId": dev.client_id,
                "orderId": order,
                "itemId": item,
                "itemNameSnapshot": "Brake shoe",
                "quantity": 10,
                "createdAt": at,
            }
        )
        db.dealerpayments.insert_one(
            {
                "_id": ObjectId(),
                "clientId": dev.client_id,
                "dealerId": dealer,
                "orderId": order,
                "amount": 1200,
                "method": "upi",
                "note": "",
                "proofUrl": "",
                "paidAt": at,
                "deviceId": dev.device_id,
            }
        )


@pytest.fixture
def shop(server: MongoServer, tmp_path: Path) -> Iterator[tuple[Device, RemoteDatabase]]:
    dev = Device(tmp_path / "a", "pc-a", "A1")
    dev.register("9876500021")
    _seed(dev)
    remote = connect(server.url, f"hostile{ObjectId()}", timeout_ms=3000)
    assert dev.engine(remote).sync_once(full=True).pending == 0
    yield dev, remote
    remote.close()
    dev.close()


# ------------------------------------------------------------------ the numbered cases


@pytest.mark.parametrize(
    "hostile_phone", [{"$ne": ""}, {"$where": "true"}, {"$regex": ".*"}, {"$gt": ""}]
)
def test_an_operator_shaped_phone_neither_merges_nor_crashes_sync(
    shop: tuple[Device, RemoteDatabase], hostile_phone: dict[str, Any]
) -> None:
    dev, remote = shop
    real = dev.customer_by_phone("9123400001")
    assert real is not None
    invoices_before = {d["_id"]: d.get("clientCustomerId") for d in dev.store.iter_docs("invoices")}
    bad_id = ObjectId("000000000000000000000001")  # sorts first: the merge would keep it
    remote.collection("clientCustomers").insert_one(
        {
            "_id": bad_id,
            "clientId": dev.client_id,
            "phoneNumber": hostile_phone,
            "name": "Nobody",
            "firstSeenAt": now(),
        }
    )
    before = shop_snapshot(dev.store, dev.client_id)

    report = dev.engine(remote).sync_once(full=True)

    assert dev.store.get("clientCustomers", real["_id"]) == real
    assert dev.store.get("clientCustomers", bad_id) is None
    assert {
        d["_id"]: d.get("clientCustomerId") for d in dev.store.iter_docs("invoices")
    } == invoices_before
    assert shop_snapshot(dev.store, dev.client_id) == before
    assert report.pull.merged == 0
    reason = _pulled_letters(dev)["clientCustomers", bad_id]
    assert reason.startswith("refused from the remote database: phoneNumber: ")
    # The remote keeps the real customer (no merge was pushed), and later syncs still run.
    assert remote.collection("clientCustomers").find_one({"_id": real["_id"]}) is not None
    assert dev.engine(remote).sync_once(full=True).pull.merged == 0
    assert dev.engine(remote).sync_once().pending == 0


@pytest.mark.parametrize(
    ("collection", "field", "value", "rule"),
    [
        ("items", "price", "2500", "must be a number of rupees"),
        ("items", "price", -5, "must be from 0 to"),
        ("invoices", "totalAmount", "abc", "must be a number of rupees"),
        ("invoices", "paidAmount", {"$gt": 0}, "field name '$gt' is not allowed"),
        ("payments", "amount", "100", "must be a number of rupees"),
        ("payments", "amount", 1.5e300, "must be from 0 to"),
        ("payments", "method", "cheque", "must be one of"),
        ("stockmovements", "quantity", "5", "must be a number"),
        ("items", "unit", "boxes", "must be one of"),
        ("items", "_hlc", {"$gt": ""}, "field name '$gt' is not allowed"),
        ("payments", "_hlc", "99999999999999999999", "must be a sync stamp"),
    ],
)
def test_a_pulled_document_of_the_wrong_type_is_set_aside_and_billing_goes_on(
    shop: tuple[Device, RemoteDatabase], collection: str, field: str, value: Any, rule: str
) -> None:
    dev, remote = shop
    existing = next(iter(dev.store.iter_docs(collection)))
    coll = remote.collection(collection)
    original = coll.find_one({"_id": existing["_id"]})
    assert original is not None
    coll.replace_one({"_id": existing["_id"]}, {**original, field: value})
    fresh = {**copy.deepcopy(original), "_id": ObjectId(), field: value}
    if collection == "invoices":
        fresh["invoiceNumber"] = "X/1"
    coll.insert_one(fresh)
    before = shop_snapshot(dev.store, dev.client_id)

    report = dev.engine(remote).sync_once(full=True)

    assert shop_snapshot(dev.store, dev.client_id) == before
    letters = _pulled_letters(dev)
    for doc_id in (existing["_id"], fresh["_id"]):
        assert letters[collection, doc_id].startswith(
            f"refused from the remote database: {field}: {rule}"
        )
    assert report.pull.dead_lettered == 2
    # The next bill and the next sync work (they used to stop on a MoneyError).
    item = next(iter(dev.store.iter_docs("items")))["_id"]
    dev.sell(item, 1)
    assert dev.engine(remote).sync_once(full=True).pending == 0
    # Repaired on the remote, the document comes through and its dead letter goes.
    coll.replace_one({"_id": existing["_id"]}, original)
    coll.delete_one({"_id": fresh["_id"]})
    dev.engine(remote).sync_once(full=True)
    assert (collection, existing["_id"]) not in _pulled_letters(dev)


def test_a_tombstone_with_an_operator_for_an_id_deletes_nothing(
    shop: tuple[Device, RemoteDatabase],
) -> None:
    from viveka_pos.gateways.remote import TOMBSTONES

    dev, remote = shop
    before = shop_snapshot(dev.store, dev.client_id)
    remote.collection(TOMBSTONES).insert_one(
        {
            "_id": "clientCustomers:x",
            "clientId": dev.client_id,
            "collection": "clientCustomers",
            "docId": {"$ne": None},
            "mergedInto": ObjectId(),
            "deletedAt": now(),
        }
    )
    dev.engine(remote).sync_once(full=True)
    assert shop_snapshot(dev.store, dev.client_id) == before
    assert "docId" in _pulled_letters(dev)[TOMBSTONES, "clientCustomers:x"]


def test_an_operator_for_an_id_is_filed_under_a_stand_in(
    shop: tuple[Device, RemoteDatabase],
) -> None:
    dev, remote = shop
    before = shop_snapshot(dev.store, dev.client_id)
    remote.collection("items").insert_one(
        {"_id": {"$ne": None}, "clientId": dev.client_id, "name": "Ghost", "price": 1}
    )
    report = dev.engine(remote).sync_once(full=True)
    assert shop_snapshot(dev.store, dev.client_id) == before
    assert report.pull.dead_lettered == 1
    [(collection, doc_id)] = list(_pulled_letters(dev))
    assert (collection, doc_id) == ("items", "<invalid _id {'$ne': None}>")


# ------------------------------------------------------------------ the property

_NUMBERS = {
    "items": ["price"],
    "invoices": ["totalAmount", "paidAmount"],
    "payments": ["amount"],
    "purchasehistories": ["totalAmount"],
    "dealerpayments": ["amount"],
    "stockmovements": ["quantity"],
    "dealerorderitems": ["quantity"],
}
_IDS = {
    "payments": ["invoiceId"],
    "stockmovements": ["itemId"],
    "dealerorders": ["dealerId"],
    "dealerpayments": ["dealerId"],
    "purchasehistories": ["clientCustomerId", "invoiceId"],
}
_TEXTS = {
    "clients": ["phoneNumber", "businessName"],
    "clientCustomers": ["phoneNumber"],
    "items": ["name"],
    "itemgroups": ["name"],
    "dealers": ["name"],
    "invoices": ["invoiceNumber"],
    "dealerorders": ["orderNumber"],
    "devicesessions": ["deviceId"],
    "dealerorderitems": ["itemNameSnapshot"],
}
_FLAGS = {
    "clients": ["isActive"],
    "items": ["isActive"],
    "dealers": ["isActive"],
    "devicesessions": ["isActive"],
    "invoices": ["isFinalized"],
}

_OPERATORS = st.sampled_from(
    [
        {"$ne": ""},
        {"$ne": None},
        {"$gt": ""},
        {"$where": "true"},
        {"$regex": ".*"},
        {"$in": ["", None]},
        {"$exists": True},
    ]
)
_HUGE = st.integers(1, 500).map(lambda extra: "x" * (MAX_TEXT + extra))
_NOT_NUMBER = st.one_of(
    _OPERATORS,
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    _HUGE,
)
_NOT_ID = st.one_of(_OPERATORS, st.text(max_size=24), st.integers(), st.none())
_NOT_TEXT = st.one_of(
    _OPERATORS,
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
    _HUGE,
)
_NOT_FLAG = st.one_of(_OPERATORS, st.sampled_from(["yes", "true", 2, -1, [True]]))
_BAD_KEYS = st.sampled_from(["$where", "$set", "a.b", "$ne"])


@st.composite
def _malformed(
    draw: st.DrawFn, templates: dict[str, dict[str, Any]]
) -> tuple[str, dict[str, Any], bool]:
    """(collection, broken copy of one of its documents, replaces the existing one?)."""
    collection = draw(st.sampled_from(sorted(templates)))
    doc = copy.deepcopy(templates[collection])
    replace = collection == "clients" or draw(st.booleans())
    if not replace:  # a new document: unique keys of its own, so only its fault refuses it
        doc["_id"] = ObjectId()
        for unique in ("invoiceNumber", "orderNumber"):
            if unique in doc:
                doc[unique] = f"Z{ObjectId()}"[:16]
        if collection == "devicesessions":
            doc["deviceId"] = f"pc-{ObjectId()}"
        if collection == "clientCustomers":
            doc["phoneNumber"] = f"8{draw(st.integers(0, 10**9 - 1)):09d}"
    kinds = ["key", "nested key", "huge"]
    kinds += [
        k
        for k, table in (("number", _NUMBERS), ("id", _IDS), ("text", _TEXTS), ("flag", _FLAGS))
        if collection in table
    ]
    kind = draw(st.sampled_from(kinds))
    if kind == "number":
        doc[draw(st.sampled_from(_NUMBERS[collection]))] = draw(_NOT_NUMBER)
    elif kind == "id":
        doc[draw(st.sampled_from(_IDS[collection]))] = draw(_NOT_ID)
    elif kind == "text":
        doc[draw(st.sampled_from(_TEXTS[collection]))] = draw(_NOT_TEXT)
    elif kind == "flag":
        doc[draw(st.sampled_from(_FLAGS[collection]))] = draw(_NOT_FLAG)
    elif kind == "key":
        doc[draw(_BAD_KEYS)] = draw(st.one_of(st.integers(), _OPERATORS))
    elif kind == "nested key":
        doc["extra"] = {"inner": {draw(_BAD_KEYS): 1}}
    else:
        doc[draw(st.sampled_from(["note", "description", "extraText"]))] = draw(_HUGE)
    return collection, doc, replace


def test_randomly_malformed_documents_of_every_collection_are_set_aside(
    server: MongoServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dev = Device(tmp_path_factory.mktemp("prop") / "a", "pc-a", "A1")
    dev.register("9876500022")
    _seed(dev)
    remote = connect(server.url, "hostileprop", timeout_ms=3000)
    try:
        engine = dev.engine(remote)
        assert engine.sync_once(full=True).pending == 0
        found = {
            name: next(
                iter(
                    remote.collection(name).find(
                        {"clientId": {"$in": [dev.client_id]}}
                        if name != "clients"
                        else {"_id": dev.client_id}
                    )
                ),
                None,
            )
            for name in PULL_ORDER
        }
        # every synced collection the seeded shop has a document of (a shop with no sales
        # return has no credit note to spoil)
        templates = {name: dict(doc) for name, doc in found.items() if doc is not None}
        assert len(templates) >= len(PULL_ORDER) - 1
        before = shop_snapshot(dev.store, dev.client_id)

        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.lists(_malformed(templates), min_size=1, max_size=4))
        def pull_malformed(batch: list[tuple[str, dict[str, Any], bool]]) -> None:
            written: list[tuple[str, dict[str, Any], bool]] = []
            for collection, doc, replace in batch:
                coll = remote.collection(collection)
                if replace:
                    if any(c == collection and r for c, _, r in written):
                        continue  # one broken version per document and round
                    coll.delete_one({"_id": doc["_id"]})  # (a $-key breaks replace_one)
                try:
                    coll.insert_one(doc)
                except DuplicateKeyError:  # two drawn documents share a unique key
                    if replace:
                        coll.insert_one(templates[collection])
                    continue

                written.append((collection, doc, replace))
            try:
                report = engine.sync_once(full=True)
                assert shop_snapshot(dev.store, dev.client_id) == before
                letters = _pulled_letters(dev)
                for collection, doc, _ in written:
                    assert (collection, letter_doc_id(doc)) in letters, (collection, doc)
                assert report.pull.applied == 0
            finally:
                for collection, doc, replace in written:
                    coll = remote.collection(collection)
                    coll.delete_one({"_id": doc["_id"]})
                    if replace:
                        coll.insert_one(templates[collection])
                for letter in DeadLetters(dev.store).list():
                    DeadLetters(dev.store).discard(letter.id)

        pull_malformed()
        # Afterwards the shop syncs normally and nothing it had changed.
        report = engine.sync_once(full=True)
        assert report.pending == 0 and report.dead_letters == 0
        assert shop_snapshot(dev.store, dev.client_id) == before
    finally:
        remote.close()
        dev.close()
