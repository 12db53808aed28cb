"""Errors raised by the store, each with a message a person can act on."""

from __future__ import annotations

from mongita.errors import DuplicateKeyError as MongitaDuplicateKeyError


class StoreError(Exception):
    """Base class for store failures."""


class StoreLockedError(StoreError):
    """Another running program owns the data directory."""


class StoreWriteError(StoreError):
    """A write could not be made durable; nothing of it was kept."""


class StoreVersionError(StoreError):
    """The data was written by a newer version of the program."""


class StoreUpgradeNeededError(StoreVersionError):
    """Data of an older version, opened read-only: it must be upgraded (a write) first."""


class StoreCorruptError(StoreError):
    """The database file is damaged or is not a Viveka POS store."""


class UnsupportedQueryError(StoreError):
    """A filter uses an operator the store cannot evaluate.

    Mongita silently answers ``$or``/``$and`` filters with no documents; we refuse them
    loudly instead so a wrong query can never look like an empty result.
    """


class DuplicateKeyError(MongitaDuplicateKeyError):
    """A unique key (single or compound) is already taken by another document."""

    def __init__(self, collection: str, fields: tuple[str, ...], values: tuple[object, ...]):
        self.collection = collection
        self.fields = fields
        self.values = values
        shown = ", ".join(f"{f}={v!r}" for f, v in zip(fields, values, strict=True))
        super().__init__(f"{collection}: another document already has {shown}")


class BulkWriteError(StoreError):
    """Some documents of an ``insert_many`` were refused; the others were written.

    ``details`` is shaped like pymongo's: ``{"writeErrors": [{"index", "code", "errmsg",
    "op"}], "nInserted": n}``.
    """

    def __init__(self, errors: list[dict[str, object]], inserted: list[object]):
        self.details = {"writeErrors": errors, "nInserted": len(inserted)}
        self.inserted_ids = inserted
        shown = "; ".join(str(e["errmsg"]) for e in errors[:3])
        super().__init__(f"{len(errors)} document(s) were not inserted: {shown}")
