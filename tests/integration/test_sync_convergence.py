"""Two PCs of one shop bill offline, then sync in random order: everything converges."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import (
    Device,
    Ledger,
    check_converged,
    offline_work,
    settle,
)
from viveka_pos.gateways.remote import RemoteDatabase, connect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


def _two_devices(tmp_path: Path, remote: RemoteDatabase) -> tuple[Device, Device, dict[str, Any]]:
    ledger = Ledger()
    a = Device(tmp_path / "a", "pc-a", "A1", ledger=ledger)
    a.register("9876500001")
    for name, price in (("Tea 250g", 120), ("Soap", 35), ("Rice 5kg", 400)):
        a.add_item(name, price, 500)
    b = Device(tmp_path / "b", "pc-b", "B1", ledger=ledger)
    b.client_id = a.client_id
    engines = {d.device_id: d.engine(remote) for d in (a, b)}
    syncs = {key: engine.sync_once for key, engine in engines.items()}
    return a, b, syncs


@pytest.mark.parametrize("seed", [11, 29, 2026])
def test_offline_devices_converge_whatever_the_sync_order(
    server: MongoServer, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    remote = connect(server.url, f"converge{seed}")
    a, b, syncs = _two_devices(tmp_path, remote)
    try:
        syncs["pc-a"]()
        syncs["pc-b"]()  # the second PC joins: its first pull brings the shop
        assert b.store.get("clients", a.client_id) is not None
        for _ in range(5):
            for dev in (a, b):
                offline_work(dev, rng, rng.randint(3, 9))
            for dev in rng.sample([a, b], rng.randint(1, 2)):
                syncs[dev.device_id]()
        settle([a, b], syncs)
        check_converged([a, b], remote, a.ledger)
        assert len(a.ledger.totals) >= 10
    finally:
        a.close()
        b.close()
        remote.close()


def test_overlapping_phones_merge_into_the_smaller_id(server: MongoServer, tmp_path: Path) -> None:
    remote = connect(server.url, "merge")
    a, b, syncs = _two_devices(tmp_path, remote)
    try:
        syncs["pc-a"]()
        syncs["pc-b"]()
        item = next(iter(a.ledger.initial_stock))
        first = a.add_customer("9123400000", "Asha", address="MG Road")
        second = b.add_customer("9123400000", "", emailId="asha@example.in")
        a.sell(item, 1, customer_id=first)
        b.sell(item, 2, customer_id=second, paid=0)
        syncs["pc-b"]()
        syncs["pc-a"]()  # the remote refuses A's copy (phone taken): A merges
        settle([a, b], syncs)
        check_converged([a, b], remote, a.ledger)
        kept = min(first, second)
        for dev in (a, b):
            customers = [
                c
                for c in dev.store.iter_docs("clientCustomers")
                if c["phoneNumber"] == "9123400000"
            ]
            assert [c["_id"] for c in customers] == [kept]
            assert customers[0]["name"] == "Asha"
            assert customers[0]["address"] == "MG Road"
            assert customers[0]["emailId"] == "asha@example.in"
            assert {d["clientCustomerId"] for d in dev.store.iter_docs("invoices")} == {kept}
        assert remote.collection("clientCustomers").find_one({"_id": max(first, second)}) is None
    finally:
        a.close()
        b.close()
        remote.close()
