"""Credit notes and cancellations travel between two PCs through the remote database, append
only, and every PC derives the same stock and dues from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bson import ObjectId

from tests.fixtures.stored import stored
from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device
from viveka_pos.gateways.remote import connect
from viveka_pos.services.convert import paise_of
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


def _services(device: Device) -> ShopServices:
    assert device.client_id is not None
    return ShopServices(device.ctx, device.client_id)


def test_returns_and_cancellations_sync(server: MongoServer, tmp_path: Path) -> None:
    remote = connect(server.url, "returns")
    a = Device(tmp_path / "a", "pc-a", "A")
    shop = ShopService(a.ctx).register(
        phone="9876500001", owner_name="Owner Name", business_name="Test Shop", state="Karnataka"
    )
    a.client_id = shop.id
    b = Device(tmp_path / "b", "pc-b", "B")
    b.client_id = a.client_id
    DeviceSettings(b.store).update(invoicePrefix="B")
    try:
        sa = _services(a)
        item = sa.catalog.create_item(
            name="Brake Pad Set", price=1000, code="BP", stock=10, gst_rate=18
        )
        customer = sa.customers.create("9800000001", name="Ravi")
        cart = sa.carts.create(customer=customer.id)
        sa.carts.add_item(cart.cart_id, "BP", 3)
        sale = stored(sa, sa.invoices.generate(cart.cart_id, paid_amount=1180))  # ₹2,360 due
        cart = sa.carts.create()
        sa.carts.add_item(cart.cart_id, "BP", 1)
        doomed = stored(sa, sa.invoices.generate(cart.cart_id))
        a.engine(remote).sync_once()
        b.engine(remote).sync_once()

        sb = _services(b)
        note = stored(sb, sb.returns.create(sale["invoiceNumber"], {0: 2}, reason="two too many"))
        assert note["creditNoteNumber"].startswith("CN-B/")  # B's own series
        sa.returns.cancel(doomed["_id"], reason="billed by mistake", refund=True)
        for device in (b, a, b):
            device.engine(remote).sync_once()

        for services in (sa, sb):
            notes = stored(services, services.returns.for_invoice(sale["_id"]))
            assert [n["creditNoteNumber"] for n in notes] == [note["creditNoteNumber"]]
            assert services.returns.verify() == []
            after = services.invoices.document(sale["_id"])
            assert after["isFinalized"] is True  # ₹2,360 credit: ₹2,360 set against dues
            assert services.customers.dues_paise(customer.id) == 0
            assert services.catalog.item(item.id).stock == 10 - 3 + 2  # cancelled: back
            assert services.invoices.document(doomed["_id"])["isCancelled"] is True
            assert services.invoices.verify() == []
        remote_notes = list(remote.db.creditnotes.find({"clientId": {"$in": [a.client_id]}}))
        assert [n["_id"] for n in remote_notes] == [note["_id"]]
        assert isinstance(remote_notes[0]["_id"], ObjectId)
        assert paise_of(remote_notes[0]["totalAmount"]) == 236000
        remote_doomed = remote.db.invoices.find_one({"_id": doomed["_id"]})
        assert remote_doomed["isCancelled"] is True
        assert remote_doomed["cancelReason"] == "billed by mistake"
    finally:
        a.close()
        b.close()
