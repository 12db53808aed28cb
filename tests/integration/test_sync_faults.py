"""Fault injection: the remote server is SIGKILLed at random points of push and pull (by
default 20 times; ``VIVEKA_SYNC_KILLS=150`` for a long run by hand), and the shop's network
is cut while its PCs and the spec's backend all go on writing. Nothing may be lost or
duplicated, and everything converges once the server stays up."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from tests.integration.backend_writer import Backend
from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import (
    PHONES,
    Device,
    Ledger,
    check_converged,
    offline_work,
    settle,
)
from viveka_pos.gateways.remote import RemoteUnavailableError, connect
from viveka_pos.services.shop import ShopService

KILLS = int(os.environ.get("VIVEKA_SYNC_KILLS", "20"))
WRITES = frozenset({"insert", "update", "delete"})


class KillSwitch(CommandListener):
    """Kills the server when the n-th command of the armed phase starts or succeeds.

    Killing as a write *succeeds* leaves the remote with writes whose outbox records were
    never removed here (as a lost acknowledgement would): the retry must change nothing.
    """

    def __init__(self, server: MongoServer):
        self.server = server
        self.countdown: int | None = None
        self.phase = "started"
        self.commands: frozenset[str] | None = None
        self.kills: Counter[str] = Counter()
        self._lock = threading.Lock()

    def arm(self, countdown: int, phase: str, commands: frozenset[str] | None = None) -> None:
        """Kill at the ``countdown``-th command in ``phase`` (of ``commands`` only, if given)."""
        self.countdown, self.phase, self.commands = countdown, phase, commands

    def disarm(self) -> None:
        self.countdown = None

    def _tick(self, phase: str, command: str) -> None:
        with self._lock:
            if self.countdown is None or phase != self.phase:
                return
            if self.commands is not None and command not in self.commands:
                return
            self.countdown -= 1
            if self.countdown > 0:
                return
            self.countdown = None
        self.server.kill()
        self.kills[f"{command}/{phase}"] += 1

    def started(self, event: CommandStartedEvent) -> None:
        self._tick("started", event.command_name)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        self._tick("succeeded", event.command_name)

    def failed(self, event: CommandFailedEvent) -> None:
        pass


def test_server_killed_during_push_and_pull_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("VIVEKA_SYNC_SEED", "7")))
    server = MongoServer(tmp_path / "remote")
    server.start()
    switch = KillSwitch(server)
    remote = connect(server.url, "faults", timeout_ms=400, event_listeners=[switch])
    ledger = Ledger()
    a = Device(tmp_path / "a", "pc-a", "A1", ledger=ledger)
    a.register("9876500002")
    for name, price in (("Pen", 10), ("Ink", 45)):
        a.add_item(name, price, 1000)
    b = Device(tmp_path / "b", "pc-b", "B1", ledger=ledger)
    b.client_id = a.client_id
    devices = [a, b]
    engines = {d.device_id: d.engine(remote, batch_size=7, page_size=9) for d in devices}
    failures = 0
    try:
        engines["pc-a"].sync_once()
        engines["pc-b"].sync_once()
        attempts = 0
        while sum(switch.kills.values()) < KILLS:
            attempts += 1
            assert attempts < KILLS * 6, "the kill switch is not being reached"
            dev = rng.choice(devices)
            offline_work(dev, rng, rng.randint(2, 6))
            # Half the arms count writes only: a sync sends far more reads than writes, and
            # both must be cut off mid-flight.
            if rng.random() < 0.5:
                switch.arm(rng.randint(1, 3), rng.choice(["started", "succeeded"]), WRITES)
            else:
                switch.arm(rng.randint(1, 30), rng.choice(["started", "succeeded"]))
            try:
                engines[dev.device_id].sync_once()
            except RemoteUnavailableError:
                failures += 1
            switch.disarm()
            if not server.running:
                server.start()
        syncs: dict[str, Any] = {k: e.sync_once for k, e in engines.items()}
        settle(devices, syncs)
        check_converged(devices, remote, ledger)
    finally:
        for dev in devices:
            dev.close()
        remote.close()
        server.stop()
    kinds = {name.split("/")[0] for name in switch.kills}
    assert sum(switch.kills.values()) >= KILLS
    assert failures >= KILLS // 2
    if KILLS >= 20:  # enough kills that both push writes and pull reads were hit
        assert kinds & {"update", "insert", "delete"} and "find" in kinds, switch.kills


class Cable:
    """The shop's network between its PCs and the remote: a TCP relay on 127.0.0.1 that can
    be cut (every open connection dropped, new ones refused) and mended."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def _accept(self) -> None:
        while self._running:
            try:
                near, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up:
                near.close()
                continue
            try:
                far = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
            except OSError:
                near.close()
                continue
            far.settimeout(None)
            with self._lock:
                self._open += [near, far]
            for src, dst in ((near, far), (far, near)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self._lock:
            dropped, self._open = self._open, []
        for sock in dropped:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def mend(self) -> None:
        self.up = True

    def close(self) -> None:
        self._running = False
        self.cut()
        self.listener.close()
        self._thread.join(timeout=2)


def test_backend_and_two_pcs_write_while_the_shop_is_offline(tmp_path: Path) -> None:
    """The shop's network is down: both counters go on billing and editing, while the
    spec's backend (reached by the owner's phone) records payments, edits the catalogue,
    the customers, the stock and the profile. Once the network is back, everything done on
    every side is there, once, everywhere."""
    rng = random.Random(int(os.environ.get("VIVEKA_SYNC_SEED", "11")))
    ledger = Ledger()
    with running_server(tmp_path / "remote") as server:
        cable = Cable(server.port)
        remote = connect(cable.url, "outage", timeout_ms=400)
        backend = Backend(server.url, "outage")
        a = Device(tmp_path / "a", "pc-a", "A1", ledger=ledger)
        a.register("9876500003")
        pen = a.add_item("Pen", 10, 1000)
        a.add_item("Ink", 45, 1000)
        b = Device(tmp_path / "b", "pc-b", "B1", ledger=ledger)
        b.client_id = a.client_id
        devices = [a, b]
        engines = {d.device_id: d.engine(remote) for d in devices}
        try:
            customer = a.add_customer(PHONES[0], "Asha")
            open_bill = a.sell(pen, 3, paid=1_000, customer_id=customer)
            ShopService(a.ctx).update_settings(a.client_id, upiId="shop@upi", defaultGstRate=5)
            engines["pc-a"].sync_once()
            engines["pc-b"].sync_once()

            cable.cut()
            failures = 0
            for round_no in range(6):
                for dev in devices:
                    offline_work(dev, rng, rng.randint(3, 6))
                    try:
                        engines[dev.device_id].sync_once()
                    except RemoteUnavailableError:
                        failures += 1
                if round_no == 1:
                    backend.pay(open_bill["_id"], 5)
                    ledger.paid[open_bill["_id"]] += 500
                    backend.edit("clientCustomers", customer, emailId="asha@example.com")
                    before = backend.db.items.find_one({"_id": pen})["stock"]
                    backend.edit("items", pen, stock=before + 10, description="Blue, 0.7 mm")
                    ledger.initial_stock[pen] += 10  # a delivery counted on the phone
                if round_no == 3:
                    new_item = backend.create_item(a.client_id, "Stapler", 120, 30)
                    ledger.initial_stock[new_item] = 30
                    backend.create_customer(a.client_id, "9555512345", "Walk-in regular")
                    ledger.phones.add("9555512345")
                    backend.save_profile(
                        a.client_id,
                        {"address": True, "gstNo": False, "emailId": True},
                        city="Nashik",
                    )
            assert failures == 12  # every sync attempt failed: nothing reached the remote

            cable.mend()
            for engine in engines.values():  # as the worker does: try again shortly
                for attempt in range(5):
                    try:
                        engine.sync_once()
                        break
                    except RemoteUnavailableError:
                        assert attempt < 4, "the remote stays unreachable after the outage"
            syncs: dict[str, Any] = {k: e.sync_once for k, e in engines.items()}
            settle(devices, syncs)
            check_converged(devices, remote, ledger)
            for dev in devices:
                assert dev.store.get("clientCustomers", customer)["emailId"] == "asha@example.com"
                assert dev.store.get("items", pen)["description"] == "Blue, 0.7 mm"
                assert dev.store.get("items", new_item)["name"] == "Stapler"
                shop = dev.store.get("clients", a.client_id)
                assert shop["city"] == "Nashik"
                assert shop["clientSettings"]["customerFields"]["emailId"] is True
                assert shop["clientSettings"]["upiId"] == "shop@upi"
                assert shop["clientSettings"]["defaultGstRate"] == 5
        finally:
            for dev in devices:
                dev.close()
            remote.close()
            backend.close()
            cable.close()
