"""The background worker: syncs on start and when poked, backs off while offline, reports."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.fixtures.waiting import wait_for
from tests.integration.mongo_server import MongoServer, free_port
from tests.integration.sync_shop import Device
from viveka_pos.gateways.remote import RemoteDatabase, connect
from viveka_pos.services.sync_rules import SHOP_RULES
from viveka_pos.sync import SyncStatus, SyncWorker


def test_worker_backs_off_offline_then_syncs_and_follows_pokes(tmp_path: Path) -> None:
    port = free_port()
    server = MongoServer(tmp_path / "remote", port=port)
    dev = Device(tmp_path / "a", "pc-a", "A1")
    dev.register("9876500040")
    item = dev.add_item("Chalk", 5, 100)
    dev.sell(item, 3)
    seen: list[SyncStatus] = []
    lock = threading.Lock()

    def on_status(status: SyncStatus) -> None:
        with lock:
            seen.append(status)

    def open_remote() -> RemoteDatabase:
        return connect(server.url, "worker", timeout_ms=300)

    assert dev.client_id is not None
    worker = SyncWorker(
        dev.store,
        open_remote,
        dev.client_id,
        dev.device_id,
        interval=30.0,
        backoff_base=0.05,
        backoff_max=0.4,
        on_status=on_status,
        rules=SHOP_RULES,
    )
    assert worker.status.pending > 0
    worker.start()
    try:
        wait_for(lambda: worker.status.failures >= 3, 15, what="three failed tries")
        offline = worker.status
        assert offline.state == "offline" and offline.online is False
        assert "cannot reach the remote database" in offline.last_error
        assert offline.pending == dev.store.outbox_size() > 0
        assert "offline" in offline.message
        with lock:
            delays = {s.failures: s.next_attempt_in for s in seen if s.state == "offline"}
        assert delays[3] > delays[1] * 2  # exponential back-off (with ±20 % spread)
        assert max(delays.values()) <= 0.4 * 1.2

        server.start()  # back online: the next attempt (at most 0.4 s away) syncs
        wait_for(lambda: worker.status.state == "idle", 15, what="an idle worker")
        online = worker.status
        assert online.online is True and online.pending == 0 and online.failures == 0
        assert online.last_success is not None and online.last_report is not None
        assert online.message == "synced"

        dev.sell(item, 2)  # a bill, then a poke: synced long before the 30 s interval
        assert worker.status.pending == 0
        worker.poke()
        wait_for(lambda: dev.store.outbox_size() == 0, 15, what="an empty outbox")
        wait_for(lambda: worker.status.state == "idle", 15, what="an idle worker")
        with server.client() as client:
            count = len(list(client["worker"]["invoices"].find({})))
        assert count == 2
    finally:
        worker.stop()
        server.stop()
        dev.close()
    assert not worker.is_alive()
    assert worker.status.state == "stopped"
    assert seen[-1].state == "stopped"
