"""Tenant isolation: a PC of shop A never reads or changes shop B's documents, even on a
shared remote database and even when A's own store holds documents naming shop B."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device, now, remote_snapshot, shop_snapshot
from viveka_pos.gateways.remote import TOMBSTONES, connect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


class Recorder(CommandListener):
    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []

    def started(self, event: CommandStartedEvent) -> None:
        self.commands.append(dict(event.command))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        self.replies.append(dict(event.reply))

    def failed(self, event: CommandFailedEvent) -> None:
        pass


def _scoped(
    collection: str, query: dict[str, Any], shop: ObjectId, own_orders: set[ObjectId]
) -> bool:
    """A filter limited to one shop: by clientId; the shop document by _id; order lines
    written by other tools (no clientId) by the shop's own order ids."""
    if collection == "clients":
        return query.get("_id") == shop
    if collection == "dealerorderitems" and "clientId" not in query:
        orders = (query.get("orderId") or {}).get("$in") or []
        return bool(orders) and set(orders) <= own_orders
    return query.get("clientId") == {"$in": [shop]}


def _check_commands(recorder: Recorder, shop: ObjectId, own_orders: set[ObjectId]) -> int:
    checked = 0
    for command in recorder.commands:
        name = next(iter(command))
        collection = command[name]
        if name in ("find", "count", "aggregate", "distinct"):
            assert _scoped(collection, command.get("filter", {}), shop, own_orders), command
        elif name == "update":
            for update in command["updates"]:
                assert _scoped(collection, update["q"], shop, own_orders), update
                body = update["u"]
                owner = (
                    body.get("_id")
                    if collection == "clients"
                    else body.get("clientId", shop if "$set" in body else None)
                )
                assert owner == shop, update
        elif name == "delete":
            for delete in command["deletes"]:
                assert _scoped(collection, delete["q"], shop, own_orders), delete
        elif name == "insert":  # a plain insert cannot change an existing document
            for doc in command["documents"]:
                owner = doc.get("_id") if collection == "clients" else doc.get("clientId")
                assert owner == shop, doc
        else:
            continue
        checked += 1
    return checked


def _returned_docs(recorder: Recorder) -> Iterator[dict[str, Any]]:
    for reply in recorder.replies:
        cursor = reply.get("cursor") or {}
        yield from cursor.get("firstBatch", [])
        yield from cursor.get("nextBatch", [])


def test_a_shop_never_reads_or_changes_another_shops_documents(
    server: MongoServer, tmp_path: Path
) -> None:
    shop_b = Device(tmp_path / "b", "pc-b", "B1")
    shop_b.register("9876500010", "Shop B")
    b_item = shop_b.add_item("B's item", 10, 5)
    b_customer = shop_b.add_customer("9123456789", "B's customer")
    shop_b.sell(b_item, 1, customer_id=b_customer)
    shop_a = Device(tmp_path / "a", "pc-a", "A1")
    shop_a.register("9876500020", "Shop A")
    recorder = Recorder()
    remote = connect(server.url, "shared", event_listeners=[recorder])
    plain = connect(server.url, "shared")
    try:
        shop_b.engine(plain).sync_once()
        before_b = remote_snapshot(plain, shop_b.client_id, strip=False)
        a_item = shop_a.add_item("A's item", 20, 5)
        # Same customer phone in both shops: allowed, they are different shops.
        a_customer = shop_a.add_customer("9123456789", "A's customer")
        shop_a.sell(a_item, 2, customer_id=a_customer)
        # A's store holds a document of shop B (say, a second shop once used on this PC) ...
        foreign = ObjectId()
        with shop_a.store.unit_of_work() as db:
            db.itemgroups.insert_one(
                {
                    "_id": foreign,
                    "clientId": shop_b.client_id,
                    "name": "B's group",
                    "createdAt": now(),
                }
            )
            # ... and a document of its own that reuses the _id of one of B's documents.
            db.items.insert_one(
                {
                    **shop_b.store.get("items", b_item),
                    "clientId": shop_a.client_id,
                    "name": "Hijack",
                }
            )
        order = ObjectId()
        with shop_a.store.unit_of_work() as db:
            db.dealerorders.insert_one(
                {
                    "_id": order,
                    "clientId": shop_a.client_id,
                    "dealerId": ObjectId(),
                    "orderNumber": "PO-7",
                    "createdAt": now(),
                }
            )
        report = shop_a.engine(remote).sync_once(full=True)

        assert _check_commands(recorder, shop_a.client_id, {order}) > 20
        assert any(
            c.get("find") == "dealerorderitems" and "orderId" in c.get("filter", {})
            for c in recorder.commands
        )  # the by-parent read was checked too
        returned = list(_returned_docs(recorder))
        assert returned
        for doc in returned:
            assert doc.get("clientId", doc.get("_id")) != shop_b.client_id, doc
        after_b = remote_snapshot(plain, shop_b.client_id, strip=False)
        assert after_b == before_b
        assert plain.collection("itemgroups").find_one({"_id": foreign}) is None
        local_a = shop_snapshot(shop_a.store, shop_b.client_id)
        assert local_a["clients"] == {} and local_a["invoices"] == {}
        assert report.push.foreign == 1  # B's group stays queued for B's own sync
        assert [(d.collection, d.doc_id) for d in report_letters(shop_a)] == [("items", b_item)]
        assert (
            plain.collection(TOMBSTONES).find_one({"clientId": {"$in": [shop_b.client_id]}}) is None
        )
        # Shop B's next sync sees nothing of shop A.
        shop_b.engine(plain).sync_once(full=True)
        assert shop_snapshot(shop_b.store, shop_a.client_id)["items"] == {}
        assert shop_b.store.get("items", b_item)["name"] == "B's item"
    finally:
        remote.close()
        plain.close()
        shop_a.close()
        shop_b.close()


def report_letters(device: Device) -> list[Any]:
    from viveka_pos.sync import DeadLetters

    return DeadLetters(device.store).list()
