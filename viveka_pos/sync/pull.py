"""Pull: bring this shop's documents that other writers changed, and apply them here.

Two passes per collection find what changed since the last pull:

- by ``_syncedAt`` (our push stamp, on a clock that survives a wrong PC clock): what PCs
  pushed, from a saved cursor less an overlap (two PCs' pushes land out of stamp order),
  the overlap left out once no push can still land there (:mod:`.settled`);
- by ``updatedAt`` (Mongoose's timestamp, set by the spec's backend on every save and by PCs
  too): what *any* writer changed, from the remote server's time at the start of the last
  pass less the same overlap (writers' clocks and in-flight saves).

A *full* pull reads every document of the shop by ``_id`` instead: on first sync, and now and
then, for documents that carry neither (other tools) and anything a window missed.

Applying a pulled document (without recording it in the outbox, so it is not pushed back):

- master data: without a local edit waiting, the pulled version replaces the local one;
  with one, the two merge per field (:mod:`.fields`: this PC keeps the fields it changed
  since the version it last saw) and the edit stays queued. The pulled version becomes the
  base the next push is conditional on. App-only settings the remote lost are put back and
  pushed;
- append-only documents are added; a local re-point of their customer waits to be pushed;
- derived values are never taken from the pulled document: an item keeps its local
  ``stock`` (a backend's edit of it becomes a movement, :mod:`.remote_stock`); invoices whose
  payments arrived get ``paidAmount``/``isFinalized`` recomputed from all their payments;
- a version equal to the local document is not written at all;
- a customer whose phone belongs to another local customer is merged with it;
- a document that cannot be applied (a unique key taken here) goes to the dead letters.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from bson import ObjectId
from pymongo.cursor import Cursor
from pymongo.errors import PyMongoError

from ..domain.ids import purchase_history_id
from ..domain.settlement import payment_changes
from ..domain.stored import paise_of, quantity_of
from ..gateways.remote import TOMBSTONES, remote_failure
from ..store import DuplicateKeyError, Store
from ..store.schema import DATABASE_NAME, SYNCED
from ..store.values import doc_key
from .batches import batches
from .deadletters import DeadLetters
from .fields import MISSING, UPDATED_AT, flat, merge, restore_app_settings, unflat, version
from .link import LinkedPart, ShopLink
from .merge import CustomerMerger
from .prefetch import prefetch
from .remote_stock import RemoteStock
from .rules import (
    APPEND_MUTABLE,
    APPEND_ONLY,
    LOCAL_DERIVED,
    PARENT_SCOPED,
    PULL_ORDER,
    owner_of,
    shop_filter,
)
from .settled import settling
from .stamps import (
    HLC_FIELD,
    SAVED_AT_FIELD,
    STOCK_SUM_FIELD,
    SYNC_FIELDS,
    SYNCED_AT_FIELD,
    floor_stamp,
    observe,
    outbox_writer,
    stamp_device,
    stamp_value,
)
from .state import BASES
from .validate import problem_of, set_aside

log = logging.getLogger("viveka_pos.sync")

_RECOMPUTE_CHUNK = 500
#: What tells whether this PC has a remote version already (:meth:`Puller._already_here`).
_HEAD_FIELDS: Final = {
    name: 1
    for name in (
        "_id",
        UPDATED_AT,
        "__v",
        HLC_FIELD,
        SAVED_AT_FIELD,
        SYNCED_AT_FIELD,
        STOCK_SUM_FIELD,
        "stock",
    )
}
#: collections whose pulled documents are written one at a time: applying one reads others
#: of the same collection that one before it in the page may have written (a customer's
#: twin by phone; the purchase history derived for the same invoice)
_ONE_BY_ONE: Final = frozenset({TOMBSTONES, "clientCustomers", "purchasehistories"})
#: past this many invoices (items) touched by a pull, their payments (movements) are found by
#: one scan of the collection rather than one indexed query each
_SCAN_FROM_PARENTS = 2000


@dataclass
class PullResult:
    received: int = 0
    applied: int = 0
    unchanged: int = 0
    kept_local: int = 0
    """Pulled versions older than an unpushed local write (the local one is pushed)."""
    deleted: int = 0
    merged: int = 0
    dead_lettered: int = 0
    refused: int = 0
    """Documents of another shop the server returned anyway (never applied)."""
    recomputed: int = 0
    stock_edits: int = 0
    """Stock edits by another writer, recorded here as movements."""
    session_revoked: bool = False
    full: bool = False


#: the follow-up work a page keeps until the pull has done it (:meth:`_Touched.note`). A
#: later pull would not bring it back: it finds append-only documents already here, and a
#: backend save whose app settings are to be put back may be out of its windows by then
_KEPT_WORK: Final = ("invoices", "items", "history_twins", "repoints", "restored")


@dataclass
class _Touched:
    invoices: set[Any] = field(default_factory=set)
    items: set[Any] = field(default_factory=set)
    customer_twins: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    stock_edits: list[dict[str, Any]] = field(default_factory=list)
    restored: list[tuple[str, Any]] = field(default_factory=list)
    """Documents whose app-only settings the remote lost: pushed back."""
    history_twins: list[Any] = field(default_factory=list)
    """Purchase histories this PC derived for an invoice that has the backend's own."""
    repoints: list[tuple[str, Any, Any]] = field(default_factory=list)
    remote_merges: list[tuple[Any, Any]] = field(default_factory=list)
    fresh: dict[str, list[Any]] = field(default_factory=dict)
    """The work of :data:`_KEPT_WORK` noted since the last page kept it."""

    @classmethod
    def kept(cls, records: list[dict[str, Any]]) -> _Touched:
        """The follow-up work an earlier pull kept and did not do (``SyncState.followups``)."""
        touched = cls()
        for work in records:
            for kind in _KEPT_WORK:
                kept = getattr(touched, kind)
                values = work.get(kind)
                if not isinstance(values, list):
                    continue  # (none of this kind, or not written by this code)
                if isinstance(kept, set):
                    kept.update(values)
                else:  # (tuples are kept as lists)
                    kept.extend(tuple(v) if isinstance(v, list) else v for v in values)
        return touched

    def note(self, kind: str, value: Any) -> None:
        """Add work of ``kind`` (one of :data:`_KEPT_WORK`), to be kept with its page."""
        work = getattr(self, kind)
        if isinstance(work, set):
            if value in work:
                return  # kept already, with this page or an earlier one
            work.add(value)
        else:
            work.append(value)
        self.fresh.setdefault(kind, []).append(value)


@dataclass
class _PageWrites:
    """The writes of a page held back to be made together (``SqliteEngine.put_docs``):
    the documents (with what their write is followed by) and their bases."""

    collection: str
    docs: list[tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None, bool]] = field(
        default_factory=list
    )
    """(document, local version, its outbox record, whether that record stays)"""
    bases: list[dict[str, Any]] = field(default_factory=list)
    ids: set[Any] = field(default_factory=set)
    known: dict[Any, tuple[dict[str, Any] | None, dict[str, Any] | None]] = field(
        default_factory=dict
    )
    """The page's documents' local versions and outbox records, read together beforehand
    (each used once: a document that comes twice is read again the second time)."""

    def holds(self, doc_id: Any) -> bool:
        """Whether a write of this document is held back already."""
        return _keyable(doc_id) and doc_id in self.ids

    def read_ahead(self, store: Store, page: list[dict[str, Any]]) -> None:
        ids = list(dict.fromkeys(doc["_id"] for doc in page if _keyable(doc.get("_id"))))
        keys = {doc_key(doc_id): doc_id for doc_id in ids}
        local = store.engine.get_many(f"{DATABASE_NAME}.{self.collection}", list(keys))
        pending = outbox_writer(store).pending_many(self.collection, ids)
        self.known = {doc_id: (local.get(key), pending.get(doc_id)) for key, doc_id in keys.items()}


_Heads = tuple[list[dict[str, Any]], dict[Any, Any]]
"""A page of versions (:data:`_HEAD_FIELDS`) and the ``updatedAt`` of their local copies."""


PAGES_AHEAD: Final = 8
"""Pages of a collection read ahead of the one being applied. While the reader holds them,
the server is free for the versions of the collections still to come (:class:`_Turns`),
and the pages it holds keep this PC busy meanwhile (a page of items: about 2 MB)."""
PAGES_AHEAD_LARGE: Final = 2
"""The same, for collections of large documents (a page of invoices: about 13 MB)."""
LARGE_DOCUMENTS: Final = frozenset({"invoices", "creditnotes"})


class _Turns:
    """When the helper may read the versions of a collection still to come: once the pull
    reaches it, or once the collection being pulled asks nothing more of the server for a
    while (its reader holds all the pages it may read ahead, or has read them all). Not
    while the pull waits on the server for a page or for documents it asked for whole: a
    server that answers one query at a time would make it wait for the helper's."""

    def __init__(self) -> None:
        self._state = threading.Condition()
        self._at = -1
        self._free = False
        self._stopped = False

    def begin(self, place: int) -> None:
        with self._state:
            self._at, self._free = place, False
            self._state.notify_all()

    def server_free(self) -> None:
        with self._state:
            if not self._free:
                self._free = True
                self._state.notify_all()

    def stop(self) -> None:
        with self._state:
            self._stopped = True
            self._state.notify_all()

    def wait(self, place: int) -> bool:
        """Wait for the turn of the collection at ``place``; False once the pull ended."""
        with self._state:
            self._state.wait_for(lambda: self._stopped or self._free or self._at >= place)
            return not self._stopped


class Puller(LinkedPart):
    def __init__(
        self,
        link: ShopLink,
        letters: DeadLetters,
        merger: CustomerMerger,
        now: Callable[[], datetime],
        *,
        page_size: int = 1000,
        overlap_micros: int = 10 * 60 * 1_000_000,
    ):
        super().__init__(link)
        self.letters = letters
        self.merger = merger
        self.now = now
        self.page_size = page_size
        self.overlap_micros = overlap_micros
        self.stock = RemoteStock(link)
        self._server_time: datetime | None = None
        self._turns = _Turns()
        self._heads: dict[str, Future[list[_Heads]]] = {}
        """The windows' versions of each collection, being read ahead (during a pull)."""
        self._settled: set[str] = set()
        """Collections whose overlap before the cursor has settled (this pull, :mod:`.settled`)."""
        self._settlings: dict[str, dict[str, Any]] = {}
        """What to remember of each collection's overlap once its pass is done."""

    # ------------------------------------------------------------------ entry
    def pull(self, *, full: bool = False) -> PullResult:
        result = PullResult(full=full)
        touched = _Touched.kept(self.state.followups())  # what a pull cut short left
        server_now = self.remote.server_time()
        self._server_time = server_now or self.now()
        # One reading of the cursors for both windows of each collection (a cursor moves
        # only while its own collection is pulled): a document cannot fall between a floor
        # and a cursor of two readings.
        cursors = self.state.cursors()
        self._plan_settlings(cursors, server_now, full)
        try:
            self._pull_all(full, cursors, result, touched)
        except Exception:
            self._follow_up_anyway(touched, result)
            raise
        self._follow_up(touched, result)
        if full:
            with self.store.unit_of_work(record_outbox=False) as db:
                self.state.save_full_pull(db, self.now())
        outbox_writer(self.store).save_clock()
        return result

    def _pull_all(
        self, full: bool, cursors: dict[str, str], result: PullResult, touched: _Touched
    ) -> None:
        """Every collection in pull order, each followed by its merges and re-points."""
        with ThreadPoolExecutor(1, thread_name_prefix="viveka-sync-heads") as reader:
            # The windows' versions of every collection are read in pull order by a helper
            # while the collections before are applied here, each in its turn (_Turns).
            order = (TOMBSTONES, *PULL_ORDER)
            self._turns = _Turns()
            self._heads = {
                collection: reader.submit(self._read_window_heads, collection, cursor, place)
                for place, collection in enumerate(order)
                if not full and (cursor := cursors.get(collection, ""))
            }
            try:
                for place, collection in enumerate(order):
                    cursor = cursors.get(collection, "")
                    self._turns.begin(place)
                    self._pull_collection(collection, full, cursor, result, touched)
                    self._settle(touched, result)
            finally:
                self._turns.stop()
                for waiting in self._heads.values():
                    waiting.cancel()
                self._heads = {}

    def _plan_settlings(
        self, cursors: dict[str, str], server_now: datetime | None, full: bool
    ) -> None:
        """Which collections' overlaps this pull may leave unread (:mod:`.settled`)."""
        self._settled, self._settlings = set(), {}
        if full:
            return
        overlap = timedelta(microseconds=self.overlap_micros)
        kept = self.state.settlings()
        for collection, cursor in cursors.items():
            settled, keep = settling(kept.get(collection), cursor, server_now, overlap)
            if settled:
                self._settled.add(collection)
            if keep is not None:
                self._settlings[collection] = keep

    def apply_documents(self, collection: str, docs: list[dict[str, Any]]) -> PullResult:
        """Apply documents the caller read from the remote exactly as a pull applies them
        (ownership check, sync fields dropped, no outbox record); no cursor moves, so the
        next pull still reads them (and finds them unchanged). Used to bring in a shop's own
        document, found by phone, before logging in on a new PC."""
        result = PullResult()
        touched = _Touched()
        self._apply_page(collection, docs, {}, result, touched, advance_cursor=False)
        self._follow_up(touched, result)
        outbox_writer(self.store).save_clock()
        return result

    # ---------------------------------------------------------------- reading
    def _pages(self, collection: str, full: bool, cursor: str) -> Iterator[list[dict[str, Any]]]:
        """Pages of the shop's documents: all of them (by ``_id``), or those pushed after
        the cursor (by ``_syncedAt``; the overlap before it is :meth:`_window_heads`').

        One query per pass, read in batches of a page: a new sorted query per page makes
        some servers (the test server among them) find and sort the rest of the
        collection again for every page."""
        coll = self.remote.collection(collection)
        base = shop_filter(collection, self.client_id)
        try:
            if full or not cursor:
                if collection == "clients":
                    yield list(coll.find(base))
                    return
                yield from self._batched(coll.find(base).sort("_id", 1))
                if collection in PARENT_SCOPED:
                    yield from self._pages_by_parent(collection)
                return
            query = {**base, SYNCED_AT_FIELD: {"$gt": cursor}}
            yield from self._batched(coll.find(query).sort(SYNCED_AT_FIELD, 1))
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None

    def _window_heads(self, collection: str, cursor: str) -> Iterator[list[dict[str, Any]]]:
        """The versions (:data:`_HEAD_FIELDS`) of what the two overlap windows cover, in
        one query: pushed (``_syncedAt``) within the overlap before the cursor, or saved by
        any writer (``updatedAt``) since the last pass less the overlap. Mostly what this
        PC has already, so only the rest is then read whole.

        The window by ``updatedAt`` leaves out what the window by stamp reads anyway: the
        documents whose ``_syncedAt`` is past its floor (their versions here up to the
        cursor, the whole documents after it by :meth:`_pages`). The exact complement of
        that window's condition, so each document is in one window, and read once.

        Once the overlap has settled (:mod:`.settled`), the stamp window is left out and the
        ``updatedAt`` window reaches up to the cursor instead: only a backend save can still
        change a document there, and it moves ``updatedAt``."""
        floor = self._stamp_floor(cursor)
        updated = self.state.updated_cursor(collection)
        settled = updated is not None and collection in self._settled
        windows: list[dict[str, Any]] = (
            [] if settled else [{SYNCED_AT_FIELD: {"$gt": floor, "$lte": cursor}}]
        )
        if updated is not None:
            since = updated - timedelta(microseconds=self.overlap_micros)
            edge = cursor if settled else floor
            windows.append(
                {UPDATED_AT: {"$gte": since}, "$nor": [{SYNCED_AT_FIELD: {"$gt": edge}}]}
            )
        query = {**shop_filter(collection, self.client_id), "$or": windows}
        try:
            yield from self._batched(self.remote.collection(collection).find(query, _HEAD_FIELDS))
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None

    def _read_window_heads(self, collection: str, cursor: str, place: int) -> list[_Heads]:
        """The windows' versions of a collection, each page with its local copies'
        ``updatedAt`` (:meth:`_updated_here`), read on the helper thread in its turn."""
        if not self._turns.wait(place):
            return []
        return list(self._heads_here(collection, cursor))

    def _heads_here(self, collection: str, cursor: str) -> Iterator[_Heads]:
        """The pages of :meth:`_window_heads`, each with what is needed to tell the versions
        already here. Read early, this stays right: a version this PC had then is one it
        has seen, whatever was written here since (that is pushed or merged like any local
        edit)."""
        for heads in self._window_heads(collection, cursor):
            yield heads, (self._updated_here(collection, heads) if _skips_seen(collection) else {})

    def _batched(self, found: Cursor[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        """The documents of one query, a page at a time (the server sends a page a batch)."""
        yield from batches(found.batch_size(self.page_size), self.page_size)

    def _stamp_floor(self, cursor: str) -> str:
        """The stamp a pass by ``_syncedAt`` reads from: the cursor less the overlap."""
        return floor_stamp((stamp_value(cursor) or 0) - self.overlap_micros)

    def _pages_by_parent(self, collection: str) -> Iterator[list[dict[str, Any]]]:
        """Documents without ``clientId`` (written by other tools), found by parent id."""
        scope = PARENT_SCOPED[collection]
        parents = [
            d["_id"]
            for d in self.store.iter_docs(scope.parent)
            if d.get("clientId") == self.client_id
        ]
        coll = self.remote.collection(collection)
        for start in range(0, len(parents), self.page_size):
            chunk = parents[start : start + self.page_size]
            page = [
                d for d in coll.find({scope.field: {"$in": chunk}}) if d.get("clientId") is None
            ]
            if page:
                yield page

    def _newest_stamp(self, collection: str) -> str:
        coll = self.remote.collection(collection)
        try:
            newest = list(
                coll.find(shop_filter(collection, self.client_id), {SYNCED_AT_FIELD: 1})
                .sort(SYNCED_AT_FIELD, -1)
                .limit(1)
            )
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        stamp = newest[0].get(SYNCED_AT_FIELD) if newest else None
        return stamp if isinstance(stamp, str) else ""

    # ------------------------------------------------------------- applying
    def _pull_collection(
        self, collection: str, full: bool, cursor: str, result: PullResult, touched: _Touched
    ) -> None:
        """One collection (or the tombstones of deleted documents): what the overlap
        windows cover (:meth:`_window_heads`), then what was pushed after the cursor; or
        the full pass."""
        full_pass = full or not cursor
        mark = self._newest_stamp(collection) if full_pass else ""
        merges = (
            self.state.merges()
            if collection in ("clientCustomers", "invoices", "creditnotes", "purchasehistories")
            else {}
        )
        skip_seen = _skips_seen(collection)
        if not full_pass:
            read = self._heads.get(collection)
            heads = (
                iter(read.result()) if read is not None else self._heads_here(collection, cursor)
            )
            self._apply_heads(collection, heads, merges, result, touched, skip_seen)
        pages = self._pages(collection, full, cursor)
        ahead = PAGES_AHEAD_LARGE if collection in LARGE_DOCUMENTS else PAGES_AHEAD
        for page in prefetch(pages, depth=ahead, idle=self._turns.server_free):
            self._apply_page(
                collection,
                page,
                merges,
                result,
                touched,
                advance_cursor=not full_pass,
                skip_seen=not full_pass and skip_seen,
            )
        if full_pass:
            self._finish_full_pass(collection, mark)
        if self._server_time is not None:
            with self.store.unit_of_work(record_outbox=False) as db:
                self.state.save_updated_cursor(db, collection, self._server_time)
                if collection in self._settlings:  # (never on a full pass: no plan)
                    self.state.save_settling(db, collection, self._settlings[collection])

    def _apply_heads(
        self,
        collection: str,
        pages: Iterator[_Heads],
        merges: dict[Any, Any],
        result: PullResult,
        touched: _Touched,
        skip_seen: bool,
    ) -> None:
        """Read whole and apply the documents of pages of versions that this PC does not
        have yet (``skip_seen``: else all of them)."""
        for heads, here in pages:
            wanted = [
                h["_id"]
                for h in heads
                if not (skip_seen and self._already_here(collection, h, here))
            ]
            result.received += len(heads) - len(wanted)
            result.unchanged += len(heads) - len(wanted)
            if wanted:
                page = self.by_ids(collection, wanted)
                self._apply_page(collection, page, merges, result, touched, advance_cursor=False)

    def _finish_full_pass(self, collection: str, mark: str) -> None:
        """After reading everything, continue from the newest stamp seen before the pass.

        Cursors move only once the whole pass is read: a pass in ``_id`` order that stops
        half way must not leave a cursor that skips what it did not reach. A shop with no
        stamped documents yet still gets a cursor, so later pulls are incremental.
        """
        with self.store.unit_of_work(record_outbox=False) as db:
            self.state.save_cursor(db, collection, mark or floor_stamp(0))

    def _set_aside_invalid(
        self,
        db: Any,
        collection: str,
        doc: dict[str, Any],
        result: PullResult,
        now: datetime,
        letters: bool,
    ) -> bool:
        """Refuse a document that breaks the schema (``sync/validate.py``): it becomes a
        dead letter with the reason and is not used at all. True when refused; a good
        version of a document refused before clears its dead letter (``letters``: whether
        there are any)."""
        problem = problem_of(collection, doc)
        if not problem:
            if letters:
                self.letters.clear(db, "pull", collection, doc["_id"])
            return False
        set_aside(
            db, client_id=self.client_id, collection=collection, doc=doc, reason=problem, now=now
        )
        result.dead_lettered += 1
        log.warning("pull: refused a %s document: %s", collection, problem)
        return True

    def _updated_here(self, collection: str, heads: list[dict[str, Any]]) -> dict[Any, Any]:
        """``updatedAt`` of the local copies of a page of versions (by ``_id``; absent:
        no local copy), read together."""
        ids = {doc_key(h["_id"]): h["_id"] for h in heads if _keyable(h.get("_id"))}
        found = self.store.engine.top_values(f"{DATABASE_NAME}.{collection}", list(ids), UPDATED_AT)
        return {ids[key]: value for key, value in found.items()}

    def _already_here(
        self, collection: str, remote: dict[str, Any], here: dict[Any, Any] | None = None
    ) -> bool:
        """Whether this PC already has exactly this remote version (an incremental pass
        reads again what its overlap window covers: mostly what it applied or pushed last
        time). Compared before anything else is done with the document; a full pull
        compares nothing.

        The local copy has the same ``updatedAt`` (every writer moves it when it changes a
        document). Master data also: the version is the base here, and either a pull
        applied it (:meth:`SyncState.base`, ``pulled_only``) or this PC wrote it (its
        stamp, no save by another writer since: ``updatedAt`` is still the ``_savedAt`` it
        wrote). A version another writer made that a push kept as its base without applying
        it is applied: only a pull does the rest (a stock edit becomes a movement, an ended
        login is noticed); so is an item whose stock edit is not a movement yet. ``here``:
        the local copies' ``updatedAt`` read beforehand (:meth:`_updated_here`)."""
        when = remote.get(UPDATED_AT)
        if not isinstance(when, datetime):
            return False
        if collection not in APPEND_ONLY and not self._base_here(collection, remote, when):
            return False
        doc_id = remote.get("_id")
        if here is not None and _keyable(doc_id):
            return doc_id in here and here[doc_id] == when
        local = self.store.get(collection, doc_id)
        return local is not None and local.get(UPDATED_AT) == when

    def _base_here(self, collection: str, remote: dict[str, Any], when: datetime) -> bool:
        """Whether a master document's remote version is its base here, applied by a pull
        or written by this PC (see :meth:`_already_here`)."""
        if collection == "items" and RemoteStock.needs_conversion(remote):
            return False
        doc_id = remote.get("_id")
        mine = stamp_device(remote.get(HLC_FIELD)) == self.device_id and when == remote.get(
            SAVED_AT_FIELD
        )
        base = self.state.base(collection, doc_id, pulled_only=not mine)
        return base is not None and version(base) == version(remote)

    def _owned(self, collection: str, doc: dict[str, Any]) -> bool:
        if collection == "clients":
            return bool(doc.get("_id") == self.client_id)
        owner = doc.get("clientId")
        if owner is None and collection in PARENT_SCOPED:
            owner = owner_of(collection, doc, self.store.get)
        return bool(owner == self.client_id)

    def _apply_page(
        self,
        collection: str,
        page: list[dict[str, Any]],
        merges: dict[Any, Any],
        result: PullResult,
        touched: _Touched,
        *,
        advance_cursor: bool,
        skip_seen: bool = False,
    ) -> None:
        """Apply one page in one local unit of work; ``skip_seen``: leave out, before any
        other work, the versions this PC already has (:meth:`_already_here`)."""
        writer = outbox_writer(self.store)
        clock = writer.clock
        newest = ""
        now = self.now()
        letters = self.letters.count() > 0
        writes = _PageWrites(collection) if collection not in _ONE_BY_ONE else None
        if writes is not None:
            writes.read_ahead(self.store, page)
        with self.store.unit_of_work(record_outbox=False) as db:
            for remote in page:
                if writes is not None and writes.holds(remote.get("_id")):
                    self._write_page(db, writes, merges, result, touched, now)  # (twice)
                result.received += 1
                seen = skip_seen and self._already_here(collection, remote)
                if not seen and self._set_aside_invalid(
                    db, collection, remote, result, now, letters
                ):
                    continue  # (its stamps move neither the clock nor the cursor)
                synced_at = remote.get(SYNCED_AT_FIELD)
                if isinstance(synced_at, str) and synced_at > newest:
                    newest = synced_at
                observe(clock, remote.get(HLC_FIELD), synced_at)
                if seen:
                    result.unchanged += 1
                elif not self._owned(collection, remote):
                    result.refused += 1
                elif collection == TOMBSTONES:
                    self._apply_tombstone(db, remote, result, touched)
                else:
                    self._apply_one(db, collection, remote, merges, result, touched, now, writes)
            if writes is not None:
                self._write_page(db, writes, merges, result, touched, now)
            if newest and advance_cursor:
                self.state.save_cursor(db, collection, newest)
            if touched.fresh:
                self.state.save_followups(db, touched.fresh)
        touched.fresh = {}
        if touched.stock_edits:  # page by page: a first pull of a large catalogue
            result.stock_edits += self.stock.convert(touched.stock_edits, self.now())
            touched.stock_edits.clear()

    def _apply_one(
        self,
        db: Any,
        collection: str,
        remote: dict[str, Any],
        merges: dict[Any, Any],
        result: PullResult,
        touched: _Touched,
        now: datetime,
        writes: _PageWrites | None = None,
    ) -> None:
        """Apply one pulled document; with ``writes``, its writes join the page's (made
        by :meth:`_write_page`)."""
        doc_id = remote["_id"]
        if collection == "clientCustomers" and doc_id in merges:
            # A device that had not heard of the merge pushed the duplicate again.
            self.state.mark_merge_pushed(db, doc_id, pushed=False)
            return
        clean = {k: v for k, v in remote.items() if k not in SYNC_FIELDS}
        if writes is not None and _keyable(doc_id) and doc_id in writes.known:
            local, pending = writes.known.pop(doc_id)
        else:
            pending = outbox_writer(self.store).pending(collection, doc_id)
            local = self.store.get(collection, doc_id)
        if pending is not None and local is None:
            # Deleted here, not pushed yet: the later of the two wins.
            mine = self.link.stamp_of(pending)
            if mine > str(remote.get(HLC_FIELD) or ""):
                result.kept_local += 1
                return
        keep_pending = pending is not None and local is not None
        target = self._target(collection, clean, remote, local, pending, touched)
        if collection not in APPEND_ONLY:
            # (new here: no need to read the base first, it is written either way)
            known = None if local is None else MISSING
            if writes is None:
                self.state.save_base(db, collection, remote, known, pulled=True)
            elif (
                base := self.state.base_record(collection, remote, known, pulled=True)
            ) is not None:
                writes.bases.append(base)
        if local is not None:
            for name in LOCAL_DERIVED.get(collection, ()):
                if name in local:
                    target[name] = local[name]
            if collection in PARENT_SCOPED and "clientId" not in local:
                target.pop("clientId", None)
        if collection == "items" and RemoteStock.needs_conversion(remote):
            touched.stock_edits.append(remote)
        if collection == "clientCustomers":
            # Looked up by the exact text only: a pulled value is never used as a query.
            phone_number = target.get("phoneNumber")
            twin = (
                db.clientCustomers.find_one(
                    {"clientId": self.client_id, "phoneNumber": phone_number}
                )
                if isinstance(phone_number, str)
                else None
            )
            if twin is not None and twin["_id"] != doc_id:
                # Not written here until the merge after the page: never left out as
                # already here, whatever its base says.
                touched.customer_twins.append((twin, target))
                return
        if local is not None and dict(local) == target:
            result.unchanged += 1
        elif writes is not None and not _unstorable(target):
            writes.docs.append((target, local, pending, keep_pending))
            writes.ids.add(doc_id)
            return  # the rest follows the page's write
        else:
            problem = _unstorable(target)
            try:
                if problem:
                    raise ValueError(problem)
                # Straight to the store's engine (inside this unit of work): the same durable,
                # indexed, unique-checked write Mongita's replace_one ends in, without its
                # per-document deep copy and lookup, which dominate the cost of a large pull.
                location = f"{DATABASE_NAME}.{collection}"
                # (new here: inserted without reading a previous version first)
                inserted = local is None and self.store.engine.put_doc(
                    location, target, no_overwrite=True
                )
                if not inserted:
                    self.store.engine.put_doc(location, target)
            except (DuplicateKeyError, ValueError) as exc:
                self._refuse(db, collection, doc_id, exc, result, now)
                return
            result.applied += 1
            self.letters.clear(db, "pull", collection, doc_id)
            self._track(collection, target, local, merges, result, touched)
        if pending is not None and not keep_pending:
            db.outbox.delete_one({"_id": pending["_id"]})

    def _write_page(
        self,
        db: Any,
        writes: _PageWrites,
        merges: dict[Any, Any],
        result: PullResult,
        touched: _Touched,
        now: datetime,
    ) -> None:
        """Make the page's held-back writes (:class:`_PageWrites`) together, then what
        follows each document's: a document whose unique key is taken here goes to the dead
        letters, as in :meth:`_apply_one`."""
        collection = writes.collection
        engine = self.store.engine
        if writes.bases:
            engine.put_plain_docs(BASES, writes.bases)
        refused = engine.put_docs(
            f"{DATABASE_NAME}.{collection}", [target for target, *_ in writes.docs]
        )
        letters = self.letters.count() > 0
        for target, local, pending, keep_pending in writes.docs:
            doc_id = target["_id"]
            problem = refused.get(doc_key(doc_id))
            if problem is not None:
                self._refuse(db, collection, doc_id, problem, result, now)
                continue
            result.applied += 1
            if letters:
                self.letters.clear(db, "pull", collection, doc_id)
            self._track(collection, target, local, merges, result, touched)
            if pending is not None and not keep_pending:
                db.outbox.delete_one({"_id": pending["_id"]})
        writes.docs.clear()
        writes.bases.clear()
        writes.ids.clear()

    def _refuse(
        self,
        db: Any,
        collection: str,
        doc_id: Any,
        exc: Exception,
        result: PullResult,
        now: datetime,
    ) -> None:
        """A pulled document this store cannot take: a dead letter with the reason."""
        self.letters.add(
            db,
            client_id=self.client_id,
            direction="pull",
            collection=collection,
            doc_id=doc_id,
            op="upsert",
            reason=f"cannot be saved on this computer: {exc}",
            code=None,
            now=now,
        )
        result.dead_lettered += 1

    def _target(
        self,
        collection: str,
        clean: dict[str, Any],
        remote: dict[str, Any],
        local: dict[str, Any] | None,
        pending: dict[str, Any] | None,
        touched: _Touched,
    ) -> dict[str, Any]:
        """What the local copy becomes: the pulled version, merged with a local edit that is
        still waiting to be pushed."""
        if local is None:
            return dict(clean)
        if collection in APPEND_ONLY:
            if pending is None:
                return dict(clean)
            return {
                **clean,
                **{
                    name: local[name]
                    for name in APPEND_MUTABLE.get(collection, ())
                    if name in local
                },
            }
        if pending is not None:
            mine = self.link.stamp_of(pending)
            base = self.state.base(collection, clean["_id"])
            return unflat(collection, merge(collection, base, local, remote, mine), clean)
        fields = flat(collection, clean)
        restored = restore_app_settings(collection, fields, flat(collection, local))
        if restored == fields:
            return dict(clean)
        touched.note("restored", (collection, clean["_id"]))
        return unflat(collection, restored, clean)

    def _track(
        self,
        collection: str,
        doc: dict[str, Any],
        local: dict[str, Any] | None,
        merges: dict[Any, Any],
        result: PullResult,
        touched: _Touched,
    ) -> None:
        if collection == "purchasehistories" and doc.get("invoiceId") is not None:
            derived = purchase_history_id(doc["invoiceId"])
            if derived != doc["_id"] and self.store.get("purchasehistories", derived):
                touched.note("history_twins", derived)  # the backend's own came in
        if collection == "invoices":
            touched.note("invoices", doc["_id"])
        elif collection == "payments":
            touched.note("invoices", doc.get("invoiceId"))
        elif collection == "items":
            touched.note("items", doc["_id"])
        elif collection == "stockmovements":
            touched.note("items", doc.get("itemId"))
        elif collection == "devicesessions" and self._ends_my_session(doc, local):
            result.session_revoked = True
        if collection in ("invoices", "creditnotes", "purchasehistories"):
            customer = doc.get("clientCustomerId")
            if customer in merges:
                touched.note("repoints", (collection, doc["_id"], merges[customer]))

    def _ends_my_session(self, doc: dict[str, Any], local: dict[str, Any] | None) -> bool:
        return (
            doc.get("deviceId") == self.device_id
            and doc.get("clientId") == self.client_id
            and not doc.get("isActive", True)
            and (local is None or bool(local.get("isActive", True)))
        )

    # ----------------------------------------------------------- tombstones
    def _apply_tombstone(
        self, db: Any, tomb: dict[str, Any], result: PullResult, touched: _Touched
    ) -> None:
        collection, doc_id = tomb.get("collection"), tomb.get("docId")
        if collection not in SYNCED:
            return
        if collection == "clientCustomers" and tomb.get("mergedInto") is not None:
            if doc_id not in self.state.merges():
                touched.remote_merges.append((doc_id, tomb["mergedInto"]))
            return
        local = self.store.get(collection, doc_id)
        if local is None or owner_of(collection, local, self.store.get) != self.client_id:
            return
        pending = outbox_writer(self.store).pending(collection, doc_id)
        if pending is not None and self.link.stamp_of(pending) > str(tomb.get(HLC_FIELD)):
            return
        db[collection].delete_one({"_id": doc_id})
        if pending is not None:
            db.outbox.delete_one({"_id": pending["_id"]})
        result.deleted += 1

    # ------------------------------------------------------ follow-up writes
    def _settle(self, touched: _Touched, result: PullResult) -> None:
        """Merges and re-points found while applying (they write through the outbox)."""
        for drop, keep in touched.remote_merges:
            self.merger.apply_remote(drop, keep)
            result.merged += 1
        touched.remote_merges.clear()
        for local_twin, pulled in touched.customer_twins:
            self.merger.merge(dict(local_twin), pulled)
            result.merged += 1
        touched.customer_twins.clear()
        if touched.restored or touched.history_twins:
            with self.store.unit_of_work() as db:
                for collection, doc_id in touched.restored:
                    # A real change, so the outbox records it: the push then sets the app's
                    # settings that the remote lost (the base lacks them).
                    db[collection].update_one({"_id": doc_id}, {"$set": {UPDATED_AT: self.now()}})
                for history_id in touched.history_twins:
                    # The backend made its own history of the invoice: ours goes.
                    db.purchasehistories.delete_one({"_id": history_id})
            touched.restored.clear()
            touched.history_twins.clear()
        if touched.repoints:
            with self.store.unit_of_work() as db:
                for collection, doc_id, keep in touched.repoints:
                    db[collection].update_one({"_id": doc_id}, {"$set": {"clientCustomerId": keep}})
            touched.repoints.clear()

    def _follow_up(self, touched: _Touched, result: PullResult) -> None:
        """The follow-up work of what was applied, then forget the work kept for it."""
        self._settle(touched, result)
        self._recompute(touched, result)
        self.state.drop_followups()

    def _follow_up_anyway(self, touched: _Touched, result: PullResult) -> None:
        """After a pull failed part way (the connection lost): the follow-up work of the
        pages it applied, so stock and balances here are right while the shop is offline.
        Local work only; if it fails too, the kept work waits for the next pull."""
        try:
            self._follow_up(touched, result)
        except Exception:
            log.exception("the follow-up work of a failed pull waits for the next pull")

    def _recompute(self, touched: _Touched, result: PullResult) -> None:
        """Derived values of what arrived: invoice payments, item stock (pushed after).

        Only documents whose stored value disagrees with their payments or movements are
        recomputed (one scan of each collection finds them).
        """
        jobs: list[tuple[Callable[[Store, Any], bool], Any]] = []
        if touched.invoices:
            paid: dict[Any, int] = defaultdict(int)
            for payment in self._children("payments", "invoiceId", touched.invoices):
                paid[payment.get("invoiceId")] += paise_of(payment.get("amount"))
            jobs += [
                (self.rules.recompute_invoice, i)
                for i in touched.invoices
                if i is not None and not self._invoice_settled(i, paid[i])
            ]
        if touched.items:
            stock: dict[Any, Decimal] = defaultdict(Decimal)
            for movement in self._children("stockmovements", "itemId", touched.items):
                stock[movement.get("itemId")] += quantity_of(movement.get("quantity"))
            jobs += [
                (self.rules.recompute_item_stock, i)
                for i in touched.items
                if i is not None and not self._stock_settled(i, stock.get(i))
            ]
        for start in range(0, len(jobs), _RECOMPUTE_CHUNK):
            with self.store.unit_of_work():
                for job, doc_id in jobs[start : start + _RECOMPUTE_CHUNK]:
                    if job(self.store, doc_id):
                        result.recomputed += 1

    def _children(
        self, collection: str, field: str, parents: Iterable[Any]
    ) -> Iterator[dict[str, Any]]:
        """The documents of ``collection`` whose ``field`` names one of ``parents``: through
        the field's index for a few parents, by one streamed scan for very many."""
        wanted = [p for p in dict.fromkeys(parents) if p is not None]
        if len(wanted) > _SCAN_FROM_PARENTS:
            keep = {str(p) for p in wanted}
            return (doc for doc in self.store.iter_docs(collection) if str(doc.get(field)) in keep)
        coll = self.store.db[collection]
        return (doc for parent in wanted for doc in coll.find({field: parent}))

    def _invoice_settled(self, invoice_id: Any, paid: int) -> bool:
        invoice = self.store.get("invoices", invoice_id)
        if invoice is None:
            return True
        if payment_changes(invoice, paid):
            return False
        return not (
            invoice.get("isFinalized")
            and not invoice.get("isCancelled")
            and invoice.get("clientCustomerId") is not None
            and self.store.get("purchasehistories", purchase_history_id(invoice_id)) is None
        )

    def _stock_settled(self, item_id: Any, total: Decimal | None) -> bool:
        if total is None:
            return True
        item = self.store.get("items", item_id)
        if item is None:
            return True
        return quantity_of(item.get("stock")) == total


def _skips_seen(collection: str) -> bool:
    """Whether an incremental pass leaves out the versions this PC already has (every
    collection but the tombstones, which are always applied)."""
    return collection != TOMBSTONES


def _keyable(doc_id: Any) -> bool:
    """Whether an ``_id`` is one a document here can have (an ObjectId or text)."""
    return isinstance(doc_id, (ObjectId, str))


def _unstorable(doc: dict[str, Any]) -> str:
    """Why the local store would refuse a document ('' when it takes it)."""
    for key in doc:
        if not key or key.startswith("$"):
            return f"field name {key!r} is not allowed here"
    if not _keyable(doc.get("_id")):
        return "its _id is neither an ObjectId nor text"
    return ""
