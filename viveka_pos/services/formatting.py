"""How amounts, quantities and dates read on screen (one place, so every screen agrees)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..domain.clock import shop_zone
from ..domain.money import format_inr, parse_decimal
from .convert import quantity_of

DEFAULT_ZONE = "Asia/Kolkata"


def money(paise: int) -> str:
    """₹ with Indian grouping: 123456789 → '₹12,34,567.89'."""
    return format_inr(paise)


def quantity(value: Any) -> str:
    """A stored or Decimal quantity without trailing zeros: 2, 1.5, 0.25."""
    number = value if isinstance(value, Decimal) else quantity_of(value)
    text = f"{number.normalize():f}"
    return text


def quantity_with_unit(value: Any, unit: str) -> str:
    return f"{quantity(value)} {unit}" if unit not in ("nos", "pcs", "") else quantity(value)


def day(value: Any) -> str:
    """'2025-06-16' or a date → '16 Jun 2025'; anything else as text."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, date):
        return f"{value.day:02d} {value.strftime('%b %Y')}"
    return "" if value is None else str(value)


def moment(value: Any, zone: str = DEFAULT_ZONE) -> str:
    """A stored (naive UTC) datetime in the shop's time zone: '16 Jun 2025, 10:30'."""
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    local = aware.astimezone(shop_zone(zone or DEFAULT_ZONE))
    return f"{local.day:02d} {local.strftime('%b %Y, %H:%M')}"


def rupees_text(paise: int) -> str:
    """An amount for an input box: '1250.50' (no symbol, no grouping)."""
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(paise), 100)
    return f"{sign}{whole}" if fraction == 0 else f"{sign}{whole}.{fraction:02d}"


def percent_or_amount(text: str) -> tuple[str, Decimal | None]:
    """Split what was typed into a discount box: ('10%' → ('', 10)), ('50' → ('50', None)).

    Returns the amount text untouched when no percent sign is present, so the service's
    own validation reports a bad amount in its words.
    """
    stripped = text.strip()
    if not stripped.endswith("%"):
        return stripped, None
    try:
        return "", parse_decimal(stripped[:-1])
    except ValueError:
        return stripped, None
