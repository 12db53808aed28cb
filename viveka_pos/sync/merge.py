"""Two customers with the same phone, created on two PCs while offline, become one.

The smaller ``_id`` is kept on every device (a rule each device applies alone and all agree
on). The kept customer takes any field the other has and it lacks, the earlier
``firstSeenAt`` and the later ``lastPurchaseAt``; invoices, purchase histories and carts of the
duplicate are re-pointed at it, and the duplicate is deleted. The merge is remembered
(:class:`SyncState`) so the remote deletion of the duplicate is pushed (with a tombstone that
tells other devices to merge too), and so documents that still point at the duplicate are
re-pointed when they arrive later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bson import ObjectId

from ..store import Store
from .rules import CUSTOMER_REFERENCES
from .stamps import SYNC_FIELDS, outbox_writer
from .state import SyncState

_EMPTY = (None, "")


def merged_customer(keep: dict[str, Any], drop: dict[str, Any]) -> dict[str, Any]:
    """The kept customer completed with what only the duplicate knows."""
    merged = {k: v for k, v in keep.items() if k not in SYNC_FIELDS}
    for key, value in drop.items():
        if key == "_id" or key in SYNC_FIELDS:
            continue
        if merged.get(key) in _EMPTY and value not in _EMPTY:
            merged[key] = value
    firsts = [d["firstSeenAt"] for d in (keep, drop) if d.get("firstSeenAt") is not None]
    if firsts:
        merged["firstSeenAt"] = min(firsts)
    lasts = [d["lastPurchaseAt"] for d in (keep, drop) if d.get("lastPurchaseAt") is not None]
    if lasts:
        merged["lastPurchaseAt"] = max(lasts)
    return merged


def repoint(db: Any, client_id: ObjectId, drop_id: ObjectId, keep_id: ObjectId) -> int:
    """Point the duplicate's invoices, histories and carts at the kept customer."""
    moved = 0
    for collection in CUSTOMER_REFERENCES:
        for doc in db[collection].find({"clientCustomerId": drop_id}):
            if doc.get("clientId") != client_id:
                continue
            db[collection].update_one({"_id": doc["_id"]}, {"$set": {"clientCustomerId": keep_id}})
            moved += 1
    return moved


class CustomerMerger:
    def __init__(
        self, store: Store, client_id: ObjectId, state: SyncState, now: Callable[[], datetime]
    ):
        self.store = store
        self.client_id = client_id
        self.state = state
        self.now = now

    def merge(self, first: dict[str, Any], second: dict[str, Any]) -> ObjectId:
        """Merge two customers (local or remote copies) with the same phone; returns the id
        kept. Writes go through the outbox, so the re-pointed documents are pushed."""
        keep, drop = sorted((first, second), key=lambda d: d["_id"])
        local_keep = self.store.get("clientCustomers", keep["_id"])
        local_drop = self.store.get("clientCustomers", drop["_id"])
        merged = merged_customer(
            local_keep if local_keep is not None else keep,
            local_drop if local_drop is not None else drop,
        )
        with self.store.unit_of_work() as db:
            repoint(db, self.client_id, drop["_id"], keep["_id"])
            self._forget_local(db, drop["_id"])
            if local_keep is None or dict(local_keep) != merged:
                db.clientCustomers.replace_one({"_id": keep["_id"]}, merged, upsert=True)
            self.state.record_merge(db, drop["_id"], keep["_id"], self.now())
        return keep["_id"]

    def apply_remote(self, drop_id: ObjectId, keep_id: ObjectId) -> None:
        """Another device merged ``drop_id`` into ``keep_id``: do the same here."""
        local_drop = self.store.get("clientCustomers", drop_id)
        local_keep = self.store.get("clientCustomers", keep_id)
        with self.store.unit_of_work() as db:
            repoint(db, self.client_id, drop_id, keep_id)
            if local_drop is not None and local_drop.get("clientId") == self.client_id:
                self._forget_local(db, drop_id)
                if local_keep is not None:
                    merged = merged_customer(local_keep, local_drop)
                    if merged != dict(local_keep):
                        db.clientCustomers.replace_one({"_id": keep_id}, merged)
            self.state.record_merge(db, drop_id, keep_id, self.now(), pushed=True)

    def _forget_local(self, db: Any, drop_id: ObjectId) -> None:
        """Delete the duplicate here without queueing a plain delete: the merge itself is
        pushed (remote delete plus a tombstone naming the kept customer)."""
        if self.store.get("clientCustomers", drop_id) is None:
            return
        with self.store.unit_of_work(record_outbox=False) as quiet:
            quiet.clientCustomers.delete_one({"_id": drop_id})
            pending = outbox_writer(self.store).pending("clientCustomers", drop_id)
            if pending is not None:
                quiet.outbox.delete_one({"_id": pending["_id"]})
