"""Tamper evidence for invoices: each invoice's hash covers its contents and the hash of the
invoice before it in the same series, so editing, removing or re-ordering invoices shows.
Credit notes are chained the same way in their own series (:data:`CREDIT_NOTES`).

The hash covers every field except those that legitimately change after the invoice is made
(``paidAmount``, ``isFinalized``, and the cancellation mark of an invoice cancelled later:
``isCancelled``, ``cancelledAt``, ``cancelReason``, ``cancelRefund``, ``cancelRefundMethod``),
the chain fields themselves (``hash``; ``prevHash`` is
passed in explicitly) and metadata whose name starts with '_' (``_id`` and sync fields), so
the hash can be computed before the document has an id or a sync stamp.

``clientCustomerId`` is left out too: when two PCs create the same customer (same phone)
offline, sync merges them into one and re-points the invoices of the duplicate at the kept
customer. The customer's name and phone as printed (``clientCustomerName``,
``clientCustomerPhone``) stay covered, so what the bill says about the buyer cannot change.

The serialisation is canonical so that a document that went to MongoDB and back hashes the
same: keys sorted, numbers written as plain decimals whatever their type (5000, 5000.0 and
Decimal("5000.00") are equal), datetimes in UTC at millisecond precision (BSON keeps no
more), naive datetimes read as UTC, ObjectIds as hex.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import bson
from bson import Decimal128, ObjectId

from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.numbering import (
    DocumentNumber,
    format_credit_note_number,
    format_invoice_number,
    parse_credit_note_number,
    parse_invoice_number,
)

GENESIS_HASH = "0" * 64
"""``prevHash`` of the first invoice of a series."""

CANCELLATION_FIELDS = frozenset(
    {"isCancelled", "cancelledAt", "cancelReason", "cancelRefund", "cancelRefundMethod"}
)
"""Set once when an invoice is cancelled (its number and contents stay as they were)."""
MUTABLE_FIELDS = frozenset({"paidAmount", "isFinalized", "hash", "prevHash"}) | CANCELLATION_FIELDS
REPOINTED_FIELDS = frozenset({"clientCustomerId"})
"""References that a customer merge may re-point after the invoice is made."""
SAVE_FIELDS = frozenset({"updatedAt", "__v"})
"""Bookkeeping of a save that every writer of the remote moves with ``paidAmount`` (the spec's
backend sets Mongoose's ``updatedAt`` and ``__v`` when it records a payment)."""
_UNHASHED = MUTABLE_FIELDS | REPOINTED_FIELDS | SAVE_FIELDS


def _number_text(value: Decimal) -> str:
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "-Infinity" if value < 0 else "Infinity"
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _datetime_text(moment: datetime) -> str:
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        moment = moment.astimezone(UTC)
    moment = moment.replace(tzinfo=None, microsecond=moment.microsecond // 1000 * 1000)
    return moment.isoformat(timespec="milliseconds") + "Z"


def _plain(value: Any) -> Any:
    return value


def _object_id(value: ObjectId) -> dict[str, str]:
    return {"$oid": str(value)}


def _float_text(value: float) -> str:
    """``_number_text(Decimal(repr(value)))`` without the Decimal for the usual spellings
    ("1250.5", "100.0"): an invoice holds dozens of float amounts."""
    text = repr(value)
    if "e" in text or "n" in text:  # exponent, inf, nan
        return _number_text(Decimal(text))
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("0", "-0") else text


def _mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    by_type = _BY_TYPE
    for key, item in value.items():
        if type(key) is not str and not isinstance(key, str):
            raise TypeError(f"document keys must be text, not {type(key).__name__}")
        kind = type(item)
        if kind is str:
            result[key] = item
        elif kind is float:
            result[key] = {"$num": _float_text(item)}
        else:
            convert = by_type.get(kind)
            result[key] = convert(item) if convert is not None else _by_kind(item)
    return result


def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    by_type = _BY_TYPE
    return [
        convert(item) if (convert := by_type.get(type(item))) is not None else _by_kind(item)
        for item in value
    ]


#: How each kind of value is spelled, in the order a value is matched by ``isinstance``
#: (bool before int, datetime before date): the one definition of the canonical form.
_RULES: tuple[tuple[type | tuple[type, ...], Any], ...] = (
    (type(None), _plain),
    ((bool, str), _plain),
    (int, lambda value: {"$num": str(value)}),
    (float, lambda value: {"$num": _float_text(value)}),
    (Decimal, lambda value: {"$num": _number_text(value)}),
    (Decimal128, lambda value: {"$num": _number_text(value.to_decimal())}),
    (ObjectId, _object_id),
    (datetime, lambda value: {"$date": _datetime_text(value)}),
    (date, lambda value: {"$day": value.isoformat()}),
    (bytes, lambda value: {"$bytes": value.hex()}),
    ((list, tuple), _sequence),
    (Mapping, _mapping),
)

#: the same rules by exact type, for the common types (an invoice holds a few hundred
#: values, and this runs inside every bill's unit of work); others go through ``_by_kind``
_BY_TYPE: dict[type, Any] = {
    kind: convert
    for kinds, convert in _RULES
    for kind in (kinds if isinstance(kinds, tuple) else (kinds,))
    if kind is not Mapping
}
_BY_TYPE[dict] = _mapping


def _by_kind(value: object) -> Any:
    """``canonical`` for subclasses and other types: the first rule the value matches."""
    for kinds, convert in _RULES:
        if isinstance(value, kinds):
            return convert(value)
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def canonical(value: object) -> Any:
    """A JSON-ready form of a stored value with one spelling per meaning."""
    convert = _BY_TYPE.get(type(value))
    return convert(value) if convert is not None else _by_kind(value)


def hashed_fields(invoice_doc: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an invoice document that the hash covers."""
    return {
        key: value
        for key, value in invoice_doc.items()
        if key not in _UNHASHED and not key.startswith("_")
    }


#: the last few hashes computed, by the BSON of what they covered: a bill's invoice is
#: hashed when it is sealed and again when the store files it in the chain table
_RECENT: OrderedDict[bytes, str] = OrderedDict()
_RECENT_SIZE = 16


def invoice_hash(invoice_doc: Mapping[str, Any], prev_hash: str) -> str:
    """sha256 hex of the invoice's immutable fields chained to ``prev_hash``.

    The same values always have the same BSON, and the canonical form is a function of the
    values, so an invoice seen again as the same BSON is not serialised again (values BSON
    cannot hold, such as ``Decimal``, are always serialised)."""
    if not isinstance(prev_hash, str):
        raise TypeError("prev_hash must be text")
    fields = hashed_fields(invoice_doc)
    try:
        seen: bytes | None = bson.encode({"f": fields, "p": prev_hash})
    except Exception:  # any value BSON refuses: serialise it, and remember nothing
        seen = None
    if seen is not None and (known := _RECENT.get(seen)) is not None:
        return known
    payload = {"invoice": canonical(fields), "prevHash": prev_hash}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if seen is not None:
        _RECENT[seen] = digest
        if len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return digest


class ChainKind(NamedTuple):
    """What a chain holds: how its documents are named, numbered and written."""

    noun: str
    number_field: str
    parse: Any  # text -> DocumentNumber, or ValidationError
    format: Any  # (series, fy, seq) -> text


INVOICES = ChainKind("invoice", "invoiceNumber", parse_invoice_number, format_invoice_number)
CREDIT_NOTES = ChainKind(
    "credit note", "creditNoteNumber", parse_credit_note_number, format_credit_note_number
)


def _position(doc: Mapping[str, Any], kind: ChainKind) -> tuple[str, str, int] | None:
    """(series, financial year, sequence) from the stored fields, else from the number."""
    series, fy, seq = doc.get("series"), doc.get("financialYear"), doc.get("sequence")
    if (
        isinstance(series, str)
        and isinstance(fy, str)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
    ):
        return series, fy, seq
    try:
        parts: DocumentNumber = kind.parse(doc.get(kind.number_field))
    except ValidationError:
        return None
    return parts.series, parts.financial_year, parts.sequence


def _label(doc: Mapping[str, Any], kind: ChainKind) -> str:
    number = doc.get(kind.number_field)
    return f"{kind.noun} {number}" if number else f"{kind.noun} with id {doc.get('_id')}"


def _number(series: str, fy: str, seq: int, kind: ChainKind) -> str:
    try:
        return str(kind.format(series, fy, seq))
    except ValidationError:
        return f"{series} {fy} #{seq}"


def _missing(series: str, fy: str, first: int, last: int, kind: ChainKind) -> str:
    if first == last:
        return f"{kind.noun} {_number(series, fy, first, kind)} is missing"
    return (
        f"{kind.noun}s {_number(series, fy, first, kind)} to {_number(series, fy, last, kind)}"
        f" are missing ({last - first + 1} {kind.noun}s)"
    )


def series_of(doc: Mapping[str, Any], kind: ChainKind = INVOICES) -> str | None:
    """The hash chain a document belongs to: its series (from the field, else its number);
    None for one without a hash (made by another program: no chain)."""
    series = doc.get("series")
    if isinstance(series, str) and series:
        return series
    if not doc.get("hash"):
        return None
    try:
        return str(kind.parse(doc.get(kind.number_field)).series)
    except ValidationError:
        return "?"


def chain_order(doc: Mapping[str, Any], kind: ChainKind = INVOICES) -> tuple[str, int, str]:
    """(financial year, sequence, number): a document's place in its chain."""
    fy, seq = doc.get("financialYear"), doc.get("sequence")
    if not isinstance(fy, str) or not isinstance(seq, int) or isinstance(seq, bool):
        try:
            parts = kind.parse(doc.get(kind.number_field))
            fy, seq = parts.financial_year, parts.sequence
        except ValidationError:
            fy, seq = "", 0
    return fy, seq, str(doc.get(kind.number_field, ""))


class ChainEntry(NamedTuple):
    """What the chain check needs of one document, made as it is read (a few hundred bytes
    instead of the whole document, so years of invoices can be checked in little memory).
    ``intact`` says whether its contents still match its hash."""

    label: str
    stored: Any
    link: Any
    intact: bool
    position: tuple[str, str, int] | None


def chain_entry(doc: Mapping[str, Any], kind: ChainKind = INVOICES) -> ChainEntry:
    stored, link = doc.get("hash"), doc.get("prevHash")
    intact = (
        isinstance(stored, str)
        and bool(stored)
        and invoice_hash(doc, link if isinstance(link, str) else "") == stored
    )
    return ChainEntry(_label(doc, kind), stored, link, intact, _position(doc, kind))


def verify_chain(
    invoices_in_series_order: Iterable[Mapping[str, Any]],
    *,
    genesis: str = GENESIS_HASH,
    kind: ChainKind = INVOICES,
) -> list[str]:
    """Problems found in one series, oldest invoice first; an empty list means intact.

    Reports invoices whose contents no longer match their hash (edited), links that do not
    point at the previous invoice's hash (removed, inserted or re-ordered), and gaps or
    repeats in the sequence numbers, which restart at 1 each financial year. Invoices cut off
    the end of a series leave no trace here; compare the count with another record for that.
    """
    return verify_entries(
        (chain_entry(doc, kind) for doc in invoices_in_series_order), genesis=genesis, kind=kind
    )


def verify_entries(
    entries_in_series_order: Iterable[ChainEntry],
    *,
    genesis: str = GENESIS_HASH,
    kind: ChainKind = INVOICES,
) -> list[str]:
    """:func:`verify_chain` on entries made by :func:`chain_entry`."""
    problems: list[str] = []
    prev_hash = genesis
    previous: tuple[str, str, int] | None = None
    for entry in entries_in_series_order:
        label, stored, link = entry.label, entry.stored, entry.link
        if link != prev_hash:
            problems.append(f"{label} is not linked to the {kind.noun} before it")
        if not isinstance(stored, str) or not stored:
            problems.append(f"{label} has no hash")
        elif not entry.intact:
            problems.append(f"{label} was changed after it was made")
        prev_hash = stored if isinstance(stored, str) else ""

        position = entry.position
        if position is None:
            problems.append(f"{label} has no series, financial year and sequence number")
            continue
        series, fy, seq = position
        # An invoice out of place is reported once and does not move the expected position.
        if previous is not None and series != previous[0]:
            problems.append(f"{label} belongs to series {series}, not {previous[0]}")
            continue
        if previous is not None and fy == previous[1]:
            if seq <= previous[2]:
                problems.append(f"{label} repeats or goes back in the sequence")
                continue
            if seq > previous[2] + 1:
                problems.append(_missing(series, fy, previous[2] + 1, seq - 1, kind))
        elif previous is not None and fy < previous[1]:
            problems.append(f"{label} goes back to an earlier financial year")
            continue
        elif seq > 1:
            problems.append(_missing(series, fy, 1, seq - 1, kind))
        previous = position
    return problems
