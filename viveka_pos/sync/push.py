"""Push: drain the outbox to the remote, oldest first, in batches.

Every pushed write carries ``_hlc`` (when it was written here), ``_syncedAt`` (when it was
pushed) and ``updatedAt`` (the write's time, as the backend sets it on every save).

- **New documents** (not on the remote) are inserted whole. An item starts its remote stock
  bookkeeping (:mod:`.remote_stock`).
- **Append-only documents already there** (invoices, payments, movements...) never change,
  except the customer an invoice or purchase history points at (a customer merge): that field
  alone is ``$set``. Derived values then follow from the remote's own documents: an invoice's
  ``paidAmount``/``isFinalized`` from all its payments on the remote (:mod:`.derived`), an
  item's ``stock`` by this PC's new movements (:mod:`.remote_stock`).
- **Master data already there** gets a ``$set``/``$unset`` of the fields this PC changed
  since the remote version it last saw (its base, :mod:`.fields`), on the condition that the
  remote still is that version (``updatedAt``, ``__v``, ``_hlc``). If another writer changed
  it meanwhile, the remote document is read, merged per field with the local edit, the local
  copy takes the merge, and the write is retried against the new version. A document that
  keeps changing under us stays queued for the next sync.

Whether a write landed is read back (our ``_hlc`` on the document), so a retried batch
changes nothing twice. A document the remote refuses (another unique key taken, a value the
driver cannot send) goes to the dead letters and never blocks the others; a customer whose
phone is taken is merged with the remote one instead. Outbox records leave only after the
remote confirmed, and only if the document was not written again meanwhile (``rev``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from bson.errors import BSONError
from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError

from ..gateways.remote import (
    TOMBSTONES,
    remote_failure,
    unreachable,
)
from ..store.outbox import OUTBOX
from ..store.schema import DATABASE_NAME
from ..store.values import doc_key
from .batches import batches
from .deadletters import DeadLetters
from .derived import RemoteInvoices
from .fields import (
    DERIVED,
    MISSING,
    UPDATED_AT,
    VERSION_FIELDS,
    applied,
    changed_keys,
    flat,
    merge,
    same,
    stamp_time,
    stamped_doc,
    unflat,
    update_of,
    version,
    version_query,
    versioned_replace,
)
from .link import LinkedPart, ShopLink
from .merge import CustomerMerger
from .prefetch import prefetch
from .remote_stock import RemoteStock
from .rules import (
    APPEND_MUTABLE,
    APPEND_ONLY,
    MADE_AT,
    PARENT_SCOPED,
    owner_of,
    shop_filter,
)
from .stamps import (
    HLC_FIELD,
    SAVED_AT_FIELD,
    SYNC_FIELDS,
    SYNCED_AT_FIELD,
    observe,
    outbox_writer,
    stamp_value,
)
from .state import BASES

log = logging.getLogger("viveka_pos.sync")

DUPLICATE_KEY = 11000
WriteOp = InsertOne[Any] | ReplaceOne[Any] | DeleteOne | UpdateOne

#: Tries of a conditional master write within one push (then it waits for the next sync).
MASTER_ROUNDS: Final = 4
#: Writes per request while pushing: a batch's writes go in parts, each sent as soon as it is
#: built, so the server writes one part while the next is built here.
SEND_PART: Final = 250
#: Writes per request outside a push's batches (the driver splits what a message cannot hold).
MAX_PART: Final = 100_000
_VERSION_PROJECTION: Final = {name: 1 for name in VERSION_FIELDS}


@dataclass
class PushResult:
    pushed: int = 0
    """Documents (and deletions) the remote confirmed."""
    superseded: int = 0
    """Already on the remote as they are here (nothing to write)."""
    dead_lettered: int = 0
    merged: int = 0
    """Customers merged because the remote had one with the same phone."""
    field_merges: int = 0
    """Master documents changed on the remote meanwhile, merged per field and pushed."""
    deferred: int = 0
    """Master documents that kept changing under us: left queued for the next sync."""
    foreign: int = 0
    """Outbox records of another shop kept on this PC: left for that shop's sync."""
    batches: int = 0


@dataclass
class _Item:
    record: dict[str, Any]
    doc: dict[str, Any] | None
    body: dict[str, Any] | None = None
    stamp: str = ""
    stock_mark: str = ""
    remote: dict[str, Any] | None = None
    """The remote version the write is conditional on (None: a new document)."""
    base_after: dict[str, Any] | None = None
    """The remote document once the write landed (the next base of a master document)."""
    target: dict[str, Any] | None = None
    """What the local copy becomes once confirmed (merged fields, ``updatedAt``)."""
    head: dict[str, Any] | None = None
    """The remote version's fields a push compares (:meth:`Pusher._head_fields`), read
    before the batch's writes (None: not on the remote)."""
    base: dict[str, Any] | None = None
    """The remote version this PC last saw of a master document (read once, before its
    collection's writes; saved again only when the batch finishes)."""

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
    field_merges: int = 0
    deferred: int = 0
    merged: int = 0


class Pusher(LinkedPart):
    def __init__(
        self,
        link: ShopLink,
        letters: DeadLetters,
        merger: CustomerMerger,
        now: Callable[[], datetime],
        *,
        batch_size: int = 1000,
    ):
        super().__init__(link)
        self.letters = letters
        self.merger = merger
        self.now = now
        self.batch_size = batch_size
        self.last_matched = -1
        """Documents the last bulk write matched (-1: not known)."""
        self.stock = RemoteStock(link)
        self.invoices = RemoteInvoices(link)
        self._observed: set[str] = set()
        self._sender: ThreadPoolExecutor | None = None
        """Sends a batch's first bulk write while the batch before is finished here."""
        self._pending: tuple[_Outcome, PushResult] | None = None
        """A pushed batch whose local finishing (:meth:`_finish`) is still to do."""

    # ------------------------------------------------------------------ entry
    def push(self) -> PushResult:
        result = PushResult()
        self._observed = set()
        self.push_merges()
        records = sorted(
            (r["seq"], r["_id"], r["collection"], r["docId"], r["op"])
            for r in self.store.iter_docs("outbox")
        )
        plan = list(batches(records, self.batch_size))
        # The remote versions of the next batch are read while this one is pushed.
        heads = prefetch((self._heads_of(batch) for batch in plan), depth=1)
        self._sender = ThreadPoolExecutor(1, thread_name_prefix="viveka-sync-send")
        try:
            for batch, known in zip(plan, heads, strict=True):
                self._push_batch([record[1] for record in batch], result, known)
        finally:
            heads.close()
            self._sender.shutdown()
            self._sender = None
            self._finish_pending()  # what the remote confirmed leaves, even after a failure
        if result.merged:
            self.push_merges()
        outbox_writer(self.store).save_clock()
        return result

    # ---------------------------------------------------------- remote calls
    def _bulk(self, collection: str, ops: Iterable[WriteOp]) -> dict[int, dict[str, Any]]:
        """Run ops unordered; returns the per-op errors by index (and sets
        :attr:`last_matched` when none failed).

        During a push the operations go to the server in parts of :data:`SEND_PART`, each as
        soon as it is built (``ops`` may be a generator): the server writes one part while
        the next is built here, and while the batch before is finished here (local work
        only). A refusal of a whole request (a document the driver cannot encode, a message
        the server rejects) is narrowed down by sending its operations one at a time.
        """
        self.last_matched = -1
        coll = self.remote.collection(collection)
        sender = self._sender
        sent: list[tuple[list[WriteOp], Future[Any] | None]] = []
        errors: dict[int, dict[str, Any]] = {}
        matched: int | None = 0
        try:
            for part in batches(ops, SEND_PART if sender is not None else MAX_PART):
                sending = sender.submit(coll.bulk_write, part, ordered=False) if sender else None
                sent.append((part, sending))
                self._finish_pending()
            start = 0
            for part, sending in sent:
                part_errors, part_matched = self._outcome(collection, coll, part, sending)
                errors.update((start + index, error) for index, error in part_errors.items())
                matched = (
                    None if part_matched is None or matched is None else matched + part_matched
                )
                start += len(part)
        except BaseException:
            for _part, sending in sent:  # not sent yet: never sent
                if sending is not None:
                    sending.cancel()
            raise
        if not errors and matched is not None:
            self.last_matched = matched
        return errors

    def _outcome(
        self,
        collection: str,
        coll: Any,
        ops: list[WriteOp],
        sending: Future[Any] | None,
    ) -> tuple[dict[int, dict[str, Any]], int | None]:
        """The per-op errors of one request (sent already, or sent now) and how many
        documents it matched (None: not known)."""
        try:
            done = sending.result() if sending is not None else coll.bulk_write(ops, ordered=False)
            return {}, int(done.matched_count)
        except BulkWriteError as exc:
            details = exc.details or {}
            if details.get("writeConcernErrors"):
                raise unreachable(self.remote.masked_url, exc) from None
            return {err["index"]: err for err in details.get("writeErrors", [])}, None
        except (BSONError, ValueError, TypeError) as exc:  # refused by the driver, here
            if len(ops) == 1:
                return {
                    0: {
                        "code": getattr(exc, "code", None),
                        "errmsg": f"{type(exc).__name__}: {exc}"[:500],
                    }
                }, None
            errors: dict[int, dict[str, Any]] = {}
            for index, op in enumerate(ops):
                single = self._bulk(collection, [op])
                if single:
                    errors[index] = single[0]
            return errors, None
        except PyMongoError as exc:  # unreachable, or the whole request refused: retry later
            raise remote_failure(self.remote.masked_url, exc) from None

    def _observe_remote(self, collection: str) -> None:
        """Move our clock past the newest push of the shop, so our pushes sort after it
        (other devices' pull cursors may already be there).

        Once per collection and push: later batches are stamped later still, and a push
        landing elsewhere meanwhile is what the pull's overlap window is for (the query sorts
        the shop's whole collection on some servers)."""
        if collection in self._observed:
            return
        self._observed.add(collection)
        coll = self.remote.collection(collection)
        try:
            newest = list(
                coll.find(shop_filter(collection, self.client_id), {SYNCED_AT_FIELD: 1})
                .sort(SYNCED_AT_FIELD, -1)
                .limit(1)
            )
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        if newest:
            observe(outbox_writer(self.store).clock, newest[0].get(SYNCED_AT_FIELD))

    def _read_remote(
        self, collection: str, ids: Iterable[Any], projection: dict[str, int] | None = None
    ) -> dict[Any, dict[str, Any]]:
        """This shop's remote copies of ``ids`` (whole, or the projected fields), by ``_id``:
        one query."""
        return {d["_id"]: d for d in self.by_ids(collection, ids, projection)}

    # ------------------------------------------------------------- batches
    def _read_batch(self, record_ids: Iterable[Any]) -> list[_Item]:
        """A batch's outbox records (in the order given) and the documents they upsert, as
        they are now: one read of the records and one per collection, under the read lock
        (a record and its document agree)."""
        engine = self.store.engine
        with self.store.read_lock():
            record_keys = [doc_key(rid) for rid in record_ids]
            found = engine.get_many(OUTBOX, record_keys)
            records = [found[key] for key in record_keys if key in found]
            wanted: dict[str, dict[str, Any]] = {}
            for record in records:
                if record["op"] == "upsert":
                    keys = wanted.setdefault(record["collection"], {})
                    keys[doc_key(record["docId"])] = record["docId"]
            docs = {
                collection: engine.get_many(f"{DATABASE_NAME}.{collection}", list(keys))
                for collection, keys in wanted.items()
            }
            items = []
            for record in records:
                doc = None
                if record["op"] == "upsert":
                    doc = docs[record["collection"]].get(doc_key(record["docId"]))
                item = _Item(record, doc)
                if record["collection"] == "items" and doc is not None:
                    # Every movement of this PC already made counts in this stock value.
                    item.stock_mark = self.link.stamp()
                items.append(item)
        return items

    def _heads_of(self, records: list[tuple[Any, ...]]) -> dict[str, dict[Any, dict[str, Any]]]:
        """The remote copies (what a push compares, :meth:`_head_fields`) of the documents
        a batch of outbox records upserts, per collection: one query per collection.

        Read ahead of the batch's writes; a write is still conditional on the version read
        (a version that changed since is read again, merged and retried)."""
        wanted: dict[str, list[Any]] = {}
        for _seq, _rid, collection, doc_id, op in records:
            if op == "upsert":
                wanted.setdefault(collection, []).append(doc_id)
        return {
            collection: self._read_remote(collection, ids, self._head_fields(collection))
            for collection, ids in wanted.items()
        }

    @staticmethod
    def _head_fields(collection: str) -> dict[str, int] | None:
        """What a push needs to know of a remote document before writing it (None: all of
        it). A master document is read whole: when its version is not the base here, the
        push merges with it, so one read serves both (master documents are small; a
        projection saved a few hundred bytes each, and cost a second round trip whenever a
        version had moved, and the test server more CPU than the whole document)."""
        if collection not in APPEND_ONLY:
            return None
        mutable = APPEND_MUTABLE.get(collection, ())
        return {HLC_FIELD: 1, UPDATED_AT: 1, **{name: 1 for name in mutable}}

    def _push_batch(
        self,
        record_ids: list[Any],
        result: PushResult,
        heads: dict[str, dict[Any, dict[str, Any]]],
    ) -> None:
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
            self._push_collection(collection, group, outcome, heads.get(collection))
        # Finished here while the next batch's first write is with the server (or at the end).
        self._pending = (outcome, result)
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

    def _push_collection(
        self,
        collection: str,
        items: list[_Item],
        outcome: _Outcome,
        heads: dict[Any, dict[str, Any]] | None,
    ) -> None:
        first_done = len(outcome.done)
        upserts = [i for i in items if not i.is_delete]
        if collection not in APPEND_ONLY:
            bases = self.state.bases(collection, [i.doc_id for i in upserts])
            for item in upserts:
                item.base = bases.get(item.doc_id)
        prepared = self._prepare(collection, upserts, outcome)
        if heads is None:  # (not read ahead)
            ids = [i.doc_id for i in prepared]
            heads = self._read_remote(collection, ids, self._head_fields(collection))
        for item in prepared:
            item.head = heads.get(item.doc_id)
        if collection in APPEND_ONLY:
            self._push_appends(collection, prepared, outcome)
        else:
            self._push_master(collection, prepared, outcome)
        self._push_deletes(collection, [i for i in items if i.is_delete], outcome)
        done = [i for i in outcome.done[first_done:] if not i.is_delete and i.doc is not None]
        self._enforce_single_device(collection, done)
        self._follow_derived(collection, done)

    def _prepare(self, collection: str, upserts: list[_Item], outcome: _Outcome) -> list[_Item]:
        """The documents as pushed: stamped, timed, and with ``clientId`` where the spec has
        none."""
        ready = []
        for item in upserts:
            assert item.doc is not None
            item.stamp = self.link.stamp(item.record.get("hlc"))
            body = {k: v for k, v in item.doc.items() if k not in SYNC_FIELDS}
            if collection in PARENT_SCOPED and body.get("clientId") is None:
                body["clientId"] = self.client_id  # additive: lets the remote filter by shop
            if collection not in APPEND_ONLY:
                # A save, timed as the backend times its saves.
                body[UPDATED_AT] = self._save_time(collection, item)
            elif body.get(UPDATED_AT) is None:
                # Made by an older version without it: the time it was made (the local copy
                # takes it too once the remote has it).
                body[UPDATED_AT] = body.get(MADE_AT[collection]) or stamp_time(
                    stamp_value(item.stamp) or 0
                )
            body[SAVED_AT_FIELD] = body.get(UPDATED_AT)
            body[HLC_FIELD] = item.stamp
            body[SYNCED_AT_FIELD] = self.link.stamp()
            if collection == "items":
                body.update(self.stock.fields_of_new(body, item.stock_mark))
            try:
                ReplaceOne({"_id": item.doc_id}, body)  # the driver's own checks
            except (ValueError, TypeError) as exc:
                outcome.dead.append((item, f"cannot be sent: {exc}"[:500], None))
                continue
            item.body = body
            ready.append(item)
        return ready

    def _save_time(self, collection: str, item: _Item) -> Any:
        """``updatedAt`` of a pushed save: the time the edit here gave it (services set it,
        to the millisecond), else the time of the write's stamp."""
        assert item.doc is not None
        local = item.doc.get(UPDATED_AT)
        base = item.base
        if (
            isinstance(local, datetime)
            and local.microsecond % 1000 == 0
            and (base is None or local != base.get(UPDATED_AT))
        ):
            return local
        return stamp_time(stamp_value(item.stamp) or 0)

    def _meta(self, item: _Item) -> dict[str, Any]:
        """What every pushed write sets besides its fields."""
        assert item.body is not None
        return {
            UPDATED_AT: item.body[UPDATED_AT],
            HLC_FIELD: item.stamp,
            SYNCED_AT_FIELD: item.body[SYNCED_AT_FIELD],
            SAVED_AT_FIELD: item.body[UPDATED_AT],
        }

    # -------------------------------------------------------------- inserts
    def _insert_new(self, collection: str, items: list[_Item], outcome: _Outcome) -> list[_Item]:
        """Insert documents not on the remote (the cheapest write, and one that cannot change
        an existing document). Returns those refused for a duplicate key, split into
        those whose ``_id`` is there after all (for the caller's update path)."""
        ops: list[WriteOp] = [InsertOne(item.body) for item in items if item.body is not None]
        errors = self._bulk(collection, ops)
        duplicates = []
        for index, item in enumerate(items):
            error = errors.get(index)
            if error is None:
                item.base_after = dict(item.body or {})
                target = self._local_target(item, item.body or {})
                item.target = target if target != item.doc else None
                outcome.done.append(item)
            elif error.get("code") == DUPLICATE_KEY:
                duplicates.append((item, error))
            else:
                outcome.dead.append((item, _reason(error), error.get("code")))
        if not duplicates:
            return []
        present = self._read_remote(
            collection, [i.doc_id for i, _ in duplicates], _VERSION_PROJECTION
        )
        existing = []
        for item, error in duplicates:
            if item.doc_id in present or (
                collection in PARENT_SCOPED and self._adopt_unscoped(collection, item)
            ):
                existing.append(item)
            elif collection == "clientCustomers" and self._merge_customer(item):
                # Stays queued: pushed once the merge has removed the twin on the remote.
                outcome.merged += 1
            else:
                outcome.dead.append((item, _reason(error), error.get("code")))
        return existing

    def _adopt_unscoped(self, collection: str, item: _Item) -> bool:
        """A document another tool wrote without ``clientId`` (spec: order lines): give it our
        shop's id when its parent is ours, so the normal conditional write can proceed."""
        assert item.body is not None
        scope = PARENT_SCOPED[collection]
        try:
            found = self.remote.collection(collection).update_one(
                {
                    "_id": item.doc_id,
                    "clientId": None,
                    scope.field: {"$in": [item.body.get(scope.field)]},
                },
                {"$set": {"clientId": self.client_id}},
            )
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        return bool(found.matched_count)

    # ---------------------------------------------------------- append-only
    def _push_appends(self, collection: str, items: list[_Item], outcome: _Outcome) -> None:
        mutable = APPEND_MUTABLE.get(collection, ())
        projection = self._head_fields(collection)
        heads = {i.doc_id: i.head for i in items if i.head is not None}
        fresh = [i for i in items if i.doc_id not in heads]
        existing = self._insert_new(collection, fresh, outcome)
        if existing:
            heads.update(self._read_remote(collection, [i.doc_id for i in existing], projection))
        ops: list[WriteOp] = []
        updated = []
        for item in [i for i in items if i.doc_id in heads]:
            assert item.body is not None
            head = heads[item.doc_id]
            sets = {
                name: item.body[name]
                for name in mutable
                if name in item.body and not same(item.body[name], head.get(name, MISSING))
            }
            if not sets:  # already there as it is here (a retried batch, a pulled document)
                outcome.superseded += 1
                outcome.done.append(item)
                item.target = self._local_target(
                    item, {k: v for k, v in head.items() if k == UPDATED_AT}
                )
                continue
            updated.append(item)
        whole = self._read_remote(collection, [i.doc_id for i in updated])
        for item in updated:
            remote = whole.get(item.doc_id)
            if remote is None:
                continue  # deleted meanwhile: the next push inserts it
            assert item.body is not None
            changes = {name: item.body[name] for name in mutable if name in item.body}
            ops.append(versioned_replace(remote, changes, item.stamp))
            item.target = self._local_target(item, stamped_doc(remote, changes, item.stamp))
        errors = self._bulk(collection, ops)
        written = [i for i in updated if i.target is not None]
        landed = self._read_remote(collection, [i.doc_id for i in written], {HLC_FIELD: 1})
        for index, item in enumerate(written):
            error = errors.get(index)
            if error is not None:
                outcome.dead.append((item, _reason(error), error.get("code")))
            elif landed.get(item.doc_id, {}).get(HLC_FIELD) == item.stamp:
                outcome.done.append(item)
            else:
                outcome.deferred += 1  # written meanwhile: pushed again next sync

    # --------------------------------------------------------------- master
    def _push_master(self, collection: str, items: list[_Item], outcome: _Outcome) -> None:
        todo = items
        for round_number in range(MASTER_ROUNDS):
            if not todo:
                return
            todo = self._master_round(collection, todo, outcome, reread=round_number > 0)
        for item in todo:
            log.info(
                "%s %s kept changing on the remote: left for the next sync", collection, item.doc_id
            )
        outcome.deferred += len(todo)

    def _master_round(
        self, collection: str, items: list[_Item], outcome: _Outcome, *, reread: bool
    ) -> list[_Item]:
        """One try of conditional writes, on the remote versions read before the batch's
        writes (``reread``: read now); returns the items to try again."""
        if reread:
            heads = self._read_remote(collection, [i.doc_id for i in items])
        else:
            heads = {i.doc_id: i.head for i in items if i.head is not None}
        fresh, plain = [], []
        for item in items:
            head = heads.get(item.doc_id)
            base = item.base
            if head is None:
                fresh.append(item)
                continue
            if base is not None and version(base) == version(head):
                item.remote = base
            else:  # written by another writer since this PC saw it: merged field by field
                item.remote = head
                outcome.field_merges += 1
            plain.append(item)
        retry = self._insert_new(collection, fresh, outcome)
        written: list[_Item] = []
        errors = self._bulk(collection, self._updates(collection, plain, outcome, written))
        if not errors and self.last_matched == len(written):
            outcome.done.extend(written)  # every condition held: all landed
            return retry
        check = []
        for index, item in enumerate(written):
            error = errors.get(index)
            if error is None:
                check.append(item)
            else:
                outcome.dead.append((item, _reason(error), error.get("code")))
        landed = self._read_remote(collection, [i.doc_id for i in check], {HLC_FIELD: 1})
        for item in check:
            if landed.get(item.doc_id, {}).get(HLC_FIELD) == item.stamp:
                outcome.done.append(item)
            else:
                retry.append(item)  # another writer got there first: read, merge, again
        return retry

    def _updates(
        self, collection: str, items: list[_Item], outcome: _Outcome, written: list[_Item]
    ) -> Iterator[WriteOp]:
        """The conditional writes of ``items``, built as they are sent (those written go
        to ``written``, in the order of their writes; those with nothing to write are done)."""
        for item in items:
            op = self._conditional_update(collection, item)
            if op is None:
                outcome.superseded += 1
                outcome.done.append(item)
            else:
                written.append(item)
                yield op

    def _conditional_update(self, collection: str, item: _Item) -> ReplaceOne[Any] | None:
        """The write of this PC's changes onto ``item.remote`` (None: nothing to write).

        Sets ``item.target`` (the local copy afterwards) and ``item.base_after``.
        """
        assert item.doc is not None and item.remote is not None
        remote = item.remote
        base = item.base
        if base is not None and (remote is base or version(base) == version(remote)):
            fields = flat(collection, item.doc)
        else:
            fields = merge(collection, base, item.doc, remote, item.stamp)
        sets, unsets = update_of(fields, flat(collection, remote))
        if not sets and not unsets:
            item.base_after = dict(remote)
            item.target = self._local_target(item, {**unflat(collection, fields, remote)})
            return None
        meta = self._meta(item)
        item.base_after = applied(remote, collection, sets, unsets, meta)
        item.target = self._local_target(item, {**unflat(collection, fields, remote), **meta})
        # The remote version read, with this PC's changed fields applied, replaces it only if
        # it still is that version: the effect of a conditional $set of those fields (a date
        # given in $set is stored as text by some compatible servers; a whole document is not).
        return ReplaceOne(version_query(remote), item.base_after)

    def _local_target(self, item: _Item, remote_view: dict[str, Any]) -> dict[str, Any]:
        """The local document once the write is confirmed: as read, with what the remote now
        holds for the fields given (never derived values, never sync fields)."""
        assert item.doc is not None
        skip = SYNC_FIELDS | DERIVED.get(item.collection, frozenset()) | {"_id"}
        if "clientId" not in item.doc:
            skip = skip | {"clientId"}  # added for the remote only (order lines)
        return {**item.doc, **{k: v for k, v in remote_view.items() if k not in skip}}

    # ----------------------------------------------------- derived values
    def _follow_derived(self, collection: str, done: list[_Item]) -> None:
        """Derived values on the remote that the documents just pushed change."""
        if collection == "stockmovements":
            self.stock.count(
                [i.doc for i in done if i.doc is not None],
                [i.stamp for i in done if i.doc is not None],
            )
        elif collection == "payments":
            self.invoices.settle({i.doc.get("invoiceId") for i in done if i.doc is not None})
        elif collection == "invoices":
            self.invoices.settle(
                {i.doc_id for i in done if i.base_after is None and i.doc is not None}
            )

    def _doc_filter(self, collection: str, doc_id: Any) -> dict[str, Any]:
        filt: dict[str, Any] = {"_id": doc_id}
        if collection != "clients":
            filt.update(shop_filter(collection, self.client_id))
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
            item.stamp = self.link.stamp(item.record.get("hlc"))
            tombs.append(self._tombstone_op(collection, item.doc_id, item.stamp, None))
            tomb_items.append(item)
        tomb_errors = self._bulk(TOMBSTONES, tombs)
        for index, item in enumerate(tomb_items):
            error = tomb_errors.get(index)
            if error is None:
                outcome.done.append(item)
            else:
                outcome.dead.append((item, _reason(error), error.get("code")))

    def _tombstone_op(
        self, collection: str, doc_id: Any, stamp: str, merged_into: Any
    ) -> ReplaceOne:
        """The deletion record of a document: written like any pushed document, with
        ``updatedAt`` (the pull's pass by ``updatedAt`` sees it too) and our stamps."""
        key = f"{collection}:{doc_id}"
        synced_at = self.link.stamp()
        return ReplaceOne(
            {"_id": key, "clientId": {"$in": [self.client_id]}},
            {
                "_id": key,
                "clientId": self.client_id,
                "collection": collection,
                "docId": doc_id,
                "mergedInto": merged_into,
                "deletedAt": self.now(),
                "deviceId": self.device_id,
                UPDATED_AT: stamp_time(stamp_value(synced_at) or 0),
                HLC_FIELD: stamp,
                SYNCED_AT_FIELD: synced_at,
            },
            upsert=True,
        )

    # ---------------------------------------------------------- conflicts
    def _merge_customer(self, item: _Item) -> bool:
        """Our customer's phone is taken on the remote by another customer: merge them."""
        assert item.doc is not None
        phone = item.doc.get("phoneNumber")
        try:
            twin = self.remote.collection("clientCustomers").find_one(
                {**shop_filter("clientCustomers", self.client_id), "phoneNumber": phone}
            )
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        if twin is None or twin["_id"] == item.doc_id or twin.get("clientId") != self.client_id:
            return False
        kept = self.merger.merge(dict(item.doc), twin)
        log.info("merged customers %s and %s (same phone) into %s", item.doc_id, twin["_id"], kept)
        return True

    # ------------------------------------------------------- device sessions
    def _enforce_single_device(self, collection: str, done: list[_Item]) -> None:
        """After this PC's active session reached the remote, end the shop's sessions on
        other PCs that are older (the spec's single-device policy, across PCs)."""
        if collection != "devicesessions":
            return
        mine = [
            i
            for i in done
            if i.body is not None
            and i.body.get("isActive")
            and i.body.get("deviceId") == self.device_id
        ]
        if not mine:
            return
        stamp = max(i.stamp for i in mine)
        coll = self.remote.collection(collection)
        try:
            others = list(
                coll.find(
                    {**shop_filter(collection, self.client_id), "deviceId": {"$ne": self.device_id}}
                )
            )
            for other in others:
                current = other.get(HLC_FIELD)
                if not other.get("isActive") or (isinstance(current, str) and current >= stamp):
                    continue
                # Stamped with our session's stamp: a later login elsewhere still wins.
                coll.bulk_write([versioned_replace(other, {"isActive": False}, stamp)])
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
            DeleteOne(self._doc_filter("clientCustomers", m["drop"])) for m in merges
        ]
        errors = self._bulk("clientCustomers", deletes)
        tombs: list[WriteOp] = [
            self._tombstone_op("clientCustomers", m["drop"], self.link.stamp(), m["keep"])
            for m in merges
        ]
        tomb_errors = self._bulk(TOMBSTONES, tombs)
        pushed = [m for i, m in enumerate(merges) if i not in errors and i not in tomb_errors]
        with self.store.unit_of_work(record_outbox=False) as db:
            for merge in pushed:
                self.merger.state.mark_merge_pushed(db, merge["drop"])
        return len(pushed)

    # -------------------------------------------------------------- finish
    def _finish_pending(self) -> None:
        if self._pending is not None:
            outcome, result = self._pending
            self._pending = None
            self._finish(outcome, result)

    def _finish(self, outcome: _Outcome, result: PushResult) -> None:
        """Forget confirmed records, remember the remote versions, bring local copies level
        with what the remote now holds, and file refusals: one local unit of work."""
        now = self.now()
        any_letters = self.letters.count() > 0
        with self.store.unit_of_work(record_outbox=False) as db:
            bases: dict[Any, dict[str, Any]] = {}
            for item in outcome.done:
                if any_letters:
                    self.letters.clear(db, "push", item.collection, item.doc_id)
                if item.base_after is not None and item.collection not in APPEND_ONLY:
                    base = self.state.base_record(item.collection, item.base_after, item.base)
                    if base is not None:
                        bases[base["_id"]] = base
                if item.target is not None and item.target != item.doc:
                    _level_local(db, item)
            if bases:
                self.store.engine.put_plain_docs(BASES, list(bases.values()))
            for item, reason, code in outcome.dead:
                log.warning("push refused: %s %s: %s", item.collection, item.doc_id, reason)
                self.letters.add(
                    db,
                    client_id=self.client_id,
                    direction="push",
                    collection=item.collection,
                    doc_id=item.doc_id,
                    op=item.record["op"],
                    reason=reason,
                    code=code,
                    now=now,
                )
            # Each record leaves only if no write here bumped it since the batch read it.
            outbox_writer(self.store).forget(
                [i.record for i in outcome.done] + [i.record for i, _, _ in outcome.dead]
            )
        result.pushed += len(outcome.done) - outcome.superseded
        result.superseded += outcome.superseded
        result.dead_lettered += len(outcome.dead)
        result.field_merges += outcome.field_merges
        result.deferred += outcome.deferred
        result.merged += outcome.merged


def _level_local(db: Any, item: _Item) -> None:
    """Write the confirmed view locally, keeping any edit made here since the push read the
    document (a field that changed here meanwhile keeps the newer local value)."""
    assert item.doc is not None and item.target is not None
    coll = item.collection
    now_doc = db[coll].find_one({"_id": item.doc_id})
    if now_doc is None:
        return
    read, target, current = flat(coll, item.doc), flat(coll, item.target), flat(coll, now_doc)
    fields = dict(current)
    for key in changed_keys(read, target):
        if same(current.get(key, MISSING), read.get(key, MISSING)):
            if key in target:
                fields[key] = target[key]
            else:
                fields.pop(key, None)
    new = unflat(coll, fields, now_doc)
    if same(now_doc.get(UPDATED_AT), item.doc.get(UPDATED_AT)) and UPDATED_AT in item.target:
        new[UPDATED_AT] = item.target[UPDATED_AT]
    if new != now_doc:
        db[coll].replace_one({"_id": item.doc_id}, new)


def _reason(error: dict[str, Any]) -> str:
    text = str(error.get("errmsg") or "refused by the remote database")
    if error.get("code") == DUPLICATE_KEY:
        return f"another document already has the same unique value ({text})"[:1000]
    return text[:1000]
