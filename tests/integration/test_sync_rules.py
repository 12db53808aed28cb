"""The conflict rules: last writer wins on a hybrid logical clock, derived values are
recomputed, deletions travel as tombstones, device sessions follow the single-device policy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device, now
from viveka_pos.gateways.remote import RemoteDatabase, connect
from viveka_pos.store.outbox import HybridClock
from viveka_pos.store.schema import SYNCED
from viveka_pos.sync.fields import stamp_time
from viveka_pos.sync.login import LoginRequiredError
from viveka_pos.sync.rules import APPEND_ONLY, MASTER, PULL_ORDER
from viveka_pos.sync.stamps import (
    HLC_FIELD,
    SYNCED_AT_FIELD,
    format_stamp,
    outbox_writer,
    stamp_value,
)

HOUR_US = 3600 * 1_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


@pytest.fixture
def pair(
    server: MongoServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Device, Device, RemoteDatabase]]:
    remote = connect(server.url, request.node.name[:40].replace("[", "_").replace("]", ""))
    a = Device(tmp_path / "a", "pc-a", "A1")
    a.register("9876500030")
    b = Device(tmp_path / "b", "pc-b", "B1")
    b.client_id = a.client_id
    yield a, b, remote
    a.close()
    b.close()
    remote.close()


def _sync(dev: Device, remote: RemoteDatabase, **kw: Any) -> Any:
    return dev.engine(remote).sync_once(**kw)


def test_every_synced_collection_has_a_rule_and_a_place_in_the_pull() -> None:
    assert set(PULL_ORDER) == set(SYNCED)
    assert set(SYNCED) == APPEND_ONLY | MASTER
    assert not APPEND_ONLY & MASTER


def test_hybrid_clock_never_goes_back_and_passes_what_it_saw() -> None:
    wall = [1_000_000]
    clock = HybridClock(wall=lambda: wall[0])
    first = clock.tick()
    wall[0] -= 500_000  # the PC's clock is set back
    second = clock.tick()
    assert second == first + 1
    clock.observe(9_000_000)
    assert clock.tick() == 9_000_001
    assert format_stamp(5, "pc-a") < format_stamp(5, "pc-b") < format_stamp(6, "pc-a")
    assert stamp_value(format_stamp(123, "pc-z")) == 123
    assert stamp_value("junk") is None


def test_last_writer_wins_even_when_a_pc_clock_is_hours_behind(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, b, remote = pair
    item = a.add_item("Kettle", 900, 4)
    _sync(a, remote)
    _sync(b, remote)
    # B's wall clock is 5 hours slow. It edits the item *after* seeing A's version.
    outbox_writer(b.store).clock = HybridClock(
        outbox_writer(b.store).clock.last, wall=lambda: time.time_ns() // 1000 - 5 * HOUR_US
    )
    with a.store.unit_of_work() as db:
        db.items.update_one({"_id": item}, {"$set": {"price": 950}})
    _sync(a, remote)
    _sync(b, remote)  # B sees A's 950 (its clock moves past A's stamp)
    assert b.store.get("items", item)["price"] == 950
    with b.store.unit_of_work() as db:
        db.items.update_one({"_id": item}, {"$set": {"price": 990}})
    _sync(b, remote)
    _sync(a, remote)
    assert a.store.get("items", item)["price"] == 990
    assert remote.collection("items").find_one({"_id": item})["price"] == 990

    # Concurrent edits offline: the later write (by the clock) wins on every side.
    with b.store.unit_of_work() as db:
        db.items.update_one({"_id": item}, {"$set": {"name": "Kettle (B)"}})
    with a.store.unit_of_work() as db:
        db.items.update_one({"_id": item}, {"$set": {"name": "Kettle (A)"}})
    for dev in (a, b, a, b):
        _sync(dev, remote)
    names = {
        a.store.get("items", item)["name"],
        b.store.get("items", item)["name"],
        remote.collection("items").find_one({"_id": item})["name"],
    }
    assert names == {"Kettle (A)"}


def test_pulled_items_never_overwrite_stock_it_is_recomputed(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, b, remote = pair
    item = a.add_item("Bulb", 40, 100)
    _sync(a, remote)
    _sync(b, remote)
    b.sell(item, 7)
    a.sell(item, 5)
    with a.store.unit_of_work() as db:  # A renames: its push carries A's stock (95)
        db.items.update_one({"_id": item}, {"$set": {"name": "LED bulb"}})
    for dev in (a, b, a, b):
        _sync(dev, remote)
    for doc in (
        a.store.get("items", item),
        b.store.get("items", item),
        remote.collection("items").find_one({"_id": item}),
    ):
        assert doc["name"] == "LED bulb"
        assert doc["stock"] == 88


def test_pulling_what_this_pc_pushed_changes_nothing(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, _, remote = pair
    item = a.add_item("Cable", 150, 20)
    a.sell(item, 2, paid=0)
    a.add_customer("9123000001", "Lata")
    first = _sync(a, remote)
    assert first.pushed > 5 and first.pending == 0
    changed: list[Any] = []
    for name in SYNCED:
        a.store.on_commit(name, changed.extend)
    again = _sync(a, remote, full=True)
    assert again.pull.received >= first.pushed
    assert again.pull.applied == 0 and again.pushed == 0
    assert changed == []


def test_deletions_travel_as_tombstones_and_lines_without_clientid_are_scoped_by_order(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, b, remote = pair
    item = a.add_item("Paint", 300, 10)
    dealer, order, line = ObjectId(), ObjectId(), ObjectId()
    with a.store.unit_of_work() as db:
        db.dealers.insert_one(
            {"_id": dealer, "clientId": a.client_id, "name": "Asian Traders", "isActive": True}
        )
        db.dealerorders.insert_one(
            {
                "_id": order,
                "clientId": a.client_id,
                "dealerId": dealer,
                "orderNumber": "PO-1",
                "status": "pending",
                "createdAt": now(),
            }
        )
        db.dealerorderitems.insert_one(
            {
                "_id": line,
                "orderId": order,
                "itemId": item,
                "itemNameSnapshot": "Paint",
                "quantity": 4,
            }
        )
    _sync(a, remote)
    remote_line = remote.collection("dealerorderitems").find_one({"_id": line})
    assert remote_line["clientId"] == a.client_id  # added so the remote can scope it
    assert "clientId" not in a.store.get("dealerorderitems", line)
    _sync(b, remote)
    assert b.store.get("dealerorderitems", line)["quantity"] == 4
    with a.store.unit_of_work() as db:
        db.dealerorderitems.delete_one({"_id": line})
    report = _sync(a, remote)
    assert report.pending == 0
    assert remote.collection("dealerorderitems").find_one({"_id": line}) is None
    assert _sync(b, remote).pull.deleted == 1
    assert b.store.get("dealerorderitems", line) is None


def test_deletion_records_carry_updated_at_and_the_pull_by_updated_at_finds_them(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, b, remote = pair
    item = a.add_item("Discontinued soap", 40, 0)
    group = ObjectId()
    with a.store.unit_of_work() as db:
        db.itemgroups.insert_one({"_id": group, "clientId": a.client_id, "name": "Old shelf"})
    _sync(a, remote)
    _sync(b, remote)
    assert b.store.get("items", item) is not None and b.store.get("itemgroups", group)
    with a.store.unit_of_work() as db:
        db.items.delete_one({"_id": item})
        db.itemgroups.delete_one({"_id": group})
    _sync(a, remote)
    tombstones = remote.collection("synctombstones")
    for key in (f"items:{item}", f"itemgroups:{group}"):
        tomb = tombstones.find_one({"_id": key})
        assert tomb is not None
        assert isinstance(tomb["updatedAt"], datetime)
        assert tomb["updatedAt"] == stamp_time(stamp_value(tomb[SYNCED_AT_FIELD]) or 0)
    # Without its push stamp (as a writer that sets only updatedAt would leave it), the
    # item's deletion is still found: by the pass by updatedAt alone.
    tombstones.update_one({"_id": f"items:{item}"}, {"$unset": {SYNCED_AT_FIELD: ""}})
    report = _sync(b, remote, full=False)
    assert report.pull.deleted == 2
    assert b.store.get("items", item) is None and b.store.get("itemgroups", group) is None
    assert report.pull.dead_lettered == 0


def test_documents_written_by_other_tools_arrive_with_a_full_pull_and_can_be_edited(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, _, remote = pair
    _sync(a, remote)
    group = ObjectId()
    remote.collection("itemgroups").insert_one(
        {"_id": group, "clientId": a.client_id, "name": "From the web app"}
    )
    assert _sync(a, remote, full=False).pull.applied == 0  # no stamp: not seen as a change
    assert _sync(a, remote, full=True).pull.applied == 1
    with a.store.unit_of_work() as db:
        db.itemgroups.update_one({"_id": group}, {"$set": {"name": "Edited here"}})
    assert _sync(a, remote).pending == 0
    doc = remote.collection("itemgroups").find_one({"_id": group})
    assert doc["name"] == "Edited here" and doc[HLC_FIELD]


def test_a_pc_logged_out_elsewhere_still_pushes_then_is_told(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, b, remote = pair
    session_a = ObjectId()
    with a.store.unit_of_work() as db:
        db.devicesessions.insert_one(
            {
                "_id": session_a,
                "clientId": a.client_id,
                "deviceId": "pc-a",
                "isActive": True,
                "lastSeenAt": now(),
                "createdAt": now(),
            }
        )
    item = a.add_item("Mop", 60, 10)
    _sync(a, remote)
    _sync(b, remote)
    bill = a.sell(item, 1)  # recorded on A before it hears of B's login
    with b.store.unit_of_work() as db:  # B logs in: its session is now the only active one
        db.devicesessions.insert_one(
            {
                "_id": ObjectId(),
                "clientId": b.client_id,
                "deviceId": "pc-b",
                "isActive": True,
                "lastSeenAt": now(),
                "createdAt": now(),
            }
        )
        db.devicesessions.update_one({"_id": session_a}, {"$set": {"isActive": False}})
    assert not _sync(b, remote).session_revoked
    report = _sync(a, remote)
    assert report.session_revoked
    assert "log in again" in report.summary()
    assert remote.collection("invoices").find_one({"_id": bill["_id"]}) is not None
    assert report.pending == 0
    assert not a.store.get("devicesessions", session_a)["isActive"]
    with pytest.raises(LoginRequiredError):  # no more syncing until A logs in again
        _sync(a, remote)
    with a.store.unit_of_work() as db:
        db.devicesessions.update_one({"_id": session_a}, {"$set": {"isActive": True}})
    assert not _sync(a, remote).session_revoked
    assert not [
        s
        for s in remote.collection("devicesessions").find({"clientId": {"$in": [a.client_id]}})
        if s["isActive"] and s["deviceId"] == "pc-b"
    ]


def test_a_session_the_other_pc_never_saw_is_ended_on_the_remote(
    pair: tuple[Device, Device, RemoteDatabase],
) -> None:
    a, b, remote = pair
    _sync(a, remote)
    _sync(b, remote)
    with a.store.unit_of_work() as db:
        db.devicesessions.insert_one(
            {
                "_id": ObjectId(),
                "clientId": a.client_id,
                "deviceId": "pc-a",
                "isActive": True,
                "lastSeenAt": now(),
                "createdAt": now(),
            }
        )
    _sync(a, remote)
    with b.store.unit_of_work() as db:  # B logs in without having pulled A's session
        db.devicesessions.insert_one(
            {
                "_id": ObjectId(),
                "clientId": b.client_id,
                "deviceId": "pc-b",
                "isActive": True,
                "lastSeenAt": now(),
                "createdAt": now(),
            }
        )
    _sync(b, remote)
    active = [
        s["deviceId"]
        for s in remote.collection("devicesessions").find({"clientId": {"$in": [a.client_id]}})
        if s["isActive"]
    ]
    assert active == ["pc-b"]
    assert _sync(a, remote).session_revoked
    with pytest.raises(LoginRequiredError):
        _sync(a, remote)


def test_invoice_hash_survives_a_customer_merge_but_not_a_changed_buyer() -> None:
    from viveka_pos.domain.hashchain import GENESIS_HASH, invoice_hash

    invoice = {
        "invoiceNumber": "A1/2526/00001",
        "clientCustomerId": ObjectId(),
        "clientCustomerName": "Asha",
        "clientCustomerPhone": "9123400000",
        "totalAmount": 100,
        "paidAmount": 0,
        "isFinalized": False,
    }
    sealed = invoice_hash(invoice, GENESIS_HASH)
    assert invoice_hash({**invoice, "clientCustomerId": ObjectId()}, GENESIS_HASH) == sealed
    assert invoice_hash({**invoice, "_hlc": "1", "_syncedAt": "2"}, GENESIS_HASH) == sealed
    assert invoice_hash({**invoice, "clientCustomerName": "Ravi"}, GENESIS_HASH) != sealed
    assert invoice_hash({**invoice, "clientCustomerPhone": "9000000000"}, GENESIS_HASH) != sealed
