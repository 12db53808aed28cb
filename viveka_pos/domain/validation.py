"""Input rules: each helper takes a raw value and returns it cleaned, or raises ValidationError.

Raw values come from forms, CSV imports and documents written by other clients, so every helper
accepts ``object`` and never lets another exception type escape: a bool where a number is
expected, NaN, infinity, None for a required value and text in the wrong shape are all reported
as ``ValidationError(field, message)`` with the spec's field name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from bson import ObjectId

from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.money import MoneyError, format_inr, parse_decimal, to_paise
from viveka_pos.domain.phones import phone_problem
from viveka_pos.domain.states import state_by_code

UNITS: tuple[str, ...] = ("nos", "kg", "litre", "meter", "pcs")
WHOLE_UNITS: frozenset[str] = frozenset({"nos", "pcs"})
PAYMENT_METHODS: tuple[str, ...] = ("cash", "card", "upi", "bank", "other")
OTP_PURPOSES: tuple[str, ...] = ("register", "login", "generic")
DEALER_ORDER_STATUSES: tuple[str, ...] = ("pending", "delivered", "cancelled")
#: GST rates as notified, in percent (GST 2.0 since 22 Sep 2025: mainly 5, 18 and 40; the
#: others for special goods such as gold 3, diamonds 0.25, rough stones 1.5, and older bills).
GST_RATES: tuple[int | Decimal, ...] = (
    0,
    Decimal("0.1"),
    Decimal("0.25"),
    Decimal("1.5"),
    3,
    5,
    6,
    Decimal("7.5"),
    12,
    18,
    28,
    40,
)

TEXT_MAX_LENGTH = 500
NAME_MAX_LENGTH = 100
MAX_AMOUNT_PAISE = 10 * 10_000_000 * 100  # ₹10 crore: far above any bill of a small shop
MAX_QUANTITY = Decimal(1_000_000)
QUANTITY_DECIMALS = 3

_UNIT_ALIASES: Mapping[str, str] = {
    "no": "nos",
    "nos.": "nos",
    "number": "nos",
    "numbers": "nos",
    "pc": "pcs",
    "piece": "pcs",
    "pieces": "pcs",
    "kgs": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "liter": "litre",
    "liters": "litre",
    "litres": "litre",
    "ltr": "litre",
    "metre": "meter",
    "metres": "meter",
    "meters": "meter",
    "mtr": "meter",
}

_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GSTIN_SHAPE = re.compile(r"[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?")
_DIGITS = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _empty(value: object, field: str, *, required: bool) -> bool:
    """True when ``value`` is blank (None, or text of only spaces) and may be; a required
    field that is blank raises."""
    if not _is_blank(value):
        return False
    if required:
        raise ValidationError(field, "is required")
    return True


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    return value


def _checked_text(text: str, field: str, *, allow_line_breaks: bool, max_length: int) -> str:
    """``text`` when it has no control characters (nor lone surrogates), which break
    printing and storage, and at most ``max_length`` characters."""
    allowed = {"\n", "\r", "\t"} if allow_line_breaks else set()
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValidationError(field, "contains a control character")
    if len(text) > max_length:
        raise ValidationError(field, f"must have at most {max_length} characters")
    return text


def _decimal_places(value: Decimal) -> int:
    """Digits after the point once trailing zeros are dropped ("1.250" -> 2, "100" -> 0).

    Works on the digit tuple, not ``normalize()``, which rounds to the context precision.
    """
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or not any(digits):
        return 0  # zero (its digit tuple is a single 0) or not finite (checked by callers)
    trailing = 0
    for digit in reversed(digits):
        if digit != 0 or trailing >= -exponent:
            break
        trailing += 1
    return max(0, -exponent - trailing)


def _number(value: object, field: str, what: str) -> Decimal:
    if _is_blank(value):
        raise ValidationError(field, "is required")
    try:
        number = parse_decimal(value)
    except MoneyError:
        raise ValidationError(field, f"must be {what}") from None
    if not number.is_finite():
        raise ValidationError(field, "must be a finite number")
    return number


# --- people and text -------------------------------------------------------------------------


def phone(
    value: object,
    field: str = "phoneNumber",
    *,
    required: bool = True,
    mobile_only: bool = True,
    check_plan: bool = True,
) -> str:
    """Digits of a phone number; Indian numbers given as +91/91/0091/0 + 10 digits keep 10.

    Spaces, dashes, dots and brackets are ignored. Other numbers keep all their digits
    (without the '+'): at least 10, at most 15 (the E.164 limit). The number must exist in
    its country's numbering plan; an Indian one must be a mobile unless ``mobile_only`` is
    False (domain/phones.py). ``check_plan=False`` only cleans: for finding a shop or a
    customer saved before the check, or by another tool, under the number they have.
    """
    if _empty(value, field, required=required):
        return ""
    if isinstance(value, bool):
        raise ValidationError(field, "must be text")
    if isinstance(value, int):
        if value < 0:
            raise ValidationError(field, "may contain only digits")
        if value >= 10**15:
            raise ValidationError(field, "must have at most 15 digits")
        text = str(value)
    else:
        text = _text(value, field)
    compact = re.sub(r"[\s().-]", "", text)
    plus = compact.startswith("+")
    if plus:
        compact = compact[1:]
    if not _DIGITS.fullmatch(compact):
        raise ValidationError(field, "may contain only digits, spaces, dashes and a leading +")
    national = ""
    if plus and compact.startswith("91"):
        if len(compact) != 12:
            raise ValidationError(field, "must have 10 digits after +91")
        national = compact[2:]
    elif not plus:
        if len(compact) == 12 and compact.startswith("91"):
            national = compact[2:]
        elif len(compact) == 14 and compact.startswith("0091"):
            national = compact[4:]
        elif len(compact) == 11 and compact.startswith("0"):
            national = compact[1:]
    if national:
        return _real_phone(
            national, field, indian=True, mobile_only=mobile_only, check_plan=check_plan
        )
    if len(compact) < 10:
        raise ValidationError(field, "must have at least 10 digits")
    if len(compact) > 15:
        raise ValidationError(field, "must have at most 15 digits")
    return _real_phone(
        compact,
        field,
        indian=not plus and len(compact) == 10,
        mobile_only=mobile_only,
        check_plan=check_plan,
    )


def _real_phone(
    digits: str, field: str, *, indian: bool, mobile_only: bool, check_plan: bool
) -> str:
    problem = phone_problem(digits, indian=indian, mobile_only=mobile_only) if check_plan else ""
    if problem:
        raise ValidationError(field, problem)
    return digits


def name(
    value: object, field: str = "name", *, max_length: int = NAME_MAX_LENGTH, min_length: int = 2
) -> str:
    """A person, business, item or group name: trimmed, inner runs of spaces made single."""
    if _is_blank(value):
        raise ValidationError(field, "is required")
    text = " ".join(_text(value, field).split())
    _checked_text(text, field, allow_line_breaks=False, max_length=max_length)
    if len(text) < min_length:
        raise ValidationError(field, f"must have at least {min_length} characters")
    return text


def optional_name(value: object, field: str = "name", *, max_length: int = NAME_MAX_LENGTH) -> str:
    """Like :func:`name`, but empty is allowed and gives '' (e.g. a customer's name)."""
    if _empty(value, field, required=False):
        return ""
    return name(value, field, max_length=max_length)


def optional_text(value: object, field: str, *, max_length: int = TEXT_MAX_LENGTH) -> str:
    """Notes, descriptions and addresses: trimmed, may be empty, line breaks kept."""
    if value is None:
        return ""
    text = _text(value, field).strip()
    return _checked_text(text, field, allow_line_breaks=True, max_length=max_length)


def email(value: object, field: str = "emailId", *, required: bool = False) -> str:
    """A plausible e-mail address (local@domain.tld); the domain is lower-cased."""
    if _empty(value, field, required=required):
        return ""
    text = _text(value, field).strip()
    if len(text) > 254 or text.count("@") != 1:
        raise ValidationError(field, "must be an e-mail address like name@example.com")
    local, domain = text.split("@")
    labels = domain.split(".")
    if (
        len(local) > 64
        or not _EMAIL_LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_EMAIL_LABEL.fullmatch(label) for label in labels)
        or not labels[-1].isalpha()
        or len(labels[-1]) < 2
    ):
        raise ValidationError(field, "must be an e-mail address like name@example.com")
    return f"{local}@{domain.lower()}"


# --- tax identifiers -------------------------------------------------------------------------


def gstin_check_char(first14: str) -> str:
    """The 15th (check) character of a GSTIN from its first 14, by the GSTN mod-36 scheme.

    Each character is read as a base-36 digit (0-9, A-Z), multiplied by 1 or 2 alternately
    from the left; each product is folded as ``p // 36 + p % 36`` and summed; the check value
    is ``(36 - sum % 36) % 36``.
    """
    if len(first14) != 14 or any(c not in _GSTIN_CHARS for c in first14):
        raise ValidationError("gstin", "needs 14 letters or digits to compute a check character")
    total = 0
    for position, char in enumerate(first14):
        product = _GSTIN_CHARS.index(char) * (1 if position % 2 == 0 else 2)
        total += product // 36 + product % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def gstin(value: object, field: str = "gstin", *, required: bool = False) -> str:
    """A regular taxpayer's GSTIN, upper-cased, with a known state code and a correct checksum.

    Shape: 2-digit state code, PAN (5 letters, 4 digits, 1 letter), entity number (1-9/A-Z),
    'Z', check character. Empty gives '' unless ``required``.
    """
    if _empty(value, field, required=required):
        return ""
    text = _text(value, field).strip().upper()
    if len(text) != 15:
        raise ValidationError(field, "must have exactly 15 characters")
    if not _GSTIN_SHAPE.fullmatch(text):
        raise ValidationError(
            field, "must be a state code, PAN, entity number, 'Z' and a check character"
        )
    if state_by_code(text[:2]) is None:
        raise ValidationError(field, "starts with an unknown state code")
    if gstin_check_char(text[:14]) != text[14]:
        raise ValidationError(field, "has a wrong check character; please re-check the number")
    return text


def hsn_code(value: object, field: str = "hsnCode", *, required: bool = False) -> str:
    """An HSN code of 4, 6 or 8 digits, or a 6-digit SAC (services, starting 99).

    Dots and spaces as in "8708.99" are dropped. Chapter 00 does not exist and chapter 99 is
    used only by 6-digit SAC codes. Empty gives '' unless ``required``.
    """
    if _empty(value, field, required=required):
        return ""
    if isinstance(value, bool):
        raise ValidationError(field, "must be text")
    if isinstance(value, int):
        if not 0 <= value < 10**8:
            raise ValidationError(field, "must have 4, 6 or 8 digits")
        value = str(value)
    text = _text(value, field)
    code = re.sub(r"[\s.]", "", text)
    if not _DIGITS.fullmatch(code):
        raise ValidationError(field, "may contain only digits")
    if len(code) not in (4, 6, 8):
        raise ValidationError(field, "must have 4, 6 or 8 digits")
    if code.startswith("00"):
        raise ValidationError(field, "cannot start with 00")
    if code.startswith("99") and len(code) != 6:
        raise ValidationError(field, "a service code (SAC) starting with 99 must have 6 digits")
    return code


# --- choices ---------------------------------------------------------------------------------


def _choice(
    value: object,
    field: str,
    allowed: tuple[str, ...],
    default: str,
    aliases: Mapping[str, str] | None = None,
) -> str:
    if _empty(value, field, required=False):
        return default
    key = _text(value, field).strip().lower()
    if aliases:
        key = aliases.get(key, key)
    if key not in allowed:
        raise ValidationError(field, f"must be one of {', '.join(allowed)}")
    return key


def unit(value: object, field: str = "unit") -> str:
    """A unit of measure of the spec; empty gives the default 'nos'."""
    return _choice(value, field, UNITS, "nos", _UNIT_ALIASES)


def payment_method(value: object, field: str = "method") -> str:
    """A payment method of the spec; empty gives the default 'cash'."""
    return _choice(value, field, PAYMENT_METHODS, "cash")


def otp_purpose(value: object, field: str = "purpose") -> str:
    """An OTP purpose of the spec; empty gives the default 'generic'."""
    return _choice(value, field, OTP_PURPOSES, "generic")


def dealer_order_status(value: object, field: str = "status") -> str:
    """A dealer order status of the spec; empty gives the default 'pending'."""
    return _choice(value, field, DEALER_ORDER_STATUSES, "pending")


# --- numbers ---------------------------------------------------------------------------------


def gst_rate(value: object, field: str = "gstRate") -> int | Decimal:
    """A notified GST rate in percent (int, "18", "18%", Decimal, 0.25, "1.5 %").

    Whole rates come back as ``int`` (as the store has always kept them), the fractional ones
    (0.1, 0.25, 1.5, 7.5) as an exact ``Decimal``.
    """
    if isinstance(value, str):
        value = value.strip().removesuffix("%").strip()
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal | float):
        raise ValidationError(field, "must be a number")
    rate = _number(value, field, "a number")
    if rate not in GST_RATES:
        raise ValidationError(field, f"must be one of {', '.join(map(str, GST_RATES))} (%)")
    return int(rate) if rate == rate.to_integral_value() else rate.normalize()


def amount(
    value: object,
    field: str,
    *,
    allow_zero: bool = True,
    maximum: int = MAX_AMOUNT_PAISE,
) -> int:
    """An amount in rupees (int, float, Decimal, "1,250.50") as paise.

    Never negative; zero only with ``allow_zero``; at most 2 decimals; at most ``maximum``
    paise (₹10 crore by default).
    """
    rupees = _number(value, field, "an amount in rupees, such as 1250.50")
    if rupees < 0:
        raise ValidationError(field, "cannot be negative")
    if rupees == 0 and not allow_zero:
        raise ValidationError(field, "must be more than zero")
    if rupees > Decimal(maximum) / 100:
        raise ValidationError(field, f"cannot be more than {format_inr(maximum)}")
    if _decimal_places(rupees) > 2:
        raise ValidationError(field, "can have at most 2 decimals")
    return to_paise(rupees)


def quantity(
    value: object,
    unit_of_measure: object = "nos",
    field: str = "quantity",
    *,
    allow_zero: bool = False,
    maximum: Decimal = MAX_QUANTITY,
) -> Decimal:
    """A quantity for a unit: whole and ≥ 1 for nos/pcs, up to 3 decimals for kg/litre/meter.

    ``allow_zero`` is for stock levels and thresholds, which may be 0. The result has no
    trailing zeros (Decimal("2"), Decimal("1.25")).
    """
    measured_in = unit(unit_of_measure)
    number = _number(value, field, "a number")
    if number < 0:
        raise ValidationError(field, "cannot be negative")
    if number == 0 and not allow_zero:
        raise ValidationError(field, "must be more than zero")
    if number > maximum:
        raise ValidationError(field, f"cannot be more than {maximum}")
    places = _decimal_places(number)
    if measured_in in WHOLE_UNITS and places:
        raise ValidationError(field, f"must be a whole number for unit '{measured_in}'")
    if places > QUANTITY_DECIMALS:
        raise ValidationError(field, f"can have at most {QUANTITY_DECIMALS} decimals")
    if places == 0:
        return Decimal(int(number))
    return number.quantize(Decimal(1).scaleb(-places))


# --- ids and dates ---------------------------------------------------------------------------


def object_id(value: object, field: str) -> ObjectId:
    """An ObjectId, from an ObjectId or its 24-character hex text."""
    if isinstance(value, ObjectId):
        return value
    if _is_blank(value):
        raise ValidationError(field, "is required")
    if isinstance(value, str) and _OBJECT_ID.fullmatch(value.strip()):
        return ObjectId(value.strip())
    raise ValidationError(field, "must be a 24-character hexadecimal id")


def optional_object_id(value: object, field: str) -> ObjectId | None:
    """Like :func:`object_id`, but None or empty text gives None."""
    if _is_blank(value):
        if value is not None:
            _text(value, field)
        return None
    return object_id(value, field)


def parse_date(value: object, field: str) -> date:
    """A calendar date from a ``date`` or "YYYY-MM-DD" text (datetimes are refused: ambiguous)."""
    if isinstance(value, datetime):
        raise ValidationError(field, "must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value
    if _is_blank(value):
        raise ValidationError(field, "is required")
    text = _text(value, field).strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValidationError(field, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, "is not a real calendar date") from None
