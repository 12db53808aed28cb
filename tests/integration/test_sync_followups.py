"""A pull cut short after it applied some pages: the work that follows those pages (an
item's stock from its movements, an invoice's balance from its payments) is still done.

The pages are append-only movements and payments, which a later pull finds already here
and does not apply again; so this work must not depend on reading them again. It is kept
with each page in the page's own unit of work, done at the end of the pull, and done by
the next pull when the process died first. When only the connection is lost, the pull
does it before it reports the failure: the counter sees the right stock while offline.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from tests.integration.cut_pull_worker import CUT, CutAt
from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device
from viveka_pos.gateways.remote import RemoteDatabase, RemoteUnavailableError, connect

ROOT = Path(__file__).resolve().parents[2]
#: the collection after the movements in pull order: its first page is where the cut comes
AFTER_MOVEMENTS = "dealerpayments"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MongoServer]:
    with running_server(tmp_path / "remote") as running:
        yield running


class Shop:
    """PC A sells; PC B has pulled once and has news waiting: a sale of three and a
    payment recorded on A."""

    def __init__(self, server: MongoServer, tmp_path: Path):
        self.remote = connect(server.url, "cut", timeout_ms=2000)
        self.a = Device(tmp_path / "a", "pc-a", "A1")
        self.a.register("9876500111")
        self.item = self.a.add_item("LED bulb 9W", 100, 50)
        self.invoice = self.a.sell(self.item, 2, paid=5000)["_id"]
        self.a.engine(self.remote).sync_once()
        self.b_dir = tmp_path / "b"
        b = self.open_b()
        b.engine(self.remote).sync_once()
        assert b.store.get("items", self.item)["stock"] == 48
        b.close()
        self.a.pay(self.invoice, 10000)
        self.a.sell(self.item, 3)
        self.a.engine(self.remote).sync_once()
        assert self.a.store.get("items", self.item)["stock"] == 45

    def open_b(self) -> Device:
        b = Device(self.b_dir, "pc-b", "B1")
        b.client_id = self.a.client_id
        return b

    def close(self) -> None:
        self.remote.close()
        self.a.close()


@pytest.fixture
def shop(server: MongoServer, tmp_path: Path) -> Iterator[Shop]:
    made = Shop(server, tmp_path)
    try:
        yield made
    finally:
        made.close()


def _movements(device: Device, item: ObjectId) -> list[Any]:
    return sorted(m["quantity"] for m in device.store.db.stockmovements.find({"itemId": item}))


def _check_derived(shop: Shop, b: Device) -> None:
    """B's stock and balance agree with its movements and payments, and with A's."""
    stock = b.store.get("items", shop.item)["stock"]
    assert Decimal(stock) == sum(Decimal(q) for q in _movements(b, shop.item)) == 45
    invoice = b.store.get("invoices", shop.invoice)
    paid = [p["amount"] for p in b.store.db.payments.find({"invoiceId": shop.invoice})]
    assert Decimal(invoice["paidAmount"]) == sum(Decimal(p) for p in paid) == 150
    assert invoice["paidAmount"] == shop.a.store.get("invoices", shop.invoice)["paidAmount"]


def test_a_pc_that_died_after_the_movements_were_applied_recomputes_at_its_next_pull(
    shop: Shop, server: MongoServer
) -> None:
    cut = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.cut_pull_worker",
            str(shop.b_dir),
            str(shop.a.client_id),
            server.url,
            "cut",
            AFTER_MOVEMENTS,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cut.returncode == CUT, cut.stderr
    b = shop.open_b()
    try:
        # The cut came after the sale of three arrived here (and before anything followed).
        assert _movements(b, shop.item) == [-3, -2, 50]
        report = b.engine(shop.remote).sync_once()
        assert report.pull.recomputed >= 1
        _check_derived(shop, b)
        assert b.engine(shop.remote).sync_once().pull.recomputed == 0  # (done once)
    finally:
        b.close()


def test_a_pull_that_lost_the_connection_after_the_movements_recomputes_before_it_fails(
    shop: Shop, server: MongoServer
) -> None:
    cut = CutAt(AFTER_MOVEMENTS, server.kill)
    remote: RemoteDatabase = connect(server.url, "cut", timeout_ms=1000, event_listeners=[cut])
    b = shop.open_b()
    try:
        with pytest.raises(RemoteUnavailableError):
            b.engine(remote).sync_once()
        assert cut.came
        assert _movements(b, shop.item) == [-3, -2, 50]
        _check_derived(shop, b)  # offline, and right
        server.start()
        b.engine(remote).sync_once()
        _check_derived(shop, b)
    finally:
        b.close()
        remote.close()


def test_kept_work_of_every_kind_comes_back_as_it_was_noted(tmp_path: Path) -> None:
    from viveka_pos.sync.pull import _KEPT_WORK, _Touched
    from viveka_pos.sync.state import SyncState

    pc = Device(tmp_path / "pc", "pc-a", "A1")
    try:
        pc.register("9876500112")
        assert pc.client_id is not None
        state = SyncState(pc.store, pc.client_id)
        invoice, item, keep, history = (ObjectId() for _ in range(4))
        noted = _Touched()
        noted.note("invoices", invoice)
        noted.note("invoices", None)  # (a payment without its invoice id)
        noted.note("items", item)
        noted.note("history_twins", history)
        noted.note("repoints", ("invoices", invoice, keep))
        noted.note("restored", ("clients", pc.client_id))
        assert set(noted.fresh) == set(_KEPT_WORK)
        for page in ({"invoices": [invoice]}, noted.fresh):
            with pc.store.unit_of_work(record_outbox=False) as db:
                state.save_followups(db, page)
        again = _Touched.kept(state.followups())
        assert again.invoices == {invoice, None} and again.items == {item}
        assert again.history_twins == [history]
        assert again.repoints == [("invoices", invoice, keep)]
        assert again.restored == [("clients", pc.client_id)]
        state.drop_followups()
        assert state.followups() == []
    finally:
        pc.close()


def test_a_damaged_kept_record_is_left_out_and_the_pull_goes_on(shop: Shop) -> None:
    from viveka_pos.sync.state import SyncState

    b = shop.open_b()
    try:
        assert b.client_id is not None
        listed = f"followups:{b.client_id}"
        with b.store.unit_of_work(record_outbox=False) as db:
            db.syncstate.insert_one({"_id": listed, "pages": 2})
            db.syncstate.insert_one({"_id": f"{listed}:0", "work": "not a record"})
            db.syncstate.insert_one(
                {"_id": f"{listed}:1", "work": {"items": 5, "invoices": [shop.invoice]}}
            )
        state = SyncState(b.store, b.client_id)
        assert state.followups() == [{"items": 5, "invoices": [shop.invoice]}]
        b.engine(shop.remote).sync_once()
        _check_derived(shop, b)
        assert state.followups() == []
        assert b.store.get("syncstate", listed) is None
    finally:
        b.close()
