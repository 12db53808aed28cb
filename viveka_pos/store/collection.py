"""Mongita's pymongo-style collection API on the durable engine.

What changes against stock Mongita:
- every write call is atomic (a savepoint, or its own transaction outside a unit of work);
- index upkeep is done by the engine per document (stock Mongita re-sorts whole indexes);
- lookups by ``_id`` are direct, and when several indexed fields are filtered on, the
  smallest matching bucket is used instead of intersecting large sets;
- top-level ``$or``/``$and``/``$nor`` (which Mongita silently answers with nothing) and
  other unsupported operators are refused with :class:`UnsupportedQueryError`;
- ``create_index`` accepts compound keys and ``unique=True``: unique keys are enforced.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import bson
from mongita.collection import (
    _SUPPORTED_FILTER_OPERATORS,
    Collection,
    _doc_matches_slow_filters,
    _get_ids_from_idx,
    _make_idx_key,
    _sort_docs,
    _update_item_in_doc,
    _validate_doc,
    _validate_filter,
    _validate_update,
)
from mongita.common import ASCENDING, DESCENDING
from mongita.database import Database
from mongita.errors import DuplicateKeyError as MongitaDuplicateKeyError
from mongita.errors import MongitaError
from mongita.mongita_client import MongitaClient
from mongita.results import DeleteResult, InsertManyResult, InsertOneResult, UpdateResult

from .engine import SqliteEngine
from .errors import DuplicateKeyError, UnsupportedQueryError
from .object_ids import new_id

IndexKeys = str | list[tuple[str, int]]

#: "this filter does not name one document by its plain _id"
_NO_ID: Any = object()
#: filter values that mean plain equality and that ``check_filter`` leaves as they are
_PLAIN_SCALARS = frozenset({str, int, bool, bson.ObjectId})


def _naive_utc(value: Any) -> Any:
    """Stored datetimes are naive UTC; make filter values comparable with them."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict):
        return {k: _naive_utc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_naive_utc(v) for v in value)
    return value


def check_filter(filter: dict[str, Any] | None) -> dict[str, Any]:
    """Refuse filters the store would otherwise answer wrongly; normalise datetimes."""
    filter = {k: _naive_utc(v) for k, v in (filter or {}).items()}
    _validate_filter(filter)
    for key, value in filter.items():
        if key.startswith("$"):
            raise UnsupportedQueryError(
                f"The store does not support the {key!r} operator; "
                "run separate queries and combine the results."
            )
        if isinstance(value, dict):
            for op in value:
                if op.startswith("$") and op not in _SUPPORTED_FILTER_OPERATORS:
                    raise UnsupportedQueryError(f"The store does not support {op!r} on {key!r}.")
    return filter


def _is_plain(value: Any) -> bool:
    """A filter value that means plain equality (no operators)."""
    return not (isinstance(value, dict) and any(k.startswith("$") for k in value))


def _is_plain_id(value: Any) -> bool:
    """An ``_id`` filter value the engine can look up directly (datetimes need the
    filter's normalisation first)."""
    return _is_plain(value) and not isinstance(value, datetime)


def copy_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a stored document.

    Stored documents hold what a BSON decode gives: dicts, lists and immutable leaves
    (str, numbers, ObjectId, datetime, Decimal128, bytes...), so only dicts and lists need
    copying; that is about five times faster than a BSON round trip.
    """
    copied = {}
    for key, value in doc.items():
        kind = type(value)
        if kind is dict:
            value = copy_doc(value)
        elif kind is list:
            value = _copy_list(value)
        copied[key] = value
    return copied


def _copy_list(values: list[Any]) -> list[Any]:
    return [copy_doc(v) if type(v) is dict else _copy_list(v) if type(v) is list else v
            for v in values]


class DurableCollection(Collection):
    """A Mongita collection whose writes are atomic and durable."""

    _engine: SqliteEngine

    def _Collection__find(self, filter: dict[str, Any], sort: Any = None, limit: Any = None,
                          skip: Any = None, metadata: Any = None,
                          shallow: bool = False) -> Iterator[dict[str, Any]]:
        get_doc = self._engine.get_doc
        for doc_id in self._Collection__find_ids(filter, sort, limit, skip, metadata=metadata):
            doc = get_doc(self.full_name, doc_id)
            if doc is not None:
                yield doc if shallow else copy_doc(doc)

    def _Collection__find_one(self, filter: dict[str, Any], sort: Any,
                              skip: Any) -> dict[str, Any] | None:
        doc_id = self._Collection__find_one_id(filter, sort, skip)
        if doc_id is None:
            return None
        doc = self._engine.get_doc(self.full_name, doc_id)
        return None if doc is None else copy_doc(doc)

    def _plain_id(self, filter: Any) -> Any:
        """The ``_id`` of a filter that is exactly ``{"_id": value}``, else ``_NO_ID``.

        Most reads and writes of the services name one document by id; answering those
        straight from the engine skips Mongita's general query path (about 40 µs a write).
        """
        if type(filter) is dict and len(filter) == 1:
            value = filter.get("_id", _NO_ID)
            if value is not _NO_ID and _is_plain_id(value):
                return value
        return _NO_ID

    def _id_and_fields(self, filter: Any) -> tuple[Any, dict[str, Any]] | None:
        """``(_id, other fields)`` of a filter naming one document by its plain ``_id`` plus
        plain equality on scalar fields (``{"_id": cart_id, "clientId": shop}``, the
        services' usual tenant-safe read); None for any other filter."""
        if type(filter) is not dict:
            return None
        doc_id = filter.get("_id", _NO_ID)
        if doc_id is _NO_ID or not _is_plain_id(doc_id):
            return None
        rest = {}
        for key, value in filter.items():
            if key == "_id":
                continue
            if type(key) is not str or key.startswith("$") or (
                    type(value) not in _PLAIN_SCALARS):
                return None
            rest[key] = value
        return doc_id, rest

    def find_one(self, filter: Any = None, sort: Any = None,  # type: ignore[override]
                 skip: Any = None) -> dict[str, Any] | None:
        found = self._id_and_fields(filter) if sort is None and not skip else None
        if found is None:
            return super().find_one(filter, sort=sort, skip=skip)
        doc_id, rest = found
        doc = self._engine.get_doc(self.full_name, doc_id)
        if doc is None or (rest and not _doc_matches_slow_filters(doc, rest)):
            return None
        return copy_doc(doc)

    def __getattr__(self, attr: str) -> Any:
        # Stock Mongita turns any unknown attribute into a sub-collection, so a typo like
        # ``db.items.fnd`` silently creates data. Refuse instead.
        if attr.startswith("__") or attr in self.UNIMPLEMENTED or attr in self.DEPRECATED:
            return super().__getattr__(attr)
        raise AttributeError(f"Collection {self.name!r} has no attribute {attr!r}")

    # ----------------------------------------------------------------- reads
    def _candidates(self, filter: dict[str, Any], metadata: dict[str, Any]) -> tuple[
        list[Any] | None, dict[str, Any]
    ]:
        """Pick the cheapest way in: (candidate ids or None for all, filters left to check)."""
        rest = dict(filter)
        if "_id" in rest:
            wanted = rest.pop("_id")
            if _is_plain(wanted):
                return ([wanted] if self._engine.doc_exists(self.full_name, wanted) else []), rest
            if set(wanted) == {"$in"}:
                ids = [i for i in wanted["$in"] if self._engine.doc_exists(self.full_name, i)]
                return ids, rest
            rest["_id"] = wanted
        unique = self._engine.unique_match(self.full_name, rest)
        if unique is not None:
            return unique, rest  # the fields stay in ``rest``: checked again on the document
        indexes = metadata.get("indexes", {})

        def index_of(key: str) -> Any:
            for name in (key + "_1", key + "_-1"):
                if name in indexes:
                    return self._engine.index_for_query(self.full_name, name)
            return None

        best_key, best_bucket = None, None
        for key, value in rest.items():
            idx = index_of(key)
            if idx is None or not _is_plain(value):
                continue
            bucket = idx.get(_make_idx_key(value), ())
            if best_bucket is None or len(bucket) < len(best_bucket):
                best_key, best_bucket = key, bucket
        if best_key is not None:
            rest.pop(best_key)
            return list(best_bucket), rest
        for key, value in rest.items():
            idx = index_of(key)
            if idx is not None:
                ids = _get_ids_from_idx(idx, value)
                rest.pop(key)
                return list(ids), rest
        return None, rest

    def _Collection__find_ids(
        self,
        filter: dict[str, Any] | None,
        sort: list[tuple[str, int]] | None = None,
        limit: int | None = None,
        skip: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Iterator[Any]:
        filter = check_filter(filter)
        if limit == 0:
            return
        metadata = metadata or self._engine.get_metadata(self.full_name) or {}
        ids, rest = self._candidates(filter, metadata)
        get_doc = self._engine.get_doc
        name = self.full_name
        if ids is None:
            ids = self._engine.list_ids(name)
        matched = (
            doc
            for doc in (get_doc(name, i) for i in ids)
            if doc is not None and (not rest or _doc_matches_slow_filters(doc, rest))
        )
        if sort:
            docs = list(matched)
            _sort_docs(docs, sort)
            matched = iter(docs)
        count = 0
        for position, doc in enumerate(matched):
            if skip and position < skip:
                continue
            yield doc["_id"]
            count += 1
            if limit is not None and count >= limit:
                return

    def _Collection__find_one_id(
        self,
        filter: dict[str, Any],
        sort: list[tuple[str, int]] | None = None,
        skip: int | None = None,
        upsert: bool = False,
    ) -> Any:
        # Stock Mongita returns the filter's _id without checking the other fields.
        return next(iter(self._Collection__find_ids(filter, sort, limit=1, skip=skip)), None)

    def _Collection__update_doc(self, doc_id: Any, update: dict[str, Any]) -> dict[str, Any]:
        # Work on a copy: the cached document must stay untouched until the engine accepts
        # the new version (stock Mongita edits the cached object in place).
        doc = copy_doc(self._engine.get_doc(self.full_name, doc_id))
        for update_op, update_op_dict in update.items():
            _update_item_in_doc(update_op, update_op_dict, doc)
        self._engine.put_doc(self.full_name, doc)
        return doc

    def _Collection__update_indicies(self, documents: Any, metadata: Any) -> Any:
        return metadata  # the engine maintains indexes per written document

    def _Collection__update_indicies_deletes(self, doc_ids: Any, metadata: Any) -> Any:
        return metadata

    def count_documents(self, filter: dict[str, Any]) -> int:
        filter = check_filter(filter)
        if not filter:
            return self._engine.count(self.full_name)
        return sum(1 for _ in self._Collection__find_ids(filter))

    # ---------------------------------------------------------------- writes
    def insert_one(self, document: dict[str, Any]) -> InsertOneResult:
        # Mongita deep-copies the document first; the engine stores its own decoded copy
        # anyway, so a shallow copy (to add the _id) is enough here.
        _validate_doc(document)
        doc = dict(document)
        doc["_id"] = doc.get("_id") or new_id()
        with self._engine.single_write():
            self._Collection__create()
            if not self._engine.put_doc(self.full_name, doc, no_overwrite=True):
                raise MongitaDuplicateKeyError(f"Document {doc['_id']!r} already exists")
        return InsertOneResult(doc["_id"])

    def insert_many(self, documents: list[dict[str, Any]], ordered: bool = True) -> (
        InsertManyResult
    ):
        """Insert all documents or, if any fails, none of them."""
        try:
            with self._engine.transaction():
                return super().insert_many(documents, ordered=ordered)
        except MongitaError as exc:
            # Mongita wraps the real cause; callers need to see the duplicate key itself.
            if isinstance(exc.__cause__, DuplicateKeyError):
                raise exc.__cause__ from None
            raise

    def replace_one(self, filter: dict[str, Any], replacement: dict[str, Any],
                    upsert: bool = False) -> UpdateResult:
        check_filter(filter)
        if upsert and "_id" in filter and _is_plain(filter["_id"]) and "_id" not in replacement:
            replacement = {"_id": filter["_id"], **replacement}  # as pymongo upserts
        with self._engine.single_write():
            return super().replace_one(filter, replacement, upsert=upsert)

    def update_one(self, filter: dict[str, Any], update: dict[str, Any],
                   upsert: bool = False) -> UpdateResult:
        doc_id = _NO_ID if upsert else self._plain_id(filter)
        if doc_id is _NO_ID:
            with self._engine.single_write():
                return super().update_one(filter, update, upsert=upsert)
        _validate_update(update)
        with self._engine.single_write():
            if not self._engine.doc_exists(self.full_name, doc_id):
                return UpdateResult(0, 0)
            self._Collection__update_doc(doc_id, update)
        return UpdateResult(1, 1)

    def update_many(self, filter: dict[str, Any], update: dict[str, Any],
                    upsert: bool = False) -> UpdateResult:
        with self._engine.transaction():
            return super().update_many(filter, update, upsert=upsert)

    def delete_one(self, filter: dict[str, Any]) -> DeleteResult:
        check_filter(filter)
        with self._engine.single_write():
            return super().delete_one(filter)

    def delete_many(self, filter: dict[str, Any]) -> DeleteResult:
        with self._engine.transaction():
            return super().delete_many(filter)

    # --------------------------------------------------------------- indexes
    def create_index(self, keys: IndexKeys, unique: bool = False,  # type: ignore[override]
                     name: str | None = None) -> str:
        """Create an index; compound keys are recorded, ``unique`` keys enforced.

        Mongita's planner only uses single-field indexes, so a compound index also gets a
        single-field index on its first field for lookups.
        """
        if isinstance(keys, str):
            keys = [(keys, ASCENDING)]
        if not isinstance(keys, list) or not keys:
            raise MongitaError(f"Unsupported index keys {keys!r}")
        for key, direction in keys:
            if not key or not isinstance(key, str):
                raise MongitaError(f"Index keys must be strings, not {key!r}")
            if direction not in (ASCENDING, DESCENDING):
                raise MongitaError(f"Index direction must be 1 or -1, not {direction!r}")
        fields = [k for k, _ in keys]
        index_name = name or "_".join(f"{k}_{d}" for k, d in keys)
        with self._engine.transaction():
            self._Collection__create()
            meta = self._engine.get_metadata(self.full_name)
            assert meta is not None
            new_meta = {k: v for k, v in meta.items()}
            indexes = dict(new_meta.get("indexes", {}))
            first, direction = keys[0]
            single_name = f"{first}_{direction}"
            if single_name not in indexes and f"{first}_{-direction}" not in indexes:
                indexes[single_name] = {"_id": single_name, "key_str": first,
                                        "direction": direction}
            new_meta["indexes"] = indexes
            if unique or len(keys) > 1:
                constraints = dict(new_meta.get("constraints") or {})
                constraints[index_name] = {"fields": fields, "unique": bool(unique),
                                           "keys": [list(k) for k in keys]}
                new_meta["constraints"] = constraints
            self._engine.put_metadata(self.full_name, new_meta)
        return index_name

    def drop_index(self, index_or_name: str) -> None:
        with self._engine.transaction():
            meta = self._engine.get_metadata(self.full_name) or {}
            new_meta = {k: v for k, v in meta.items()}
            indexes = dict(new_meta.get("indexes", {}))
            constraints = dict(new_meta.get("constraints") or {})
            if index_or_name in constraints:
                del constraints[index_or_name]
            elif index_or_name in indexes:
                del indexes[index_or_name]
            else:
                raise MongitaError(f"Index not found with name {index_or_name!r}")
            new_meta["indexes"] = indexes
            new_meta["constraints"] = constraints
            self._engine.put_metadata(self.full_name, new_meta)

    def index_information(self) -> dict[str, dict[str, Any]]:
        """pymongo-shaped: ``{name: {"key": [(field, dir), ...], "unique": bool}}``."""
        meta = self._engine.definitions(self.full_name) or {}
        info: dict[str, dict[str, Any]] = {"_id_": {"key": [("_id", 1)]}}
        for name, idx in meta.get("indexes", {}).items():
            info[name] = {"key": [(idx["key_str"], idx["direction"])]}
        for name, spec in (meta.get("constraints") or {}).items():
            info[name] = {"key": [tuple(k) for k in spec["keys"]], "unique": spec["unique"]}
        return info


class DurableDatabase(Database):
    def __getitem__(self, collection_name: str) -> DurableCollection:
        try:
            return self._cache[collection_name]
        except KeyError:
            super().__getitem__(collection_name)  # validates the name
            coll = DurableCollection(collection_name, self)
            self._cache[collection_name] = coll
            return coll


class DurableClient(MongitaClient):
    """A Mongita client over :class:`SqliteEngine`."""

    def __init__(self, engine: SqliteEngine):
        self.engine = engine
        self.is_primary = True
        super().__init__()

    def __getitem__(self, db_name: str) -> DurableDatabase:
        try:
            return self._cache[db_name]
        except KeyError:
            super().__getitem__(db_name)
            db = DurableDatabase(db_name, self)
            self._cache[db_name] = db
            return db

    def __repr__(self) -> str:
        return f"DurableClient({self.engine.db_path})"
