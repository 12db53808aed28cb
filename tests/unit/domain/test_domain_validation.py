"""Input rules of viveka_pos.domain.validation, with concrete values."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from decimal import Decimal

import pytest
from bson import ObjectId

from viveka_pos.domain import validation as v
from viveka_pos.domain.errors import ValidationError


def error_of(func, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value


# --- the error type --------------------------------------------------------------------------


def test_validation_error_names_field_and_rule() -> None:
    err = ValidationError("phoneNumber", "must have at least 10 digits")
    assert isinstance(err, ValueError)
    assert err.field == "phoneNumber"
    assert err.message == "must have at least 10 digits"
    assert str(err) == "phoneNumber: must have at least 10 digits"


def test_validation_error_survives_pickle() -> None:
    err = pickle.loads(pickle.dumps(ValidationError("price", "cannot be negative")))
    assert (err.field, err.message) == ("price", "cannot be negative")


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("9890000000", "9890000000"),
        (" 98900-00000 ", "9890000000"),
        ("+91 98900 00000", "9890000000"),
        ("+91-9890000000", "9890000000"),
        ("919890000000", "9890000000"),
        ("09890000000", "9890000000"),
        ("0091 98900 00000", "9890000000"),
        (9890000000, "9890000000"),
        ("+44 20 7946 0958", "442079460958"),
    ],
)
def test_phone_cleans_to_digits(raw: object, clean: str) -> None:
    assert v.phone(raw) == clean


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("98900 0000", "must have at least 10 digits"),
        ("1234567890123456", "must have at most 15 digits"),
        ("98900abc00", "may contain only digits, spaces, dashes and a leading +"),
        ("+91 98900 000", "must have 10 digits after +91"),
        ("", "is required"),
        (None, "is required"),
        (True, "must be text"),
        (-9890000000, "may contain only digits"),
        (12.5, "must be text"),
    ],
)
def test_phone_rejections(raw: object, message: str) -> None:
    err = error_of(v.phone, raw)
    assert err.field == "phoneNumber"
    assert err.message == message


MOBILE_RULE = "must be an Indian mobile number (10 digits starting with 6, 7, 8 or 9)"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0000000000", MOBILE_RULE),
        ("1234567890", MOBILE_RULE),
        ("+91 12345 67890", MOBILE_RULE),
        ("5123456789", MOBILE_RULE),
        ("(080) 2345 6789", MOBILE_RULE),  # a Bengaluru landline: no SMS, no login
        (
            "123456789012345",
            "is not a valid phone number (write a number from abroad with + and its country code)",
        ),
        (
            "+999 1234567890",
            "is not a valid phone number (write a number from abroad with + and its country code)",
        ),
    ],
)
def test_phone_must_be_a_real_indian_mobile(raw: str, message: str) -> None:
    err = error_of(v.phone, raw)
    assert (err.field, err.message) == ("phoneNumber", message)


def test_a_landline_is_fine_where_a_mobile_is_not_needed() -> None:
    assert v.phone("(080) 2345 6789", mobile_only=False) == "8023456789"
    err = error_of(lambda raw: v.phone(raw, mobile_only=False), "0000000000")
    assert err.message == "is not a valid Indian phone number"


def test_optional_phone_may_be_empty_and_field_is_named() -> None:
    assert v.phone("", required=False) == ""
    assert v.phone(None, required=False) == ""
    assert error_of(v.phone, "123", "clientCustomerPhone").field == "clientCustomerPhone"


# --- names and text --------------------------------------------------------------------------


def test_name_is_trimmed_and_inner_spaces_collapsed() -> None:
    assert v.name("  Alice   Auto  Spares ", "businessName") == "Alice Auto Spares"


def test_name_rules() -> None:
    assert error_of(v.name, "A", "ownerName").message == "must have at least 2 characters"
    assert error_of(v.name, "   ", "ownerName").message == "is required"
    assert error_of(v.name, None).message == "is required"
    assert error_of(v.name, "x" * 101).message == "must have at most 100 characters"
    assert v.name("x" * 150, max_length=150) == "x" * 150
    assert error_of(v.name, "Bad\x00name").message == "contains a control character"
    assert error_of(v.name, 42).message == "must be text"


def test_optional_name() -> None:
    assert v.optional_name("") == ""
    assert v.optional_name(None) == ""
    assert v.optional_name(" Bob ") == "Bob"
    assert error_of(v.optional_name, "B").message == "must have at least 2 characters"


def test_optional_text_keeps_line_breaks_and_limits_length() -> None:
    assert v.optional_text(None, "notes") == ""
    assert v.optional_text("  12 MG Road\nBengaluru  ", "address") == "12 MG Road\nBengaluru"
    assert v.optional_text("y" * 500, "description") == "y" * 500
    err = error_of(v.optional_text, "y" * 501, "description")
    assert (err.field, err.message) == ("description", "must have at most 500 characters")
    assert error_of(v.optional_text, "bell\x07", "notes").message == "contains a control character"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("bob@example.com", "bob@example.com"),
        ("  Bob.Smith+bills@Example.CO.IN ", "Bob.Smith+bills@example.co.in"),
        ("", ""),
        (None, ""),
    ],
)
def test_email_accepts(raw: object, clean: str) -> None:
    assert v.email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "bob",
        "bob@",
        "@example.com",
        "bob@example",
        "bob@@example.com",
        "bob smith@example.com",
        "bob@exa_mple.com",
        "bob..smith@example.com",
        "bob@example.c0m",
        "bob@-example.com",
    ],
)
def test_email_rejects(raw: str) -> None:
    err = error_of(v.email, raw)
    assert err.field == "emailId"
    assert err.message == "must be an e-mail address like name@example.com"


def test_email_required() -> None:
    assert error_of(v.email, "", "email", required=True).message == "is required"


# --- GSTIN and HSN ---------------------------------------------------------------------------


def test_gstin_check_character() -> None:
    # 27AAPFU0939F1ZV: the mod-36 sum of its first 14 characters gives 'V', its last character.
    assert v.gstin_check_char("27AAPFU0939F1Z") == "V"
    # 29ABCDE1234F1Z5 (the spec's example customer GSTIN) is made up: the algorithm gives
    # 'W', not '5', so it is rejected; 29ABCDE1234F1ZW is the valid form of that number.
    assert v.gstin_check_char("29ABCDE1234F1Z") == "W"


def test_gstin_valid_is_uppercased() -> None:
    assert v.gstin(" 27aapfu0939f1zv ") == "27AAPFU0939F1ZV"
    assert v.gstin("29ABCDE1234F1ZW", "gstNo") == "29ABCDE1234F1ZW"
    assert v.gstin("") == ""
    assert v.gstin(None) == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("29ABCDE1234F1Z5", "has a wrong check character; please re-check the number"),
        ("27AAPFU0939F1ZW", "has a wrong check character; please re-check the number"),
        ("27AAPFU0939F1Z", "must have exactly 15 characters"),
        ("27AAPFU0939F1AV", "must be a state code, PAN, entity number, 'Z' and a check character"),
        ("27AAPF10939F1ZV", "must be a state code, PAN, entity number, 'Z' and a check character"),
        ("27AAPFU0939F0ZV", "must be a state code, PAN, entity number, 'Z' and a check character"),
        ("40AAPFU0939F1ZV", "starts with an unknown state code"),
        (27, "must be text"),
    ],
)
def test_gstin_rejections(raw: object, message: str) -> None:
    err = error_of(v.gstin, raw)
    assert (err.field, err.message) == ("gstin", message)


def test_gstin_required() -> None:
    assert error_of(v.gstin, "  ", required=True).message == "is required"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("8708", "8708"),
        ("870899", "870899"),
        ("8708.99.00", "87089900"),
        ("0401", "0401"),
        ("998714", "998714"),
        (8708, "8708"),
        ("", ""),
    ],
)
def test_hsn_code_accepts(raw: object, clean: str) -> None:
    assert v.hsn_code(raw) == clean


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("870", "must have 4, 6 or 8 digits"),
        ("87089", "must have 4, 6 or 8 digits"),
        ("870899001", "must have 4, 6 or 8 digits"),
        ("87A8", "may contain only digits"),
        ("0012", "cannot start with 00"),
        ("9987", "a service code (SAC) starting with 99 must have 6 digits"),
        ("99871400", "a service code (SAC) starting with 99 must have 6 digits"),
        (True, "must be text"),
        (-8708, "must have 4, 6 or 8 digits"),
    ],
)
def test_hsn_code_rejections(raw: object, message: str) -> None:
    err = error_of(v.hsn_code, raw)
    assert (err.field, err.message) == ("hsnCode", message)


# --- choices ---------------------------------------------------------------------------------


def test_enums_with_defaults_and_aliases() -> None:
    assert [v.unit(u) for u in ("nos", "KG", " Litre ", "meter", "pcs")] == [
        "nos",
        "kg",
        "litre",
        "meter",
        "pcs",
    ]
    assert v.unit("liter") == "litre"
    assert v.unit("metre") == "meter"
    assert v.unit("pieces") == "pcs"
    assert v.unit(None) == "nos"
    assert v.payment_method("UPI") == "upi"
    assert v.payment_method("") == "cash"
    assert v.otp_purpose("login") == "login"
    assert v.otp_purpose(None) == "generic"
    assert v.dealer_order_status("Delivered") == "delivered"
    assert v.dealer_order_status(None) == "pending"


def test_enum_rejections_list_the_choices() -> None:
    err = error_of(v.unit, "dozen")
    assert (err.field, err.message) == ("unit", "must be one of nos, kg, litre, meter, pcs")
    err = error_of(v.payment_method, "cheque")
    assert (err.field, err.message) == ("method", "must be one of cash, card, upi, bank, other")
    assert error_of(v.otp_purpose, "reset").field == "purpose"
    assert error_of(v.dealer_order_status, "shipped").message == (
        "must be one of pending, delivered, cancelled"
    )
    assert error_of(v.unit, 3).message == "must be text"


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "rate"),
    [
        (0, 0),
        (5, 5),
        ("12", 12),
        (" 18% ", 18),
        (Decimal("28"), 28),
        (Decimal("18.00"), 18),
        (18.0, 18),
        ("40", 40),
        (3, 3),
        ("0.25%", Decimal("0.25")),
        (0.1, Decimal("0.1")),
        ("1.5", Decimal("1.5")),
        (Decimal("7.50"), Decimal("7.5")),
        (6, 6),
    ],
)
def test_gst_rate_accepts(raw: object, rate: int) -> None:
    assert v.gst_rate(raw) == rate
    assert type(v.gst_rate(raw)) is type(rate)


@pytest.mark.parametrize(
    "raw", [7, "41", Decimal("2.5"), "18.5", "0.2", -5, "abc", True, None, float("nan"), [18]]
)
def test_gst_rate_rejects(raw: object) -> None:
    assert error_of(v.gst_rate, raw).field == "gstRate"


@pytest.mark.parametrize(
    ("raw", "paise"),
    [
        (2500, 250000),
        ("2,500.50", 250050),
        (Decimal("0.10"), 10),
        (0.1, 10),
        (19.99, 1999),
        ("₹1,00,000", 10000000),
        (0, 0),
        ("100000000", 10_000_000_000),
    ],
)
def test_amount_accepts(raw: object, paise: int) -> None:
    assert v.amount(raw, "price") == paise


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (-1, "cannot be negative"),
        ("12.345", "can have at most 2 decimals"),
        (0.001, "can have at most 2 decimals"),
        ("100000000.01", "cannot be more than ₹10,00,00,000.00"),
        (1e300, "cannot be more than ₹10,00,00,000.00"),
        ("1e999999999", "cannot be more than ₹10,00,00,000.00"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        ("sNaN", "must be a finite number"),
        (True, "must be an amount in rupees, such as 1250.50"),
        ("twelve", "must be an amount in rupees, such as 1250.50"),
        (None, "is required"),
        ("  ", "is required"),
    ],
)
def test_amount_rejections(raw: object, message: str) -> None:
    err = error_of(v.amount, raw, "price")
    assert (err.field, err.message) == ("price", message)


def test_amount_positive_and_custom_maximum() -> None:
    assert error_of(v.amount, 0, "amount", allow_zero=False).message == "must be more than zero"
    assert v.amount("0.01", "amount", allow_zero=False) == 1
    assert v.amount(500, "amount", maximum=50000) == 50000
    assert error_of(v.amount, "500.01", "amount", maximum=50000).message == (
        "cannot be more than ₹500.00"
    )


def test_amount_ignores_trailing_zero_decimals() -> None:
    assert v.amount("12.3400", "price") == 1234
    assert v.amount(Decimal("0.000"), "price") == 0


@pytest.mark.parametrize(
    ("raw", "unit", "result"),
    [
        (2, "nos", Decimal(2)),
        ("3", "pcs", Decimal(3)),
        (Decimal("2.000"), "nos", Decimal(2)),
        (1.5, "kg", Decimal("1.5")),
        ("0.250", "kg", Decimal("0.25")),
        ("1.125", "litre", Decimal("1.125")),
        (Decimal("12.5"), "meter", Decimal("12.5")),
    ],
)
def test_quantity_accepts(raw: object, unit: str, result: Decimal) -> None:
    value = v.quantity(raw, unit)
    assert value == result
    assert str(value) == str(result)


@pytest.mark.parametrize(
    ("raw", "unit", "message"),
    [
        (0, "nos", "must be more than zero"),
        (-1, "kg", "cannot be negative"),
        ("1.5", "nos", "must be a whole number for unit 'nos'"),
        (Decimal("0.5"), "pcs", "must be a whole number for unit 'pcs'"),
        ("1.2345", "kg", "can have at most 3 decimals"),
        (float("inf"), "kg", "must be a finite number"),
        (True, "nos", "must be a number"),
        (None, "nos", "is required"),
        ("2000000", "nos", "cannot be more than 1000000"),
    ],
)
def test_quantity_rejections(raw: object, unit: str, message: str) -> None:
    err = error_of(v.quantity, raw, unit)
    assert (err.field, err.message) == ("quantity", message)


def test_quantity_zero_allowed_for_stock_and_unit_checked() -> None:
    assert v.quantity(0, "nos", "stock", allow_zero=True) == 0
    assert error_of(v.quantity, 1, "dozen").field == "unit"


# --- ids and dates ---------------------------------------------------------------------------


def test_object_id() -> None:
    oid = ObjectId()
    assert v.object_id(oid, "itemId") is oid
    assert v.object_id(f" {str(oid).upper()} ", "itemId") == oid
    err = error_of(v.object_id, "507f1f77bcf86cd79943901", "itemId")
    assert (err.field, err.message) == ("itemId", "must be a 24-character hexadecimal id")
    assert error_of(v.object_id, None, "invoiceId").message == "is required"
    assert error_of(v.object_id, 12, "invoiceId").field == "invoiceId"
    assert v.optional_object_id("", "groupId") is None
    assert v.optional_object_id(None, "groupId") is None
    assert v.optional_object_id(str(oid), "groupId") == oid


def test_parse_date() -> None:
    assert v.parse_date("2025-01-12", "invoiceDate") == date(2025, 1, 12)
    assert v.parse_date(date(2024, 2, 29), "dueDate") == date(2024, 2, 29)
    assert error_of(v.parse_date, "2025-02-29", "dueDate").message == "is not a real calendar date"
    assert error_of(v.parse_date, "12/01/2025", "invoiceDate").message == (
        "must be a date written YYYY-MM-DD"
    )
    assert error_of(v.parse_date, "2025-1-12", "invoiceDate").field == "invoiceDate"
    assert error_of(v.parse_date, datetime(2025, 1, 12), "invoiceDate").field == "invoiceDate"
    assert error_of(v.parse_date, None, "invoiceDate").message == "is required"


def test_finding_by_phone_only_cleans_the_number() -> None:
    # a customer or shop saved before the check (or by another tool) is still found
    assert v.phone("12345 67890", check_plan=False) == "1234567890"
    assert v.phone("+91 00000 00000", check_plan=False) == "0000000000"
