"""Child process for the cut-pull test: one sync of a PC that has synced before, and the
process ends at once, as in a power cut, when its pull asks for the first page of a given
collection (the pages before it are applied and committed; what follows them never runs).

    python -m tests.integration.cut_pull_worker DATA_DIR CLIENT_ID URL DATABASE COLLECTION
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from bson import ObjectId
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from tests.integration.sync_shop import Device
from viveka_pos.gateways.remote import connect

#: the exit status of a process cut as planned (any other: the cut never came)
CUT = 75


class CutAt(CommandListener):
    """Calls ``cut`` once, when a ``find`` of whole documents (a page, not the versions
    read ahead with a projection) of ``collection`` starts."""

    def __init__(self, collection: str, cut: Callable[[], object]):
        self.collection = collection
        self.cut = cut
        self.came = False

    def started(self, event: CommandStartedEvent) -> None:
        command = event.command
        if self.came or command.get("find") != self.collection or command.get("projection"):
            return
        self.came = True
        self.cut()

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


def main(argv: list[str]) -> int:
    data_dir, client_id, url, database, collection = argv
    cut = CutAt(collection, lambda: os._exit(CUT))
    remote = connect(url, database, timeout_ms=2000, event_listeners=[cut])
    device = Device(Path(data_dir), "pc-b", "B1")
    device.client_id = ObjectId(client_id)
    device.engine(remote).sync_once()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
