"""Financial years, invoice and dealer order numbers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.numbering import (
    DocumentNumber,
    check_invoice_number,
    financial_year,
    financial_year_bounds,
    format_invoice_number,
    format_order_number,
    parse_invoice_number,
    parse_order_number,
    validate_financial_year,
    validate_series_prefix,
)


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2025, 4, 1), "2526"),
        (date(2026, 3, 31), "2526"),
        (date(2025, 3, 31), "2425"),
        (date(2025, 12, 31), "2526"),
        (date(2099, 4, 1), "9900"),
        (date(2000, 1, 15), "9900"),
    ],
)
def test_financial_year(day: date, fy: str) -> None:
    assert financial_year(day) == fy


def test_financial_year_wants_a_date() -> None:
    with pytest.raises(TypeError):
        financial_year(datetime(2025, 4, 1))


def test_financial_year_codes() -> None:
    assert validate_financial_year("2526") == "2526"
    assert validate_financial_year("9900") == "9900"
    for bad in ("2527", "252", "25-26", 2526):
        with pytest.raises(ValidationError) as info:
            validate_financial_year(bad)
        assert info.value.field == "financialYear"
    assert financial_year_bounds("2526") == (date(2025, 4, 1), date(2026, 3, 31))


def test_series_prefix() -> None:
    assert validate_series_prefix(" a1 ") == "A1"
    assert validate_series_prefix("SHOP") == "SHOP"
    for bad, message in [
        ("", "is required"),
        ("SHOP1", "must have at most 4 characters"),
        ("1A", "must be letters or digits and start with a letter"),
        ("A-1", "must be letters or digits and start with a letter"),
        (None, "is required"),
    ]:
        with pytest.raises(ValidationError) as info:
            validate_series_prefix(bad)
        assert (info.value.field, info.value.message) == ("invoicePrefix", message)


def test_format_invoice_number() -> None:
    assert format_invoice_number("A1", "2526", 42) == "A1/2526/00042"
    assert format_invoice_number("a1", "2526", 1) == "A1/2526/00001"
    assert format_invoice_number("A1", "2526", 123456) == "A1/2526/123456"
    assert format_invoice_number("SHOP", "2526", 99999) == "SHOP/2526/99999"
    assert len(format_invoice_number("SHOP", "2526", 999999)) == 16


def test_format_invoice_number_refuses_too_long_and_bad_sequence() -> None:
    with pytest.raises(ValidationError) as info:
        format_invoice_number("SHOP", "2526", 1000000)
    assert info.value.field == "invoiceNumber"
    for bad_seq in (0, -1, True):
        with pytest.raises(ValidationError) as info:
            format_invoice_number("A1", "2526", bad_seq)
        assert info.value.field == "sequence"


def test_rule_46() -> None:
    assert check_invoice_number("INV-2025/001") == "INV-2025/001"
    assert check_invoice_number("a1/2526/00042") == "a1/2526/00042"
    for bad in ("", "1/2526/0001", "A1 2526 0001", "A1/2526/0000000001", "A1_2526", "/A1", None):
        with pytest.raises(ValidationError) as info:
            check_invoice_number(bad)
        assert info.value.field == "invoiceNumber"


def test_parse_invoice_number_round_trips() -> None:
    assert parse_invoice_number("A1/2526/00042") == DocumentNumber("A1", "2526", 42)
    assert parse_invoice_number("B/2425/123456") == ("B", "2425", 123456)
    number = format_invoice_number("X9", "2627", 7)
    assert format_invoice_number(*parse_invoice_number(number)) == number


@pytest.mark.parametrize(
    "bad",
    [
        "A1/2526/0042",
        "A1/2526/00000",
        "A1/2527/00042",
        "INV-1704967200000",
        "a1/2526/00042",
        "A1/2526/012345",
    ],
)
def test_parse_invoice_number_refuses_other_shapes(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_invoice_number(bad)
    assert info.value.field == "invoiceNumber"


def test_order_numbers() -> None:
    assert format_order_number("A1", "2526", 7) == "PO-A1/2526/0007"
    assert format_order_number("A1", "2526", 12345) == "PO-A1/2526/12345"
    assert parse_order_number("PO-A1/2526/0007") == DocumentNumber("A1", "2526", 7)
    for bad in ("A1/2526/0007", "PO-A1/2526/007", "PO-A1/2526/" + "9" * 5000, None):
        with pytest.raises(ValidationError) as info:
            parse_order_number(bad)
        assert info.value.field == "orderNumber"


@pytest.mark.parametrize(
    ("series", "seq", "number"),
    [
        ("A", 1, "CN-A/2627/00001"),
        ("A1", 42, "CN-A1/2627/00042"),
        ("ABC", 7, "CN-ABC/2627/0007"),
        ("ABCD", 7, "CN-ABCD/2627/007"),
        ("ABCD", 1000, None),
    ],
)
def test_credit_note_numbers_fit_rule_46(series: str, seq: int, number: str | None) -> None:
    from viveka_pos.domain.numbering import (
        format_credit_note_number,
        parse_credit_note_number,
    )

    if number is None:  # the series has run out of room: refused, never cut
        with pytest.raises(ValidationError) as info:
            format_credit_note_number(series, "2627", seq)
        assert info.value.field == "creditNoteNumber"
        return
    assert format_credit_note_number(series, "2627", seq) == number
    assert len(number) <= 16
    assert parse_credit_note_number(number) == (series, "2627", seq)


def test_credit_note_number_parse_refuses_invoice_numbers() -> None:
    from viveka_pos.domain.numbering import parse_credit_note_number

    with pytest.raises(ValidationError) as info:
        parse_credit_note_number("A/2627/00001")
    assert info.value.field == "creditNoteNumber"
