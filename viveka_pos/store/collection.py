"""Mongita's pymongo-style collection API, answered by SQLite.

``store.db.<name>`` is a :class:`DurableCollection`. A query is planned here: the cheapest
way in (an ``_id``, a unique key, an index on an equality, a list or a range, else the whole
collection read a chunk at a time), then every candidate is checked against the whole
filter (:func:`~.query.matches`), so an index narrows the search and never changes an answer.
Sorted queries read an index in order when one serves the sort, else sort what matched.

Behaves as pymongo does, or refuses loudly: ``_id`` keeps its type, 64-bit integers compare
by value, ``$set`` on ``_id`` is refused, ``$inc`` of a missing field starts from 0, upserts,
``insert_many(ordered=False)`` keeps the valid documents and reports the rest, reads on a
closed store raise. Every document handed out is the caller's own copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import bson
from mongita.common import ASCENDING, DESCENDING
from mongita.cursor import Cursor
from mongita.errors import DuplicateKeyError as MongitaDuplicateKeyError
from mongita.errors import MongitaError
from mongita.results import DeleteResult, InsertManyResult, InsertOneResult, UpdateResult

from .engine import SqliteEngine, copy_doc, unique_token
from .errors import BulkWriteError, DuplicateKeyError
from .query import (
    MISSING,
    RANGE_OPERATORS,
    apply_update,
    check_filter,
    check_update,
    is_operator_doc,
    matches,
    sorter,
    upsert_seed,
)
from .values import RANK_ARRAY, RANK_OBJECT, doc_key, new_id, order_key, rank_of, sort_key

IndexKeys = str | list[tuple[str, int]]

#: an equality index lookup of more rows than this is "not selective": counting stops here
_SELECTIVE = 256

__all__ = ["DurableClient", "DurableCollection", "DurableDatabase", "copy_doc"]


def _stored(value: Any) -> tuple[int, Any]:
    rank, plain = order_key(value)
    return rank, 0 if plain is None else plain


def _indexable(value: Any) -> bool:
    """A value an index row can stand for exactly (sub-documents and arrays are not)."""
    return rank_of(value) not in (RANK_OBJECT, RANK_ARRAY)


class _Plan:
    """How to find candidates: by keys (``keys``), by an index walk, or by a full scan."""

    def __init__(
        self,
        keys: list[str] | None = None,
        field: str | None = None,
        walk: dict[str, Any] | None = None,
        cost: int = 0,
    ):
        self.keys = keys
        self.field = field
        self.walk = walk or {}
        self.cost = cost


class DurableCollection:
    """One collection of the store (create through the database: ``store.db.items``)."""

    def __init__(self, name: str, database: DurableDatabase):
        self.name = name
        self.database = database
        self._engine: SqliteEngine = database._engine
        self.full_name = f"{database.name}.{name}"

    def __repr__(self) -> str:
        return f"DurableCollection({self.full_name!r})"

    def __getattr__(self, attr: str) -> Any:
        # Mongita turns an unknown attribute into a sub-collection, so a typo like
        # ``db.items.fnd`` would silently create data. Refuse instead.
        raise AttributeError(f"Collection {self.name!r} has no attribute {attr!r}")

    # ------------------------------------------------------------ planning
    def _plan(self, filter: dict[str, Any]) -> _Plan:
        engine, name = self._engine, self.full_name
        wanted = filter.get("_id", MISSING)
        if wanted is not MISSING:
            if not is_operator_doc(wanted) and _indexable(wanted):
                return _Plan(keys=[doc_key(wanted)])
            if (
                is_operator_doc(wanted)
                and set(wanted) == {"$in"}
                and all(_indexable(v) for v in wanted["$in"])
            ):
                return _Plan(keys=list(dict.fromkeys(doc_key(v) for v in wanted["$in"])))
        for unique_name, fields in engine.unique_keys(name):
            values = [filter.get(f, MISSING) for f in fields]
            if all(
                v is not MISSING
                and not is_operator_doc(v)
                and _indexable(v)
                and v is not None
                and v != ""
                for v in values
            ):
                token = unique_token(dict(zip(fields, values, strict=True)), fields)
                owner = engine.unique_owner(name, unique_name, token) if token else None
                return _Plan(keys=[] if owner is None else [owner])
        indexed = engine.index_fields(name)
        candidates = [f for f in filter if f in indexed and f != "_id"]
        best: _Plan | None = None
        for field in candidates:
            plan = self._field_plan(field, filter[field], count=len(candidates) > 1)
            if plan is not None and (best is None or plan.cost < best.cost):
                best = plan
        return best or _Plan()

    def _field_plan(self, field: str, condition: Any, count: bool) -> _Plan | None:
        """How to read the candidates of one indexed field; with ``count``, the cost of an
        equality is counted (up to a bound) to choose between several fields."""
        engine, name = self._engine, self.full_name
        if not is_operator_doc(condition):
            if not _indexable(condition):
                return None
            rank, val = _stored(condition)
            cost = engine.index_count(name, field, rank, val, _SELECTIVE) if count else 0
            return _Plan(field=field, walk={"rank": rank, "eq": val}, cost=cost)
        if "$eq" in condition and _indexable(condition["$eq"]):
            return self._field_plan(field, condition["$eq"], count)
        if "$in" in condition:
            choices = list(condition["$in"])
            if not all(_indexable(c) for c in choices):
                return None
            keys: list[str] = []
            for choice in choices:
                rank, val = _stored(choice)
                keys.extend(engine.index_keys(name, field, rank=rank, eq=val))
            return _Plan(keys=list(dict.fromkeys(keys)), cost=len(keys))
        bounds = {op: v for op, v in condition.items() if op in RANGE_OPERATORS}
        if bounds and all(_indexable(v) and v is not None for v in bounds.values()):
            ranks = {rank_of(v) for v in bounds.values()}
            if len(ranks) != 1:
                return _Plan(keys=[], cost=0)  # bounds of two types: nothing matches both
            rank = ranks.pop()
            walk: dict[str, Any] = {"rank": rank}
            for op, value in bounds.items():
                plain = _stored(value)[1]
                if op in ("$gt", "$gte"):
                    walk["low"] = (plain, op == "$gte")
                else:
                    walk["high"] = (plain, op == "$lte")
            return _Plan(field=field, walk=walk, cost=_SELECTIVE * 4)
        return None

    def _matching(self, filter: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(key, document)`` of every match, unordered (documents are the caller's)."""
        plan = self._plan(filter)
        engine, name = self._engine, self.full_name
        if plan.keys is None and plan.field is None:
            held = engine.held_matches(name, lambda doc: matches(doc, filter))
            if held is not None:
                yield from held
                return
        if plan.keys is None:
            rows = (
                engine._scan(name)
                if plan.field is None
                else engine.index_docs(name, plan.field, **plan.walk)
            )
            once = "eq" in plan.walk  # an equality meets each document once
            seen: set[str] = set()
            for key, doc in rows:
                if not once:
                    if key in seen:
                        continue
                    seen.add(key)
                if matches(doc, filter):
                    yield key, doc
            return
        keys = iter(plan.keys)
        seen = set()
        chunk: list[str] = []
        for key in keys:
            if key in seen:
                continue
            seen.add(key)
            chunk.append(key)
            if len(chunk) >= 200:
                yield from self._checked(chunk, filter)
                chunk = []
        if chunk:
            yield from self._checked(chunk, filter)

    def _checked(
        self, keys: list[str], filter: dict[str, Any]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        engine, name = self._engine, self.full_name
        if len(keys) == 1:
            doc = engine.get_by_key(name, keys[0])
            found = [] if doc is None or not matches(doc, filter) else [(keys[0], doc)]
        else:  # read in one statement, given in the order of the keys
            docs = engine.get_many(name, keys)
            found = [
                (key, doc)
                for key in keys
                if (doc := docs.get(key)) is not None and matches(doc, filter)
            ]
        yield from found

    def _find(
        self, filter: Any = None, sort: Any = None, limit: Any = None, skip: Any = None
    ) -> Iterator[dict[str, Any]]:
        checked = check_filter(filter)
        self._engine._check_open()
        return self._generate(checked, sort or [], limit, skip or 0)

    def _generate(
        self, filter: dict[str, Any], sort: list[tuple[str, int]], limit: int | None, skip: int
    ) -> Iterator[dict[str, Any]]:
        if limit is not None and limit < 0:
            limit = -limit
        if limit == 0:
            limit = None
        docs = self._ordered(filter, sort)
        produced = 0
        for position, doc in enumerate(docs):
            if position < skip:
                continue
            yield doc
            produced += 1
            if limit is not None and produced >= limit:
                return

    def _ordered(
        self, filter: dict[str, Any], sort: list[tuple[str, int]]
    ) -> Iterator[dict[str, Any]]:
        if not sort:
            return (doc for _key, doc in self._matching(filter))
        field, direction = sort[0]
        indexed = self._engine.index_fields(self.full_name)
        if len(sort) == 1 and field in indexed and field != "_id":
            plan = self._plan(filter)
            if plan.keys is None and (
                plan.field is None or plan.field == field or not self._few(plan)
            ):
                # read in the sort's index order: the first few of many matches come
                # without reading (or sorting) the rest
                return self._walk_sorted(filter, field, plan, direction == DESCENDING)
        docs = [doc for _key, doc in self._matching(filter)]
        sorter(sort)(docs)
        return iter(docs)

    def _few(self, plan: _Plan) -> bool:
        """Whether an equality plan reads few documents (then sorting them is cheap)."""
        walk = plan.walk
        if "eq" not in walk:
            return False
        return (
            self._engine.index_count(
                self.full_name, plan.field or "", walk["rank"], walk["eq"], _SELECTIVE
            )
            < _SELECTIVE
        )

    def _walk_sorted(
        self, filter: dict[str, Any], field: str, plan: _Plan, descending: bool
    ) -> Iterator[dict[str, Any]]:
        """Documents in the order of the index of ``field``: the first few of a large
        collection are read without reading the rest."""
        walk = plan.walk if plan.field == field else {}
        rows = self._engine.index_docs(self.full_name, field, descending=descending, **walk)
        seen: set[str] = set()
        # An array is filed under each element: in MongoDB's sort it counts once, by its
        # smallest element ascending (largest descending), which is where it is met first.
        for key, doc in rows:
            if key in seen:
                continue
            seen.add(key)
            if matches(doc, filter):
                yield doc

    # ------------------------------------------------------------ reading
    def find(
        self, filter: Any = None, sort: Any = None, limit: Any = None, skip: Any = None
    ) -> Cursor:
        check_filter(filter)
        if sort is not None and isinstance(sort, str):
            sort = [(sort, ASCENDING)]
        return Cursor(self._find, filter, sort, limit, skip)

    def find_one(
        self, filter: Any = None, sort: Any = None, skip: Any = None
    ) -> dict[str, Any] | None:
        if sort is None and not skip and type(filter) is dict and "_id" in filter:
            # the services' usual read: one document by its _id (and its shop)
            checked = check_filter(filter)
            wanted = checked["_id"]
            if not is_operator_doc(wanted) and _indexable(wanted):
                doc = self._engine.get_by_key(self.full_name, doc_key(wanted))
                return doc if doc is not None and matches(doc, checked) else None
        if isinstance(sort, str):
            sort = [(sort, ASCENDING)]
        return next(iter(self._find(filter, sort=sort, limit=1, skip=skip)), None)

    def count_documents(self, filter: Any) -> int:
        checked = check_filter(filter)
        engine, name = self._engine, self.full_name
        if not checked:
            return engine.count(name)
        if len(checked) == 1:
            ((field, value),) = checked.items()
            if (
                field in engine.index_fields(name)
                and not is_operator_doc(value)
                and _indexable(value)
                and value is not None
            ):
                rank, val = _stored(value)
                return engine.index_count(name, field, rank, val, 2**62)
        return sum(1 for _ in self._matching(checked))

    def estimated_document_count(self) -> int:
        return self._engine.count(self.full_name)

    def distinct(self, key: str, filter: Any = None) -> list[Any]:
        """Distinct values of ``key`` (array elements one by one), in MongoDB's order."""
        from .query import values_at

        seen: dict[tuple[int, Any], Any] = {}
        for _doc_key, doc in self._matching(check_filter(filter)):
            for value in values_at(doc, key):
                if value is MISSING:
                    continue
                for element in value if isinstance(value, list) else [value]:
                    seen.setdefault(order_key(element), element)
        return [seen[k] for k in sorted(seen, key=lambda k: sort_key(seen[k]))]

    # ------------------------------------------------------------ writing
    def _ensure_created(self) -> None:
        if not self._engine.has_collection(self.full_name):
            self._engine.put_definitions(self.full_name, {"indexes": {}, "constraints": {}})

    def insert_one(self, document: dict[str, Any]) -> InsertOneResult:
        doc = _checked_doc(document)
        with self._engine.single_write():
            self._ensure_created()
            if not self._engine.put_doc(self.full_name, doc, no_overwrite=True):
                raise DuplicateKeyError(self.full_name, ("_id",), (doc["_id"],))
        if "_id" not in document:
            document["_id"] = doc["_id"]  # as pymongo does
        return InsertOneResult(doc["_id"])

    def insert_many(
        self, documents: list[dict[str, Any]], ordered: bool = True
    ) -> InsertManyResult:
        """Insert in order. ``ordered``: stop at the first failure (those before it stay);
        else go on past failures. Either way failures raise :class:`BulkWriteError` listing
        them, after the others were written (as pymongo does).

        No savepoint per document: a duplicate (of ``_id`` or of a unique key) is refused
        before its document writes anything. Any other failure after a write leaves the
        unit of work unable to commit (``single_write``): it rolls back as a whole."""
        if not isinstance(documents, list) or not documents:
            raise MongitaError("insert_many needs a non-empty list of documents")
        docs = [_checked_doc(d) for d in documents]
        inserted: list[Any] = []
        errors: list[dict[str, Any]] = []
        engine = self._engine
        with engine.single_write():
            self._ensure_created()
            paged = self._insert_page(docs, ordered, inserted, errors)
            for position, doc in enumerate([] if paged else docs):
                try:
                    with engine.single_write():
                        if not engine.put_doc(self.full_name, doc, no_overwrite=True):
                            raise DuplicateKeyError(self.full_name, ("_id",), (doc["_id"],))
                except MongitaDuplicateKeyError as exc:
                    errors.append({"index": position, "code": 11000, "errmsg": str(exc), "op": doc})
                    if ordered:
                        break
                    continue
                inserted.append(doc["_id"])
        for original, doc in zip(documents, docs, strict=True):
            original.setdefault("_id", doc["_id"])
        if errors:
            raise BulkWriteError(errors, inserted)
        return InsertManyResult([{"_id": doc_id} for doc_id in inserted])

    def _insert_page(
        self,
        docs: list[dict[str, Any]],
        ordered: bool,
        inserted: list[Any],
        errors: list[dict[str, Any]],
    ) -> bool:
        """``insert_many`` inside a unit of work, of a collection without unique keys
        (besides ``_id``): the documents already stored are found in one read, the others
        written as one page (``engine.put_docs``: a statement per table, not per document).
        False (nothing done) where that does not apply."""
        engine, name = self._engine, self.full_name
        keys = [doc_key(doc["_id"]) for doc in docs]
        if (
            not engine.in_transaction
            or engine.unique_keys(name)
            or engine.is_held(name)
            or len(set(keys)) != len(keys)
        ):
            return False
        stored = engine._load_many(name, keys)  # the lock is held (single_write)
        page: list[dict[str, Any]] = []
        for position, (key, doc) in enumerate(zip(keys, docs, strict=True)):
            if key in stored:
                error = DuplicateKeyError(name, ("_id",), (doc["_id"],))
                errors.append({"index": position, "code": 11000, "errmsg": str(error), "op": doc})
                if ordered:
                    break
                continue
            page.append(doc)
        if page:
            engine.put_docs(name, page)
            inserted.extend(doc["_id"] for doc in page)
        return True

    def replace_one(
        self, filter: Any, replacement: dict[str, Any], upsert: bool = False
    ) -> UpdateResult:
        checked = check_filter(filter)
        if not isinstance(replacement, dict) or any(
            isinstance(k, str) and k.startswith("$") for k in replacement
        ):
            raise MongitaError("A replacement document cannot hold update operators")
        with self._engine.single_write():
            found = next(self._matching(checked), None)
            if found is None:
                if not upsert:
                    return UpdateResult(0, 0)
                doc = {**upsert_seed(checked), **replacement}
                doc.setdefault("_id", new_id())
                self._ensure_created()
                self._engine.put_doc(self.full_name, _checked_doc(doc))
                return UpdateResult(0, 0, upserted_id=doc["_id"])
            _key, current = found
            if "_id" in replacement and doc_key(replacement["_id"]) != doc_key(current["_id"]):
                raise MongitaError("The _id of a document cannot change")
            doc = {"_id": current["_id"], **{k: v for k, v in replacement.items() if k != "_id"}}
            self._engine.put_doc(self.full_name, _checked_doc(doc))
        return UpdateResult(1, 1)

    def update_one(self, filter: Any, update: dict[str, Any], upsert: bool = False) -> UpdateResult:
        return self._update(filter, update, upsert, many=False)

    def update_many(
        self, filter: Any, update: dict[str, Any], upsert: bool = False
    ) -> UpdateResult:
        return self._update(filter, update, upsert, many=True)

    def _update(
        self, filter: Any, update: dict[str, Any], upsert: bool, many: bool
    ) -> UpdateResult:
        checked = check_filter(filter)
        check_update(update)
        engine = self._engine
        context = engine.transaction() if many else engine.single_write()
        with context:
            if not many and _names_its_fields(update):
                found = self._stored_match(checked)
                if found is not None:
                    return self._update_stored(found, update)
            matched = modified = 0
            targets = (
                list(self._matching(checked))
                if many
                else [x for x in [next(self._matching(checked), None)] if x is not None]
            )
            for _key, doc in targets:
                before = copy_doc(doc)
                apply_update(doc, update)
                matched += 1
                if _differs(before, doc):
                    engine.put_doc(self.full_name, doc)
                    modified += 1
            if matched or not upsert:
                return UpdateResult(matched, modified)
            doc = upsert_seed(checked)
            apply_update(doc, update, inserting=True)
            doc.setdefault("_id", new_id())
            self._ensure_created()
            engine.put_doc(self.full_name, _checked_doc(doc))
            return UpdateResult(0, 0, upserted_id=doc["_id"])

    def _stored_match(self, filter: dict[str, Any]) -> dict[str, Any] | None:
        """The stored document a filter on ``_id`` matches, as the engine's ``_load``
        gives it (a held collection's is shared: never change it); None when there is
        none or the filter names no single ``_id``. Call with the engine's lock held."""
        wanted = filter.get("_id", MISSING)
        if wanted is MISSING or is_operator_doc(wanted) or not _indexable(wanted):
            return None
        doc = self._engine._load(self.full_name, doc_key(wanted))
        return doc if doc is not None and matches(doc, filter) else None

    def _update_stored(self, current: dict[str, Any], update: dict[str, Any]) -> UpdateResult:
        """``update_one`` of a stored document by operators that name every top-level field
        they change: the new version is a shallow copy with those fields replaced (the
        stored one is not touched: nested values are shared, never changed in place), and it
        was modified when one of them differs, so nothing else is copied or compared."""
        new = dict(current)
        apply_update(new, update)
        for fields in update.values():
            for field in fields:
                if _differs(current.get(field, MISSING), new.get(field, MISSING)):
                    self._engine.put_doc(self.full_name, new)
                    return UpdateResult(1, 1)
        return UpdateResult(1, 0)

    def delete_one(self, filter: Any) -> DeleteResult:
        checked = check_filter(filter)
        with self._engine.single_write():
            found = next(self._matching(checked), None)
            if found is None:
                return DeleteResult(0)
            self._engine.delete_by_key(self.full_name, found[0])
        return DeleteResult(1)

    def delete_many(self, filter: Any) -> DeleteResult:
        checked = check_filter(filter)
        with self._engine.single_write():
            keys = [key for key, _doc in self._matching(checked)]
            deleted = self._engine.delete_by_keys(self.full_name, keys) if keys else 0
        return DeleteResult(deleted)

    def bulk_write(self, requests: list[Any], ordered: bool = True) -> Any:
        raise MongitaError("bulk_write is not supported by the local store")

    # ------------------------------------------------------------ indexes
    def create_index(
        self, keys: IndexKeys, unique: bool = False, name: str | None = None, **_options: Any
    ) -> str:
        """Create an index; compound keys are recorded, ``unique`` keys enforced (a
        document missing a field of the key is not constrained).

        Queries use single-field indexes, so a compound index also gets a single-field
        index on its first field.
        """
        keys = _index_keys(keys)
        index_name = name or "_".join(f"{k}_{d}" for k, d in keys)
        with self._engine.transaction():
            defs = self._engine.definitions(self.full_name) or {}
            indexes = dict(defs.get("indexes") or {})
            constraints = dict(defs.get("constraints") or {})
            first, direction = keys[0]
            single_name = f"{first}_{direction}"
            if single_name not in indexes and f"{first}_{-direction}" not in indexes:
                indexes[single_name] = {
                    "_id": single_name,
                    "key_str": first,
                    "direction": direction,
                }
            if unique or len(keys) > 1:
                constraints[index_name] = {
                    "fields": [k for k, _ in keys],
                    "unique": bool(unique),
                    "keys": [list(k) for k in keys],
                }
            self._engine.put_definitions(
                self.full_name, {**defs, "indexes": indexes, "constraints": constraints}
            )
        return index_name

    def drop_index(self, index_or_name: IndexKeys) -> None:
        """Drop an index by name or by its key list (as pymongo accepts both)."""
        name = (
            index_or_name
            if isinstance(index_or_name, str)
            else "_".join(f"{k}_{d}" for k, d in _index_keys(index_or_name))
        )
        with self._engine.transaction():
            defs = self._engine.definitions(self.full_name) or {}
            indexes = dict(defs.get("indexes") or {})
            constraints = dict(defs.get("constraints") or {})
            if name in constraints:
                del constraints[name]
            elif name in indexes:
                del indexes[name]
            else:
                raise MongitaError(f"Index not found with name {name!r}")
            self._engine.put_definitions(
                self.full_name, {**defs, "indexes": indexes, "constraints": constraints}
            )

    def index_information(self) -> dict[str, dict[str, Any]]:
        """pymongo-shaped: ``{name: {"key": [(field, dir), ...], "unique": bool}}``."""
        defs = self._engine.definitions(self.full_name) or {}
        info: dict[str, dict[str, Any]] = {"_id_": {"key": [("_id", 1)]}}
        for name, idx in (defs.get("indexes") or {}).items():
            info[name] = {"key": [(idx["key_str"], idx["direction"])]}
        for name, spec in (defs.get("constraints") or {}).items():
            info[name] = {"key": [tuple(k) for k in spec["keys"]], "unique": spec["unique"]}
        return info


#: operators that replace (or remove) the very fields they name
_FIELD_OPERATORS = frozenset({"$set", "$unset", "$inc", "$setOnInsert"})


def _names_its_fields(update: dict[str, Any]) -> bool:
    """Whether an update changes only the top-level fields it names (``$set``, ``$unset``,
    ``$inc`` of fields without a dot), so comparing those tells whether it changed the
    document. ``$push`` appends in place; a dotted path changes a nested value."""
    return all(
        op in _FIELD_OPERATORS and all("." not in path for path in fields)
        for op, fields in update.items()
    )


def _differs(was: Any, now: Any) -> bool:
    """Whether an update changed a value, as MongoDB tells (by its BSON): ``1`` and
    ``True``, or ``1`` and ``1.0``, are equal in Python but not the same stored value."""
    if was is now:
        return False
    if was is MISSING or now is MISSING or was != now:
        return True
    if type(was) is type(now) and type(was) not in (dict, list):
        return False
    return bson.encode({"": was}) != bson.encode({"": now})


def _index_keys(keys: IndexKeys) -> list[tuple[str, int]]:
    if isinstance(keys, str):
        keys = [(keys, ASCENDING)]
    if not isinstance(keys, list) or not keys:
        raise MongitaError(f"Unsupported index keys {keys!r}")
    checked = []
    for entry in keys:
        key, direction = entry
        if not key or not isinstance(key, str):
            raise MongitaError(f"Index keys must be strings, not {key!r}")
        if direction not in (ASCENDING, DESCENDING):
            raise MongitaError(f"Index direction must be 1 or -1, not {direction!r}")
        checked.append((key, direction))
    return checked


def _checked_doc(document: Any) -> dict[str, Any]:
    """A shallow copy of a document to write, with an ``_id``; refuses what BSON cannot
    hold in a collection (operator keys, non-string keys)."""
    if not isinstance(document, dict):
        raise MongitaError(f"A document must be a dict, not {type(document).__name__}")
    for key in document:
        if not isinstance(key, str):
            raise MongitaError(f"Document keys must be strings, not {key!r}")
        if key.startswith("$"):
            raise MongitaError(f"Document keys cannot start with '$' ({key!r})")
    doc = dict(document)
    if doc.get("_id") is None:
        doc["_id"] = new_id()
    if isinstance(doc["_id"], (dict, list)):
        raise MongitaError("An _id cannot be a sub-document or an array")
    return doc


class DurableDatabase:
    """``store.db``: collections by attribute or by name."""

    def __init__(self, name: str, engine: SqliteEngine):
        self.name = name
        self._engine = engine
        self._cache: dict[str, DurableCollection] = {}

    def __getattr__(self, attr: str) -> DurableCollection:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return self[attr]

    def __getitem__(self, collection_name: str) -> DurableCollection:
        coll = self._cache.get(collection_name)
        if coll is None:
            if (
                not collection_name
                or "$" in collection_name
                or collection_name.startswith("system.")
            ):
                raise MongitaError(f"Invalid collection name {collection_name!r}")
            coll = self._cache[collection_name] = DurableCollection(collection_name, self)
        return coll

    def list_collection_names(self) -> list[str]:
        prefix = self.name + "."
        return [loc[len(prefix) :] for loc in self._engine.collections() if loc.startswith(prefix)]

    def drop_collection(self, name_or_collection: str | DurableCollection) -> None:
        name = (
            name_or_collection.name
            if isinstance(name_or_collection, DurableCollection)
            else name_or_collection
        )
        self._engine.drop_collection(f"{self.name}.{name}")


class DurableClient:
    """The databases of one engine (the store uses one)."""

    def __init__(self, engine: SqliteEngine):
        self.engine = engine
        self._cache: dict[str, DurableDatabase] = {}

    def __getitem__(self, db_name: str) -> DurableDatabase:
        db = self._cache.get(db_name)
        if db is None:
            db = self._cache[db_name] = DurableDatabase(db_name, self.engine)
        return db

    def __repr__(self) -> str:
        return f"DurableClient({self.engine.db_path})"
