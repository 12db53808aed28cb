"""A document the remote refuses goes to the dead letters with the reason; the rest syncs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from bson import ObjectId

from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device, now
from viveka_pos.gateways.remote import connect
from viveka_pos.sync import DeadLetters
from viveka_pos.sync import push as push_module


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    dev = Device(tmp_path / "a", "pc-a", "A1")
    dev.register("9876500003")
    yield dev
    dev.close()


def test_poison_record_is_dead_lettered_and_the_rest_syncs(
    server: MongoServer, device: Device
) -> None:
    remote = connect(server.url, "poison")
    try:
        # Another tool already used the number this PC will give its first invoice.
        squatter = ObjectId()
        remote.collection("invoices").insert_one(
            {
                "_id": squatter,
                "clientId": device.client_id,
                "invoiceNumber": "A1/2526/00001",
                "totalAmount": 1,
                "paidAmount": 0,
            }
        )
        item = device.add_item("Notebook", 50, 100)
        poison = device.sell(item, 1)
        later = [device.sell(item, 2), device.sell(item, 1)]
        report = device.engine(remote, batch_size=3).sync_once()
        assert report.pending == 0
        letters = {
            (d.direction, d.collection, d.doc_id): d for d in DeadLetters(device.store).list()
        }
        # Refused by the remote; and the remote's invoice cannot be kept here either.
        assert set(letters) == {("push", "invoices", poison["_id"]), ("pull", "invoices", squatter)}
        refused = letters["push", "invoices", poison["_id"]]
        assert "same unique value" in refused.reason
        assert "cannot be saved on this computer" in letters["pull", "invoices", squatter].reason
        pushed = {
            d["_id"]
            for d in remote.collection("invoices").find({"clientId": {"$in": [device.client_id]}})
        }
        assert {d["_id"] for d in later} <= pushed
        assert poison["_id"] not in pushed
        assert (
            remote.collection("stockmovements").find_one({"refId": {"$in": [poison["_id"]]}})
            is not None
        )

        # The conflict is cleared on the remote; a retry from Settings pushes it.
        remote.collection("invoices").delete_one({"_id": squatter})
        assert DeadLetters(device.store).retry(refused.id)
        assert not DeadLetters(device.store).retry(letters["pull", "invoices", squatter].id)
        assert DeadLetters(device.store).discard(letters["pull", "invoices", squatter].id)
        report = device.engine(remote).sync_once()
        assert report.dead_letters == 0
        assert remote.collection("invoices").find_one({"_id": poison["_id"]}) is not None
    finally:
        remote.close()


def test_a_document_the_driver_cannot_send_does_not_block_its_batch(
    server: MongoServer, device: Device
) -> None:
    remote = connect(server.url, "unsendable")
    try:
        good = device.add_item("Stapler", 80, 10)
        bad = ObjectId()
        with device.store.unit_of_work() as db:
            # Bigger than a MongoDB message may be: the driver refuses the whole batch.
            db.itemgroups.insert_one(
                {
                    "_id": bad,
                    "clientId": device.client_id,
                    "name": "Odd",
                    "description": "x" * (48 * 1024 * 1024),
                    "createdAt": now(),
                }
            )
        report = device.engine(remote).sync_once()
        letters = DeadLetters(device.store).list()
        assert [(d.collection, d.doc_id) for d in letters] == [("itemgroups", bad)]
        assert report.pending == 0
        assert remote.collection("items").find_one({"_id": good}) is not None
        # Fixing the document locally sends it and clears its dead letter.
        with device.store.unit_of_work() as db:
            db.itemgroups.replace_one(
                {"_id": bad},
                {"_id": bad, "clientId": device.client_id, "name": "Odd", "createdAt": now()},
            )
        report = device.engine(remote).sync_once()
        assert report.dead_letters == 0
        assert DeadLetters(device.store).count() == 0
    finally:
        remote.close()


def test_a_record_rewritten_during_the_push_is_not_dropped(
    server: MongoServer, device: Device
) -> None:
    """Only records whose rev is unchanged leave the outbox after the remote confirms."""
    remote = connect(server.url, "inflight")
    try:
        item = device.add_item("Glue", 25, 10)
        engine = device.engine(remote)
        pusher = engine.pusher
        original = pusher._read_batch

        def read_then_write(record_ids):  # a bill saved while the batch is on the wire
            items = original(record_ids)
            with device.store.unit_of_work() as db:
                db.items.update_one({"_id": item}, {"$set": {"name": "Glue stick"}})
            return items

        pusher._read_batch = read_then_write  # type: ignore[method-assign]
        engine.pusher.push()
        pusher._read_batch = original  # type: ignore[method-assign]
        assert device.store.outbox_size() == 1
        engine.sync_once()
        assert device.store.outbox_size() == 0
        assert remote.collection("items").find_one({"_id": item})["name"] == "Glue stick"
    finally:
        remote.close()


def test_a_batch_leaves_the_outbox_together_but_keeps_what_was_edited_meanwhile(
    server: MongoServer, device: Device
) -> None:
    """A batch's records leave in one go after the remote confirmed (a refused one too),
    each only if no write bumped it since its batch was read: an edit made while its batch
    was on the wire stays queued and goes with the next push; one made before its batch was
    read goes with this one."""
    remote = connect(server.url, "inflight-batch")
    try:
        items = [device.add_item(f"Pen {n}", 10 + n, 5) for n in range(5)]
        engine = device.engine(remote, batch_size=3)
        engine.sync_once()  # on the remote, with their versions seen here
        orphan = ObjectId()
        with device.store.unit_of_work() as db:
            db.itemgroups.insert_one({"_id": orphan, "name": "No shop", "createdAt": now()})
            for doc_id in items:
                db.items.update_one({"_id": doc_id}, {"$inc": {"price": 100}})
        read_revs: dict[ObjectId, int] = {}
        pusher = engine.pusher
        original = pusher._read_batch

        def read_then_edit(record_ids):  # the counter saves while the first batch is pushed
            batch = original(record_ids)
            read_revs.update({i.doc_id: i.record["rev"] for i in batch})
            if len(read_revs) == 3:
                with device.store.unit_of_work() as db:
                    for doc_id in (items[1], items[3]):
                        db.items.update_one({"_id": doc_id}, {"$set": {"name": "Renamed"}})
            return batch

        pusher._read_batch = read_then_edit  # type: ignore[method-assign]
        result = pusher.push()
        pusher._read_batch = original  # type: ignore[method-assign]
        assert (result.batches, result.pushed, result.dead_lettered) == (2, 5, 1)
        assert set(read_revs) == {orphan, *items}
        left = list(device.store.iter_docs("outbox"))
        assert [(r["docId"], r["rev"]) for r in left] == [(items[1], read_revs[items[1]] + 1)]
        pushed = {
            d["_id"]: (d["name"], d["price"])
            for d in remote.collection("items").find({"clientId": {"$in": [device.client_id]}})
        }
        assert pushed == {
            **{doc_id: (f"Pen {n}", 110 + n) for n, doc_id in enumerate(items)},
            items[3]: ("Renamed", 113),  # edited before its batch was read
        }
        assert [d.doc_id for d in DeadLetters(device.store).list()] == [orphan]
        engine.sync_once()
        assert device.store.outbox_size() == 0
        assert remote.collection("items").find_one({"_id": items[1]})["name"] == "Renamed"
    finally:
        remote.close()


def test_writes_sent_in_parts_answer_for_their_own_documents(
    server: MongoServer, device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's writes go to the server in parts: a refusal in a later part names its own
    document, and a condition that failed in one part is retried, never counted as landed."""
    monkeypatch.setattr(push_module, "SEND_PART", 2)
    remote = connect(server.url, "parts")
    try:
        remote.collection("invoices").insert_one(
            {
                "_id": ObjectId(),
                "clientId": device.client_id,
                "invoiceNumber": "A1/2526/00003",  # the third bill's number, taken
                "totalAmount": 1,
                "paidAmount": 0,
            }
        )
        items = [device.add_item(f"Ink {n}", 20 + n, 50) for n in range(5)]
        bills = [device.sell(items[0], 1) for _ in range(5)]
        engine = device.engine(remote)
        engine.sync_once()
        letters = DeadLetters(device.store).list()
        assert {(d.collection, d.doc_id) for d in letters if d.direction == "push"} == {
            ("invoices", bills[2]["_id"])
        }
        on_remote = {d["_id"] for d in remote.collection("invoices").find({"deviceId": "pc-a"})}
        assert on_remote == {b["_id"] for n, b in enumerate(bills) if n != 2}

        with device.store.unit_of_work() as db:
            for doc_id in items:
                db.items.update_one({"_id": doc_id}, {"$inc": {"price": 100}})
        pusher = engine.pusher
        original = pusher._read_batch

        def read_then_backend_saves(record_ids):  # after the versions were read
            batch = original(record_ids)
            saved = remote.collection("items").find_one({"_id": items[3]})
            later = saved["updatedAt"] + timedelta(seconds=2)
            remote.collection("items").replace_one(
                {"_id": items[3]}, {**saved, "name": "Ink 3 (backend)", "updatedAt": later}
            )
            return batch

        pusher._read_batch = read_then_backend_saves  # type: ignore[method-assign]
        result = pusher.push()
        pusher._read_batch = original  # type: ignore[method-assign]
        assert (result.pushed, result.field_merges, result.deferred) == (5, 1, 0)
        assert device.store.outbox_size() == 0
        pushed = {
            d["_id"]: (d["name"], d["price"])
            for d in remote.collection("items").find({"_id": {"$in": items}})
        }
        assert pushed == {
            **{doc_id: (f"Ink {n}", 120 + n) for n, doc_id in enumerate(items)},
            items[3]: ("Ink 3 (backend)", 123),
        }
        assert device.store.get("items", items[3])["name"] == "Ink 3 (backend)"
    finally:
        remote.close()
