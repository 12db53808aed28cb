"""Incremental index maintenance for Mongita's in-memory indexes.

Mongita keeps, per indexed field, a ``SortedDict`` mapping an index key to the set of
document ids having it, and its query planner reads that structure. Mongita itself rebuilds
and re-sorts the whole index on every write (O(n)); here a write removes the old version's
keys and adds the new version's keys only (O(log n)).

Unique constraints (single or compound fields) live beside the indexes as plain dicts from
the key tuple to the owning document id; they are checked before a write touches anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import bson
import sortedcontainers
from mongita.collection import SORT_ORDER, _get_item_from_doc, _make_idx_key

_SORT_ORDER = SORT_ORDER


def index_keys(doc: dict[str, Any], key_str: str) -> list[Any]:
    """The index keys Mongita would file ``doc`` under (multikey for arrays)."""
    value = _get_item_from_doc(doc, key_str) if "." in key_str else doc.get(key_str)
    if isinstance(value, list):
        keys = [_make_idx_key(element) for element in value]
        keys.append(_make_idx_key(value))
        return keys
    order = _SORT_ORDER.get(type(value))
    if order is not None and not isinstance(value, (list, dict)):
        return [(order, value)]
    return [_make_idx_key(value)]


class FieldIndex:
    """One Mongita single-field index, maintained per document, built on first use.

    Buckets hold the engine's document keys (the ``_id`` as text), which hash and look up
    faster than ObjectIds. Removal recomputes the keys from the old version of the document
    (cached documents are never mutated), so no reverse map is kept. Until a query first
    needs the index it is not built and writes skip it: opening a large collection does not
    pay for indexes nothing asks for.
    """

    __slots__ = ("built", "idx", "key_str", "written")

    def __init__(self, key_str: str, idx: sortedcontainers.SortedDict):
        self.key_str = key_str
        self.idx = idx
        self.built = False
        #: while a build runs outside the store's lock: the documents written meanwhile
        self.written: set[str] | None = None

    def add(self, doc_key: str, doc: dict[str, Any]) -> None:
        if not self.built:
            if self.written is not None:
                self.written.add(doc_key)
            return
        for key in index_keys(doc, self.key_str):
            bucket = self.idx.get(key)
            if bucket is None:
                self.idx[key] = {doc_key}
            else:
                bucket.add(doc_key)

    def remove(self, doc_key: str, doc: dict[str, Any]) -> None:
        if not self.built:
            if self.written is not None:
                self.written.add(doc_key)
            return
        for key in index_keys(doc, self.key_str):
            bucket = self.idx.get(key)
            if bucket is None:
                continue
            bucket.discard(doc_key)
            if not bucket:
                del self.idx[key]

    def replace(self, doc_key: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        """File a new version of a document: nothing to do when the indexed field kept its
        value (an item's stock changes on every sale; its code, name and group do not)."""
        if self.built and "." not in self.key_str:
            before, after = old.get(self.key_str), new.get(self.key_str)
            if type(before) is type(after) and type(after) in _UNCHANGED_CHECKABLE and (
                    before == after):
                return
        self.remove(doc_key, old)
        self.add(doc_key, new)

    def rebuild(self, docs: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Build from scratch in one pass: collect, then sort once."""
        self.install(*self.collect(docs))

    def install(self, buckets: dict[Any, set[str]], ordered: list[Any]) -> None:
        """Take the result of ``collect``: the index is built."""
        self.idx.clear()
        self.idx.update((key, buckets[key]) for key in ordered)
        self.built = True

    def collect(self, docs: Iterable[tuple[str, dict[str, Any]]]
                ) -> tuple[dict[Any, set[str]], list[Any]]:
        """The buckets of ``docs`` and their keys in order (the slow part of a build; it
        touches nothing shared, so it can run without the store's lock)."""
        buckets: dict[Any, set[str]] = {}
        key_str = self.key_str
        simple = "." not in key_str
        order_of = _SORT_ORDER.get
        for doc_key, doc in docs:
            if simple:
                value = doc.get(key_str)
                order = order_of(type(value))
                if order is not None and type(value) is not list:
                    key = (order, value)
                    bucket = buckets.get(key)
                    if bucket is None:
                        buckets[key] = {doc_key}
                    else:
                        bucket.add(doc_key)
                    continue
            for key in index_keys(doc, key_str):
                buckets.setdefault(key, set()).add(doc_key)
        return buckets, _presorted(buckets)


def _presorted(keys: Iterable[Any]) -> list[Any]:
    """Index keys in the index's order, fast: sorting ``(order, ObjectId)`` keys compares
    ObjectIds in Python, about 1.5 s for 300k of them; their bytes compare in C, in the same
    order. (The sorted index then checks the order in one linear pass.)"""
    oid = bson.ObjectId
    try:
        return sorted(keys, key=lambda k: (k[0], k[1].binary)
                      if type(k) is tuple and len(k) == 2 and type(k[1]) is oid else k)
    except TypeError:  # keys of a shape the fast order does not cover
        return sorted(keys)


_KNOWN_HASHABLE = (str, int, bson.ObjectId, bool, float)
#: scalar types whose equal values always give equal index keys
_UNCHANGED_CHECKABLE = frozenset({str, int, bson.ObjectId, bool, type(None), datetime})


def _hashable(value: Any) -> Any:
    if type(value) in _KNOWN_HASHABLE:
        return value
    try:
        hash(value)
    except TypeError:
        return bson.encode({"v": value})
    return value


@dataclass
class UniqueConstraint:
    """A unique key over one or more fields.

    Documents missing any of the fields (None or empty string) are not constrained, like a
    sparse/partial unique index: an item without a barcode does not collide with another.
    """

    name: str
    fields: tuple[str, ...]
    owners: dict[tuple[Any, ...], str] = field(default_factory=dict)
    #: some document holds a value that is not a plain scalar (an array, a sub-document)
    #: in one of the fields: then an equality filter may match it without naming its key
    mixed: bool = False

    def key_of(self, doc: dict[str, Any]) -> tuple[Any, ...] | None:
        values = []
        for name in self.fields:
            value = doc.get(name) if "." not in name else _get_item_from_doc(doc, name)
            if value is None or value == "":
                return None
            if type(value) not in _KNOWN_HASHABLE:
                self.mixed = True
            values.append(_hashable(value))
        return tuple(values)

    def owner_for(self, values: dict[str, Any]) -> list[str] | None:
        """The keys of the documents an equality filter on ``values`` can match, through
        this unique key: at most one. None when the filter does not name every field with
        a plain scalar (or when documents hold other values in them)."""
        if self.mixed:
            return None
        key = []
        for name in self.fields:
            value = values.get(name)
            if type(value) not in _KNOWN_HASHABLE or value == "":
                return None
            key.append(value)
        owner = self.owners.get(tuple(key))
        return [] if owner is None else [owner]

    def conflict(self, doc_key: str, doc: dict[str, Any]) -> tuple[Any, ...] | None:
        """The taken key if ``doc`` would violate the constraint, else None."""
        key = self.key_of(doc)
        if key is None:
            return None
        owner = self.owners.get(key)
        if owner is not None and owner != doc_key:
            return key
        return None

    def add(self, doc_key: str, doc: dict[str, Any]) -> None:
        key = self.key_of(doc)
        if key is not None:
            self.owners[key] = doc_key

    def remove(self, doc_key: str, doc: dict[str, Any]) -> None:
        key = self.key_of(doc)
        if key is not None and self.owners.get(key) == doc_key:
            del self.owners[key]

    def replace(self, doc_key: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        """File a new version of a document (a no-op when its key is unchanged)."""
        old_key, new_key = self.key_of(old), self.key_of(new)
        if old_key == new_key and (new_key is None or self.owners.get(new_key) == doc_key):
            return
        if old_key is not None and self.owners.get(old_key) == doc_key:
            del self.owners[old_key]
        if new_key is not None:
            self.owners[new_key] = doc_key

    def rebuild(self, docs: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[Any, ...]]:
        """Build from scratch; returns keys found more than once (existing violations)."""
        owners: dict[tuple[Any, ...], str] = {}
        duplicates = []
        self.mixed = False
        fields = self.fields
        simple = all("." not in name for name in fields)
        two = simple and len(fields) == 2
        first, second = (fields[0], fields[1]) if two else ("", "")
        known = _KNOWN_HASHABLE
        for doc_key, doc in docs:
            if two:
                a, b = doc.get(first), doc.get(second)
                if a is None or b is None or a == "" or b == "":
                    continue
                if type(a) in known and type(b) in known:
                    key: tuple[Any, ...] | None = (a, b)
                else:
                    key = (_hashable(a), _hashable(b))
                    self.mixed = True
            elif simple:
                values = tuple(doc.get(name) for name in fields)
                if None in values or "" in values:
                    continue
                if not all(type(v) in known for v in values):
                    values = tuple(_hashable(v) for v in values)
                    self.mixed = True
                key = values
            else:
                key = self.key_of(doc)
                if key is None:
                    continue
            if key in owners:
                duplicates.append(key)
                continue
            owners[key] = doc_key
        self.owners = owners
        return duplicates
