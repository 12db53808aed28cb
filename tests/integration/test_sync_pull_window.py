"""The pull's two windows (by ``_syncedAt`` and by ``updatedAt``) split the shop between
them: the ``updatedAt`` window leaves out what the stamp window reads anyway. Nothing a
writer saved may fall between the two (a backend save after a PC's push keeps that PC's
stamp and moves ``updatedAt`` alone), and nothing is read twice.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from tests.integration.backend_writer import Backend
from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import (
    Device,
    Ledger,
    check_converged,
    offline_work,
    remote_snapshot,
    settle,
    shop_snapshot,
)
from tests.integration.test_sync_isolation import Recorder
from viveka_pos.gateways.remote import RemoteDatabase, connect
from viveka_pos.sync.stamps import SYNCED_AT_FIELD, format_stamp, stamp_value


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


def fetched(recorder: Recorder) -> Counter[tuple[str, Any]]:
    """Every document the server handed back to ``find``/``getMore`` (versions and whole
    documents alike) in the replies ``recorder`` holds, counted by (collection, ``_id``)."""
    count: Counter[tuple[str, Any]] = Counter()
    for reply in recorder.replies:
        cursor = reply.get("cursor")
        if isinstance(cursor, dict):
            collection = str(cursor.get("ns", "")).split(".", 1)[-1]
            for doc in cursor.get("firstBatch", cursor.get("nextBatch", [])):
                count[(collection, doc.get("_id"))] += 1
    return count


class TwoPcs:
    """PC A and PC B of one shop on the remote, and the spec's backend beside them."""

    def __init__(self, server: MongoServer, tmp_path: Path, database: str):
        self.recorder = Recorder()
        self.remote: RemoteDatabase = connect(
            server.url, database, timeout_ms=2000, event_listeners=[self.recorder]
        )
        self.backend = Backend(server.url, database)
        self.a = Device(tmp_path / "a", "pc-a", "A1")
        self.a.register("9876512345", "Verma Traders")
        self.b = Device(tmp_path / "b", "pc-b", "B1")
        self.b.client_id = self.a.client_id

    def close(self) -> None:
        self.remote.close()
        self.backend.close()
        self.a.close()
        self.b.close()


@pytest.fixture
def pcs(server: MongoServer, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[TwoPcs]:
    name = "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[-50:]
    made = TwoPcs(server, tmp_path, f"window_{name}")
    try:
        yield made
    finally:
        made.close()


PLACES = ["after the cursor", "inside the overlap", "before the floor"]


@pytest.mark.parametrize("place", PLACES)
def test_a_backend_save_after_a_pc_push_is_pulled_wherever_the_push_stamp_lies(
    pcs: TwoPcs, place: str
) -> None:
    """The backend renames an item PC A pushed: the item keeps A's ``_syncedAt``, only
    ``updatedAt`` moves. PC B's next plain pull must bring the new name whether A's stamp
    is after B's cursor (the stamp pass reads it whole), within the overlap before it (its
    version is read there and differs here), or before the floor (only the ``updatedAt``
    window can see it: no overlap, and a later push moved B's cursor past it)."""
    overlap = timedelta(0) if place == "before the floor" else timedelta(minutes=10)
    a = pcs.a.engine(pcs.remote)
    b = pcs.b.engine(pcs.remote, overlap=overlap)
    a.sync_once()
    assert b.sync_once().pull.full  # B's cursors start here
    item = pcs.a.add_item("Brake pad", 100, 60)
    a.sync_once()
    stamp = pcs.remote.collection("items").find_one({"_id": item})[SYNCED_AT_FIELD]
    if place == "before the floor":
        pcs.a.add_item("Clutch plate", 850, 12)  # pushed later: B's cursor passes the stamp
        a.sync_once()
    if place != "after the cursor":
        b.sync_once()
        assert pcs.b.store.get("items", item)["name"] == "Brake pad"
    cursor = b.state.cursor("items")
    expected = {"after the cursor": stamp > cursor, "inside the overlap": stamp == cursor}
    assert expected.get(place, stamp < cursor)

    saved = pcs.backend.edit("items", item, name="Brake pad (ceramic)")
    assert saved[SYNCED_AT_FIELD] == stamp  # the backend leaves our fields as they are

    report = b.sync_once()
    assert not report.pull.full
    assert pcs.b.store.get("items", item)["name"] == "Brake pad (ceramic)"
    assert report.pending == 0 and report.dead_letters == 0, report.summary()
    assert shop_snapshot(pcs.b.store, pcs.b.client_id) == remote_snapshot(
        pcs.remote, pcs.b.client_id
    )


def test_a_pull_reads_each_document_once_and_not_the_versions_of_what_was_just_pushed(
    pcs: TwoPcs,
) -> None:
    """Items just pushed are in both windows (a push sets ``updatedAt`` too). The pulls of
    the PC that pushed them and of another PC read each of them once, whole, by stamp —
    not its version as well through the ``updatedAt`` window."""
    a = pcs.a.engine(pcs.remote)
    b = pcs.b.engine(pcs.remote)
    a.sync_once()
    b.sync_once()  # both PCs have cursors: the next pulls are plain (incremental)
    items = {pcs.a.add_item(f"Item {n:02d}", 100 + n, 5) for n in range(30)}
    assert a.pusher.push().pushed >= len(items)

    for engine, device in ((a, pcs.a), (b, pcs.b)):
        pcs.recorder.replies.clear()
        pulled = engine.puller.pull()
        assert not pulled.full
        count = fetched(pcs.recorder)
        reads = {doc_id: count[("items", doc_id)] for doc_id in items}
        assert reads == dict.fromkeys(items, 1), device.device_id
        assert all(device.store.get("items", doc_id) is not None for doc_id in items)


def read_whole(recorder: Recorder, collection: str) -> set[Any]:
    """The ids of the documents of ``collection`` the server handed back whole (with their
    fields, not only the version a pull compares first) in the replies ``recorder`` holds."""
    whole: set[Any] = set()
    for reply in recorder.replies:
        cursor = reply.get("cursor")
        if isinstance(cursor, dict) and str(cursor.get("ns", "")).endswith(f".{collection}"):
            for doc in cursor.get("firstBatch", cursor.get("nextBatch", [])):
                if "clientId" in doc:  # (a version is _id, updatedAt, __v and sync fields)
                    whole.add(doc.get("_id"))
    return whole


def test_another_pcs_master_data_once_pulled_is_not_read_whole_again_in_the_overlap(
    pcs: TwoPcs,
) -> None:
    """PC A adds items and sells them (each sale saves the item's stock); PC B pulls them.
    B's next pulls meet the same versions again in the overlap before the cursor: their
    versions are compared, and the documents are not read whole again, as B applied them
    already. A backend edit of one of them, and A's next sale of another, are read and
    applied."""
    a = pcs.a.engine(pcs.remote)
    b = pcs.b.engine(pcs.remote)
    a.sync_once()
    assert b.sync_once().pull.full
    items = [pcs.a.add_item(f"Spark plug {n}", 120 + n, 40) for n in range(6)]
    for item in items:
        pcs.a.sell(item, 2)
    a.sync_once()

    def pull_reading_whole() -> set[Any]:
        pcs.recorder.replies.clear()
        assert not b.puller.pull().full
        return read_whole(pcs.recorder, "items") & set(items)

    assert pull_reading_whole() == set(items)  # new here: read whole, by stamp
    assert pull_reading_whole() == set()  # the overlap again: versions only
    assert pull_reading_whole() == set()
    assert all(pcs.b.store.get("items", i)["stock"] == 38 for i in items)

    pcs.backend.edit("items", items[0], name="Spark plug (iridium)")
    pcs.a.sell(items[1], 3)
    a.sync_once()
    assert pull_reading_whole() == {items[0], items[1]}
    assert pcs.b.store.get("items", items[0])["name"] == "Spark plug (iridium)"
    assert pcs.b.store.get("items", items[1])["stock"] == 35
    assert pull_reading_whole() == set()
    report = b.sync_once()
    assert report.pending == 0 and report.dead_letters == 0, report.summary()
    assert shop_snapshot(pcs.b.store, pcs.b.client_id) == remote_snapshot(
        pcs.remote, pcs.b.client_id
    )


def test_quiet_pulls_stop_reading_the_overlap_once_no_push_can_still_land_there(
    pcs: TwoPcs,
) -> None:
    """After a push and no other, every pull used to read again what was pushed in the
    overlap before its cursor. Once twice the overlap has passed on the
    server's clock (and one more pull has read it), nothing a PC pushes can land there: a
    quiet pull reads nothing. A backend save there is still pulled (``updatedAt``); and
    once the cursor moves, the overlap is read again: a push landing late below the new
    cursor (a PC whose clock is behind, still sending) is pulled."""
    overlap = timedelta(seconds=1)
    a = pcs.a.engine(pcs.remote)
    b = pcs.b.engine(pcs.remote, overlap=overlap)
    a.sync_once()
    assert b.sync_once().pull.full
    items = {pcs.a.add_item(f"Item {n:02d}", 100 + n, 5) for n in range(20)}
    a.sync_once()

    def items_read() -> dict[Any, int]:
        pcs.recorder.replies.clear()
        assert not b.puller.pull().full
        count = fetched(pcs.recorder)
        return {doc_id: count[("items", doc_id)] for doc_id in items if count[("items", doc_id)]}

    # Read whole by stamp (the cursor moves past them); then their versions in the overlap
    # before the cursor (applied here already: not read whole again).
    assert set(items_read()) == items
    assert set(items_read()) == items
    time.sleep(2 * overlap.total_seconds() + 0.2)
    assert set(items_read()) == items  # the overlap's last read: it settles
    assert items_read() == {}
    assert items_read() == {}

    renamed = sorted(items)[0]
    pcs.backend.edit("items", renamed, name="Item 00 (renamed at the office)")
    assert renamed in items_read()
    assert pcs.b.store.get("items", renamed)["name"] == "Item 00 (renamed at the office)"

    pcs.a.add_item("Clutch plate", 850, 12)
    a.sync_once()
    items_read()  # reads the new item: B's cursor moves
    cursor = b.state.cursor("items")
    late = pcs.backend.db["items"].find_one({"_id": renamed})
    assert late is not None
    late = {
        **late,
        "_id": ObjectId(),
        "name": "Sent late by PC C",
        SYNCED_AT_FIELD: format_stamp((stamp_value(cursor) or 0) - 500_000, "pc-c"),
        "updatedAt": datetime(2026, 1, 2, 10, 0),  # made long ago: outside the updatedAt window
    }
    pcs.backend.db["items"].insert_one(late)
    b.puller.pull()
    arrived = pcs.b.store.get("items", late["_id"])
    assert arrived is not None and arrived["name"] == "Sent late by PC C"


def test_two_pcs_and_the_backend_converge_when_overlaps_settle_between_bursts(
    server: MongoServer, tmp_path: Path
) -> None:
    """Bursts of work on both counters and at the office (the backend), each PC syncing
    after its own, with pauses between them long enough for the overlaps to settle (an
    overlap of 1 s). Settled pulls leave the stamp window out; nothing is missed for that:
    in the end every side holds the same shop, and it matches what was done."""
    rng = random.Random(int(os.environ.get("VIVEKA_SYNC_SEED", "7")))
    ledger = Ledger()
    overlap = timedelta(seconds=1)
    remote = connect(server.url, "settling", timeout_ms=2000)
    backend = Backend(server.url, "settling")
    a = Device(tmp_path / "a", "pc-a", "A1", ledger=ledger)
    a.register("9876500004")
    pen = a.add_item("Pen", 10, 1000)
    b = Device(tmp_path / "b", "pc-b", "B1", ledger=ledger)
    b.client_id = a.client_id
    devices = [a, b]
    engines = {d.device_id: d.engine(remote, overlap=overlap) for d in devices}
    try:
        settled_on: set[str] = set()  # devices that pulled with an overlap settled
        for round_no in range(4):
            for dev in devices:
                offline_work(dev, rng, rng.randint(2, 4))
                engines[dev.device_id].sync_once()
            if round_no == 1:
                backend.edit("items", pen, description="Blue, 0.6 mm")
            if round_no == 2:
                ledger.initial_stock[backend.create_item(a.client_id, "Stapler", 120, 30)] = 30
            time.sleep(2 * overlap.total_seconds() + 0.2)
            for _ in range(2):  # the overlap's last read, then pulls that leave it out
                for dev in devices:
                    engines[dev.device_id].sync_once()
            for dev in devices:
                kept = engines[dev.device_id].state.settlings().values()
                if any(record["settled"] for record in kept):
                    settled_on.add(dev.device_id)
            if round_no == 2:  # a backend save while the overlaps are settled
                backend.edit("items", pen, description="Blue, 0.7 mm")
                for dev in devices:
                    engines[dev.device_id].sync_once()
                    assert dev.store.get("items", pen)["description"] == "Blue, 0.7 mm"
        assert settled_on == {"pc-a", "pc-b"}
        syncs: dict[str, Any] = {k: e.sync_once for k, e in engines.items()}
        settle(devices, syncs)
        check_converged(devices, remote, ledger)
        for dev in devices:
            assert dev.store.get("items", pen)["description"] == "Blue, 0.7 mm"
    finally:
        for dev in devices:
            dev.close()
        remote.close()
        backend.close()
