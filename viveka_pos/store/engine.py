"""A durable, transactional storage engine for Mongita, on SQLite in WAL mode.

Documents live in one SQLite table and, decoded, in memory (Mongita's query layer reads
them from there). Every write goes to SQLite first and to memory second, inside a
transaction; an undo journal lets a failed unit of work put memory back exactly as it was.
Index *contents* are never written to disk: only index definitions are, and the contents
are rebuilt from the documents at open.
"""

from __future__ import annotations

import copy
import gc
import itertools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bson
import sortedcontainers
from bson.codec_options import CodecOptions
from mongita.common import MetaStorageObject
from mongita.engines.engine_common import Engine

from . import checkpoint
from .checkpoint import AUTOCHECKPOINT_PAGES, WalCheckpointer
from .errors import DuplicateKeyError, StoreCorruptError, StoreWriteError
from .heap import building
from .indexes import FieldIndex, UniqueConstraint
from .opening import read_only_uri, unmerged_log_error
from .wal_space import WalSpaceReserver, wal_bytes, worth_reserving

# Datetimes come back naive and in UTC (pymongo's default). Decoding them tz-aware costs
# twice the time at open; filters are normalised to naive UTC instead (collection.py).
CODEC = CodecOptions()

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS docs (
    coll TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (coll, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (location TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """Open a SQLite database with the durability settings the store relies on.

    ``read_only``: open it for reading only (``opening.read_only_uri``): no test write, no
    schema, nothing written to the folder (a full disk, a write-protected pen drive)."""
    target = read_only_uri(path) if read_only else str(path)
    conn = sqlite3.connect(target, uri=read_only, isolation_level=None,
                           check_same_thread=False)
    try:
        if not read_only:
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: the WAL is fsync'd at every commit, so a returned write survives power
            # loss.
            conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=5000")
        if read_only:
            conn.execute("SELECT COUNT(*) FROM store_info").fetchone()  # is it a store?
        else:
            conn.executescript(_SCHEMA_SQL)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if read_only and (unmerged := unmerged_log_error(path)) is not None:
            raise unmerged from exc
        raise StoreCorruptError(
            f"The database file {path} is damaged or is not a Viveka POS store ({exc})."
        ) from exc
    return conn


class _CollectionState:
    """Indexes and unique constraints of one collection."""

    def __init__(self) -> None:
        self.field_indexes: dict[str, FieldIndex] = {}
        self.uniques: list[UniqueConstraint] = []


def _definitions(meta: dict[str, Any]) -> dict[str, Any]:
    """A metadata document without index contents (what is persisted)."""
    defs = {k: copy.deepcopy(v) for k, v in meta.items() if k != "indexes"}
    if "indexes" in meta:
        defs["indexes"] = {
            name: {k: v for k, v in idx.items() if k != "idx"}
            for name, idx in meta["indexes"].items()
        }
    return defs


_DECODE_CHUNK = 2000

OutboxHook = Callable[[str, Any, dict[str, Any] | None], None]


class SqliteEngine(Engine):
    """Mongita ``Engine`` backed by SQLite, with units of work and an undo journal."""

    def __init__(self, db_path: Path, read_only: bool = False):
        self.db_path = db_path
        self.read_only = read_only
        self.lock = threading.RLock()
        self._conn = connect(db_path, read_only)
        # Writes go through one long-lived cursor: ``Connection.execute`` makes a cursor per
        # statement and keeps a weak reference to each, about a hundred objects a bill for
        # the garbage collector to visit.
        self._writer = self._conn.cursor()
        # Checkpoints run on a background thread (see checkpoint.py), started by the first
        # commit: a store only read never starts one.
        self._conn.execute(f"PRAGMA wal_autocheckpoint={checkpoint.SAFETY_NET_PAGES}")
        self._checkpointer: WalCheckpointer | None = None
        self._checkpoint_in_commits = False
        self._wal_space: WalSpaceReserver | None = None
        self._docs: dict[str, dict[str, dict[str, Any]]] = {}
        self._meta: dict[str, MetaStorageObject] = {}
        self._meta_defs: dict[str, dict[str, Any]] = {}
        self._states: dict[str, _CollectionState] = {}
        self._depth = 0
        self._marks: list[int] = []
        #: journal length before a single write that failed half-way (see single_write)
        self._broken_at: int | None = None
        self._journal: list[tuple[Any, ...]] = []
        self.on_write: OutboxHook | None = None
        #: Told about every document put back by a rollback (same shape as on_write).
        self.on_undo: OutboxHook | None = None
        #: Increases with every top-level transaction (lets callers scope per-commit caches).
        self.tx_serial = 0
        self._unloaded: set[str] = set()
        self._closed = False
        self._durable = True
        self._changed: dict[str, set[str]] = {}
        self._listeners: dict[str, list[Callable[[list[tuple[str, Any]]], None]]] = {}
        self._load()

    def reserve_log_space(self) -> int:
        """Make room for the write-ahead log of a large store, on the caller's thread
        (wal_space.py); returns the bytes added. Stopped early by ``close``."""
        with self.lock:
            if self._closed or self._wal_space is not None:
                return 0
            page_size = int(self._conn.execute("PRAGMA page_size").fetchone()[0])
            target = wal_bytes(checkpoint.SAFETY_NET_PAGES, page_size)
            if not worth_reserving(self.db_path, target):
                return 0
            reserver = self._wal_space = WalSpaceReserver(
                Path(f"{self.db_path}-wal"), target, self.lock)
        return reserver.reserve()

    # ----------------------------------------------------------------- loading
    # At open only the metadata is read. A collection's documents are decoded, and its
    # indexes built, the first time anything touches it (or earlier, by ``preload`` on a
    # background thread): the billing screen does not wait for years of invoices.

    def _load(self) -> None:
        try:
            rows = self._conn.execute("SELECT location, body FROM meta").fetchall()
            for location, body in rows:
                self._meta_defs[location] = bson.decode(body, codec_options=CODEC)
        except (sqlite3.DatabaseError, bson.errors.BSONError) as exc:
            raise StoreCorruptError(
                f"The database file {self.db_path} could not be read ({exc}). "
                "Restore the newest good backup."
            ) from exc
        for location, defs in self._meta_defs.items():
            if "." in location:
                self._unloaded.add(location)
            else:
                self._install_meta(location, defs)

    def _decode(self, conn: sqlite3.Connection, location: str) -> tuple[
            dict[str, dict[str, Any]], MetaStorageObject, _CollectionState | None, list[Any]]:
        """A collection's documents, read through ``conn``, with their indexes and unique
        keys built (not installed yet). Decoding makes many thousands of dicts: that is done
        with the collector paused, and they are frozen after (``heap.building``)."""
        with building() as built:
            docs = self._read_docs(conn, location)
            built.count = len(docs)
            return (docs, *self._build_state(location, self._meta_defs[location], docs,
                                             _CollectionState()))

    def _read_docs(self, conn: sqlite3.Connection, location: str) -> dict[str, dict[str, Any]]:
        try:
            docs: dict[str, dict[str, Any]] = {}
            cursor = conn.execute("SELECT id, body FROM docs WHERE coll = ?", (location,))
            # In chunks: one decode call holds the GIL throughout, and a background preload
            # must not freeze the screen for seconds.
            while rows := cursor.fetchmany(_DECODE_CHUNK):
                decoded = bson.decode_all(b"".join(row[1] for row in rows), CODEC)
                docs.update(zip((row[0] for row in rows), decoded, strict=True))
            return docs
        except (sqlite3.DatabaseError, bson.errors.BSONError) as exc:
            raise StoreCorruptError(
                f"The database file {self.db_path} could not be read ({exc}). "
                "Restore the newest good backup."
            ) from exc

    def _ensure(self, location: str) -> None:
        """Load a collection's documents and indexes if this is its first use."""
        if location not in self._unloaded:
            return
        with self.lock:
            if location in self._unloaded:
                self._install_loaded(location, *self._decode(self._conn, location))

    def _install_loaded(self, location: str, docs: dict[str, dict[str, Any]],
                        meta: MetaStorageObject, state: _CollectionState | None,
                        duplicates: list[Any]) -> None:
        if duplicates:
            raise StoreCorruptError(
                f"{location} holds documents that break its unique keys: {duplicates[:3]}")
        self._docs[location] = docs
        self._meta[location] = meta
        if state is not None:
            self._states[location] = state
        self._unloaded.discard(location)

    def preload(self, order: list[str] | None = None) -> None:
        """Load every collection not loaded yet; safe to run on a background thread.

        Reading and decoding happen on a separate read-only connection without holding the
        store lock. That is exact: a collection is written only after it is loaded, so one
        still unloaded when the work is done has not changed since the store was opened.
        """
        pending = [loc for loc in (order or []) if loc in self._unloaded]
        pending += sorted(self._unloaded - set(pending))
        if not pending:
            return
        reader = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True,
                                 check_same_thread=False)
        try:
            for location in pending:
                if self._closed:
                    return  # the store was closed meanwhile: nothing left to do
                if location not in self._unloaded:
                    continue
                decoded = self._decode(reader, location)
                with self.lock:
                    if location in self._unloaded and not self._closed:
                        self._install_loaded(location, *decoded)
        finally:
            reader.close()

    @property
    def unloaded(self) -> frozenset[str]:
        return frozenset(self._unloaded)

    def reload(self) -> None:
        """Drop every cache and read the database file again (after a restore).

        Call with the lock held. Every collection is marked unloaded *before* the caches
        are replaced, so a reader on another thread either sees the old data or waits for
        the lock and loads the new data; it never sees a half-cleared cache.
        """
        old_collections = {loc for loc in self._meta_defs if "." in loc}
        self._unloaded = set(old_collections)
        self._docs = {}
        self._meta = {}
        self._states = {}
        self._meta_defs = {}
        self._load()  # marks the restored file's collections unloaded
        # collections the restored file does not have: nothing to load, they are empty
        self._unloaded -= old_collections - set(self._meta_defs)

    # ---------------------------------------------------------- transactions
    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def begin(self, durable: bool | None = None) -> None:
        """Open a transaction, or a savepoint inside the open one.

        ``durable=False`` (top level only) commits without waiting for the disk: for
        scratch data such as a cart being filled, where a power cut may lose the last few
        edits but never corrupts anything. Any durable commit after it flushes it too.
        ``None`` joins the open transaction as it is (durable at top level).
        """
        self.lock.acquire()
        try:
            if self._depth == 0:
                durable = True if durable is None else durable
                if durable != self._durable:
                    self._writer.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                    self._durable = durable
                self._writer.execute("BEGIN IMMEDIATE")
                self.tx_serial += 1
            elif durable is True and not self._durable:
                raise StoreWriteError("a durable unit of work cannot run inside a non-durable "
                                      "one")
            else:
                self._writer.execute(f"SAVEPOINT sp{self._depth}")
        except sqlite3.Error as exc:
            self.lock.release()
            raise StoreWriteError(_describe_sqlite_error(exc)) from exc
        except BaseException:
            self.lock.release()
            raise
        self._marks.append(len(self._journal))
        self._depth += 1

    def commit(self) -> None:
        changed: dict[str, set[str]] = {}
        try:
            if self._depth == 1:
                try:
                    if self._broken_at is not None:
                        raise StoreWriteError(BROKEN_UNIT)
                    self._writer.execute("COMMIT")
                except (sqlite3.Error, StoreWriteError) as exc:
                    self._undo_to(0)
                    _quiet_rollback(self._conn)
                    self._marks.clear()
                    self._changed = {}
                    self._depth = 0
                    self._broken_at = None
                    if isinstance(exc, StoreWriteError):
                        raise
                    raise StoreWriteError(_describe_sqlite_error(exc)) from exc
                self._journal.clear()
                self._marks.clear()
                changed, self._changed = self._changed, {}
                self._after_commit()
            else:
                self._writer.execute(f"RELEASE sp{self._depth - 1}")
                self._marks.pop()
            self._depth -= 1
        finally:
            self.lock.release()
        if changed:
            self._notify(changed)

    def _after_commit(self) -> None:
        checkpointer = self._checkpointer
        if checkpointer is None:
            if not self._checkpoint_in_commits:
                self._checkpointer = WalCheckpointer(self.db_path)
                self._checkpointer.nudge()
        elif checkpointer.failed:
            # The background thread could not work: let SQLite checkpoint inside commits
            # again, so the WAL never grows without bound.
            self._checkpointer = None
            self._checkpoint_in_commits = True
            with suppress(sqlite3.Error):
                self._conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        else:
            checkpointer.nudge()

    def rollback(self) -> None:
        try:
            mark = self._marks.pop()
            self._undo_to(mark)
            if self._broken_at is not None and mark <= self._broken_at:
                self._broken_at = None  # the half-done write is undone with the rest
            if self._depth == 1:
                _quiet_rollback(self._conn)
                self._changed = {}
            else:
                name = f"sp{self._depth - 1}"
                try:
                    self._writer.execute(f"ROLLBACK TO {name}")
                    self._writer.execute(f"RELEASE {name}")
                except sqlite3.Error:
                    pass
            self._depth -= 1
        finally:
            self.lock.release()

    def single_write(self) -> AbstractContextManager[Any]:
        """Around a write of one document: its own transaction outside a unit of work;
        inside one, no savepoint (two SQL statements and their bookkeeping per write, about
        a tenth of a bill's saving time), because the unit is all or nothing already. A
        write that fails half-way there (its document saved, its outbox record not) leaves
        the unit unable to commit: it rolls back instead (``StoreWriteError``)."""
        return _SingleWrite(self) if self._depth else _Transaction(self)

    def _ensure_transaction(self) -> AbstractContextManager[Any]:
        """Join the open transaction, or make a single write its own transaction."""
        return self.lock if self._depth else _Transaction(self)

    def transaction(self) -> AbstractContextManager[None]:
        return _Transaction(self)

    def _undo_to(self, mark: int) -> None:
        while len(self._journal) > mark:
            entry = self._journal.pop()
            kind = entry[0]
            if kind == "doc":
                _, coll, key, old = entry
                current = self._docs.get(coll, {}).get(key)
                self._apply_doc(coll, key, old)
                if self.on_undo is not None:
                    restored_id = (old or current or {}).get("_id")
                    self.on_undo(coll, restored_id, old)
            elif kind == "meta":
                _, location, old_defs = entry
                self._restore_meta(location, old_defs)
            elif kind == "call":
                entry[1]()

    def add_listener(self, collection: str,
                     listener: Callable[[list[tuple[str, Any]]], None]) -> None:
        """Call ``listener`` after each commit that changed ``collection``.

        It gets ``[(doc_key, current_doc_or_None), ...]`` and runs after the commit, outside
        the transaction: it sees only committed data and cannot undo it.
        """
        self._listeners.setdefault(collection, []).append(listener)

    def _notify(self, changed: dict[str, set[str]]) -> None:
        for collection, keys in changed.items():
            listeners = self._listeners.get(collection)
            if not listeners:
                continue
            docs = self._docs.get(collection, {})
            batch = [(key, docs.get(key)) for key in keys]
            for listener in listeners:
                listener(batch)

    def journal_undo(self, undo: Callable[[], None]) -> None:
        """Register an in-memory change made by a layer above, to undo on rollback."""
        if self._depth:
            self._journal.append(("call", undo))

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        try:
            self._writer.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreWriteError(_describe_sqlite_error(exc)) from exc

    # ----------------------------------------------------------- documents
    def _apply_doc(self, coll: str, key: str, doc: dict[str, Any] | None) -> None:
        """Put ``doc`` (or its absence) into memory, keeping indexes and uniques in step."""
        docs = self._docs.setdefault(coll, {})
        old = docs.get(key)
        state = self._states.get(coll)
        if state is not None:
            if old is not None and doc is not None:
                for index in state.field_indexes.values():
                    index.replace(key, old, doc)
                for unique in state.uniques:
                    unique.replace(key, old, doc)
            else:
                for index in state.field_indexes.values():
                    if old is not None:
                        index.remove(key, old)
                    if doc is not None:
                        index.add(key, doc)
                for unique in state.uniques:
                    if old is not None:
                        unique.remove(key, old)
                    if doc is not None:
                        unique.add(key, doc)
        if doc is None:
            docs.pop(key, None)
        else:
            docs[key] = doc

    def put_doc(self, collection: str, doc: dict[str, Any], no_overwrite: bool = False, *,
                as_decoded: bool = False) -> bool:
        """Write ``doc``. ``as_decoded``: the store built it with exactly the types a decode
        of its BSON gives back (an outbox record), so it is cached as it is, not re-read."""
        self._ensure(collection)
        key = str(doc["_id"])
        with self._ensure_transaction():
            old = self._docs.get(collection, {}).get(key)
            if no_overwrite and old is not None:
                return False
            body = bson.encode(doc)
            # What is cached is exactly what a reopen would read back.
            stored = doc if as_decoded else bson.decode(body, codec_options=CODEC)
            state = self._states.get(collection)
            if state is not None:
                for unique in state.uniques:
                    taken = unique.conflict(key, stored)
                    if taken is not None:
                        raise DuplicateKeyError(collection, unique.fields, taken)
            self._execute(
                "INSERT OR REPLACE INTO docs (coll, id, body) VALUES (?, ?, ?)",
                (collection, key, body),
            )
            self._journal.append(("doc", collection, key, old))
            self._apply_doc(collection, key, stored)
            self._changed.setdefault(collection, set()).add(key)
            if self.on_write is not None:
                self.on_write(collection, stored["_id"], stored)
        return True

    def _collection_docs(self, collection: str) -> dict[str, dict[str, Any]]:
        """The cached documents of a collection, loading it first if needed."""
        self._ensure(collection)
        docs = self._docs.get(collection)
        if docs is None:
            # A reload (restore) may have replaced the caches between the check and the
            # read: the collection is then unloaded again, and loading waits for the lock.
            self._ensure(collection)
            docs = self._docs.get(collection)
        return docs if docs is not None else {}

    def get_doc(self, collection: str, doc_id: Any) -> dict[str, Any] | None:
        return self._collection_docs(collection).get(str(doc_id))

    def doc_exists(self, collection: str, doc_id: Any) -> bool:
        return str(doc_id) in self._collection_docs(collection)

    def list_ids(self, collection: str, limit: int | None = None) -> list[str]:
        keys = self._collection_docs(collection).keys()
        if limit is None:
            return list(keys)
        return list(itertools.islice(keys, limit))

    def iter_docs(self, collection: str) -> Iterator[dict[str, Any]]:
        """All cached documents of a collection (read-only views: never mutate them)."""
        return iter(list(self._collection_docs(collection).values()))

    def count(self, collection: str) -> int:
        if collection in self._unloaded:
            with self.lock:
                if collection in self._unloaded:
                    try:
                        row = self._conn.execute("SELECT COUNT(*) FROM docs WHERE coll = ?",
                                                 (collection,)).fetchone()
                    except sqlite3.DatabaseError as exc:
                        raise StoreCorruptError(
                            f"The database file {self.db_path} could not be read ({exc}). "
                            "Restore the newest good backup.") from exc
                    return int(row[0])
        return len(self._docs.get(collection, {}))

    def delete_doc(self, collection: str, doc_id: Any) -> bool:
        self._ensure(collection)
        key = str(doc_id)
        with self._ensure_transaction():
            old = self._docs.get(collection, {}).get(key)
            if old is None:
                return False
            self._execute("DELETE FROM docs WHERE coll = ? AND id = ?", (collection, key))
            self._journal.append(("doc", collection, key, old))
            self._apply_doc(collection, key, None)
            self._changed.setdefault(collection, set()).add(key)
            if self.on_write is not None:
                self.on_write(collection, old["_id"], None)
        return True

    def delete_dir(self, location: str) -> bool:
        self._ensure(location)
        with self.transaction():
            for key in list(self._docs.get(location, {})):
                self.delete_doc(location, key)
            if location in self._meta_defs:
                self._execute("DELETE FROM meta WHERE location = ?", (location,))
                self._journal.append(("meta", location, self._meta_defs[location]))
                self._restore_meta(location, None)
        return True

    def create_path(self, location: str) -> None:
        return None

    # ------------------------------------------------------------ metadata
    def get_metadata(self, location: str) -> MetaStorageObject | None:
        self._ensure(location)
        return self._meta.get(location)

    def index_for_query(self, location: str, name: str) -> Any:
        """The index ``name`` of a collection, built now if this is its first use; None if
        there is no such index. (Indexes are built lazily: see ``FieldIndex``.)"""
        self._ensure(location)
        state = self._states.get(location)
        index = state.field_indexes.get(name) if state is not None else None
        if index is None:
            return None
        if not index.built:
            with self.lock:
                if not index.built:
                    index.rebuild(self._docs.get(location, {}).items())
        return index.idx

    def build_index(self, location: str, name: str) -> None:
        """Build an index now, holding the store's lock only for moments: the documents are
        listed under it, sorted into the index outside it, and the result installed under
        it, with the documents written meanwhile filed again. (A query needing the index
        meanwhile builds it the usual way, under the lock, and this build is dropped.)"""
        self._ensure(location)
        state = self._states.get(location)
        index = state.field_indexes.get(name) if state is not None else None
        if index is None:
            return
        with self.lock:
            if index.built or index.written is not None:
                return
            snapshot = dict(self._docs.get(location, {}))
            index.written = set()
        try:
            with building() as built:
                built.count = len(snapshot)
                buckets, ordered = index.collect(snapshot.items())
        except BaseException:
            with self.lock:
                index.written = None
            raise
        with self.lock:
            written, index.written = index.written, None
            if index.built or written is None:
                return
            index.install(buckets, ordered)
            docs = self._docs.get(location, {})
            for key in written:
                old, new = snapshot.get(key), docs.get(key)
                if old is not None:
                    index.remove(key, old)
                if new is not None:
                    index.add(key, new)

    def unique_match(self, location: str, filter: dict[str, Any]) -> list[str] | None:
        """The keys of the documents an equality ``filter`` can match, found through a
        unique key whose every field it names (at most one document); None when no unique
        key covers the filter. Needs no index built: unique keys are always kept."""
        self._ensure(location)
        state = self._states.get(location)
        if state is None:
            return None
        for unique in state.uniques:
            found = unique.owner_for(filter)
            if found is not None:
                return found
        return None

    def definitions(self, location: str) -> dict[str, Any] | None:
        """Persisted metadata (index definitions, names) without loading the collection."""
        return self._meta_defs.get(location)

    def put_metadata(self, location: str, doc: dict[str, Any]) -> bool:
        self._ensure(location)
        new_defs = _definitions(doc)
        old_defs = self._meta_defs.get(location)
        if new_defs == old_defs:
            self._meta[location] = self._live_meta(location, doc)
            return True
        with self.transaction():
            duplicates = self._install_meta(location, new_defs)
            if duplicates:
                self._restore_meta(location, old_defs)
                fields, taken = duplicates[0]
                raise DuplicateKeyError(location, fields, taken)
            self._execute(
                "INSERT OR REPLACE INTO meta (location, body) VALUES (?, ?)",
                (location, bson.encode(new_defs)),
            )
            self._journal.append(("meta", location, old_defs))
        return True

    def _live_meta(self, location: str, doc: dict[str, Any]) -> MetaStorageObject:
        """Point the metadata's index entries at our maintained index objects."""
        meta = doc if isinstance(doc, MetaStorageObject) else MetaStorageObject(doc)
        state = self._states.get(location)
        if state is not None:
            for name, idx_doc in meta.get("indexes", {}).items():
                index = state.field_indexes.get(name)
                if index is not None:
                    idx_doc["idx"] = index.idx
        return meta

    def _build_state(self, location: str, defs: dict[str, Any], docs: dict[str, dict[str, Any]],
                     previous: _CollectionState) -> tuple[MetaStorageObject,
                                                         _CollectionState | None, list[Any]]:
        """Live metadata and index structures for ``defs`` over ``docs`` (no shared state
        is touched, so this may run outside the lock). Reuses unchanged indexes of
        ``previous``. Returns (meta, state or None, unique-key violations)."""
        meta = MetaStorageObject(copy.deepcopy(defs))
        if "indexes" not in defs and "constraints" not in defs:
            return meta, None, []
        state = _CollectionState()
        for name, idx_doc in meta.get("indexes", {}).items():
            index = previous.field_indexes.get(name)
            if index is None or index.key_str != idx_doc["key_str"]:
                index = FieldIndex(idx_doc["key_str"], sortedcontainers.SortedDict())
            state.field_indexes[name] = index
            idx_doc["idx"] = index.idx
        duplicates: list[Any] = []
        for name, spec in (defs.get("constraints") or {}).items():
            if not spec.get("unique"):
                continue
            fields = tuple(spec["fields"])
            existing = next(
                (u for u in previous.uniques if u.name == name and u.fields == fields), None
            )
            if existing is None:
                existing = UniqueConstraint(name, fields)
                duplicates.extend((fields, key) for key in existing.rebuild(docs.items()))
            state.uniques.append(existing)
        return meta, state, duplicates

    def _install_meta(self, location: str, defs: dict[str, Any]) -> list[Any]:
        """Make ``defs`` the live metadata; build any new index. Returns unique violations."""
        self._meta_defs[location] = copy.deepcopy(defs)
        previous = self._states.get(location) or _CollectionState()
        meta, state, duplicates = self._build_state(
            location, defs, self._docs.get(location, {}), previous)
        self._meta[location] = meta
        if state is not None:
            self._states[location] = state
        else:
            self._states.pop(location, None)
        return duplicates

    def _restore_meta(self, location: str, defs: dict[str, Any] | None) -> None:
        if defs is None:
            self._meta.pop(location, None)
            self._meta_defs.pop(location, None)
            self._states.pop(location, None)
            return
        self._install_meta(location, defs)

    # ------------------------------------------------------------ info
    def get_info(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM store_info WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_info(self, key: str, value: str) -> None:
        with self.transaction():
            self._execute(
                "INSERT OR REPLACE INTO store_info (key, value) VALUES (?, ?)", (key, value)
            )

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    def close(self) -> None:
        with self.lock:
            if self._depth:
                raise StoreWriteError("cannot close the store inside a unit of work")
            if self._wal_space is not None:
                self._wal_space.stop()
            if self._checkpointer is not None:
                self._checkpointer.stop()
            with suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
            self._closed = True
            # Drop everything and break reference cycles (hooks point back at the store),
            # and let the collector see what the open froze (see _load).
            self._docs.clear()
            self._meta.clear()
            self._meta_defs.clear()
            self._states.clear()
            self._listeners.clear()
            self._journal.clear()
            self.on_write = None
            self.on_undo = None
            gc.unfreeze()


class _Transaction:
    """``with engine.transaction():`` — a class, not a generator: every write of a unit of
    work opens one (as a savepoint), so its few microseconds count."""

    __slots__ = ("_engine",)

    def __init__(self, engine: SqliteEngine):
        self._engine = engine

    def __enter__(self) -> None:
        self._engine.begin()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self._engine.commit()
        else:
            self._engine.rollback()


class _SingleWrite:
    """See ``SqliteEngine.single_write``."""

    __slots__ = ("_engine", "_mark")

    def __init__(self, engine: SqliteEngine):
        self._engine = engine
        self._mark = 0

    def __enter__(self) -> None:
        engine = self._engine
        engine.lock.acquire()
        self._mark = len(engine._journal)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        engine = self._engine
        try:
            if kind is not None and engine._broken_at is None and any(
                    entry[0] == "doc" for entry in engine._journal[self._mark:]):
                engine._broken_at = self._mark  # a document changed before the failure
        finally:
            engine.lock.release()


BROKEN_UNIT = ("A write inside this unit of work failed part-way, so none of it was saved; "
               "try again.")


def _quiet_rollback(conn: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        conn.execute("ROLLBACK")


def _describe_sqlite_error(exc: sqlite3.Error) -> str:
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered:
        return "The disk is full: the change was not saved. Free some space and try again."
    if "readonly" in lowered or "read-only" in lowered:
        return "The data folder is read-only: the change was not saved."
    if "locked" in lowered or "busy" in lowered:
        return "The database is busy: the change was not saved. Try again."
    if "disk i/o" in lowered:
        return "The disk reported an input/output error: the change was not saved."
    return f"The change was not saved: {text}"


def utcnow() -> datetime:
    """Now, as the store keeps datetimes: naive, in UTC, to the millisecond (BSON)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
