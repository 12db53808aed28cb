"""Money helpers: examples and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viveka_pos.domain.money import (
    MoneyError,
    allocate,
    format_inr,
    parse_decimal,
    percent_of,
    round_half_up,
    to_paise,
    to_rupees,
)


def test_examples() -> None:
    assert to_paise("1,250.50") == 125050
    assert to_paise(0.1) == 10
    assert to_rupees(590000) == 5900
    assert to_rupees(590050) == 5900.5
    assert format_inr(12345678) == "₹1,23,456.78"
    assert format_inr(-171100) == "-₹1,711.00"  # money paid back: the sign first
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("-2.5")) == -3
    assert percent_of(500000, Decimal(9)) == 45000
    assert allocate(1000, [1, 1, 1]) == [334, 333, 333]
    assert allocate(5, [0, 0]) == [0, 0]
    assert allocate(5, []) == []


def test_parse_decimal() -> None:
    assert parse_decimal("₹1,250.50") == Decimal("1250.50")
    assert parse_decimal(0.1) == Decimal("0.1")
    assert parse_decimal(7) == Decimal(7)
    assert not parse_decimal("nan").is_finite()
    for bad in (True, None, "abc", [1]):
        with pytest.raises(MoneyError):
            parse_decimal(bad)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_paise_round_trip_through_stored_rupees(paise: int) -> None:
    stored = to_rupees(paise)
    assert isinstance(stored, int | float)
    assert to_paise(stored) == paise


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_rupees_round_trip_through_paise(rupees: Decimal) -> None:
    assert Decimal(str(to_rupees(to_paise(rupees)))) == rupees


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30),
)
def test_allocate_sums_exactly_and_stays_proportional(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    weight_sum = sum(weights)
    if weight_sum == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / weight_sum
        assert abs(part - exact) < 1
        assert part >= 0
