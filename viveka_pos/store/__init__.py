"""The durable, transactional Mongita store. Entry point: :func:`open_store`."""

from mongita.errors import MongitaError

from .errors import (
    BulkWriteError,
    DuplicateKeyError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreVersionError,
    StoreWriteError,
    UnsupportedQueryError,
)
from .schema import DATABASE_NAME, SCHEMA_VERSION
from .store import DB_FILE, Store, open_store
from .ttl import TtlSweeper
from .values import new_id

__all__ = [
    "DATABASE_NAME",
    "DB_FILE",
    "SCHEMA_VERSION",
    "BulkWriteError",
    "DuplicateKeyError",
    "MongitaError",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "StoreVersionError",
    "StoreWriteError",
    "TtlSweeper",
    "UnsupportedQueryError",
    "new_id",
    "open_store",
]
