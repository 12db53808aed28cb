"""Fault injection: the remote server is SIGKILLed at random points of push and pull (by
default 20 times; ``VIVEKA_SYNC_KILLS=150`` for a long run by hand). Nothing may be lost or
duplicated, and everything converges once the server stays up."""

from __future__ import annotations

import os
import random
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

from tests.integration.mongo_server import MongoServer
from tests.integration.sync_shop import Device, Ledger, check_converged, offline_work, settle
from viveka_pos.gateways.remote import RemoteUnavailableError, connect

KILLS = int(os.environ.get("VIVEKA_SYNC_KILLS", "20"))


class KillSwitch(CommandListener):
    """Kills the server when the n-th command of the armed phase starts or succeeds.

    Killing as a write *succeeds* leaves the remote with writes whose outbox records were
    never removed here (as a lost acknowledgement would): the retry must change nothing.
    """

    def __init__(self, server: MongoServer):
        self.server = server
        self.countdown: int | None = None
        self.phase = "started"
        self.kills: Counter[str] = Counter()
        self._lock = threading.Lock()

    def arm(self, countdown: int, phase: str) -> None:
        self.countdown, self.phase = countdown, phase

    def disarm(self) -> None:
        self.countdown = None

    def _tick(self, phase: str, command: str) -> None:
        with self._lock:
            if self.countdown is None or phase != self.phase:
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


def test_server_killed_during_push_and_pull_loses_and_duplicates_nothing(
        tmp_path: Path) -> None:
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
