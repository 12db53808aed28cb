"""What every part of one shop's sync works with: this PC's store, the remote database, the
shop, this PC, the shop's local rules and the sync's own state; and the stamps this PC
writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo.errors import PyMongoError

from ..gateways.remote import RemoteDatabase, remote_failure
from ..store import Store
from .local import LocalRules
from .rules import shop_filter
from .stamps import format_stamp, outbox_writer
from .state import SyncState


@dataclass(frozen=True)
class ShopLink:
    store: Store
    remote: RemoteDatabase
    client_id: ObjectId
    device_id: str
    rules: LocalRules
    state: SyncState

    def stamp(self, value: int | None = None) -> str:
        """A new stamp of this PC's clock (or, given a clock value, the stamp of it)."""
        return format_stamp(
            value if value else outbox_writer(self.store).clock.tick(), self.device_id
        )

    def stamp_of(self, record: dict[str, Any]) -> str:
        """The stamp of a write of this PC waiting in the outbox (its clock value then)."""
        return format_stamp(int(record.get("hlc") or 0), self.device_id)


class LinkedPart:
    """A part of the sync (push, pull, remote stock, remote invoices) of one shop."""

    def __init__(self, link: ShopLink):
        self.link = link

    @property
    def store(self) -> Store:
        return self.link.store

    @property
    def remote(self) -> RemoteDatabase:
        return self.link.remote

    @property
    def client_id(self) -> ObjectId:
        return self.link.client_id

    @property
    def device_id(self) -> str:
        return self.link.device_id

    @property
    def rules(self) -> LocalRules:
        return self.link.rules

    @property
    def state(self) -> SyncState:
        return self.link.state

    def by_ids(
        self, collection: str, ids: Iterable[Any], projection: dict[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """This shop's remote documents of ``ids`` (whole, or the projected fields): one
        query, answered in one reply where the size allows. Unasked, a server sends the
        first 101 documents and each further batch on another round trip (the test server
        101 a batch, each a command of its own)."""
        wanted = list(ids)
        if collection == "clients":
            wanted = [i for i in wanted if i == self.client_id]  # (its shop filter is its _id)
        if not wanted:
            return []
        query = shop_filter(collection, self.client_id)
        if collection != "clients":
            query["_id"] = {"$in": wanted}
        try:
            found = self.remote.collection(collection).find(query, projection)
            return list(found.batch_size(len(wanted)))
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
