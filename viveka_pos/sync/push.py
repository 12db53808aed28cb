"""Push: drain the outbox to the remote, oldest first, in batches.

Each pending document is sent as it is now, with ``_hlc`` (when it was written) and
``_syncedAt`` (when it was pushed). The batch first reads the remote stamps of this shop's
copies (one query, through the shop filter). A copy already at our stamp or newer is left
alone; an older one is replaced on the condition that it still carries the stamp just read;
a missing one is upserted keyed by ``_id`` and the shop, conditional on no copy being there
at our stamp or newer. (Missing append-only documents are sent as plain inserts, which
cannot touch an existing document; those that turn out to exist take the same path.) So:

- a retried batch changes nothing (the remote already has our stamp);
- an older write never overwrites a newer one (the stamp condition does not match);
- a document of another shop is never touched (stamps are read through our ``clientId``,
  and a missing document's upsert names it).

When the condition fails the upsert collides with the existing ``_id`` (duplicate key); the
remote copy is then read to tell "already there or newer" (done: the outbox record goes) from a
real refusal (another unique key, e.g. a barcode or phone taken), which goes to the dead
letters, or, for a customer whose phone is taken, to a customer merge. A batch the server
refuses as a whole is retried one document at a time, so one bad document never blocks the
others. Outbox records leave only after the remote confirmed, and only if the document was
not written again meanwhile (``rev`` unchanged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import BSONError
from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError, WriteError

from ..gateways.remote import (
    TOMBSTONES,
    RemoteDatabase,
    remote_failure,
    unreachable,
)
from ..store import Store
from .deadletters import DeadLetters
from .merge import CustomerMerger
from .rules import APPEND_ONLY, PARENT_SCOPED, owner_of, shop_filter
from .stamps import HLC_FIELD, SYNC_FIELDS, SYNCED_AT_FIELD, format_stamp, observe, outbox_writer

log = logging.getLogger("viveka_pos.sync")

DUPLICATE_KEY = 11000
WriteOp = InsertOne[Any] | ReplaceOne[Any] | DeleteOne | UpdateOne

#: "no such document of this shop on the remote" (None is an unstamped one)
_ABSENT: Any = object()


@dataclass
class PushResult:
    pushed: int = 0
    """Documents (and deletions) the remote confirmed."""
    superseded: int = 0
    """Already on the remote, or the remote has a newer version (it comes back by pull)."""
    dead_lettered: int = 0
    merged: int = 0
    foreign: int = 0
    """Outbox records of another shop kept on this PC: left for that shop's sync."""
    batches: int = 0


@dataclass
class _Item:
    record: dict[str, Any]
    doc: dict[str, Any] | None
    body: dict[str, Any] | None = None
    stamp: str = ""
    error: dict[str, Any] | None = None

    @property
    def collection(self) -> str:
        return str(self.record["collection"])

    @property
    def doc_id(self) -> Any:
        return self.record["docId"]

    @property
    def is_delete(self) -> bool:
        return self.record["op"] == "delete" or self.doc is None


@dataclass
class _Outcome:
    done: list[_Item] = field(default_factory=list)
    dead: list[tuple[_Item, str, int | None]] = field(default_factory=list)
    superseded: int = 0


class Pusher:
    def __init__(self, store: Store, remote: RemoteDatabase, client_id: ObjectId,
                 device_id: str, letters: DeadLetters, merger: CustomerMerger,
                 now: Callable[[], datetime], batch_size: int = 500):
        self.store = store
        self.remote = remote
        self.client_id = client_id
        self.device_id = device_id
        self.letters = letters
        self.merger = merger
        self.now = now
        self.batch_size = batch_size

    # ------------------------------------------------------------------ entry
    def push(self) -> PushResult:
        result = PushResult()
        self.push_merges()
        records = sorted((r["seq"], r["_id"]) for r in self.store.iter_docs("outbox"))
        ids = [rid for _, rid in records]
        for start in range(0, len(ids), self.batch_size):
            self._push_batch(ids[start:start + self.batch_size], result)
        if result.merged:
            self.push_merges()
        outbox_writer(self.store).save_clock()
        return result

    def _stamp(self, value: int | None = None) -> str:
        clock = outbox_writer(self.store).clock
        return format_stamp(value if value else clock.tick(), self.device_id)

    # ---------------------------------------------------------- remote calls
    def _bulk(self, collection: str, ops: list[WriteOp]) -> dict[int, dict[str, Any]]:
        """Run ops unordered; returns the per-op errors by index.

        A refusal of the whole request (a document the driver cannot encode, a message the
        server rejects) is narrowed down by sending the operations one at a time.
        """
        if not ops:
            return {}
        coll = self.remote.collection(collection)
        try:
            coll.bulk_write(ops, ordered=False)
            return {}
        except BulkWriteError as exc:
            details = exc.details or {}
            if details.get("writeConcernErrors"):
                raise unreachable(self.remote.masked_url, exc) from None
            return {err["index"]: err for err in details.get("writeErrors", [])}
        except (BSONError, ValueError, TypeError) as exc:  # refused by the driver, here
            if len(ops) == 1:
                return {0: {"code": getattr(exc, "code", None),
                            "errmsg": f"{type(exc).__name__}: {exc}"[:500]}}
            errors: dict[int, dict[str, Any]] = {}
            for index, op in enumerate(ops):
                single = self._bulk(collection, [op])
                if single:
                    errors[index] = single[0]
            return errors
        except PyMongoError as exc:  # unreachable, or the whole request refused: retry later
            raise remote_failure(self.remote.masked_url, exc) from None

    def _observe_remote(self, collection: str) -> None:
        """Move our clock past the newest push of the shop, so our pushes sort after it
        (other devices' pull cursors may already be there)."""
        coll = self.remote.collection(collection)
        try:
            newest = list(coll.find(shop_filter(collection, self.client_id),
                                    {SYNCED_AT_FIELD: 1}).sort(SYNCED_AT_FIELD, -1).limit(1))
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        if newest:
            observe(outbox_writer(self.store).clock, newest[0].get(SYNCED_AT_FIELD))

    # ------------------------------------------------------------- batches
    def _read_batch(self, record_ids: Iterable[Any]) -> list[_Item]:
        items = []
        with self.store.read_lock():
            for rid in record_ids:
                record = self.store.get("outbox", rid)
                if record is None:
                    continue
                doc = None
                if record["op"] == "upsert":
                    doc = self.store.get(record["collection"], record["docId"])
                items.append(_Item(dict(record), doc))
        return items

    def _push_batch(self, record_ids: list[Any], result: PushResult) -> None:
        items = self._read_batch(record_ids)
        outcome = _Outcome()
        by_collection: dict[str, list[_Item]] = {}
        for item in items:
            reason = self._refusal(item)
            if reason == "foreign":
                result.foreign += 1
            elif reason:
                outcome.dead.append((item, reason, None))
            else:
                by_collection.setdefault(item.collection, []).append(item)
        for collection, group in by_collection.items():
            self._observe_remote(collection)
            self._push_collection(collection, group, outcome, result)
        self._finish(outcome, result)
        result.batches += 1

    def _refusal(self, item: _Item) -> str:
        """Why a record must not be pushed by this shop's sync ('' when it may)."""
        if item.is_delete:
            if item.collection == "clients" and item.doc_id != self.client_id:
                return "foreign"
            return ""
        assert item.doc is not None
        owner = owner_of(item.collection, item.doc, self.store.get)
        if owner == self.client_id:
            return ""
        if owner is None:
            scope = PARENT_SCOPED.get(item.collection)
            if scope is not None:
                return f"its parent ({scope.parent} {item.doc.get(scope.field)}) is not here"
            return "the document names no shop (clientId)"
        return "foreign"

    def _push_collection(self, collection: str, items: list[_Item], outcome: _Outcome,
                         result: PushResult) -> None:
        prepared = self._prepare(collection, [i for i in items if not i.is_delete], outcome)
        stamps = self._remote_stamps(collection, prepared)
        fresh, upserts = [], []
        for item in prepared:
            stamp = stamps.get(item.doc_id, _ABSENT)
            if isinstance(stamp, str) and stamp >= item.stamp:
                outcome.superseded += 1  # the remote has this write, or a newer one
                outcome.done.append(item)
            elif stamp is _ABSENT and collection in APPEND_ONLY:
                fresh.append(item)
            else:
                upserts.append(item)
        # those inserted elsewhere since the stamps were read come back, to the replace
        upserts += self._insert_new(collection, fresh, outcome)
        ops: list[WriteOp] = [
            self._upsert_op(collection, item, stamps.get(item.doc_id, _ABSENT))
            for item in upserts]
        errors = self._bulk(collection, ops)
        conflicts = []
        for index, item in enumerate(upserts):
            error = errors.get(index)
            if error is None:
                outcome.done.append(item)
            elif error.get("code") == DUPLICATE_KEY:
                item.error = error
                conflicts.append(item)
            else:
                outcome.dead.append((item, _reason(error), error.get("code")))
        if conflicts:
            self._resolve_conflicts(collection, conflicts, outcome, result)
        self._push_deletes(collection, [i for i in items if i.is_delete], outcome)
        self._enforce_single_device(collection, outcome.done)

    def _prepare(self, collection: str, upserts: list[_Item],
                 outcome: _Outcome) -> list[_Item]:
        """The documents as pushed: stamped, and with ``clientId`` where the spec has none."""
        ready = []
        for item in upserts:
            assert item.doc is not None
            item.stamp = self._stamp(item.record.get("hlc"))
            body = {k: v for k, v in item.doc.items() if k not in SYNC_FIELDS}
            if collection in PARENT_SCOPED and body.get("clientId") is None:
                body["clientId"] = self.client_id  # additive: lets the remote filter by shop
            body[HLC_FIELD] = item.stamp
            body[SYNCED_AT_FIELD] = self._stamp()
            try:
                ReplaceOne({"_id": item.doc_id}, body)  # the driver's own checks
            except (ValueError, TypeError) as exc:
                outcome.dead.append((item, f"cannot be sent: {exc}"[:500], None))
                continue
            item.body = body
            ready.append(item)
        return ready

    def _insert_new(self, collection: str, upserts: list[_Item],
                    outcome: _Outcome) -> list[_Item]:
        """Append-only documents not on the remote: insert them (the cheapest write, and one
        that cannot change any existing document). Those that exist after all (pushed by a
        retried batch since the stamps were read) go on to the conditional replace; returns
        them."""
        ops: list[WriteOp] = [InsertOne(item.body) for item in upserts if item.body is not None]
        errors = self._bulk(collection, ops)
        existing = []
        for index, item in enumerate(upserts):
            error = errors.get(index)
            if error is None:
                outcome.done.append(item)
            elif error.get("code") == DUPLICATE_KEY:
                existing.append(item)
            else:
                outcome.dead.append((item, _reason(error), error.get("code")))
        return existing

    def _remote_stamps(self, collection: str, items: list[_Item]) -> dict[Any, Any]:
        """The remote stamps (``_hlc``; None when unstamped) of this shop's documents among
        ``items``, by ``_id``: one query per batch."""
        if not items:
            return {}
        query = ({"_id": self.client_id} if collection == "clients"
                 else {"_id": {"$in": [i.doc_id for i in items]},
                       **shop_filter(collection, self.client_id)})
        try:
            return {d["_id"]: d.get(HLC_FIELD)
                    for d in self.remote.collection(collection).find(query, {HLC_FIELD: 1})}
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None

    def _upsert_op(self, collection: str, item: _Item, stamp: Any) -> WriteOp:
        """The write of one document, given its remote stamp (``_ABSENT``: not there).

        A stamped document of this shop is replaced on the condition that it still carries
        the stamp just read: that pins it to this shop (the stamp was read through the shop
        filter) and to that version, without the shop filter in the write, which some
        servers evaluate slowly. A missing document is upserted under the full condition,
        and an unstamped one (another tool's) fails it and goes on to conflict handling.
        """
        if isinstance(stamp, str):
            return ReplaceOne({"_id": item.doc_id, HLC_FIELD: stamp}, item.body, upsert=True)
        return ReplaceOne(self._doc_filter(collection, item.doc_id, HLC_FIELD,
                                           {"$lt": item.stamp}), item.body, upsert=True)

    def _doc_filter(self, collection: str, doc_id: Any, *extra: Any) -> dict[str, Any]:
        filt: dict[str, Any] = {"_id": doc_id}
        if collection != "clients":
            filt.update(shop_filter(collection, self.client_id))
        if extra:
            filt[extra[0]] = extra[1]
        return filt

    def _push_deletes(self, collection: str, deletes: list[_Item], outcome: _Outcome) -> None:
        if not deletes:
            return
        ops: list[WriteOp] = [DeleteOne(self._doc_filter(collection, i.doc_id)) for i in deletes]
        errors = self._bulk(collection, ops)
        tombs: list[WriteOp] = []
        tomb_items = []
        for index, item in enumerate(deletes):
            error = errors.get(index)
            if error is not None:
                outcome.dead.append((item, _reason(error), error.get("code")))
                continue
            item.stamp = self._stamp(item.record.get("hlc"))
            tombs.append(self._tombstone_op(collection, item.doc_id, item.stamp, None))
            tomb_items.append(item)
        tomb_errors = self._bulk(TOMBSTONES, tombs)
        for index, item in enumerate(tomb_items):
            error = tomb_errors.get(index)
            if error is None:
                outcome.done.append(item)
            else:
                outcome.dead.append((item, _reason(error), error.get("code")))

    def _tombstone_op(self, collection: str, doc_id: Any, stamp: str,
                      merged_into: Any) -> ReplaceOne:
        key = f"{collection}:{doc_id}"
        return ReplaceOne({"_id": key, "clientId": {"$in": [self.client_id]}}, {
            "_id": key,
            "clientId": self.client_id,
            "collection": collection,
            "docId": doc_id,
            "mergedInto": merged_into,
            "deletedAt": self.now(),
            "deviceId": self.device_id,
            HLC_FIELD: stamp,
            SYNCED_AT_FIELD: self._stamp(),
        }, upsert=True)

    # ---------------------------------------------------------- conflicts
    def _resolve_conflicts(self, collection: str, items: list[_Item], outcome: _Outcome,
                           result: PushResult) -> None:
        stamps = self._remote_stamps(collection, items)
        for item in items:
            assert item.body is not None and item.error is not None
            remote_stamp = stamps.get(item.doc_id, _ABSENT)
            if isinstance(remote_stamp, str) and remote_stamp >= item.stamp:
                outcome.superseded += 1
                outcome.done.append(item)
            elif remote_stamp is None:
                # Written by another tool (no stamp): ours is the newer write.
                self._replace_unstamped(collection, item, {HLC_FIELD: None}, outcome)
            elif remote_stamp is _ABSENT and collection in PARENT_SCOPED:
                # Possibly written by another tool without clientId: adopt it through its
                # parent, which this PC knows belongs to this shop.
                scope = PARENT_SCOPED[collection]
                self._replace_unstamped(collection, item, {
                    scope.field: {"$in": [item.body.get(scope.field)]}, "clientId": None,
                }, outcome)
            elif collection == "clientCustomers" and self._merge_customer(item):
                result.merged += 1
            else:
                outcome.dead.append((item, _reason(item.error), item.error.get("code")))

    def _replace_unstamped(self, collection: str, item: _Item, condition: dict[str, Any],
                           outcome: _Outcome) -> None:
        assert item.body is not None and item.error is not None
        filt = {"_id": item.doc_id, **condition}
        if collection != "clients" and "clientId" not in condition:
            filt.update(shop_filter(collection, self.client_id))
        try:
            matched = self.remote.collection(collection).replace_one(filt, item.body).matched_count
        except WriteError as exc:  # this document refused (e.g. another unique key)
            outcome.dead.append((item, _reason({"code": exc.code, "errmsg": str(exc)}),
                                 exc.code))
            return
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        if matched:
            outcome.done.append(item)
        else:
            outcome.dead.append((item, _reason(item.error), item.error.get("code")))

    def _merge_customer(self, item: _Item) -> bool:
        """Our customer's phone is taken on the remote by another customer: merge them."""
        assert item.doc is not None
        phone = item.doc.get("phoneNumber")
        try:
            twin = self.remote.collection("clientCustomers").find_one(
                {**shop_filter("clientCustomers", self.client_id), "phoneNumber": phone})
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        if twin is None or twin["_id"] == item.doc_id or twin.get("clientId") != self.client_id:
            return False
        kept = self.merger.merge(dict(item.doc), twin)
        log.info("merged customers %s and %s (same phone) into %s", item.doc_id, twin["_id"],
                 kept)
        return True

    # ------------------------------------------------------- device sessions
    def _enforce_single_device(self, collection: str, done: list[_Item]) -> None:
        """After this PC's active session reached the remote, end the shop's sessions on
        other PCs that are older (the spec's single-device policy, across PCs)."""
        if collection != "devicesessions":
            return
        mine = [i for i in done if i.body is not None and i.body.get("isActive")
                and i.body.get("deviceId") == self.device_id]
        if not mine:
            return
        stamp = max(i.stamp for i in mine)
        coll = self.remote.collection(collection)
        try:
            others = list(coll.find({**shop_filter(collection, self.client_id),
                                     "deviceId": {"$ne": self.device_id}}, {HLC_FIELD: 1,
                                                                            "isActive": 1}))
            for other in others:
                current = other.get(HLC_FIELD)
                if not other.get("isActive") or (isinstance(current, str) and current >= stamp):
                    continue
                coll.update_one(
                    self._doc_filter(collection, other["_id"], HLC_FIELD,
                                     {"$lt": stamp} if current is not None else None),
                    {"$set": {"isActive": False, "updatedAt": self.now(), HLC_FIELD: stamp,
                              SYNCED_AT_FIELD: self._stamp()}})
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None

    # --------------------------------------------------------------- merges
    def push_merges(self) -> int:
        """Delete merged-away customers on the remote and leave tombstones naming the
        customer kept, before any customer upsert (the phone is unique on the remote)."""
        merges = self.merger.state.unpushed_merges()
        if not merges:
            return 0
        deletes: list[WriteOp] = [
            DeleteOne(self._doc_filter("clientCustomers", m["drop"])) for m in merges]
        errors = self._bulk("clientCustomers", deletes)
        tombs: list[WriteOp] = [
            self._tombstone_op("clientCustomers", m["drop"], self._stamp(), m["keep"])
            for m in merges]
        tomb_errors = self._bulk(TOMBSTONES, tombs)
        pushed = [m for i, m in enumerate(merges) if i not in errors and i not in tomb_errors]
        with self.store.unit_of_work(record_outbox=False) as db:
            for merge in pushed:
                self.merger.state.mark_merge_pushed(db, merge["drop"])
        return len(pushed)

    # -------------------------------------------------------------- finish
    def _finish(self, outcome: _Outcome, result: PushResult) -> None:
        """Forget confirmed records and file refusals, in one local unit of work."""
        now = self.now()
        with self.store.unit_of_work(record_outbox=False) as db:
            for item in outcome.done:
                db.outbox.delete_one({"_id": item.record["_id"], "rev": item.record["rev"]})
                self.letters.clear(db, "push", item.collection, item.doc_id)
            for item, reason, code in outcome.dead:
                log.warning("push refused: %s %s: %s", item.collection, item.doc_id, reason)
                self.letters.add(db, client_id=self.client_id, direction="push",
                                 collection=item.collection, doc_id=item.doc_id,
                                 op=item.record["op"], reason=reason, code=code, now=now)
                db.outbox.delete_one({"_id": item.record["_id"], "rev": item.record["rev"]})
        result.pushed += len(outcome.done) - outcome.superseded
        result.superseded += outcome.superseded
        result.dead_lettered += len(outcome.dead)


def _reason(error: dict[str, Any]) -> str:
    text = str(error.get("errmsg") or "refused by the remote database")
    if error.get("code") == DUPLICATE_KEY:
        return f"another document already has the same unique value ({text})"[:1000]
    return text[:1000]
