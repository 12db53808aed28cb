"""Pulled documents are checked against the spec's schema before anything here uses them.

The remote database has writers this PC does not control (the spec's backend, other tools,
anyone holding its address), so a pulled document is input like a form: a value that is not
what the schema says must not reach the store, the billing arithmetic or a query. Checked
here, per synced collection (and the tombstones sync writes beside them):

- every key: text, not empty, no leading ``$`` and no ``.`` (an operator-shaped key would be
  read as a query operator by the store), at any depth;
- every value: one of the BSON types a shop document holds (no regular expressions, code,
  binary or timestamps), nesting at most :data:`MAX_DEPTH` deep, text at most
  :data:`MAX_TEXT` characters, lists at most :data:`MAX_LIST` long;
- the fields the spec (and ``docs/design/documents.md``) defines: their type, range and
  allowed values — ids are ObjectIds, amounts are finite non-negative numbers the money code
  can take, quantities are finite numbers, enums are one of their values, and required
  fields are present.

Fields we do not know are allowed (other writers add their own), within the generic rules.
A document that fails is never stored: :func:`set_aside` records it as a pull dead letter
with the reason, which Settings → Sync lists; the pull goes on with the next document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, Final, TypeAlias

from bson import ObjectId

from ..domain.validation import (
    DEALER_ORDER_STATUSES,
    MAX_AMOUNT_PAISE,
    MAX_QUANTITY,
    PAYMENT_METHODS,
    UNITS,
)
from ..gateways.remote import TOMBSTONES
from .deadletters import DeadLetters

MAX_DEPTH: Final = 8
MAX_TEXT: Final = 20_000
MAX_LIST: Final = 5_000
MAX_ID_TEXT: Final = 200
_MAX_QUANTITY: Final = float(MAX_QUANTITY)
_INT64: Final = 2**63

#: GST rates as notified (GST 2.0 since 22 Sep 2025 and the special or older rates still met
#: on goods and in old bills): a pulled document may carry any of them.
NOTIFIED_GST_RATES: Final = frozenset((0, 0.1, 0.25, 1, 1.5, 3, 5, 6, 7.5, 12, 18, 28, 40))

Check: TypeAlias = Callable[[Any], str]
"""Checks one value: '' when it is good, else what it must be."""


# ------------------------------------------------------------------------------ rules


def _type_name(value: Any) -> str:
    return type(value).__name__


def _is_number(value: Any) -> bool:
    kind = type(value)  # (the two plain types first: every amount of every bill comes here)
    if kind is int:
        return -_INT64 <= value < _INT64
    if kind is float:
        return math.isfinite(value)
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (not isinstance(value, float) or math.isfinite(value))
        and (not isinstance(value, int) or -_INT64 <= value < _INT64)
    )


def object_id(value: Any) -> str:
    return "" if isinstance(value, ObjectId) else f"must be an ObjectId (got {_type_name(value)})"


def doc_id(value: Any) -> str:
    if isinstance(value, ObjectId):
        return ""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_TEXT:
        return ""
    return f"must be an ObjectId or text of 1-{MAX_ID_TEXT} characters (got {_type_name(value)})"


def text(limit: int = MAX_TEXT, *, required: bool = False) -> Check:
    def rule(value: Any) -> str:
        if not isinstance(value, str):
            return f"must be text (got {_type_name(value)})"
        if len(value) > limit:
            return f"must be at most {limit} characters (got {len(value)})"
        if required and not value.strip():
            return "must not be empty"
        return ""

    return rule


_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{8,24}")


def phone(value: Any) -> str:
    if not isinstance(value, str):
        return f"must be a phone number as text (got {_type_name(value)})"
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.fullmatch(value) or not 10 <= digits <= 15:
        return "must be a phone number of 10-15 digits"
    return ""


def flag(value: Any) -> str:
    return "" if isinstance(value, bool) else f"must be true or false (got {_type_name(value)})"


def moment(value: Any) -> str:
    return "" if isinstance(value, datetime) else f"must be a date (got {_type_name(value)})"


def _date_from_text(value: str) -> Any:
    """A date some servers hand back as ISO text (the test server does for a ``$set``
    date): the datetime it names, naive UTC as the store keeps them; other text as it is."""
    if len(value) > 40:
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


def day(value: Any) -> str:
    """A ``YYYY-MM-DD`` calendar date (invoice and due dates)."""
    if not isinstance(value, str) or len(value) != 10:
        return "must be a date as YYYY-MM-DD"
    try:
        date.fromisoformat(value)
    except ValueError:
        return "must be a date as YYYY-MM-DD"
    return ""


def money(value: Any) -> str:
    """A stored rupee amount: a finite number from 0 up to the largest bill we take."""
    if not _is_number(value):
        return f"must be a number of rupees (got {_type_name(value)})"
    # A finite number in range is all the money code needs (it rounds to the paisa), so no
    # conversion here: this runs for every amount of every pulled bill.
    largest = MAX_AMOUNT_PAISE // 100
    if not 0 <= value <= largest:
        return f"must be from 0 to {largest} rupees"
    return ""


def quantity(*, minimum: int | None = None, exclusive: bool = False) -> Check:
    """A finite number within ±MAX_QUANTITY (and above ``minimum`` when given)."""

    def rule(value: Any) -> str:
        if not _is_number(value):
            return f"must be a number (got {_type_name(value)})"
        if abs(value) > _MAX_QUANTITY:
            return f"must be within ±{MAX_QUANTITY}"
        if minimum is not None and (value <= minimum if exclusive else value < minimum):
            return f"must be {'more than' if exclusive else 'at least'} {minimum}"
        return ""

    return rule


def whole(minimum: int = 0) -> Check:
    def rule(value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be a whole number (got {_type_name(value)})"
        if not minimum <= value < _INT64:
            return f"must be at least {minimum}"
        return ""

    return rule


def one_of(choices: tuple[str, ...]) -> Check:
    def rule(value: Any) -> str:
        return (
            ""
            if isinstance(value, str) and value in choices
            else (f"must be one of {', '.join(choices)}")
        )

    return rule


def gst_rate(value: Any) -> str:
    if _is_number(value) and value in NOTIFIED_GST_RATES:
        return ""
    return "must be a notified GST rate (0, 0.1, 0.25, 1.5, 3, 5, 6, 7.5, 12, 18, 28, 40)"


@dataclass(frozen=True, eq=False)
class Nullable:
    """None, or what ``rule`` takes."""

    rule: Rule


@dataclass(frozen=True, eq=False)
class ListOf:
    """A list whose every entry ``rule`` takes (the first that does not is named)."""

    rule: Rule


@dataclass(frozen=True, eq=False)
class Subdocument:
    """An object that ``schema`` takes."""

    schema: Schema


Rule: TypeAlias = Check | Nullable | ListOf | Subdocument
"""What a field must be: a check of its value, or one the walk over a pulled document
(:func:`problem_of`) follows into the value."""


# ----------------------------------------------------------------------------- schemas


@dataclass(frozen=True)
class Schema:
    """Rules per field; ``required`` fields must be present (and not None)."""

    fields: Mapping[str, Rule]
    required: frozenset[str] = frozenset()

    @cached_property
    def _required_in_order(self) -> tuple[str, ...]:
        return tuple(sorted(self.required))

    def missing(self, doc: dict[str, Any]) -> str:
        """The first required field (by name) that ``doc`` lacks, as a problem ('' none)."""
        for name in self._required_in_order:
            if doc.get(name) is None:
                return f"{name}: is required"
        return ""


def _schema(
    required: tuple[str, ...], base: Mapping[str, Rule] | None = None, **fields: Rule
) -> Schema:
    """A schema of ``base``'s rules overridden by ``fields``."""
    return Schema({**(base or {}), **fields}, frozenset(required))


_OID_OR_NONE = Nullable(object_id)
_WHEN_OR_NONE = Nullable(moment)
_SHORT = text(500)
_NAME = text(500, required=True)
_URL = text(2000)
_STAMP_SHAPE = re.compile(r"[0-9]{17}@[^\x00]{1,180}")


def _stamp(value: Any) -> str:
    """A sync stamp of ours (``sync/stamps.py``): 17 digits, ``@``, a device id."""
    if isinstance(value, str) and _STAMP_SHAPE.fullmatch(value):
        return ""
    return "must be a sync stamp (17 digits, @, a device id)"


_STAMP = _stamp
_DATE_RULES: Final = (moment, _WHEN_OR_NONE)
_COUNT = quantity(minimum=0)

_CLIENT_SETTINGS = _schema(
    (),
    customerFields=Subdocument(_schema((), address=flag, gstNo=flag, emailId=flag)),
    defaultGstRate=gst_rate,
    pricesIncludeTax=flag,
    allowNegativeStock=flag,
    stateCode=text(2),
    invoicePrefix=text(16),
    paperSize=text(20),
    timeZone=text(64),
    upiId=text(100),
    termsText=text(MAX_TEXT),
    logoPath=text(2000),
)

_PRODUCT = _schema(
    ("itemName", "quantity", "costPerUnit"),
    productId=_OID_OR_NONE,
    itemName=text(500),
    itemGroup=text(500),
    quantity=quantity(minimum=0, exclusive=True),
    costPerUnit=money,
    itemCode=text(100),
    unit=text(20),
    hsnCode=text(20),
    gstRate=gst_rate,
    grossAmount=money,
    discount=money,
    taxableValue=money,
    cgst=money,
    sgst=money,
    igst=money,
    lineTotal=money,
)

_TAX_ROW = _schema(
    (), hsnCode=text(20), gstRate=gst_rate, taxableValue=money, cgst=money, sgst=money, igst=money
)

_OWNED: dict[str, Rule] = {
    "_id": doc_id,
    "clientId": object_id,
    "createdAt": moment,
    "updatedAt": moment,
    "__v": whole(),
    "_hlc": _STAMP,
    "_syncedAt": _STAMP,
    "deviceId": text(MAX_ID_TEXT),
}

#: What invoices and credit notes share: chained GST bills of one shop (their own series,
#: hash chain, tax totals and tax summary rows).
_CHAINED_BILL: dict[str, Rule] = {
    **_OWNED,
    "clientCustomerId": _OID_OR_NONE,
    "invoiceDate": day,
    "generatedAt": moment,
    "totalAmount": money,
    "totalTax": money,
    "totalTaxable": money,
    "totalCgst": money,
    "totalSgst": money,
    "totalIgst": money,
    "taxSummary": ListOf(Subdocument(_TAX_ROW)),
    "financialYear": text(8),
    "sequence": whole(),
    "prevHash": text(128),
    "hash": text(128),
}

SCHEMAS: Final[dict[str, Schema]] = {
    "clients": _schema(
        ("_id", "phoneNumber", "ownerName", "businessName"),
        _OWNED,
        clientId=_OID_OR_NONE,
        phoneNumber=phone,
        ownerName=_NAME,
        businessName=_NAME,
        shopName=_SHORT,
        location=_SHORT,
        city=_SHORT,
        state=_SHORT,
        gstin=text(20),
        profileUrl=_URL,
        clientSettings=Subdocument(_CLIENT_SETTINGS),
        isActive=flag,
        lastLoginAt=_WHEN_OR_NONE,
    ),
    "devicesessions": _schema(
        ("_id", "clientId", "deviceId"),
        _OWNED,
        deviceId=text(MAX_ID_TEXT, required=True),
        isActive=flag,
        lastSeenAt=moment,
    ),
    "clientCustomers": _schema(
        ("_id", "clientId", "phoneNumber"),
        _OWNED,
        phoneNumber=phone,
        name=_SHORT,
        address=_SHORT,
        emailId=_SHORT,
        gstNo=text(20),
        stateCode=text(2),
        firstSeenAt=moment,
        lastPurchaseAt=_WHEN_OR_NONE,
    ),
    "itemgroups": _schema(("_id", "clientId", "name"), _OWNED, name=_NAME, description=_SHORT),
    "items": _schema(
        ("_id", "clientId", "name", "price"),
        _OWNED,
        groupId=_OID_OR_NONE,
        name=_NAME,
        price=money,
        dealerIds=ListOf(object_id),
        stock=quantity(),
        lowStockQuantity=_COUNT,
        unit=one_of(UNITS),
        description=_SHORT,
        isActive=flag,
        code=text(100),
        hsnCode=text(20),
        gstRate=gst_rate,
    ),
    "invoices": _schema(
        ("_id", "clientId", "invoiceNumber", "totalAmount", "paidAmount"),
        _CHAINED_BILL,
        clientCustomerName=_SHORT,
        clientCustomerPhone=_SHORT,
        invoiceNumber=text(64, required=True),
        dueDate=day,
        subtotal=money,
        totalDiscount=money,
        paidAmount=money,
        isFinalized=flag,
        notes=_SHORT,
        products=ListOf(Subdocument(_PRODUCT)),
        series=text(16),
        supplyType=text(10),
        shopStateCode=text(2),
        placeOfSupply=text(2),
        billDiscount=money,
        pricesIncludeTax=flag,
        isCancelled=flag,
        cancelledAt=_WHEN_OR_NONE,
        cancelReason=_SHORT,
        cancelRefund=money,
        cancelRefundMethod=text(16),
    ),
    # (ours) a sales return: the credit note, chained like invoices in its own series
    "creditnotes": _schema(
        ("_id", "clientId", "invoiceId", "creditNoteNumber", "totalAmount"),
        _CHAINED_BILL,
        invoiceId=object_id,
        invoiceNumber=text(64),
        creditNoteNumber=text(64, required=True),
        creditNoteDate=day,
        noteType=text(32),
        reason=_SHORT,
        refundAmount=money,
        refundMethod=text(16),
        products=ListOf(Subdocument(_schema(()))),
        series=text(32),
    ),
    "payments": _schema(
        ("_id", "clientId", "invoiceId", "amount"),
        _OWNED,
        invoiceId=object_id,
        amount=money,
        method=one_of(PAYMENT_METHODS),
        note=_SHORT,
        paidAt=moment,
        creditNoteId=_OID_OR_NONE,
    ),
    "purchasehistories": _schema(
        ("_id", "clientId", "clientCustomerId", "invoiceId", "totalAmount"),
        _OWNED,
        clientCustomerId=object_id,
        clientCustomerPhone=_SHORT,
        invoiceId=object_id,
        totalAmount=money,
        purchasedAt=moment,
    ),
    "dealers": _schema(
        ("_id", "clientId", "name"),
        _OWNED,
        name=_NAME,
        contactPerson=_SHORT,
        phoneNumber=text(30),
        email=_SHORT,
        address=_SHORT,
        logoUrl=_URL,
        isActive=flag,
    ),
    "dealerorders": _schema(
        ("_id", "clientId", "dealerId", "orderNumber"),
        _OWNED,
        dealerId=object_id,
        orderNumber=text(64, required=True),
        status=one_of(DEALER_ORDER_STATUSES),
        isUrgent=flag,
        deliveryInstructions=_SHORT,
        notes=_SHORT,
        pdfUrl=_URL,
        totalAmount=Nullable(money),
        dueDate=_WHEN_OR_NONE,
        deliveredAt=_WHEN_OR_NONE,
        cancelledAt=_WHEN_OR_NONE,
        deliveryAudit=Nullable(Subdocument(_schema(()))),
        series=text(16),
        financialYear=text(8),
        sequence=whole(),
    ),
    "dealerorderitems": _schema(
        ("_id", "orderId", "itemId", "itemNameSnapshot", "quantity"),
        _OWNED,
        clientId=_OID_OR_NONE,
        orderId=object_id,
        itemId=object_id,
        itemNameSnapshot=text(500),
        quantity=quantity(minimum=0, exclusive=True),
    ),
    "dealerpayments": _schema(
        ("_id", "clientId", "dealerId", "amount"),
        _OWNED,
        dealerId=object_id,
        orderId=_OID_OR_NONE,
        amount=money,
        method=one_of(PAYMENT_METHODS),
        note=_SHORT,
        proofUrl=_URL,
        paidAt=moment,
    ),
    "stockmovements": _schema(
        ("_id", "clientId", "itemId", "quantity"),
        _OWNED,
        itemId=object_id,
        quantity=quantity(),
        reason=text(100),
        refCollection=text(64),
        refId=Nullable(doc_id),
        note=_SHORT,
    ),
    TOMBSTONES: _schema(
        ("_id", "clientId", "collection", "docId"),
        _OWNED,
        collection=text(64, required=True),
        docId=doc_id,
        mergedInto=_OID_OR_NONE,
        deletedAt=moment,
    ),
}


def _schemas_within(rule: Rule) -> list[Schema]:
    """The schemas a rule holds (a subdocument's, through lists and None)."""
    if isinstance(rule, Nullable | ListOf):
        return _schemas_within(rule.rule)
    return [rule.schema] if isinstance(rule, Subdocument) else []


def _field_names(schemas: Iterable[Schema]) -> set[str]:
    names: set[str] = set()
    for schema in schemas:
        names.update(schema.fields)
        for rule in schema.fields.values():
            names |= _field_names(_schemas_within(rule))
    return names


# ------------------------------------------------------------------------ the checks

_LEAVES: Final = frozenset({bool, datetime, ObjectId, type(None)})
"""Types that need no check beyond their type (text and numbers have limits)."""


def _bad_key(key: Any) -> bool:
    return (
        type(key) is not str
        or not key
        or key[0] == "$"
        or "." in key
        or "\x00" in key
        or len(key) > 200
    )


_KNOWN_KEYS: Final = frozenset(
    name for name in _field_names(SCHEMAS.values()) if not _bad_key(name)
)
"""The field names of the schemas: allowed keys, known without looking at them."""


def _leaf_problem(value: Any, path: str) -> str:
    """'' for a good scalar; why not for a bad one; None-like '?' for containers."""
    kind = type(value)
    if kind is str:
        return f"{path}: text longer than {MAX_TEXT} characters" if len(value) > MAX_TEXT else ""
    if kind in _LEAVES:
        return ""
    if isinstance(value, float):
        return "" if math.isfinite(value) else f"{path}: must be a finite number"
    if isinstance(value, int):
        return "" if -_INT64 <= value < _INT64 else f"{path}: number out of range"
    return "?"


def _rule_problem(rule: Rule, value: Any) -> str:
    """What ``rule`` says of a value the walk does not descend into with it (a scalar, or a
    container of another kind than the rule wants)."""
    if callable(rule):
        return rule(value)
    if isinstance(rule, Nullable):
        return "" if value is None else _rule_problem(rule.rule, value)
    if isinstance(rule, ListOf):
        return f"must be a list (got {_type_name(value)})"
    return f"must be an object (got {_type_name(value)})"


def _dict_problems(
    doc: dict[str, Any], path: str, depth: int, schema: Schema | None
) -> tuple[str, str]:
    """The problems of an object: (the first of the generic rules for any value at any
    depth — keys, types, sizes — anywhere in it; the first of ``schema``'s, in its order:
    required fields, then fields in the object's order, into subdocuments and lists).

    One walk for both, written for speed (it sees every value of every pulled document):
    scalars are checked in the loop, and a path is only spelled out when there is
    something to report or descend. Once a rule of ``schema`` is broken no more are
    checked (nor values corrected), as the generic rules still are."""
    if depth >= MAX_DEPTH:
        return f"{path or 'document'}: nested more than {MAX_DEPTH} levels", ""
    found = schema.missing(doc) if schema is not None else ""
    fields = schema.fields if schema is not None and not found else None
    for key, inner in doc.items():
        if key not in _KNOWN_KEYS and _bad_key(key):
            return f"{path + ': ' if path else ''}field name {repr(key)[:60]} is not allowed", ""
        rule = fields.get(key) if fields is not None else None
        kind = type(inner)
        if rule is not None:
            if kind is str and rule in _DATE_RULES:
                inner = doc[key] = _date_from_text(inner)
                kind = type(inner)
            elif kind is int and rule is flag and inner in (0, 1):
                inner = doc[key] = bool(inner)
                kind = bool
        if kind in _LEAVES or (kind is str and len(inner) <= MAX_TEXT):
            shape = ""
            if rule is None:
                continue
            why = rule(inner) if callable(rule) else _rule_problem(rule, inner)
        else:
            where = f"{path}.{key}" if path else key
            shape, why = _value_problems(inner, where, where, depth + 1, rule)
        if shape:
            return shape, ""
        if why:
            found, fields = f"{key}: {why}", None
    return "", found


def _value_problems(
    value: Any, path: str, container_path: str, depth: int, rule: Rule | None
) -> tuple[str, str]:
    """:func:`_dict_problems` of any value (``path`` names it, ``container_path`` where it
    is an object or a list: a list's entries are named by the list's path, or by their
    index where the walk goes into them)."""
    shape = _leaf_problem(value, path)
    if shape == "?":
        return _container_problems(value, container_path, depth, rule)
    if shape or rule is None:
        return shape, ""
    return "", _rule_problem(rule, value)


def _container_problems(value: Any, path: str, depth: int, rule: Rule | None) -> tuple[str, str]:
    """:func:`_dict_problems` of a value that is no scalar: an object, a list, or a value
    of a type no document holds; ``rule``: what this field's rule says of it (None: no
    rule)."""
    want = rule.rule if isinstance(rule, Nullable) else rule
    if isinstance(value, dict):
        schema = want.schema if isinstance(want, Subdocument) else None
        shape, why = _dict_problems(value, path, depth, schema)
        if shape or rule is None or schema is not None:
            return shape, why
        return "", _rule_problem(rule, value)
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            return f"{path}: nested more than {MAX_DEPTH} levels", ""
        if len(value) > MAX_LIST:
            return f"{path}: a list of more than {MAX_LIST} entries", ""
        entry_rule = want.rule if isinstance(want, ListOf) else None
        found = ""
        for index, inner in enumerate(value):
            kind = type(inner)
            if kind in _LEAVES or (kind is str and len(inner) <= MAX_TEXT):
                if entry_rule is None:
                    continue
                shape, why = "", _rule_problem(entry_rule, inner)
            else:
                where = f"{path}[{index}]"
                shape, why = _value_problems(inner, path, where, depth + 1, entry_rule)
            if shape:
                return shape, ""
            if why:
                found, entry_rule = f"entry {index}: {why}", None
        if rule is None or isinstance(want, ListOf):
            return "", found
        return "", _rule_problem(rule, value)
    return f"{path}: values of type {_type_name(value)} are not accepted", ""


def problem_of(collection: str, doc: Any) -> str:
    """Why ``doc``, pulled into ``collection``, must not be stored ('' when it may).

    A break of the generic rules is named before one of the collection's schema. Two
    spellings are read as what they mean and corrected in ``doc``, as Mongoose casts them
    (and as the test server returns a ``$set`` value): a date as ISO text, a flag as 0 or
    1."""
    if not isinstance(doc, dict):
        return f"not a document (got {_type_name(doc)})"
    schema = SCHEMAS.get(collection)
    shape, why = _dict_problems(doc, "", 0, schema)
    if shape:
        return shape
    if schema is None:
        return f"{collection} is not a collection this program syncs"
    return why


def letter_doc_id(doc: Any) -> Any:
    """The id to file a refused document under: its ``_id`` when that is a plain id, else a
    printable stand-in (the raw value may itself be operator-shaped)."""
    raw = doc.get("_id") if isinstance(doc, dict) else None
    if not doc_id(raw):
        return raw
    return f"<invalid _id {repr(raw)[:80]}>"


def set_aside(
    db: Any, *, client_id: Any, collection: str, doc: Any, reason: str, now: datetime
) -> None:
    """Record a refused pulled document as a dead letter (inside the pull's unit of work)."""
    DeadLetters.add(
        db,
        client_id=client_id,
        direction="pull",
        collection=collection,
        doc_id=letter_doc_id(doc),
        op="upsert",
        reason=f"refused from the remote database: {reason}",
        code=None,
        now=now,
    )
