"""The store: open a data directory, run units of work, back up and restore."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ..config import resolve_data_dir
from .backup_file import (
    BackupManifest,
    Snapshot,
    damaged_place,
    keep_damaged_copy,
    read_backup,
    restore_into,
    shop_summary,
    write_backup,
)
from .chain_ledger import ChainQueries
from .collection import DurableClient, DurableCollection, DurableDatabase
from .customer_search import CustomerQueries
from .engine import STORAGE_FORMAT, SqliteEngine, utcnow
from .errors import (
    StoreCorruptError,
    StoreError,
    StoreUpgradeNeededError,
    StoreVersionError,
    StoreWriteError,
)
from .filelock import DataDirLock
from .item_list import ItemListQueries
from .item_search import SearchQueries
from .ledger import LedgerQueries
from .migrations import upgrade
from .opening import check_data_dir, check_readable, read_only_uri, remember_store
from .outbox import OUTBOX, OutboxWriter
from .projections import default_projections
from .schema import BY_NAME, COLLECTIONS, DATABASE_NAME, HELD, SCHEMA_VERSION

DB_FILE = "viveka.sqlite3"
_Q = TypeVar("_Q")
log = logging.getLogger("viveka_pos.store")


class Store:
    """An open data directory. Create with :func:`open_store`; close when done."""

    def __init__(self, data_dir: Path, engine: SqliteEngine, lock: DataDirLock):
        self.data_dir = data_dir
        self._engine = engine
        self._lock = lock
        self.read_only = engine.read_only
        self._client = DurableClient(engine)
        self._outbox = OutboxWriter(engine)
        engine.on_write = self._outbox
        self._closed = False

    # ---------------------------------------------------------------- access
    @property
    def db(self) -> DurableDatabase:
        """The Mongita database (pymongo-style collections: ``store.db.items``)."""
        return self._client[DATABASE_NAME]

    def collection(self, name: str) -> DurableCollection:
        return self.db[name]

    def _queries(self, kind: Callable[[SqliteEngine], _Q]) -> _Q:
        self._check_open()
        return kind(self._engine)

    @property
    def ledger(self) -> LedgerQueries:
        """The reports' ledger tables (store/ledger.py)."""
        return self._queries(LedgerQueries)

    @property
    def chains(self) -> ChainQueries:
        """The invoice hash chains, checked against the invoices (store/chain_ledger.py)."""
        return self._queries(ChainQueries)

    @property
    def item_search(self) -> SearchQueries:
        """The item search tables (store/item_search.py)."""
        return self._queries(SearchQueries)

    @property
    def customer_search(self) -> CustomerQueries:
        """The customer lookup tables (store/customer_search.py)."""
        return self._queries(CustomerQueries)

    @property
    def item_list(self) -> ItemListQueries:
        """The Inventory screen's item list (store/item_list.py)."""
        return self._queries(ItemListQueries)

    def rebuild_derived(self) -> dict[str, int]:
        """File every document again: indexes, unique keys, report ledgers and item search
        (``doctor --rebuild``). Returns the documents filed per collection."""
        self._check_open()
        with self._engine.lock:
            if self._engine.in_transaction:
                raise StoreError("The store cannot be rebuilt inside a unit of work.")
            return self._engine.rebuild_storage()

    @property
    def engine(self) -> SqliteEngine:
        return self._engine

    @property
    def db_path(self) -> Path:
        return self._engine.db_path

    @property
    def store_id(self) -> str:
        return self._engine.get_info("store_id") or ""

    @property
    def schema_version(self) -> int:
        return int(self._engine.get_info("schema_version") or 0)

    def count(self, collection: str) -> int:
        return self._engine.count(f"{DATABASE_NAME}.{collection}")

    def counts(self) -> dict[str, int]:
        return {spec.name: self.count(spec.name) for spec in COLLECTIONS}

    def iter_docs(self, collection: str) -> Iterator[dict[str, Any]]:
        """Copies of every document of a collection, streamed a chunk at a time (never the
        whole collection in memory). For scans that no index serves: prefer ``find``."""
        self._check_open()
        return self._engine.iter_docs(f"{DATABASE_NAME}.{collection}")

    def get(self, collection: str, doc_id: Any) -> dict[str, Any] | None:
        """A copy of one document by ``_id`` (its type included), or None."""
        self._check_open()
        return self._engine.get_doc(f"{DATABASE_NAME}.{collection}", doc_id)

    # ------------------------------------------------------------ writing
    @contextmanager
    def unit_of_work(
        self, *, record_outbox: bool = True, durable: bool = True
    ) -> Iterator[DurableDatabase]:
        """Writes inside commit together, durably, or not at all.

        On any exception every write of the block is undone on disk and in memory and the
        exception propagates. Nested blocks are savepoints. ``record_outbox=False`` is for
        applying changes that came *from* the remote (they must not be pushed back).
        ``durable=False`` is for scratch data only (carts): the commit does not wait for the
        disk, so a power cut may lose it, but the next durable commit makes it safe too.
        """
        self._check_open()
        if self.read_only:
            raise StoreWriteError("The data was opened for reading only: nothing was saved.")
        engine = self._engine
        engine.begin(durable)
        previous = self._outbox.enabled
        if not record_outbox:
            self._outbox.enabled = False
        try:
            yield self.db
        except BaseException:
            self._outbox.enabled = previous
            engine.rollback()
            raise
        self._outbox.enabled = previous
        engine.commit()

    @contextmanager
    def read_lock(self) -> Iterator[None]:
        """Hold off writers while a background thread reads several documents."""
        with self._engine.lock:
            yield

    def on_commit(self, collection: str, listener: Callable[[list[str]], None]) -> None:
        """Be told, after each commit, which documents of ``collection`` changed (their
        keys), whoever wrote them: screens refresh without polling."""
        self._engine.add_listener(f"{DATABASE_NAME}.{collection}", listener)

    # ------------------------------------------------------------ outbox
    def outbox_batch(self, limit: int = 500) -> list[dict[str, Any]]:
        """The oldest outbox records, in order (for sync)."""
        self._check_open()
        return list(self.db.outbox.find({}, sort=[("seq", 1)], limit=limit))

    def outbox_size(self) -> int:
        return self._engine.count(OUTBOX)

    # ------------------------------------------------------------- TTL
    def sweep_expired(self, now: datetime | None = None) -> dict[str, int]:
        """Delete what the spec's TTL indexes would: OTP sessions and stale carts.

        Mongita has no TTL indexes, so this runs at open and from :class:`TtlSweeper`.
        Finalized carts are kept (the spec expires only unfinished ones).
        """
        now = now or utcnow()
        removed = {"otpsessions": 0, "carts": 0, "cartitems": 0}
        with self.unit_of_work(record_outbox=False) as db:
            removed["otpsessions"] = db.otpsessions.delete_many(
                {"expiresAt": {"$lte": now}}
            ).deleted_count
            for cart in db.carts.find({"expiresAt": {"$lte": now}}):
                if cart.get("isFinalized"):
                    continue
                removed["cartitems"] += db.cartitems.delete_many(
                    {"cartId": cart["_id"]}
                ).deleted_count
                removed["carts"] += db.carts.delete_one({"_id": cart["_id"]}).deleted_count
        return removed

    # ----------------------------------------------------- backup, restore
    def backup(self, target_dir: str | os.PathLike[str]) -> BackupManifest:
        """A consistent, verified copy of the whole store in ``target_dir`` (made while
        the app runs: writers wait for the copy, which takes milliseconds to seconds)."""
        self._check_open()
        with self._engine.lock:
            if self._engine.in_transaction:
                raise StoreError("A backup cannot be taken inside a unit of work.")
            shops = [shop_summary(c) for c in self.iter_docs("clients")]
            return write_backup(
                self._engine.connection,
                Path(target_dir),
                counts=self.counts(),
                store_id=self.store_id,
                schema_version=self.schema_version,
                shops=shops,
            )

    def pin_snapshot(self) -> Snapshot:
        """The data as it is now, pinned for a backup taken while the app goes on working.

        Writers are held off only to start a read transaction between two units of work;
        WAL then lets the store go on writing while the snapshot is read and copied, and
        the copy still sees the data as it was at that moment. Close it when done.
        """
        self._check_open()
        reader = sqlite3.connect(
            read_only_uri(self.db_path, writer_open=not self.read_only),
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            with self.read_lock():
                started = time.perf_counter()
                if self._engine.in_transaction:
                    raise StoreError("A backup cannot be taken inside a unit of work.")
                reader.execute("BEGIN")
                reader.execute("SELECT COUNT(*) FROM store_info").fetchone()  # pins it
                held = time.perf_counter() - started
        except sqlite3.Error as exc:
            reader.close()
            raise StoreError(f"The database could not be read for a backup ({exc}).") from exc
        except BaseException:
            reader.close()
            raise
        return Snapshot(reader, held)

    def restore(
        self,
        source_dir: str | os.PathLike[str],
        *,
        safety_copy_dir: str | os.PathLike[str] | None = None,
    ) -> BackupManifest:
        """Replace the store's contents with a backup, while the app runs.

        The backup is verified first (checksum, integrity, schema version); a safety copy of
        the current data is written before anything is replaced (when the current data is
        damaged, it is copied as it is into ``damaged/<the safety copy's name>``). The
        replacement itself is one SQLite transaction: a crash during it leaves the old data
        in place.
        """
        self._check_open()
        manifest = read_backup(Path(source_dir))
        if manifest.schema_version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"That backup was made by a newer version of Viveka POS (data version "
                f"{manifest.schema_version}; this program reads up to {SCHEMA_VERSION})."
            )
        with self._engine.lock:
            if self._engine.in_transaction:
                raise StoreError("A restore cannot run inside a unit of work.")
            stamp = utcnow().strftime("%Y%m%d-%H%M%S-%f")
            safety = (
                Path(safety_copy_dir)
                if safety_copy_dir
                else (self.data_dir / "backups" / f"before-restore-{stamp}")
            )
            try:
                self.backup(safety)
            except StoreCorruptError:  # the data here is damaged: keep it aside as it is
                safety = keep_damaged_copy(
                    self._engine.connection, self.db_path, damaged_place(self.data_dir, safety.name)
                )
            restore_into(Path(source_dir), self._engine.connection)
            self._engine.reload()
            self._client = DurableClient(self._engine)
            self._outbox = OutboxWriter(self._engine)
            self._engine.on_write = self._outbox
            self._prepare()
        log.info("restored backup from %s (safety copy in %s)", source_dir, safety)
        return manifest

    # --------------------------------------------------------------- open
    def _prepare(self) -> None:
        """Check the data version, create missing collections and indexes."""
        engine = self._engine
        version = engine.get_info("schema_version")
        if version is not None and int(version) > SCHEMA_VERSION:
            raise StoreVersionError(
                f"The data in {self.data_dir} was written by a newer version of Viveka POS "
                f"(data version {version}; this program reads up to {SCHEMA_VERSION}). "
                "Install the newer version; nothing was changed."
            )
        if self.read_only:
            if version is None or int(version) < SCHEMA_VERSION or engine.needs_rebuild():
                raise StoreUpgradeNeededError(
                    f"The data in {self.data_dir} must be upgraded before it can be read: "
                    "open it once normally (not read-only)."
                )
            return
        if version is not None and (int(version) < SCHEMA_VERSION or engine.needs_rebuild()):
            upgrade(self, int(version))  # a verified backup first, then one unit of work
        with self.unit_of_work(record_outbox=False) as db:
            for spec in COLLECTIONS:
                coll = db[spec.name]
                have = coll.index_information()
                for index in spec.indexes:
                    name = "_".join(f"{k}_{d}" for k, d in index.keys)
                    if name not in have:
                        coll.create_index(index.keys, unique=index.unique, name=name)
                coll._ensure_created()
            if version is None:
                engine.set_info("schema_version", str(SCHEMA_VERSION))
                engine.set_info("store_id", uuid.uuid4().hex)
                engine.set_info("storage_format", STORAGE_FORMAT)
        self._outbox.refresh_floor()
        remember_store(self.data_dir, self.store_id)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The store is closed.")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._engine.close()
        finally:
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(
    data_dir: str | os.PathLike[str] | None = None, *, sweep: bool = True, read_only: bool = False
) -> Store:
    """Open (creating if needed) the store in ``data_dir``.

    ``data_dir`` defaults to ``VIVEKA_DATA_DIR`` or the user's data folder. Raises
    :class:`StoreLockedError` when another process has it open. ``read_only``: only read
    it (reports, backups, checks): nothing in the folder is created or written, so it
    works on a full disk or a write-protected drive; a unit of work is refused.
    """
    path = resolve_data_dir(data_dir)
    if read_only:
        check_readable(path, DB_FILE)
    else:
        check_data_dir(path, DB_FILE)  # creates it; says in words what keeps a store open
    lock = DataDirLock(path)
    lock.acquire(required=not read_only)
    try:
        engine = SqliteEngine(
            path / DB_FILE, read_only=read_only, projections=default_projections(), held=HELD
        )
        try:
            store = Store(path, engine, lock)
            store._prepare()
            if sweep and not read_only:
                try:
                    store.sweep_expired()
                except StoreCorruptError as exc:
                    # housekeeping only: a damaged page must not stop the open that
                    # restores over it (the health check reports the damage)
                    log.warning("expired carts and OTPs not swept at open: %s", exc)
        except BaseException:
            engine.close()
            raise
    except BaseException:
        lock.release()
        raise
    return store


__all__ = ["BY_NAME", "DB_FILE", "Store", "open_store"]
