"""Money as integer paise.

Inside the program every amount is an ``int`` number of paise. Stored documents keep the
spec's rupee numbers (at most two decimals), so conversion happens only at the store
boundary through :func:`to_paise` and :func:`to_rupees`. Rounding is half-up everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Paise = int

_HUNDRED = Decimal(100)


class MoneyError(ValueError):
    """An amount that cannot be represented exactly in paise."""


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise MoneyError("an amount cannot be true/false")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr() gives the shortest string that round-trips, so 0.1 becomes "0.1".
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("₹", "")
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"'{value}' is not an amount") from exc
    raise MoneyError(f"{type(value).__name__} is not an amount")


def to_paise(rupees: object, *, exact: bool = True) -> Paise:
    """Convert a rupee amount (int, float, Decimal or text such as "1,250.50") to paise.

    With ``exact`` (the default) an amount with more than two decimals is refused instead of
    silently rounded; with ``exact=False`` it is rounded half-up to the paisa.
    """
    amount = _as_decimal(rupees)
    if not amount.is_finite():
        raise MoneyError("an amount must be a finite number")
    scaled = amount * _HUNDRED
    rounded = scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if exact and rounded != scaled:
        raise MoneyError(f"{rupees} has more than two decimals")
    return int(rounded)


def to_rupees(paise: Paise) -> int | float:
    """The stored form of an amount: an int when whole rupees, else a 2-decimal float."""
    if isinstance(paise, bool) or not isinstance(paise, int):
        raise MoneyError("paise must be an int")
    if paise % 100 == 0:
        return paise // 100
    return float(Decimal(paise) / _HUNDRED)


def to_decimal(paise: Paise) -> Decimal:
    """Exact rupee value as a Decimal with two places (for display and CSV)."""
    return (Decimal(paise) / _HUNDRED).quantize(Decimal("0.01"))


def round_half_up(value: Decimal) -> int:
    """Round a Decimal number of paise to whole paise, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(paise: Paise, rate_percent: Decimal | int) -> Paise:
    """``rate_percent`` % of an amount, rounded half-up to the paisa."""
    return round_half_up(Decimal(paise) * Decimal(rate_percent) / _HUNDRED)


def _group_indian(whole: int) -> str:
    text = str(whole)
    if len(text) <= 3:
        return text
    head, tail = text[:-3], text[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join([*groups, tail])


def format_inr(paise: Paise, *, symbol: bool = True) -> str:
    """Indian digit grouping: 12345678 paise -> '₹1,23,456.78'; a negative amount (money
    paid back) is '-₹1,711.00', the sign before the symbol."""
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(paise), 100)
    text = f"{_group_indian(whole)}.{fraction:02d}"
    return f"{sign}₹{text}" if symbol else f"{sign}{text}"


def allocate(total: Paise, weights: list[int]) -> list[Paise]:
    """Split ``total`` paise in proportion to ``weights`` so the parts add up exactly.

    Largest-remainder method; ties go to the earlier weight. Used to spread a bill
    discount over its lines.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [0] * len(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = [(total * w % weight_sum, -i) for i, w in enumerate(weights)]
    left = total - sum(shares)
    for _, neg_index in sorted(remainders, reverse=True)[:left]:
        shares[-neg_index] += 1
    return shares


def parse_decimal(value: object) -> Decimal:
    """Read an amount or quantity the way :func:`to_paise` does, without scaling or rounding.

    Accepts int, float (via its shortest repr), Decimal and text (commas and '₹' ignored);
    raises :class:`MoneyError` for anything else, including bool. The result may be NaN or
    infinite: callers check ``is_finite()`` before comparing it.
    """
    return _as_decimal(value)
