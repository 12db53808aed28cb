"""The PC syncing beside the spec's backend, which writes the same remote database.

Each case runs in both orders: the backend's edit before the PC's own edit of the same
document, and after it. Then one plain ``sync`` (incremental: not a full pull), after which
nothing either side did is lost, the PC and the remote hold the same documents, and the
``verify`` command finds every invoice chain intact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.stored import stored
from tests.integration.backend_writer import Backend
from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device, remote_snapshot, shop_snapshot
from viveka_pos.cli import main
from viveka_pos.gateways.remote import RemoteDatabase, connect
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.convert import paise_of
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.sync.engine import SyncReport
from viveka_pos.sync.rules import MADE_AT

ORDERS = ["backend-first", "pc-first"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


class Shop:
    """One PC of a shop that has synced once, the remote, and the backend beside it."""

    def __init__(self, server: MongoServer, tmp_path: Path, name: str):
        self.database = f"backend_{name}"
        self.remote: RemoteDatabase = connect(server.url, self.database, timeout_ms=2000)
        self.backend = Backend(server.url, self.database)
        self.pc = Device(tmp_path / "pc", "pc-a", "A1")
        self.pc.register("9876501234", "Sharma Stores")
        self.data_dir = tmp_path / "pc"
        self.closed = False

    @property
    def client_id(self) -> Any:
        return self.pc.client_id

    def sync(self) -> SyncReport:
        return self.pc.engine(self.remote).sync_once()

    def remote_doc(self, collection: str, doc_id: Any) -> dict[str, Any]:
        doc = self.remote.collection(collection).find_one({"_id": doc_id})
        assert doc is not None
        return doc

    def local_doc(self, collection: str, doc_id: Any) -> dict[str, Any]:
        doc = self.pc.store.get(collection, doc_id)
        assert doc is not None
        return dict(doc)

    def check_equal_and_verified(self, report: SyncReport) -> None:
        assert not report.pull.full, "the last sync must be a plain (incremental) one"
        assert report.pending == 0 and report.dead_letters == 0, report.summary()
        local = shop_snapshot(self.pc.store, self.client_id)
        remote = remote_snapshot(self.remote, self.client_id)
        assert _differences(local, remote) == []
        self.pc.close()
        self.closed = True
        assert main(["--data-dir", str(self.data_dir), "verify"]) == 0

    def close(self) -> None:
        self.remote.close()
        self.backend.close()
        if not self.closed:
            self.pc.close()


@pytest.fixture
def shop(server: MongoServer, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Shop]:
    name = "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[-50:]
    made = Shop(server, tmp_path, name)
    try:
        yield made
    finally:
        made.close()


def _differences(
    local: dict[str, dict[Any, dict[str, Any]]], remote: dict[str, dict[Any, dict[str, Any]]]
) -> list[str]:
    """Where the PC's copy of the shop and the remote's differ, field by field."""
    found = []
    for name in sorted(set(local) | set(remote)):
        mine, theirs = local.get(name, {}), remote.get(name, {})
        for doc_id in sorted(set(mine) | set(theirs), key=str):
            a, b = mine.get(doc_id), theirs.get(doc_id)
            if a is None or b is None:
                found.append(f"{name} {doc_id}: only {'remote' if a is None else 'PC'}")
                continue
            for key in sorted(set(a) | set(b)):
                if a.get(key, "<none>") != b.get(key, "<none>"):
                    found.append(
                        f"{name} {doc_id} {key}: PC {a.get(key, '<none>')!r} "
                        f"remote {b.get(key, '<none>')!r}"
                    )
    return found


def in_order(order: str, backend: Callable[[], Any], pc: Callable[[], Any]) -> None:
    for step in (backend, pc) if order == "backend-first" else (pc, backend):
        step()


@pytest.mark.parametrize("order", ORDERS)
def test_1_what_the_backend_creates_arrives_with_a_plain_sync(shop: Shop, order: str) -> None:
    item = shop.pc.add_item("Brake pad", 100, 60)
    bill = shop.pc.sell(item, 54, paid=521_700)  # ₹5,400 bill, ₹5,217 paid
    assert shop.sync().pull.full
    made: dict[str, Any] = {}

    def backend() -> None:
        made["item"] = shop.backend.create_item(shop.client_id, "Clutch plate", 850, 12)
        made["payment"] = shop.backend.pay(bill["_id"], 100)

    in_order(order, backend, lambda: shop.pc.pay(bill["_id"], 5_000))
    report = shop.sync()
    assert shop.local_doc("items", made["item"])["name"] == "Clutch plate"
    assert shop.local_doc("items", made["item"])["stock"] == 12
    assert shop.local_doc("payments", made["payment"])["amount"] == 100
    for doc in (shop.local_doc("invoices", bill["_id"]), shop.remote_doc("invoices", bill["_id"])):
        assert paise_of(doc["paidAmount"]) == 521_700 + 10_000 + 5_000
        assert doc["isFinalized"] is False
    shop.check_equal_and_verified(report)


@pytest.mark.parametrize("order", ORDERS)
def test_2_paid_amount_comes_from_every_payment_wherever_recorded(shop: Shop, order: str) -> None:
    item = shop.pc.add_item("Oil filter", 5317, 10)
    customer = shop.pc.add_customer("9811122233", "Ravi")
    bill = shop.pc.sell(item, 1, paid=521_700, customer_id=customer)  # ₹100 short
    shop.sync()
    other = shop.pc.sell(item, 1, paid=0)
    shop.sync()

    def backend() -> None:
        shop.backend.pay(bill["_id"], 100)  # finalizes: the backend writes the history

    in_order(order, backend, lambda: shop.pc.pay(other["_id"], 100_000))
    report = shop.sync()
    for doc in (shop.local_doc("invoices", bill["_id"]), shop.remote_doc("invoices", bill["_id"])):
        assert paise_of(doc["paidAmount"]) == 531_700 and doc["isFinalized"] is True
    assert paise_of(shop.remote_doc("invoices", other["_id"])["paidAmount"]) == 100_000
    histories = list(
        shop.remote.collection("purchasehistories").find({"invoiceId": {"$in": [bill["_id"]]}})
    )
    assert len(histories) == 1  # the backend's own, not a second one made here
    assert shop.local_doc("clientCustomers", customer)["lastPurchaseAt"] is not None
    shop.check_equal_and_verified(report)


@pytest.mark.parametrize("order", ORDERS)
def test_2b_both_sides_pay_the_same_invoice_and_the_backend_s_payment_finalizes_it(
    shop: Shop, order: str
) -> None:
    """Case 2 on one document: the backend's ₹100 settles the bill while this PC, not having
    pulled, takes ₹60 more on it. Both payments count everywhere (₹5,377 of ₹5,317), the bill
    is finalized, and it has one purchase history."""
    item = shop.pc.add_item("Oil filter", 5317, 10)
    customer = shop.pc.add_customer("9811122244", "Meena")
    bill = shop.pc.sell(item, 1, paid=521_700, customer_id=customer)  # ₹100 short
    shop.sync()
    in_order(
        order, lambda: shop.backend.pay(bill["_id"], 100), lambda: shop.pc.pay(bill["_id"], 6_000)
    )
    report = shop.sync()
    for doc in (shop.local_doc("invoices", bill["_id"]), shop.remote_doc("invoices", bill["_id"])):
        assert paise_of(doc["paidAmount"]) == 521_700 + 10_000 + 6_000
        assert doc["isFinalized"] is True
    histories = list(
        shop.remote.collection("purchasehistories").find({"invoiceId": {"$in": [bill["_id"]]}})
    )
    assert len(histories) == 1
    assert [h["_id"] for h in histories] == [
        h["_id"]
        for h in shop.pc.store.iter_docs("purchasehistories")
        if h["invoiceId"] == bill["_id"]
    ]
    shop.check_equal_and_verified(report)


@pytest.mark.parametrize("order", ORDERS)
def test_3_a_rename_or_price_change_on_the_backend_survives_a_bill_here(
    shop: Shop, order: str
) -> None:
    item = shop.pc.add_item("Spark plug", 150, 40)
    customer = shop.pc.add_customer("9822233344", "Meena")
    shop.sync()

    def backend() -> None:
        shop.backend.edit("clientCustomers", customer, name="Meena Kulkarni")
        shop.backend.edit("items", item, price=175)

    def pc() -> None:
        shop.pc.sell(item, 2, customer_id=customer)  # finalized: lastPurchaseAt moves here
        with shop.pc.store.unit_of_work() as db:
            db.clientCustomers.update_one(
                {"_id": customer}, {"$set": {"address": "12 MG Road, Pune"}}
            )

    in_order(order, backend, pc)
    report = shop.sync()
    for doc in (
        shop.local_doc("clientCustomers", customer),
        shop.remote_doc("clientCustomers", customer),
    ):
        assert doc["name"] == "Meena Kulkarni"  # the backend's rename
        assert doc["address"] == "12 MG Road, Pune"  # this PC's edit
        assert doc["lastPurchaseAt"] is not None  # this PC's bill
    for doc in (shop.local_doc("items", item), shop.remote_doc("items", item)):
        assert doc["price"] == 175 and doc["stock"] == 38
    shop.check_equal_and_verified(report)


@pytest.mark.parametrize("order", ORDERS)
def test_3b_the_same_field_edited_on_both_sides_goes_to_the_later_edit(
    shop: Shop, order: str
) -> None:
    customer = shop.pc.add_customer("9833344455", "Kiran")
    shop.sync()

    def pc() -> None:
        with shop.pc.store.unit_of_work() as db:
            db.clientCustomers.update_one({"_id": customer}, {"$set": {"name": "Kiran (PC)"}})

    in_order(order, lambda: shop.backend.edit("clientCustomers", customer, name="Kiran (web)"), pc)
    report = shop.sync()
    later = "Kiran (PC)" if order == "backend-first" else "Kiran (web)"
    assert shop.local_doc("clientCustomers", customer)["name"] == later
    assert shop.remote_doc("clientCustomers", customer)["name"] == later
    shop.check_equal_and_verified(report)


def _same_second_save(shop: Shop, collection: str, doc_id: Any, **changes: Any) -> None:
    """A backend save whose ``updatedAt`` falls in the same second as the version the PC
    last pulled (some compatible servers, the test server among them, compare dates in a
    filter to the whole second: a condition on ``updatedAt`` alone cannot tell the two
    apart)."""
    seen = shop.remote_doc(collection, doc_id)
    at = seen["updatedAt"]
    later = at.replace(microsecond=(at.microsecond + 1000) % 1_000_000)
    assert later != at and later.replace(microsecond=0) == at.replace(microsecond=0)
    shop.backend.db[collection].replace_one(
        {"_id": doc_id}, {**seen, **changes, "updatedAt": later}
    )


@pytest.mark.parametrize("order", ORDERS)
def test_3c_a_backend_save_in_the_same_second_as_the_pulled_version_is_not_overwritten(
    shop: Shop, order: str
) -> None:
    assert shop.sync().pull.full
    item = shop.backend.create_item(shop.client_id, "Air filter", 240, 15)
    shop.sync()  # the PC's base of the item: the backend's version, pulled
    assert shop.local_doc("items", item)["price"] == 240

    def pc() -> None:
        with shop.pc.store.unit_of_work() as db:
            db.items.update_one({"_id": item}, {"$set": {"description": "fits Activa 6G"}})

    in_order(order, lambda: _same_second_save(shop, "items", item, price=265), pc)
    report = shop.sync()
    for doc in (shop.local_doc("items", item), shop.remote_doc("items", item)):
        assert doc["price"] == 265  # the backend's save
        assert doc["description"] == "fits Activa 6G"  # this PC's edit
        assert doc["stock"] == 15
    shop.check_equal_and_verified(report)


@pytest.mark.parametrize("order", ORDERS)
def test_4_a_stock_edit_on_the_backend_becomes_a_movement(shop: Shop, order: str) -> None:
    item = shop.pc.add_item("Wiper blade", 300, 53)
    shop.sync()
    in_order(
        order, lambda: shop.backend.edit("items", item, stock=100), lambda: shop.pc.sell(item, 1)
    )
    report = shop.sync()
    assert report.pull.stock_edits == 1
    for doc in (shop.local_doc("items", item), shop.remote_doc("items", item)):
        assert doc["stock"] == 99  # 53 -> 100 on the backend (+47), one sold here
    edits = [
        m
        for m in shop.pc.store.db.stockmovements.find({"itemId": item})
        if m["note"] == "edited on the server"
    ]
    assert [m["quantity"] for m in edits] == [47]
    assert shop.remote.collection("stockmovements").find_one({"_id": edits[0]["_id"]})
    shop.check_equal_and_verified(report)


@pytest.mark.parametrize("order", ORDERS)
def test_4b_a_stock_edit_arrives_when_this_pc_s_push_found_nothing_left_to_write(
    shop: Shop, order: str
) -> None:
    """The backend raises the price and the stock; this PC raises the price to the same
    value before it has pulled. Its push then has nothing to write and keeps the backend's
    version as its base, without the movement that only a pull makes of a stock edit: the
    pull must still apply that version, though it is the base."""
    item = shop.pc.add_item("Horn relay", 150, 53)
    shop.sync()

    def pc() -> None:
        with shop.pc.store.unit_of_work() as db:
            db.items.update_one({"_id": item}, {"$set": {"price": 175}})

    in_order(order, lambda: shop.backend.edit("items", item, price=175, stock=100), pc)
    report = shop.sync()
    assert report.push.superseded == 1, report.summary()
    assert report.pull.stock_edits == 1
    for doc in (shop.local_doc("items", item), shop.remote_doc("items", item)):
        assert doc["price"] == 175 and doc["stock"] == 100
    edits = [
        m["quantity"]
        for m in shop.pc.store.db.stockmovements.find({"itemId": item})
        if m["note"] == "edited on the server"
    ]
    assert edits == [47]
    shop.check_equal_and_verified(report)


@pytest.mark.parametrize("order", ORDERS)
def test_5_app_settings_survive_a_backend_profile_save(shop: Shop, order: str) -> None:
    shops = ShopService(ServiceContext(shop.pc.store, shop.pc.device_id))
    shops.update_settings(
        shop.client_id,
        upiId="sharma@upi",
        defaultGstRate=18,
        termsText="Goods once sold are not taken back.",
    )
    shop.sync()
    fields = {"address": True, "gstNo": True, "emailId": False}
    in_order(
        order,
        lambda: shop.backend.save_profile(shop.client_id, fields, city="Pune"),
        lambda: shops.update_settings(shop.client_id, upiId="sharma.stores@upi"),
    )
    report = shop.sync()
    for doc in (
        shop.local_doc("clients", shop.client_id),
        shop.remote_doc("clients", shop.client_id),
    ):
        settings = doc["clientSettings"]
        assert settings["customerFields"] == fields  # the backend's save
        assert doc["city"] == "Pune"
        assert settings["upiId"] == "sharma.stores@upi"  # this PC's edit
        assert settings["defaultGstRate"] == 18  # app-only, put back
        assert settings["termsText"] == "Goods once sold are not taken back."
    shop.check_equal_and_verified(report)


def test_app_settings_come_back_even_without_an_edit_here(shop: Shop) -> None:
    shops = ShopService(ServiceContext(shop.pc.store, shop.pc.device_id))
    shops.update_settings(shop.client_id, upiId="sharma@upi")
    shop.sync()
    shop.backend.save_profile(shop.client_id, {"address": False, "gstNo": True, "emailId": False})
    report = shop.sync()
    settings = shop.remote_doc("clients", shop.client_id)["clientSettings"]
    assert settings["upiId"] == "sharma@upi" and settings["customerFields"]["gstNo"] is True
    shop.check_equal_and_verified(report)


def test_two_pcs_and_the_backend_edit_different_fields_of_one_customer(
    shop: Shop, tmp_path: Path
) -> None:
    customer = shop.pc.add_customer("9844455566", "Lata")
    shop.sync()
    other = Device(tmp_path / "pc-b", "pc-b", "B1")
    other.client_id = shop.client_id
    try:
        other.engine(shop.remote).sync_once()
        with shop.pc.store.unit_of_work() as db:
            db.clientCustomers.update_one({"_id": customer}, {"$set": {"address": "Ward 4"}})
        with other.store.unit_of_work() as db:
            db.clientCustomers.update_one({"_id": customer}, {"$set": {"gstNo": "27ABCDE1234F1Z5"}})
        shop.backend.edit("clientCustomers", customer, emailId="lata@example.com")
        for sync in (shop.sync, other.engine(shop.remote).sync_once, shop.sync):
            sync()
        for doc in (
            shop.local_doc("clientCustomers", customer),
            other.store.get("clientCustomers", customer),
            shop.remote_doc("clientCustomers", customer),
        ):
            assert doc is not None
            assert (doc["name"], doc["address"], doc["gstNo"], doc["emailId"]) == (
                "Lata",
                "Ward 4",
                "27ABCDE1234F1Z5",
                "lata@example.com",
            )
        assert (
            _differences(
                shop_snapshot(other.store, shop.client_id),
                remote_snapshot(shop.remote, shop.client_id),
            )
            == []
        )
        report = shop.sync()
        shop.check_equal_and_verified(report)
    finally:
        other.close()


def test_every_pushed_document_carries_updated_at_as_the_backend_saves_it(
    server: MongoServer, tmp_path: Path
) -> None:
    """Bills, payments, movements, credit notes, histories and dealer payments reach the
    remote with ``updatedAt`` (the time they were made), as the backend's saves leave them;
    a bill made by an older version without it gets it on its push, here too."""
    remote = connect(server.url, "backend_updated_at", timeout_ms=2000)
    pc = Device(tmp_path / "pc", "pc-a", "A")
    made = ShopService(pc.ctx).register(
        phone="9876500002", owner_name="Owner Name", business_name="Test Shop", state="Karnataka"
    )
    pc.client_id = made.id
    try:
        pc.engine(remote).sync_once()  # the first, full pull
        services = ShopServices(pc.ctx, pc.client_id)
        item = services.catalog.create_item(
            name="Brake Pad Set", price=1000, code="BP", stock=10, gst_rate=18
        )
        customer = services.customers.create("9800000001", name="Ravi")
        cart = services.carts.create(customer=customer.id)
        services.carts.add_item(cart.cart_id, "BP", 3)
        sale = stored(
            services, services.invoices.generate(cart.cart_id, paid_amount=3540)
        )  # paid in full
        services.returns.create(sale["invoiceNumber"], {0: 1}, reason="one too many")
        dealer = services.dealers.create("Auto Parts Co")
        services.dealers.pay_dealer(dealer.id, 500)
        older = pc.sell(item.id, 1)  # as older versions saved a bill: no updatedAt
        assert "updatedAt" not in pc.store.get("invoices", older["_id"])

        report = pc.engine(remote).sync_once()
        assert not report.pull.full and report.pending == 0 and report.dead_letters == 0
        counted = 0
        for collection, made_at in MADE_AT.items():
            for doc in remote.collection(collection).find({"clientId": {"$in": [pc.client_id]}}):
                assert doc.get("updatedAt") == doc[made_at], (collection, doc)
                counted += 1
        assert counted >= 10  # 2 bills, 2 payments, a credit note and its set-off...
        for collection in ("items", "clients"):  # the spec's schemas with createdAt
            for doc in remote.collection(collection).find(
                {"_id": pc.client_id}
                if collection == "clients"
                else {"clientId": {"$in": [pc.client_id]}}
            ):
                assert isinstance(doc.get("createdAt"), datetime), (collection, doc)
                assert isinstance(doc.get("updatedAt"), datetime), (collection, doc)
        assert (
            _differences(
                shop_snapshot(pc.store, pc.client_id), remote_snapshot(remote, pc.client_id)
            )
            == []
        )
    finally:
        pc.close()
        remote.close()
