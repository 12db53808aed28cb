"""Financial years and document numbers.

Invoice numbers are a series per device and financial year: ``A1/2526/00042`` is the 42nd
invoice of series A1 in FY 2025-26. GST Rule 46 allows at most 16 characters of letters,
digits, '/' and '-'; we also require the first to be a letter so numbers never look like
amounts or dates. Dealer (purchase) orders use ``PO-A1/2526/0007``; credit notes (sales
returns) have a series of their own per device and year, ``CN-A1/2526/00007``, its sequence
written with as many digits as the 16 characters leave room for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple

from viveka_pos.domain.errors import ValidationError

INVOICE_NUMBER_MAX_LENGTH = 16
INVOICE_SEQUENCE_DIGITS = 5
ORDER_SEQUENCE_DIGITS = 4
ORDER_PREFIX = "PO-"
CREDIT_NOTE_PREFIX = "CN-"

_SERIES = re.compile(r"[A-Z][A-Z0-9]{0,3}")
_FINANCIAL_YEAR = re.compile(r"[0-9]{4}")
_RULE_46 = re.compile(r"[A-Za-z][A-Za-z0-9/-]*")
_INVOICE_NUMBER = re.compile(r"([A-Z][A-Z0-9]{0,3})/([0-9]{4})/([0-9]{1,12})")


class DocumentNumber(NamedTuple):
    series: str
    financial_year: str
    sequence: int


def financial_year(day: date) -> str:
    """The April–March financial year of a date: 2025-04-01 .. 2026-03-31 -> "2526"."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError("financial_year() needs a date in the shop's time zone, not a datetime")
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start % 100:02d}{(start + 1) % 100:02d}"


def validate_financial_year(text: object, field: str = "financialYear") -> str:
    """A financial year code such as "2526" (the second year must follow the first)."""
    if not isinstance(text, str) or not _FINANCIAL_YEAR.fullmatch(text):
        raise ValidationError(field, "must be four digits such as 2526 for 2025-26")
    if (int(text[:2]) + 1) % 100 != int(text[2:]):
        raise ValidationError(field, "must be two consecutive years such as 2526 for 2025-26")
    return text


def financial_year_bounds(fy: str, *, century: int = 2000) -> tuple[date, date]:
    """First and last day of a financial year code: "2526" -> (2025-04-01, 2026-03-31)."""
    validate_financial_year(fy)
    start = century + int(fy[:2])
    return date(start, 4, 1), date(start + 1, 3, 31)


def validate_series_prefix(text: object, field: str = "invoicePrefix") -> str:
    """A device's series: 1–4 letters or digits, starting with a letter; returned upper-case."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(field, "is required")
    series = text.strip().upper()
    if len(series) > 4:
        raise ValidationError(field, "must have at most 4 characters")
    if not _SERIES.fullmatch(series):
        raise ValidationError(field, "must be letters or digits and start with a letter")
    return series


def _sequence(seq: object, field: str = "sequence") -> int:
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValidationError(field, "must be a whole number of at least 1")
    return seq


def check_invoice_number(text: object) -> str:
    """Enforce GST Rule 46 on an invoice number and return it unchanged."""
    if not isinstance(text, str) or not text:
        raise ValidationError("invoiceNumber", "is required")
    if len(text) > INVOICE_NUMBER_MAX_LENGTH:
        raise ValidationError(
            "invoiceNumber", f"must have at most {INVOICE_NUMBER_MAX_LENGTH} characters"
        )
    if not _RULE_46.fullmatch(text):
        raise ValidationError(
            "invoiceNumber",
            "must start with a letter and contain only letters, digits, '/' and '-'",
        )
    return text


def format_invoice_number(series: str, fy: str, seq: int) -> str:
    """ "A1", "2526", 42 -> "A1/2526/00042" (more digits once the sequence outgrows five)."""
    number = (
        f"{validate_series_prefix(series)}/{validate_financial_year(fy)}/"
        f"{_sequence(seq):0{INVOICE_SEQUENCE_DIGITS}d}"
    )
    return check_invoice_number(number)


def parse_invoice_number(text: object) -> DocumentNumber:
    """ "A1/2526/00042" -> DocumentNumber("A1", "2526", 42); only numbers this module makes."""
    number = check_invoice_number(text)
    return _parse(number, number, "invoiceNumber", format_invoice_number)


def format_order_number(series: str, fy: str, seq: int) -> str:
    """ "A1", "2526", 7 -> "PO-A1/2526/0007"."""
    return (
        f"{ORDER_PREFIX}{validate_series_prefix(series)}/{validate_financial_year(fy)}/"
        f"{_sequence(seq):0{ORDER_SEQUENCE_DIGITS}d}"
    )


def parse_order_number(text: object) -> DocumentNumber:
    """ "PO-A1/2526/0007" -> DocumentNumber("A1", "2526", 7)."""
    if not isinstance(text, str) or not text.startswith(ORDER_PREFIX):
        raise ValidationError("orderNumber", f"must look like {ORDER_PREFIX}A1/2526/0001")
    return _parse(text[len(ORDER_PREFIX) :], text, "orderNumber", format_order_number)


def format_credit_note_number(series: str, fy: str, seq: int) -> str:
    """ "A1", "2526", 7 -> "CN-A1/2526/00007"; at most 16 characters (GST Rule 46).

    A four-letter series leaves room for three digits; a sequence that outgrows the room
    is refused rather than cut.
    """
    head = f"{CREDIT_NOTE_PREFIX}{validate_series_prefix(series)}/{validate_financial_year(fy)}/"
    digits = max(1, min(INVOICE_SEQUENCE_DIGITS, INVOICE_NUMBER_MAX_LENGTH - len(head)))
    number = f"{head}{_sequence(seq):0{digits}d}"
    if len(number) > INVOICE_NUMBER_MAX_LENGTH:
        raise ValidationError(
            "creditNoteNumber",
            f"credit note {seq} of series {series} would be longer than "
            f"{INVOICE_NUMBER_MAX_LENGTH} characters; use a shorter invoice prefix",
        )
    return number


def parse_credit_note_number(text: object) -> DocumentNumber:
    """ "CN-A1/2526/00007" -> DocumentNumber("A1", "2526", 7)."""
    if not isinstance(text, str) or not text.startswith(CREDIT_NOTE_PREFIX):
        raise ValidationError(
            "creditNoteNumber", f"must look like {CREDIT_NOTE_PREFIX}A/2526/00001"
        )
    return _parse(
        text[len(CREDIT_NOTE_PREFIX) :], text, "creditNoteNumber", format_credit_note_number
    )


def _parse(
    body: str, original: str, field: str, formatter: Callable[[str, str, int], str]
) -> DocumentNumber:
    """Split "A1/2526/00042" and insist that formatting the parts gives ``original`` back."""
    match = _INVOICE_NUMBER.fullmatch(body)
    if match is None:
        raise ValidationError(field, "is not a number of the form SERIES/YEAR/SEQUENCE")
    parts = DocumentNumber(match[1], match[2], int(match[3]))
    try:
        canonical = formatter(*parts)
    except ValidationError as exc:
        raise ValidationError(field, exc.message) from None
    if canonical != original:
        raise ValidationError(field, "has a sequence that is not written the standard way")
    return parts
