"""The storage engine: documents, indexes and derived tables in one SQLite file.

SQLite is the truth and the query engine. A document is one row of ``docs`` (its BSON);
each indexed field of it has rows in ``idx``, each unique key a row in ``uniq``, and the
derived tables (report ledgers, item search: :class:`Projection`) their rows — all written
in the same transaction as the document. Memory holds only a small, capped cache of
documents as their BSON (:data:`CACHE_DOCS`), and the whole of the few collections that are
bounded by design (``held``: the open carts), decoded and filed in no index (their queries
are answered from memory); every reader gets its own copy.

Transactions nest (savepoints). A write that fails half-way inside a unit of work leaves
the unit unable to commit (it rolls back instead), because a document may be written while
its index rows or outbox record are not. See ``docs/design/store.md``.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import bson
from bson.codec_options import CodecOptions

from . import checkpoint
from .checkpoint import AUTOCHECKPOINT_PAGES, WalCheckpointer
from .errors import DuplicateKeyError, StoreCorruptError, StoreError, StoreWriteError
from .opening import read_only_uri, unmerged_log_error
from .query import MISSING, values_at
from .values import RANK_ARRAY, doc_key, order_key

log = logging.getLogger("viveka_pos.store")

# Datetimes come back naive and in UTC (pymongo's default); filters are normalised to match.
CODEC: CodecOptions[dict[str, Any]] = CodecOptions()

#: documents kept in memory at most, as their BSON (a few MB), whatever the size of the
#: shop. Bytes, not decoded dicts: the garbage collector does not track bytes, so a cache
#: that turns over with every bill adds nothing to its passes (decoded, the cache's churn
#: made passes of 5-70 ms during bills at S5), and a hit decodes straight into the
#: caller's own copy.
CACHE_DOCS = 4096
#: SQLite's page cache of the writing connection (KiB; SQLite's default is 2 MB)
PAGE_CACHE_KB = 16384
#: rows read per statement when a collection or an index range is scanned
SCAN_CHUNK = 500
#: the on-disk layout of ``idx``/``uniq`` and the derived tables (store_info key)
STORAGE_FORMAT = "3"

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS docs (
    coll TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (coll, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (location TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idx (
    coll TEXT NOT NULL,
    field TEXT NOT NULL,
    rank INTEGER NOT NULL,
    val NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (coll, field, rank, val, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uniq (
    coll TEXT NOT NULL,
    name TEXT NOT NULL,
    token BLOB NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (coll, name, token)
) WITHOUT ROWID;
"""


_INDEX_ROW = "INSERT OR IGNORE INTO idx (coll, field, rank, val, id) VALUES (?, ?, ?, ?, ?)"


@dataclass(frozen=True, slots=True)
class Change:
    """One document's change, as each projection's ``write`` gets it."""

    collection: str
    key: str
    #: the versions before and after (None: absent)
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    #: the new version's stored bytes (None: deleted)
    body: bytes | None = None


class Projection(Protocol):
    """A derived table kept in step with some collections, inside each write's transaction.

    ``write`` gets a :class:`Change` and must only touch its own tables; ``rebuild`` fills
    them again from the documents. One may also have ``write_many(engine, changes)``, given
    a page of changes of one collection at once (``SqliteEngine.put_docs``), with the same
    result as ``write`` of each in turn.
    """

    name: str
    follows: frozenset[str]

    def create(self, cursor: sqlite3.Cursor) -> None: ...

    def write(self, engine: SqliteEngine, change: Change) -> None: ...

    def rebuild(self, engine: SqliteEngine) -> None: ...


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open a SQLite database with the durability settings the store relies on.

    ``read_only``: open it for reading only (``opening.read_only_uri``): no test write, no
    schema, nothing written to the folder (a full disk, a write-protected pen drive)."""
    target = read_only_uri(path) if read_only else str(path)
    try:
        conn = sqlite3.connect(target, uri=read_only, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreCorruptError(f"The database file {path} cannot be opened ({exc}).") from exc
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        if not read_only:
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: the WAL is fsync'd at every commit, so a returned write survives power loss.
            conn.execute("PRAGMA synchronous=FULL")
            # deleted text (an old secret, a removed customer) is zeroed where that costs
            # no extra write
            conn.execute("PRAGMA secure_delete=FAST")
            # room for the inner pages of the large tables (a few MB at S5): a bill's
            # hundred lookups then read only their leaf pages from the file
            conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KB}")
            conn.executescript(_SCHEMA_SQL)
        else:
            conn.execute("SELECT COUNT(*) FROM store_info").fetchone()  # is it a store?
    except sqlite3.DatabaseError as exc:
        conn.close()
        if read_only and (unmerged := unmerged_log_error(path)) is not None:
            raise unmerged from exc
        raise StoreCorruptError(
            f"The database file {path} is damaged or is not a Viveka POS store ({exc})."
        ) from exc
    return conn


def index_rows(doc: dict[str, Any], field: str) -> set[tuple[int, Any]]:
    """The ``(rank, val)`` pairs a document is filed under in the index of ``field``:
    each value reached (null for a missing field), and each element of an array as well as
    the whole array, as MongoDB's multikey indexes do."""
    found = [doc.get(field, MISSING)] if "." not in field else values_at(doc, field)
    rows: set[tuple[int, Any]] = set()
    for value in found:
        if value is MISSING:
            value = None
        if isinstance(value, list):
            for element in value:
                rows.add(_stored(order_key(element)))
            rows.add((RANK_ARRAY, bson.encode({"": value})))
            if not value:
                rows.add(_stored(order_key(None)))
        else:
            rows.add(_stored(order_key(value)))
    return rows


def _stored(pair: tuple[int, Any]) -> tuple[int, Any]:
    rank, plain = pair
    return rank, 0 if plain is None else plain


def unique_tokens(doc: dict[str, Any], fields: tuple[str, ...]) -> set[bytes]:
    """The values of a unique key in ``doc``, one per combination of array elements (as
    MongoDB's multikey unique indexes); none when a field is missing, null or empty (such
    documents are not constrained, like a partial unique index: an item without a barcode
    does not collide with another)."""
    choices: list[list[list[Any]]] = []
    for field in fields:
        found = [doc.get(field, MISSING)] if "." not in field else values_at(doc, field)
        values: list[Any] = []
        for value in found:
            values.extend(value if isinstance(value, list) else [value])
        parts = []
        for value in values:
            if value is MISSING or value is None or value == "":
                continue
            rank, plain = order_key(value)
            if isinstance(plain, float) and plain.is_integer():
                plain = int(plain)
            parts.append([rank, plain])
        if not parts:
            return set()
        choices.append(parts)
    return {bson.encode({"k": list(combo)}) for combo in itertools.product(*choices)}


#: value types whose equality (same type and ``==``) means the same index rows and tokens
_SCALARS = frozenset({str, int, float, bool, type(None), bson.ObjectId, bson.Int64, datetime})


def same_at(old: dict[str, Any], new: dict[str, Any], fields: Iterable[str]) -> bool:
    """Whether two versions of a document hold the same scalar values (type included)
    at the top-level ``fields``, so that they are filed the same in an index or unique key
    on them: a write then skips working those out (a sale changes an item's stock, not its
    code). False where unsure (a dotted path, a sub-document, an array)."""
    for field in fields:
        if "." in field:
            return False
        was, now = old.get(field, MISSING), new.get(field, MISSING)
        if was is now:
            continue
        if type(was) is not type(now) or type(was) not in _SCALARS or was != now:
            return False
    return True


def unique_token(values: dict[str, Any], fields: tuple[str, ...]) -> bytes | None:
    """The one token of an equality filter on every field of a unique key (scalars)."""
    tokens = unique_tokens(values, fields)
    return next(iter(tokens)) if len(tokens) == 1 else None


class SqliteEngine:
    """Documents, indexes and derived tables in one SQLite file, with nested transactions."""

    def __init__(
        self,
        db_path: Path,
        *,
        read_only: bool = False,
        projections: Iterable[Projection] = (),
        held: Iterable[str] = (),
    ):
        self.db_path = db_path
        self.read_only = read_only
        self.lock = threading.RLock()
        self._conn = connect(db_path, read_only=read_only)
        self._writer = self._conn.cursor()
        self._projections: list[Projection] = list(projections)
        if not read_only:
            # Checkpoints run on a background thread (checkpoint.py), started by the first
            # commit: a store only read never starts one.
            self._conn.execute(f"PRAGMA wal_autocheckpoint={checkpoint.SAFETY_NET_PAGES}")
        #: collections bounded by design, whole in memory: location -> key -> document
        self._held: dict[str, dict[str, dict[str, Any]]] = {location: {} for location in held}
        #: the held collections are read, whole, when next used (not at open: a damaged
        #: page next to them must not stop a store that is opened to be restored)
        self._held_stale = True
        if not read_only:
            try:
                self._prepare_tables()
            except sqlite3.DatabaseError as exc:
                self._conn.close()
                raise StoreCorruptError(
                    f"The database file {db_path} could not be prepared ({exc})."
                ) from exc
        self._checkpointer: WalCheckpointer | None = None
        self._checkpoint_in_commits = False
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._defs: dict[str, dict[str, Any]] = {}
        self._fields_of: dict[str, dict[str, int]] = {}
        self._uniques_of: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self._depth = 0
        self._durable = True
        self._writes = 0
        #: a write failed part-way inside the open unit of work: it cannot commit
        self._broken = False
        #: called with (collection, _id, the document or None when deleted, whether it
        #: is new) after each write, in its transaction (the outbox)
        self.on_write: Callable[[str, Any, dict[str, Any] | None, bool], None] | None = None
        #: called after any rollback (of a savepoint too): memory derived from writes of
        #: the undone part must be dropped
        self.on_rollback: list[Callable[[], None]] = []
        #: called inside a top-level transaction just before it commits (may write)
        self.before_commit: list[Callable[[], None]] = []
        self._closed = False
        self._changed: dict[str, set[str]] = {}
        self._listeners: dict[str, list[Callable[[list[str]], None]]] = {}
        self._load_definitions()
        self._load_held()

    # ------------------------------------------------------------- plumbing
    def _prepare_tables(self) -> None:
        """The derived tables as this version keeps them (at open, and after a restore of
        a file written by an earlier version)."""
        for projection in self._projections:
            projection.create(self._writer)
        for location in self._held:  # filed by an earlier version: not read any more
            self._writer.execute("DELETE FROM idx WHERE coll = ?", (location,))

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The store is closed.")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        self._check_open()
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreCorruptError(
                f"The database file {self.db_path} could not be read ({exc}). "
                "Restore the newest good backup."
            ) from exc

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self._write(self._writer.execute, sql, params)

    def _execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._write(self._writer.executemany, sql, rows)

    def _write(self, run: Callable[[str, Any], Any], sql: str, params: Any) -> None:
        """Run one write statement; every failure is a ``StoreWriteError`` in words."""
        if self.read_only:
            raise StoreWriteError("The data folder was opened read-only: nothing can be saved.")
        try:
            run(sql, params)
        except sqlite3.Error as exc:
            raise StoreWriteError(_describe_sqlite_error(exc)) from exc
        self._writes += 1

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run a write statement of a derived table inside the current transaction."""
        self._execute(sql, params)

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run a write statement of a derived table once per row (none: not at all)."""
        self._execute_many(sql, rows)

    def stream(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[Any]:
        """Rows of a long read, a chunk at a time, from a snapshot of the committed data
        (its own read-only connection: no lock is held and writers go on meanwhile)."""
        with self.snapshot() as rows_of:
            yield from rows_of(sql, params)

    @contextmanager
    def snapshot(self) -> Iterator[Callable[..., Iterator[Any]]]:
        """Several long reads of one snapshot of the committed data (a read transaction
        on its own read-only connection): gives ``rows_of(sql, params)``, the rows of a
        statement a chunk at a time; several may be read side by side.

        On this thread: SQLite copies a large value off its overflow pages while Python's
        lock is held, so a helper thread reading ahead only took turns with the caller
        (``verify`` at S5, warm: 1.5-1.6 s with one, 1.0-1.1 s without)."""
        self._check_open()
        reader = sqlite3.connect(
            read_only_uri(self.db_path, writer_open=not self.read_only),
            uri=True,
            check_same_thread=False,
            isolation_level=None,
        )

        def chunks(sql: str, params: tuple[Any, ...]) -> Iterator[list[Any]]:
            try:
                cursor = reader.execute(sql, params)
                while rows := cursor.fetchmany(SCAN_CHUNK * 2):
                    yield rows
            except sqlite3.DatabaseError as exc:
                raise StoreCorruptError(
                    f"The database file {self.db_path} could not be read ({exc}). "
                    "Restore the newest good backup."
                ) from exc

        def rows_of(sql: str, params: tuple[Any, ...] = ()) -> Iterator[Any]:
            for rows in chunks(sql, params):
                yield from rows

        try:
            reader.execute("BEGIN")
            yield rows_of
        finally:
            reader.close()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of a read statement (derived tables; call with the lock held or accept a
        snapshot)."""
        with self.lock:
            return self._read(sql, params)

    def _decode(self, body: bytes) -> dict[str, Any]:
        try:
            return bson.decode(body, codec_options=CODEC)
        except bson.errors.BSONError as exc:
            raise StoreCorruptError(
                f"A document in {self.db_path} could not be read ({exc}). "
                "Restore the newest good backup."
            ) from exc

    # --------------------------------------------------------- definitions
    def _load_definitions(self) -> None:
        rows = self._read("SELECT location, body FROM meta")
        self._defs = {}
        self._fields_of.clear()
        self._uniques_of.clear()
        for location, body in rows:
            if "." in location:
                self._defs[location] = self._decode(body)

    def definitions(self, location: str) -> dict[str, Any] | None:
        """A collection's index and unique-key definitions (None: not created)."""
        with self.lock:
            self._check_open()
            defs = self._defs.get(location)
            return None if defs is None else _deep_copy(defs)

    def has_collection(self, location: str) -> bool:
        """Whether the collection was created (its definitions saved), without copying
        them (asked before every insert)."""
        self._check_open()
        return location in self._defs

    def collections(self) -> list[str]:
        with self.lock:
            self._check_open()
            return sorted(self._defs)

    def index_fields(self, location: str) -> dict[str, int]:
        """Fields with a single-field index: field -> direction (do not change it). None
        for a held collection: its index definitions are kept, its queries read memory."""
        known = self._fields_of.get(location)
        if known is None:
            defs = self._defs.get(location) or {}
            known = self._fields_of[location] = (
                {}
                if location in self._held
                else {
                    spec["key_str"]: spec.get("direction", 1)
                    for spec in (defs.get("indexes") or {}).values()
                }
            )
        return known

    def unique_keys(self, location: str) -> list[tuple[str, tuple[str, ...]]]:
        known = self._uniques_of.get(location)
        if known is None:
            defs = self._defs.get(location) or {}
            known = self._uniques_of[location] = [
                (name, tuple(spec["fields"]))
                for name, spec in (defs.get("constraints") or {}).items()
                if spec.get("unique")
            ]
        return known

    def put_definitions(self, location: str, defs: dict[str, Any]) -> None:
        """Save new definitions; index rows of new fields and new unique keys are built
        from the documents now, in the same transaction (a duplicate refuses the change)."""
        with self.transaction():
            old_fields = set(self.index_fields(location))
            old_uniques = dict(self.unique_keys(location))
            previous = self._defs.get(location)
            self._defs[location] = _deep_copy(defs)
            self._fields_of.pop(location, None)
            self._uniques_of.pop(location, None)
            try:
                new_fields = set(self.index_fields(location))
                new_uniques = dict(self.unique_keys(location))
                for field in old_fields - new_fields:
                    self._execute("DELETE FROM idx WHERE coll = ? AND field = ?", (location, field))
                for name, fields in old_uniques.items():
                    if new_uniques.get(name) != fields:
                        self._execute(
                            "DELETE FROM uniq WHERE coll = ? AND name = ?", (location, name)
                        )
                added_fields = new_fields - old_fields
                added_uniques = {n: f for n, f in new_uniques.items() if old_uniques.get(n) != f}
                if added_fields or added_uniques:
                    for key, doc in self._scan(location):
                        self._index_doc(location, key, doc, added_fields)
                        for name, fields in added_uniques.items():
                            self._claim_unique(location, name, fields, key, doc)
                self._execute(
                    "INSERT OR REPLACE INTO meta (location, body) VALUES (?, ?)",
                    (location, bson.encode(defs)),
                )
            except BaseException:
                if previous is None:
                    self._defs.pop(location, None)
                else:
                    self._defs[location] = previous
                self._fields_of.pop(location, None)
                self._uniques_of.pop(location, None)
                raise

    def drop_collection(self, location: str) -> None:
        with self.transaction():
            for key, _doc in list(self._scan(location)):
                self.delete_by_key(location, key)
            self._execute("DELETE FROM idx WHERE coll = ?", (location,))
            self._execute("DELETE FROM uniq WHERE coll = ?", (location,))
            self._execute("DELETE FROM meta WHERE location = ?", (location,))
            self._defs.pop(location, None)
            self._fields_of.pop(location, None)
            self._uniques_of.pop(location, None)

    # ---------------------------------------------------------- transactions
    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def begin(self, durable: bool | None = None) -> None:
        """Open a transaction, or a savepoint inside the open one.

        ``durable=False`` (top level only) commits without waiting for the disk: for
        scratch data such as a cart being filled, where a power cut may lose the last few
        edits but never corrupts anything. Any durable commit after it flushes it too.
        """
        self.lock.acquire()
        try:
            self._check_open()
            if self.read_only:
                raise StoreWriteError("The data folder was opened read-only: nothing can be saved.")
            if self._depth == 0:
                durable = True if durable is None else durable
                if durable != self._durable:
                    self._writer.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                    self._durable = durable
                self._writer.execute("BEGIN IMMEDIATE")
                self._broken = False
            elif durable is True and not self._durable:
                raise StoreWriteError("a durable unit of work cannot run inside a non-durable one")
            else:
                self._writer.execute(f"SAVEPOINT sp{self._depth}")
        except sqlite3.Error as exc:
            self.lock.release()
            raise StoreWriteError(_describe_sqlite_error(exc)) from exc
        except BaseException:
            self.lock.release()
            raise
        self._depth += 1

    def commit(self) -> None:
        changed: dict[str, set[str]] = {}
        try:
            if self._depth == 1:
                try:
                    if self._broken:
                        raise StoreWriteError(BROKEN_UNIT)
                    for hook in self.before_commit:
                        hook()
                    self._writer.execute("COMMIT")
                except (sqlite3.Error, StoreWriteError) as exc:
                    _quiet_rollback(self._conn)
                    self._after_rollback()
                    self._depth = 0
                    if isinstance(exc, StoreWriteError):
                        raise
                    raise StoreWriteError(_describe_sqlite_error(exc)) from exc
                changed, self._changed = self._changed, {}
                self._after_commit()
            else:
                self._writer.execute(f"RELEASE sp{self._depth - 1}")
            self._depth -= 1
        finally:
            self.lock.release()
        if changed:
            self._notify(changed)

    def rollback(self) -> None:
        try:
            if self._depth == 1:
                _quiet_rollback(self._conn)
                self._after_rollback()
            else:
                name = f"sp{self._depth - 1}"
                with suppress(sqlite3.Error):
                    self._writer.execute(f"ROLLBACK TO {name}")
                    self._writer.execute(f"RELEASE {name}")
                # cached documents may show what was just undone
                self._cache.clear()
                self._load_held()
                for hook in self.on_rollback:
                    hook()
            self._depth -= 1
        finally:
            self.lock.release()

    def _after_rollback(self) -> None:
        self._cache.clear()
        self._changed = {}
        self._broken = False
        self._load_definitions()
        self._load_held()
        for hook in self.on_rollback:
            hook()

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

    def transaction(self) -> AbstractContextManager[None]:
        return _Transaction(self)

    def single_write(self) -> AbstractContextManager[Any]:
        """Around a write of one document: its own transaction outside a unit of work;
        inside one, no savepoint (the unit is all or nothing already). A write that fails
        after changing anything there leaves the unit unable to commit."""
        return _SingleWrite(self) if self._depth else _Transaction(self)

    # ------------------------------------------------------------ listeners
    def add_listener(self, collection: str, listener: Callable[[list[str]], None]) -> None:
        """Call ``listener`` after each commit that changed ``collection``, with the keys
        of the changed documents (outside the transaction: it cannot undo it)."""
        self._listeners.setdefault(collection, []).append(listener)

    def _notify(self, changed: dict[str, set[str]]) -> None:
        for collection, keys in changed.items():
            for listener in self._listeners.get(collection, ()):
                try:
                    listener(sorted(keys))
                except Exception:  # a listener's failure must not look like a failed save
                    log.exception("commit listener of %s failed", collection)

    # ------------------------------------------------------------- reading
    def _load(self, location: str, key: str) -> dict[str, Any] | None:
        """The stored document: of a held collection the one in memory (shared: never
        change it, hand out :meth:`_own` of it), else decoded for this call."""
        held = self._held_docs(location)
        if held is not None:
            return held.get(key)
        cached = self._cache.get((location, key))
        if cached is not None:
            self._cache.move_to_end((location, key))
            return self._decode(cached)
        rows = self._read("SELECT body FROM docs WHERE coll = ? AND id = ?", (location, key))
        if not rows:
            return None
        body = rows[0][0]
        self._remember(location, key, None, body)
        return self._decode(body)

    def _own(self, location: str, doc: Any) -> Any:
        """``doc`` (or a value in it), read by :meth:`_load` or :meth:`_load_many`, as a
        copy the caller may keep and change: only a held collection's is shared."""
        return _deep_copy(doc) if location in self._held else doc

    def _remember(self, location: str, key: str, doc: dict[str, Any] | None, body: bytes) -> None:
        """Keep a document just read or written: a held collection's decoded (``doc``;
        decoded from ``body`` when None), any other's BSON in the capped cache."""
        held = self._held.get(location)
        if held is not None:
            held[key] = doc if doc is not None else self._decode(body)
            return
        self._cache[(location, key)] = body
        self._cache.move_to_end((location, key))
        if len(self._cache) > CACHE_DOCS:
            self._cache.popitem(last=False)

    def _forget(self, location: str, key: str) -> None:
        held = self._held.get(location)
        if held is not None:
            held.pop(key, None)
        else:
            self._cache.pop((location, key), None)

    def _load_held(self) -> None:
        """Forget the held collections; they are read again when next used (at open, and
        after a rollback: memory must not show what was undone)."""
        for docs in self._held.values():
            docs.clear()
        self._held_stale = True

    def _held_docs(self, location: str) -> dict[str, dict[str, Any]] | None:
        """The held collection's documents by key (read first if forgotten); None when
        ``location`` is not held. Call with the lock held."""
        held = self._held.get(location)
        if held is not None and self._held_stale:
            for location_held, docs in self._held.items():
                docs.clear()
                for key, body in self._read(
                    "SELECT id, body FROM docs WHERE coll = ? ORDER BY id", (location_held,)
                ):
                    docs[key] = self._decode(body)
            self._held_stale = False
        return held

    def is_held(self, location: str) -> bool:
        """Whether ``location`` is a held collection (whole in memory, in no index)."""
        return location in self._held

    def held_matches(
        self, location: str, test: Callable[[dict[str, Any]], bool]
    ) -> list[tuple[str, dict[str, Any]]] | None:
        """(key, copy) of the documents of a held collection that pass ``test``, in key
        order; None when ``location`` is not held."""
        if location not in self._held:
            return None
        with self.lock:
            self._check_open()
            held = self._held_docs(location) or {}
            found = sorted((key, doc) for key, doc in held.items() if test(doc))  # keys unique
            return [(key, _deep_copy(doc)) for key, doc in found]

    def get_by_key(self, location: str, key: str) -> dict[str, Any] | None:
        """A copy of the document stored under ``key`` (see :func:`~.values.doc_key`)."""
        with self.lock:
            doc = self._load(location, key)
            return None if doc is None else self._own(location, doc)

    def get_many(self, location: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Copies of the documents stored under ``keys`` (those that exist), read in a few
        statements (a page of pulled documents' local versions). A document not in memory
        is decoded straight into the copy handed out and not kept (a push reads every
        document it sends: memory must not keep them)."""
        with self.lock:
            self._check_open()
            found = self._load_many(location, keys)
            return {key: self._own(location, doc) for key, doc in found.items()}

    def top_values(self, location: str, keys: list[str], field: str) -> dict[str, Any]:
        """The value of one top-level field (a copy) in each of the documents stored under
        ``keys`` that exist (MISSING where it lacks the field), without copying the rest."""
        with self.lock:
            self._check_open()
            return {
                key: self._own(location, doc.get(field, MISSING))
                for key, doc in self._load_many(location, keys).items()
            }

    def get_doc(self, location: str, doc_id: Any) -> dict[str, Any] | None:
        """A copy of the document whose ``_id`` is ``doc_id`` (type included)."""
        return self.get_by_key(location, doc_key(doc_id))

    def count(self, location: str) -> int:
        with self.lock:
            if location in self._held:
                self._check_open()
                return len(self._held_docs(location) or {})
            return int(self._read("SELECT COUNT(*) FROM docs WHERE coll = ?", (location,))[0][0])

    def _scan(self, location: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every document of a collection, in key order, read a chunk at a time (the lock
        is held per chunk only; a document written meanwhile is seen or not)."""
        for key, body in self.bodies(location):
            yield key, self._decode(body)

    def bodies(self, location: str) -> Iterator[tuple[str, bytes]]:
        """(key, stored BSON) of every document of a collection, a chunk at a time."""
        after = ""
        while True:
            with self.lock:
                rows = self._read(
                    "SELECT id, body FROM docs WHERE coll = ? AND id > ? ORDER BY id LIMIT ?",
                    (location, after, SCAN_CHUNK),
                )
            if not rows:
                return
            yield from rows
            after = rows[-1][0]

    def iter_docs(self, location: str) -> Iterator[dict[str, Any]]:
        """Copies of every document of a collection, streamed (never all in memory)."""
        for _key, doc in self._scan(location):
            yield doc

    def index_keys(self, location: str, field: str, **walk: Any) -> Iterator[str]:
        """Document keys from the index of ``field``, in index order (``walk``: the
        bounds of :meth:`_index_walk`). A document may come more than once (arrays);
        callers de-duplicate."""
        for key, _body in self._index_walk(location, field, with_docs=False, **walk):
            yield key

    def index_docs(
        self, location: str, field: str, **walk: Any
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """As :meth:`index_keys`, with each document (a fresh copy) read in the same query."""
        for key, body in self._index_walk(location, field, with_docs=True, **walk):
            yield key, self._decode(body)

    def _index_walk(
        self,
        location: str,
        field: str,
        *,
        with_docs: bool,
        rank: int | None = None,
        low: tuple[Any, bool] | None = None,
        high: tuple[Any, bool] | None = None,
        descending: bool = False,
        eq: Any = MISSING,
    ) -> Iterator[tuple[str, Any]]:
        """Index rows a chunk at a time: ``eq`` (a stored value of ``rank``) or
        ``low``/``high`` ((value, inclusive)) bound the values; ``rank`` alone gives every
        value of that type; nothing gives all rows."""
        where = ["i.coll = ?", "i.field = ?"]
        params: list[Any] = [location, field]
        if rank is not None:
            where.append("i.rank = ?")
            params.append(rank)
        if eq is not MISSING:
            where.append("i.val = ?")
            params.append(eq)
        if low is not None:
            where.append("i.val >= ?" if low[1] else "i.val > ?")
            params.append(low[0])
        if high is not None:
            where.append("i.val <= ?" if high[1] else "i.val < ?")
            params.append(high[0])
        order = "DESC" if descending else "ASC"
        base = " AND ".join(where)
        columns = "i.rank, i.val, i.id, d.body" if with_docs else "i.rank, i.val, i.id, NULL"
        source = "idx i JOIN docs d ON d.coll = i.coll AND d.id = i.id" if with_docs else "idx i"
        cursor: tuple[Any, Any, str] | None = None
        # Most callers want the first few (find_one, a first page): start with a small chunk
        # and grow it for callers that read on.
        chunk = 8
        while True:
            clause = base
            args = list(params)
            if cursor is not None:
                op = "<" if descending else ">"
                clause += f" AND (i.rank, i.val, i.id) {op} (?, ?, ?)"
                args.extend(cursor)
            with self.lock:
                rows = self._read(
                    f"SELECT {columns} FROM {source} WHERE {clause} "
                    f"ORDER BY i.rank {order}, i.val {order}, i.id {order} LIMIT ?",
                    (*args, chunk),
                )
            for row in rows:
                yield row[2], row[3]
            if len(rows) < chunk:
                return
            cursor = rows[-1][:3]
            chunk = min(chunk * 4, SCAN_CHUNK)

    def index_count(self, location: str, field: str, rank: int, val: Any, at_most: int) -> int:
        """How many index rows hold one value, counting no further than ``at_most``."""
        with self.lock:
            return int(
                self._read(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM idx WHERE coll = ? AND field = ? "
                    "AND rank = ? AND val = ? LIMIT ?)",
                    (location, field, rank, val, at_most),
                )[0][0]
            )

    def unique_owner(self, location: str, name: str, token: bytes) -> str | None:
        with self.lock:
            rows = self._read(
                "SELECT id FROM uniq WHERE coll = ? AND name = ? AND token = ?",
                (location, name, token),
            )
        return rows[0][0] if rows else None

    # ------------------------------------------------------------- writing
    def put_doc(self, location: str, doc: dict[str, Any], no_overwrite: bool = False) -> bool:
        """Write ``doc`` (insert or replace by ``_id``); False when ``no_overwrite`` and it
        exists. Index rows, unique keys, derived tables and the outbox follow in the same
        transaction."""
        key = doc_key(doc["_id"])
        body = bson.encode(doc)
        with self.single_write():
            # An insert of a document not in memory skips reading it first: the database
            # itself refuses a second document under the same key.
            inserting = (
                no_overwrite and (location, key) not in self._cache and location not in self._held
            )
            old = None if inserting else self._load(location, key)
            if no_overwrite and old is not None:
                return False
            stored = self._decode(body)
            clash = self._unique_clash(location, key, old, stored, {})
            if clash is not None:
                raise clash
            if inserting:
                if not self._insert_new(location, key, body):
                    return False
            else:
                self._execute(
                    "INSERT OR REPLACE INTO docs (coll, id, body) VALUES (?, ?, ?)",
                    (location, key, body),
                )
            self._remember(location, key, stored, body)
            self._file(location, key, old, stored, body)
            self._changed.setdefault(location, set()).add(key)
            if self.on_write is not None:
                self.on_write(location, stored["_id"], stored, old is None)
        return True

    def put_docs(self, location: str, docs: list[dict[str, Any]]) -> dict[str, DuplicateKeyError]:
        """Write a page of documents (insert or replace by ``_id``), as :meth:`put_doc`
        one after the other would, inside the open unit of work: the document rows, index
        rows and unique keys each in one ``executemany``, the derived tables given the
        page's changes together (``Projection.write_many`` where one has it).

        A document whose unique key another document holds (here, or one before it in the
        page) is not written: its key -> error is returned, the others are written. Each
        ``_id`` may come once only."""
        if not self._depth:
            raise StoreWriteError("put_docs runs inside a unit of work")
        keys = [doc_key(doc["_id"]) for doc in docs]
        if len(set(keys)) != len(keys):
            raise ValueError("put_docs: a page names one document twice")
        bodies = [bson.encode(doc) for doc in docs]
        with self.lock:
            olds = self._load_many(location, keys)
            refused: dict[str, DuplicateKeyError] = {}
            changes: list[Change] = []
            claimed: dict[tuple[str, bytes], str | None] = {}
            for key, body in zip(keys, bodies, strict=True):
                stored = self._decode(body)
                old = olds.get(key)
                taken = self._unique_clash(location, key, old, stored, claimed)
                if taken is not None:
                    refused[key] = taken
                    continue
                changes.append(Change(location, key, old, stored, body))
            if not changes:
                return refused
            with self.single_write():
                self._execute_many(
                    "INSERT OR REPLACE INTO docs (coll, id, body) VALUES (?, ?, ?)",
                    [(location, c.key, c.body) for c in changes],
                )
                self._file_many(location, changes)
                touched = self._changed.setdefault(location, set())
                for change in changes:
                    assert change.new is not None
                    assert change.body is not None
                    self._remember(location, change.key, change.new, change.body)
                    touched.add(change.key)
                    if self.on_write is not None:
                        self.on_write(location, change.new["_id"], change.new, change.old is None)
        return refused

    def put_plain_docs(self, location: str, docs: list[dict[str, Any]]) -> None:
        """Write a page of documents (insert or replace by ``_id``) of a collection that
        no index, unique key or derived table follows (sync's bookkeeping: the remote
        versions last seen), inside the open unit of work, in one statement and without
        reading the previous versions (nothing is filed from them). Memory forgets them;
        the next read decodes the new ones. Each ``_id`` may come once only."""
        if not self._depth:
            raise StoreWriteError("put_plain_docs runs inside a unit of work")
        if (
            self.index_fields(location)
            or self.unique_keys(location)
            or location in self._held
            or any(location in projection.follows for projection in self._projections)
        ):
            raise ValueError(f"put_plain_docs: {location} has what a write must file")
        keys = [doc_key(doc["_id"]) for doc in docs]
        if len(set(keys)) != len(keys):
            raise ValueError("put_plain_docs: a page names one document twice")
        rows = [(location, key, bson.encode(doc)) for key, doc in zip(keys, docs, strict=True)]
        with self.lock, self.single_write():
            self._execute_many(
                "INSERT OR REPLACE INTO docs (coll, id, body) VALUES (?, ?, ?)", rows
            )
            touched = self._changed.setdefault(location, set())
            for key, doc in zip(keys, docs, strict=True):
                self._forget(location, key)
                touched.add(key)
                if self.on_write is not None:
                    self.on_write(location, doc["_id"], doc, False)

    def delete_unchanged(self, location: str, expected: dict[str, dict[str, Any]]) -> list[str]:
        """Delete the documents stored under ``expected``'s keys whose stored versions
        still hold the values given for them (key -> {field: value}, compared with ``==``),
        as :meth:`delete_by_key` one after the other would, inside the open unit of work:
        the versions are read in one statement and the document rows, index rows and unique
        keys go in one statement each. A document that is gone or holds another value
        (written since the caller read it) stays. Returns the keys deleted.

        The check and the delete run under the engine's lock, so no write lands between
        them (sync forgets pushed outbox records this way: never one bumped meanwhile)."""
        if not self._depth:
            raise StoreWriteError("delete_unchanged runs inside a unit of work")
        with self.lock:
            self._check_open()
            olds = self._load_many(location, list(expected))
            changes = [
                Change(location, key, old, None)
                for key, old in olds.items()
                if all(old.get(name, MISSING) == value for name, value in expected[key].items())
            ]
            if not changes:
                return []
            with self.single_write():
                self._execute_many(
                    "DELETE FROM docs WHERE coll = ? AND id = ?",
                    [(location, change.key) for change in changes],
                )
                self._file_many(location, changes)
                touched = self._changed.setdefault(location, set())
                for change in changes:
                    assert change.old is not None
                    self._forget(location, change.key)
                    touched.add(change.key)
                    if self.on_write is not None:
                        self.on_write(location, change.old["_id"], None, False)
        return [change.key for change in changes]

    def _load_many(self, location: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The stored documents of ``keys`` that exist (as :meth:`_load` gives them), read
        in a few statements."""
        found: dict[str, dict[str, Any]] = {}
        missing: list[str] = []
        held = self._held_docs(location)
        for key in keys:
            if held is not None:
                doc = held.get(key)
                if doc is not None:
                    found[key] = doc
            elif (body := self._cache.get((location, key))) is not None:
                found[key] = self._decode(body)
            else:
                missing.append(key)
        for start in range(0, len(missing), SCAN_CHUNK):
            chunk = missing[start : start + SCAN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for key, body in self._read(
                f"SELECT id, body FROM docs WHERE coll = ? AND id IN ({marks})",
                (location, *chunk),
            ):
                found[key] = self._decode(body)
        return found

    def _unique_moves(
        self, location: str, old: dict[str, Any] | None, new: dict[str, Any] | None
    ) -> list[tuple[str, tuple[str, ...], set[bytes], set[bytes]]]:
        """Per unique key of ``location`` that a document's change moves: its name and
        fields, the tokens let go and the tokens taken."""
        moves = []
        for name, fields in self.unique_keys(location):
            if old is not None and new is not None and same_at(old, new, fields):
                continue  # the document keeps its own values of the key
            had = unique_tokens(old, fields) if old is not None else set()
            has = unique_tokens(new, fields) if new is not None else set()
            if had != has:
                moves.append((name, fields, had - has, has - had))
        return moves

    def _unique_clash(
        self,
        location: str,
        key: str,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        claimed: dict[tuple[str, bytes], str | None],
    ) -> DuplicateKeyError | None:
        """Whether ``new`` would take a unique key another document holds, counting the
        keys a page's earlier documents took or let go (``claimed``, updated when not)."""
        moves = self._unique_moves(location, old, new)
        for name, fields, _gone, added in moves:
            for token in added:
                if (name, token) in claimed:
                    owner = claimed[(name, token)]
                else:
                    owner = self.unique_owner(location, name, token)
                if owner is not None and owner != key:
                    return DuplicateKeyError(location, fields, tuple(new.get(f) for f in fields))
        for name, _fields, gone, added in moves:
            claimed.update(((name, token), None) for token in gone)
            claimed.update(((name, token), key) for token in added)
        return None

    def _insert_new(self, location: str, key: str, body: bytes) -> bool:
        """Insert a document row; False (nothing written) when the key is taken."""
        try:
            self._execute(
                "INSERT INTO docs (coll, id, body) VALUES (?, ?, ?)", (location, key, body)
            )
        except StoreWriteError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                return False
            raise
        return True

    def delete_by_key(self, location: str, key: str) -> bool:
        """Delete one document (:meth:`delete_by_keys` of its key); False when absent."""
        return self.delete_by_keys(location, [key]) == 1

    def delete_by_keys(self, location: str, keys: list[str]) -> int:
        """Delete the documents of ``keys`` that exist, with their index rows, unique keys
        and derived rows; their document rows go in one statement per chunk. Returns how
        many there were."""
        with self.single_write():
            olds = self._load_many(location, keys)
            gone = [key for key in dict.fromkeys(keys) if key in olds]
            for start in range(0, len(gone), SCAN_CHUNK):
                chunk = gone[start : start + SCAN_CHUNK]
                self._execute(
                    f"DELETE FROM docs WHERE coll = ? AND id IN ({', '.join('?' * len(chunk))})",
                    (location, *chunk),
                )
            touched = self._changed.setdefault(location, set())
            for key in gone:
                old = olds[key]
                self._forget(location, key)
                self._file(location, key, old, None)
                touched.add(key)
                if self.on_write is not None:
                    self.on_write(location, old["_id"], None, False)
        return len(gone)

    def _file(
        self,
        location: str,
        key: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        body: bytes | None = None,
    ) -> None:
        """Index rows, unique keys and derived tables of one document's change."""
        self._refile([(location, key, old, new)])
        self._refile_unique(location, [(key, old, new)])
        change = Change(location, key, old, new, body)
        for projection in self._projections:
            if location in projection.follows:
                projection.write(self, change)

    def _refile(
        self, changes: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]]
    ) -> None:
        """The index rows of documents' changes ((location, key, old, new)): the rows the
        old versions had and the new ones lack go, the others come, in one statement each."""
        gone: list[tuple[Any, ...]] = []
        added: list[tuple[Any, ...]] = []
        for location, key, old, new in changes:
            for field in self.index_fields(location):
                if old is not None and new is not None and same_at(old, new, (field,)):
                    continue
                before = index_rows(old, field) if old is not None else set()
                after = index_rows(new, field) if new is not None else set()
                gone.extend((location, field, rank, val, key) for rank, val in before - after)
                added.extend((location, field, rank, val, key) for rank, val in after - before)
        self._execute_many(
            "DELETE FROM idx WHERE coll = ? AND field = ? AND rank = ? AND val = ? AND id = ?", gone
        )
        self._execute_many(_INDEX_ROW, added)

    def _refile_unique(
        self,
        location: str,
        changes: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]],
    ) -> None:
        """The unique-key rows of documents' changes ((key, old, new)): the tokens let go
        and the tokens taken, in one statement each."""
        released: list[tuple[Any, ...]] = []
        taken: list[tuple[Any, ...]] = []
        for key, old, new in changes:
            for name, _fields, gone, added in self._unique_moves(location, old, new):
                released.extend((location, name, token, key) for token in gone)
                taken.extend((location, name, token, key) for token in added)
        self._execute_many(
            "DELETE FROM uniq WHERE coll = ? AND name = ? AND token = ? AND id = ?", released
        )
        self._execute_many(
            "INSERT OR REPLACE INTO uniq (coll, name, token, id) VALUES (?, ?, ?, ?)", taken
        )

    def _file_many(self, location: str, changes: list[Change]) -> None:
        """:meth:`_file` of a page of changes: each table's rows in one statement."""
        self._refile([(location, c.key, c.old, c.new) for c in changes])
        self._refile_unique(location, [(c.key, c.old, c.new) for c in changes])
        for projection in self._projections:
            if location in projection.follows:
                write_many = getattr(projection, "write_many", None)
                if write_many is not None:
                    write_many(self, changes)
                else:
                    for change in changes:
                        projection.write(self, change)

    def _index_doc(
        self, location: str, key: str, doc: dict[str, Any], fields: Iterable[str]
    ) -> None:
        """File a document in the index of each of ``fields``."""
        self._execute_many(
            _INDEX_ROW,
            [(location, f, rank, val, key) for f in fields for rank, val in index_rows(doc, f)],
        )

    def _claim_unique(
        self, location: str, name: str, fields: tuple[str, ...], key: str, doc: dict[str, Any]
    ) -> None:
        for token in unique_tokens(doc, fields):
            owner = self.unique_owner(location, name, token)
            if owner is not None and owner != key:
                raise DuplicateKeyError(location, fields, tuple(doc.get(f) for f in fields))
            self._execute(
                "INSERT OR REPLACE INTO uniq (coll, name, token, id) VALUES (?, ?, ?, ?)",
                (location, name, token, key),
            )

    # ------------------------------------------------------- rebuilding
    def rebuild_storage(self, rekey: bool = False) -> dict[str, int]:
        """File every document again: index rows, unique keys and derived tables; with
        ``rekey``, first move documents stored under the first store's ``str(_id)`` keys to
        their typed keys. For upgrades and ``doctor --rebuild``; inside one transaction."""
        counts: dict[str, int] = {}
        with self.transaction():
            if rekey:
                self._rekey()
            self._execute("DELETE FROM idx")
            self._execute("DELETE FROM uniq")
            self._cache.clear()
            self._load_held()
            for location in self.collections():
                fields = list(self.index_fields(location))
                uniques = self.unique_keys(location)
                count = 0
                for key, doc in self._scan(location):
                    count += 1
                    self._index_doc(location, key, doc, fields)
                    for name, unique_fields in uniques:
                        try:
                            self._claim_unique(location, name, unique_fields, key, doc)
                        except DuplicateKeyError:
                            log.warning("%s: %s breaks the unique key %s", location, key, name)
                counts[location] = count
            for projection in self._projections:
                projection.rebuild(self)
            self._execute(
                "INSERT OR REPLACE INTO store_info (key, value) VALUES (?, ?)",
                ("storage_format", STORAGE_FORMAT),
            )
        return counts

    def _rekey(self) -> None:
        rows = self._read("SELECT coll, id FROM docs")
        for location, key in rows:
            if len(key) == 24 and all(c in "0123456789abcdef" for c in key):
                continue
            body = self._read("SELECT body FROM docs WHERE coll = ? AND id = ?", (location, key))[
                0
            ][0]
            typed = doc_key(self._decode(body)["_id"])
            if typed != key:
                self._execute(
                    "UPDATE docs SET id = ? WHERE coll = ? AND id = ?", (typed, location, key)
                )

    def needs_rebuild(self) -> bool:
        """True when the file was written by the first store (no index rows yet)."""
        return self.get_info("storage_format") != STORAGE_FORMAT

    def reload(self) -> None:
        """Forget what is in memory and read the file again (after a restore)."""
        with self.lock:
            if not self.read_only:
                self._prepare_tables()
            self._cache.clear()
            self._load_definitions()
            self._load_held()

    # ------------------------------------------------------------ info
    def get_info(self, key: str) -> str | None:
        with self.lock:
            rows = self._read("SELECT value FROM store_info WHERE key = ?", (key,))
        return None if not rows else rows[0][0]

    def set_info(self, key: str, value: str) -> None:
        with self.transaction():
            self._execute(
                "INSERT OR REPLACE INTO store_info (key, value) VALUES (?, ?)", (key, value)
            )

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self.lock:
            if self._closed:
                return
            if self._depth:
                raise StoreWriteError("cannot close the store inside a unit of work")
            checkpointer, self._checkpointer = self._checkpointer, None
            self._closed = True
        # The checkpointer is stopped without the lock: it never takes it, and a stop that
        # overran its time must not keep other threads waiting for the store.
        if checkpointer is not None:
            checkpointer.stop()
        with self.lock:
            # the writer's cursor first: a statement it still holds would keep the database
            # open behind a "closed" connection (and its log files with it)
            self._writer.close()
            if not self.read_only:
                with suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
            self._cache.clear()
            self._held.clear()
            self._listeners.clear()
            self.on_write = None
            self.on_rollback.clear()
            self.before_commit.clear()


class _Transaction:
    """``with engine.transaction():`` — a class, not a generator: every write outside a
    unit of work opens one, so its few microseconds count."""

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

    __slots__ = ("_engine", "_writes")

    def __init__(self, engine: SqliteEngine):
        self._engine = engine
        self._writes = 0

    def __enter__(self) -> None:
        self._engine.lock.acquire()
        self._writes = self._engine._writes

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        engine = self._engine
        try:
            if kind is not None and engine._writes != self._writes:
                engine._broken = True  # something was written before the failure
                engine._cache.clear()
        finally:
            engine.lock.release()


BROKEN_UNIT = (
    "A write inside this unit of work failed part-way, so none of it was saved; try again."
)


def _deep_copy(value: Any) -> Any:
    """A copy of a decoded document: only dicts and lists are mutable in what BSON gives."""
    kind = type(value)
    if kind is dict:
        return {k: _deep_copy(v) if type(v) in (dict, list) else v for k, v in value.items()}
    if kind is list:
        return [_deep_copy(v) if type(v) in (dict, list) else v for v in value]
    return value


copy_doc = _deep_copy


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
