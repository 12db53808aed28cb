"""How the store compares, orders and names values, the way MongoDB does.

Two jobs, kept in one place so that a query answered from an index and the same query
answered by reading documents can never disagree:

- :func:`doc_key` names a document by its ``_id`` *with its type*, so ``5``, ``"5"`` and an
  ObjectId whose hex is ``"5..."`` are three different documents, as in MongoDB.
- :func:`order_key` places any value in MongoDB's cross-type order (numbers, then strings,
  then sub-documents, arrays, binary, ObjectIds, booleans, dates...). Its first part is the
  type's rank; its second a plain SQLite value (integer, real, text or blob) that orders like
  the value within that rank. Index rows store exactly these two parts.

Integers are any ``int`` (``bson.Int64`` included) and compare with floats by value, to
64 bits: a BSON decode turns large integers into ``Int64``, which the first store filed
apart from ``int`` and so sorted and matched wrongly.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from typing import Any

import bson
from bson.decimal128 import Decimal128

# MongoDB's comparison order of BSON types (MinKey/MaxKey and the rarer types left out).
RANK_NULL = 1
RANK_NUMBER = 2
RANK_STRING = 3
RANK_OBJECT = 4
RANK_ARRAY = 5
RANK_BINARY = 6
RANK_OBJECTID = 7
RANK_BOOL = 8
RANK_DATE = 9
RANK_REGEX = 11

_RANK_OF_TYPE: dict[type, int] = {
    str: RANK_STRING,
    int: RANK_NUMBER,
    bson.Int64: RANK_NUMBER,
    float: RANK_NUMBER,
    bool: RANK_BOOL,
    bson.ObjectId: RANK_OBJECTID,
    _dt.datetime: RANK_DATE,
    type(None): RANK_NULL,
    dict: RANK_OBJECT,
    list: RANK_ARRAY,
    bytes: RANK_BINARY,
}

_EPOCH = _dt.datetime(1970, 1, 1)
_EPOCH_AWARE = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def rank_of(value: Any) -> int:
    """The value's place in MongoDB's order of types."""
    kind = type(value)
    rank = _RANK_OF_TYPE.get(kind)
    if rank is not None:
        return rank
    if value is None:
        return RANK_NULL
    if kind is bool:
        return RANK_BOOL
    if isinstance(value, (int, float, Decimal128, Decimal)):
        return RANK_NUMBER
    if isinstance(value, str):
        return RANK_STRING
    if isinstance(value, dict):
        return RANK_OBJECT
    if isinstance(value, (list, tuple)):
        return RANK_ARRAY
    if isinstance(value, (bytes, bytearray)):
        return RANK_BINARY
    if kind is bson.ObjectId:
        return RANK_OBJECTID
    if isinstance(value, _dt.datetime):
        return RANK_DATE
    if isinstance(value, (re.Pattern, bson.Regex)):
        return RANK_REGEX
    return RANK_OBJECT


def millis(moment: _dt.datetime) -> int:
    """Milliseconds since the epoch, as BSON stores a date (naive means UTC)."""
    delta = moment - _EPOCH if moment.tzinfo is None else moment - _EPOCH_AWARE
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def order_key(value: Any) -> tuple[int, Any]:
    """``(rank, sqlite_value)`` ordering like MongoDB orders ``value``."""
    kind = type(value)
    if kind is str:
        return RANK_STRING, value
    if kind is bson.ObjectId:
        return RANK_OBJECTID, value.binary
    if kind is int or kind is bson.Int64:
        return RANK_NUMBER, int(value)
    if kind is bool:
        return RANK_BOOL, int(value)
    rank = rank_of(value)
    if rank == RANK_NUMBER:
        if isinstance(value, Decimal128):
            value = value.to_decimal()
        if isinstance(value, Decimal):
            return rank, float(value) if value != value.to_integral_value() else int(value)
        if isinstance(value, int):
            return rank, int(value)
        return rank, float(value)
    if rank == RANK_STRING:
        return rank, str(value)
    if rank == RANK_OBJECTID:
        return rank, value.binary
    if rank == RANK_BOOL:
        return rank, int(value)
    if rank == RANK_DATE:
        return rank, millis(value)
    if rank == RANK_NULL:
        return rank, None
    if rank == RANK_BINARY:
        return rank, bytes(value)
    # sub-documents, arrays, patterns: by their BSON bytes (equal values, equal keys)
    return rank, bson.encode({"": value})


def sort_key(value: Any) -> tuple[int, Any]:
    """A key for Python's ``sort`` with MongoDB's order (a missing field is null)."""
    rank, plain = order_key(value)
    if plain is None:
        return rank, 0
    return rank, plain


def doc_key(doc_id: Any) -> str:
    """The text a document is stored under: its ``_id`` with its type.

    An ObjectId is its 24 hex digits (as the first store kept them, so ordinary data needs
    no rewrite); anything else carries a type mark that no ObjectId's hex can start with.
    """
    kind = type(doc_id)
    if kind is bson.ObjectId:
        return str(doc_id)
    if kind is str:
        return "s:" + doc_id
    if kind is bool:
        return "b:" + ("1" if doc_id else "0")
    if isinstance(doc_id, int):
        return "i:" + str(int(doc_id))
    if doc_id is None:
        return "n:"
    if isinstance(doc_id, (dict, list, tuple)):
        raise TypeError("an _id cannot be a sub-document or an array here")
    return "x:" + bson.encode({"": doc_id}).hex()


def new_id() -> bson.ObjectId:
    """A new document id, made on this device (unique without asking a server)."""
    return bson.ObjectId()


def key_to_id(key: str) -> Any:
    """The ``_id`` a document key stands for (the inverse of :func:`doc_key`)."""
    if len(key) == 24 and key[1:2] != ":":
        return bson.ObjectId(key)
    kind, _, text = key.partition(":")
    if kind == "s":
        return text
    if kind == "i":
        return int(text)
    if kind == "b":
        return text == "1"
    if kind == "n":
        return None
    return bson.decode(bytes.fromhex(text))[""]
