"""A read of the shop's documents by id comes back in one reply: no batch after the first
(a server sends only 101 documents in a first reply unless asked for more, each further
batch a round trip; on a shop's mobile data each round trip costs more than the bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from tests.integration.mongo_server import running_server
from tests.integration.sync_shop import Device, now
from viveka_pos.gateways.remote import connect

ITEMS = 300


class Commands(CommandListener):
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def started(self, event: CommandStartedEvent) -> None:
        self.sent.append(dict(event.command))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


def _by_ids(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The finds that ask for a list of ``_id``s."""
    return [c for c in sent if "find" in c and isinstance(c["filter"].get("_id"), dict)]


def test_edits_pushed_and_pulled_read_their_documents_in_one_reply(tmp_path: Path) -> None:
    with running_server(tmp_path / "remote") as server:
        a = Device(tmp_path / "a", "pc-a", "A1")
        b = Device(tmp_path / "b", "pc-b", "B1")
        a.register("9876500099")
        b.client_id = a.client_id
        remote = connect(server.url, "shop")
        ids = [a.add_item(f"Item {n:03d}", 120, 5) for n in range(ITEMS)]
        a.engine(remote).sync_once()
        b.engine(remote).sync_once()
        with a.store.unit_of_work() as db:
            for item_id in ids:  # as the catalogue saves a price
                db.items.update_one({"_id": item_id}, {"$set": {"price": 135, "updatedAt": now()}})

        for device in (a, b):
            commands = Commands()
            watched = connect(server.url, "shop", event_listeners=[commands])
            try:
                device.engine(watched).sync_once()
            finally:
                watched.close()
            if device is a:  # the versions its edits are conditional on, read in one query
                reads = _by_ids(commands.sent)
                assert any(len(c["filter"]["_id"]["$in"]) == ITEMS for c in reads)
            assert [c for c in commands.sent if "getMore" in c] == [], device.device_id

        assert {d["price"] for d in b.store.iter_docs("items")} == {135}
        remote.close()
        a.close()
        b.close()
