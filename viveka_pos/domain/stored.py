"""Values as stored: paise <-> stored rupees, Decimal quantities and GST rates (the
conversions at the store boundary, used by services and sync alike)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .money import to_paise, to_rupees

__all__ = [
    "moment_of",
    "paise_of",
    "quantity_of",
    "rate_of",
    "rupees",
    "stored_quantity",
    "stored_rate",
    "text_of",
]

rupees = to_rupees


def paise_of(stored: Any) -> int:
    """Paise of a stored rupee amount (None counts as zero)."""
    if stored is None:
        return 0
    if type(stored) is int:  # whole rupees, the commonest stored amount (not bool)
        return stored * 100
    if type(stored) is float and -1e12 < stored < 1e12:  # as stored: the double nearest k/100
        scaled = stored * 100
        nearest = round(scaled)
        if abs(scaled - nearest) < 1e-6:  # k itself; anything else is rounded exactly below
            return nearest
    return to_paise(stored, exact=False)


def quantity_of(stored: Any) -> Decimal:
    """A stored quantity (int or float with ≤ 3 decimals) as an exact Decimal."""
    if stored is None:
        return Decimal(0)
    if isinstance(stored, float):
        return Decimal(repr(stored)).quantize(Decimal("0.001")).normalize()
    return Decimal(stored)


def rate_of(stored: Any) -> int | Decimal:
    """A stored GST rate as the domain uses it: int when whole (18), else Decimal (0.25)."""
    if stored is None:
        return 0
    if type(stored) is int:
        return stored
    rate = Decimal(repr(stored)) if isinstance(stored, float) else Decimal(stored)
    return int(rate) if rate == rate.to_integral_value() else rate.normalize()


def stored_rate(rate: int | Decimal) -> int | float:
    """A GST rate as stored: int when whole, else a float (0.25, 1.5, 7.5: exact in repr)."""
    if isinstance(rate, int):
        return rate
    return int(rate) if rate == rate.to_integral_value() else float(rate)


def stored_quantity(quantity: Decimal) -> int | float:
    """A Decimal quantity as stored: int when whole, else a float of ≤ 3 decimals."""
    if quantity == quantity.to_integral_value():
        return int(quantity)
    return float(quantity.quantize(Decimal("0.001")))


def text_of(stored: Any) -> str:
    """An optional stored text field: "" when absent or null (the spec's default)."""
    return "" if stored is None else str(stored)


def moment_of(stored: Any) -> datetime | None:
    """An optional stored datetime (naive UTC), None when absent or not a datetime."""
    return stored if isinstance(stored, datetime) else None
