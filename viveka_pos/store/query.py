"""Filters and updates with MongoDB's meaning, checked on one document at a time.

The store answers a query by finding candidate documents (through an index when one serves
the filter, else by reading the collection) and keeping those :func:`matches` accepts, so
an index only ever narrows the search: it never decides an answer on its own.

Supported: equality (scalars, sub-documents, whole arrays, array elements), ``$eq``,
``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$in``, ``$nin`` on any (dotted) field.
Anything else (``$or``, ``$and``, ``$regex``, ``$exists``...) is refused with
:class:`~.errors.UnsupportedQueryError`: a filter the store does not understand must never
come back as a silent, different answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mongita.errors import MongitaError

from .errors import UnsupportedQueryError
from .values import order_key, rank_of, sort_key

SUPPORTED = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"})
RANGE_OPERATORS = frozenset({"$gt", "$gte", "$lt", "$lte"})
UPDATE_OPERATORS = frozenset({"$set", "$inc", "$push", "$unset", "$setOnInsert"})

MISSING: Any = object()


def naive_utc(value: Any) -> Any:
    """Stored datetimes are naive UTC; make filter values comparable with them."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict):
        return {k: naive_utc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [naive_utc(v) for v in value]
    return value


def is_operator_doc(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and k.startswith("$") for k in value)
    )


def check_filter(filter: Any) -> dict[str, Any]:
    """A copy of ``filter`` with datetimes normalised; refuses what the store cannot do."""
    if filter is None:
        return {}
    if not isinstance(filter, dict):
        raise MongitaError(f"A filter must be a dict, not {type(filter).__name__}")
    checked: dict[str, Any] = {}
    for key, value in filter.items():
        if not isinstance(key, str):
            raise MongitaError(f"Filter keys must be strings, not {key!r}")
        if key.startswith("$"):
            raise UnsupportedQueryError(
                f"The store does not support the {key!r} operator; "
                "run separate queries and combine the results."
            )
        if isinstance(value, dict) and any(isinstance(k, str) and k.startswith("$") for k in value):
            for op, operand in value.items():
                if not (isinstance(op, str) and op.startswith("$")):
                    raise MongitaError(f"Cannot mix operators and fields in {key!r}")
                if op not in SUPPORTED:
                    raise UnsupportedQueryError(f"The store does not support {op!r} on {key!r}.")
                if op in ("$in", "$nin") and not isinstance(operand, (list, tuple, set)):
                    raise MongitaError(f"{op!r} on {key!r} needs a list")
        checked[key] = naive_utc(value)
    return checked


def values_at(doc: Any, path: str) -> list[Any]:
    """The values a dotted ``path`` reaches in ``doc`` (several through arrays of
    sub-documents); :data:`MISSING` where a part is absent."""
    current = [doc]
    for part in path.split("."):
        reached: list[Any] = []
        for value in current:
            if isinstance(value, dict):
                reached.append(value.get(part, MISSING))
            elif isinstance(value, list):
                if part.isdigit():
                    position = int(part)
                    reached.append(value[position] if position < len(value) else MISSING)
                else:
                    reached.extend(el.get(part, MISSING) for el in value if isinstance(el, dict))
                    if not any(isinstance(el, dict) for el in value):
                        reached.append(MISSING)
            else:
                reached.append(MISSING)
        current = reached
    return current


def first_value(doc: dict[str, Any], path: str) -> Any:
    """The value at ``path`` for sorting (None when missing)."""
    if "." not in path:
        return doc.get(path)
    for value in values_at(doc, path):
        if value is not MISSING:
            return value
    return None


def _candidates(found: list[Any]) -> list[Any]:
    """What a condition is tried against: each value, and each element of an array."""
    out: list[Any] = []
    for value in found:
        out.append(value)
        if isinstance(value, list):
            out.extend(value)
    return out


def _equals(found: list[Any], wanted: Any) -> bool:
    if wanted is None:
        # null matches a missing field or a null value
        return any(v is MISSING or v is None for v in _candidates(found))
    key = order_key(wanted)
    return any(v is not MISSING and order_key(v) == key for v in _candidates(found))


def _compare(found: list[Any], op: str, operand: Any) -> bool:
    """Range operators compare only within the operand's type (MongoDB's type bracketing)."""
    rank, plain = order_key(operand)
    for value in _candidates(found):
        if value is MISSING:
            if operand is None and op in ("$gte", "$lte"):
                return True
            continue
        if rank_of(value) != rank:
            continue
        have = order_key(value)[1]
        if plain is None:
            if op in ("$gte", "$lte"):
                return True
            continue
        if (
            (op == "$gt" and have > plain)
            or (op == "$gte" and have >= plain)
            or (op == "$lt" and have < plain)
            or (op == "$lte" and have <= plain)
        ):
            return True
    return False


def _condition(found: list[Any], condition: Any) -> bool:
    if not is_operator_doc(condition):
        if isinstance(condition, (list, dict)):
            wanted = order_key(condition)
            return any(v is not MISSING and order_key(v) == wanted for v in _candidates(found))
        return _equals(found, condition)
    for op, operand in condition.items():
        if op == "$eq":
            ok = _condition(found, operand) if not is_operator_doc(operand) else False
        elif op == "$ne":
            ok = not _condition(found, operand)
        elif op == "$in":
            ok = any(_condition(found, choice) for choice in operand)
        elif op == "$nin":
            ok = not any(_condition(found, choice) for choice in operand)
        else:
            ok = _compare(found, op, operand)
        if not ok:
            return False
    return True


def matches(doc: dict[str, Any], filter: dict[str, Any]) -> bool:
    """Whether ``doc`` satisfies a filter already passed through :func:`check_filter`."""
    for path, condition in filter.items():
        found = [doc.get(path, MISSING)] if "." not in path else values_at(doc, path)
        if not _condition(found, condition):
            return False
    return True


def sorter(sort: list[tuple[str, int]]) -> Callable[[list[dict[str, Any]]], None]:
    """Sort documents in place by ``[(field, 1 | -1), ...]``, MongoDB's order of types
    (a missing field sorts as null: first ascending, last descending)."""

    def apply(docs: list[dict[str, Any]]) -> None:
        for field, direction in reversed(sort):
            docs.sort(key=lambda d: sort_key(first_value(d, field)), reverse=direction == -1)

    return apply


# ------------------------------------------------------------------ updates
def check_update(update: Any) -> None:
    if not isinstance(update, dict) or not update:
        raise MongitaError("An update must be a non-empty dict of operators")
    for op, fields in update.items():
        if op not in UPDATE_OPERATORS:
            raise MongitaError(f"Update operator {op!r} is not supported")
        if not isinstance(fields, dict):
            raise MongitaError(f"{op!r} needs a dict of fields")
        for path in fields:
            if path == "_id" or path.startswith("_id."):
                raise MongitaError(
                    "Performing an update on the path '_id' would modify the immutable field '_id'"
                )


def _parent(doc: dict[str, Any], path: str, create: bool) -> tuple[Any, str]:
    parts = path.split(".")
    node: Any = doc
    for part in parts[:-1]:
        if isinstance(node, list) and part.isdigit():
            position = int(part)
            while create and len(node) <= position:
                node.append(None)
            if position >= len(node):
                return None, parts[-1]
            if node[position] is None and create:
                node[position] = {}
            node = node[position]
        elif isinstance(node, dict):
            if part not in node or node[part] is None:
                if not create:
                    return None, parts[-1]
                node[part] = {}
            node = node[part]
        else:
            raise MongitaError(f"Cannot update {path!r}: {part!r} is not a sub-document")
    return node, parts[-1]


def apply_update(doc: dict[str, Any], update: dict[str, Any], *, inserting: bool = False) -> None:
    """Apply ``$set``/``$inc``/``$push``/``$unset`` (and ``$setOnInsert`` when inserting)
    to ``doc`` in place, as MongoDB does (``$inc`` of a missing field starts from 0)."""
    for op, fields in update.items():
        if op == "$setOnInsert" and not inserting:
            continue
        for path, value in fields.items():
            parent, last = _parent(doc, path, create=op != "$unset")
            if parent is None:
                continue
            if isinstance(parent, list):
                if not last.isdigit():
                    raise MongitaError(f"Cannot update {path!r} inside an array")
                position = int(last)
                while len(parent) <= position:
                    parent.append(None)
                container: Any = parent
                slot: Any = position
            else:
                container, slot = parent, last
            if op in ("$set", "$setOnInsert"):
                container[slot] = value
            elif op == "$unset":
                if isinstance(container, dict):
                    container.pop(slot, None)
                else:
                    container[slot] = None
            elif op == "$inc":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise MongitaError(f"Cannot increment {path!r} by a non-number")
                current = (
                    container.get(slot, 0)
                    if isinstance(container, dict)
                    else (container[slot] if container[slot] is not None else 0)
                )
                if current is None:
                    current = 0
                if isinstance(current, bool) or not isinstance(current, (int, float)):
                    raise MongitaError(f"Cannot increment {path!r}: it is not a number")
                container[slot] = current + value
            elif op == "$push":
                current = container.get(slot) if isinstance(container, dict) else container[slot]
                if current is None:
                    container[slot] = [value]
                elif isinstance(current, list):
                    current.append(value)
                else:
                    raise MongitaError(f"Cannot push to {path!r}: it is not an array")


def upsert_seed(filter: dict[str, Any]) -> dict[str, Any]:
    """The document an upsert starts from: the filter's plain equality fields."""
    seed: dict[str, Any] = {}
    for path, condition in filter.items():
        if is_operator_doc(condition):
            if "$eq" in condition and not is_operator_doc(condition["$eq"]):
                value = condition["$eq"]
            else:
                continue
        else:
            value = condition
        if "." in path:
            parent, last = _parent(seed, path, create=True)
            if isinstance(parent, dict):
                parent[last] = value
        else:
            seed[path] = value
    return seed
