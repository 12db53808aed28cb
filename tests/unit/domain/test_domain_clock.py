"""Clocks and the shop's calendar date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from viveka_pos.domain import clock as clock_module
from viveka_pos.domain.clock import Clock, FixedClock, SystemClock, shop_now, shop_today, shop_zone
from viveka_pos.domain.errors import ValidationError


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.utcoffset() == timedelta(0)
    assert isinstance(SystemClock(), Clock)


def test_fixed_clock_stands_still_and_advances() -> None:
    clock = FixedClock(datetime(2025, 3, 31, 18, 0, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2025, 3, 31, 18, 0, tzinfo=UTC)
    assert clock.advance(minutes=30) == datetime(2025, 3, 31, 18, 30, tzinfo=UTC)
    assert clock.advance(timedelta(days=1)) == datetime(2025, 4, 1, 18, 30, tzinfo=UTC)
    clock.set(datetime(2025, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))))
    assert clock.now() == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    assert isinstance(clock, Clock)


def test_fixed_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        FixedClock(datetime(2025, 1, 1))


def test_shop_today_crosses_midnight_in_india_before_utc() -> None:
    # 18:29 UTC is 23:59 IST; 18:30 UTC is already the next day (and the next FY) in India.
    clock = FixedClock(datetime(2025, 3, 31, 18, 29, tzinfo=UTC))
    assert shop_today(clock) == date(2025, 3, 31)
    clock.advance(minutes=1)
    assert shop_today(clock) == date(2025, 4, 1)
    assert shop_now(clock).utcoffset() == timedelta(hours=5, minutes=30)
    assert shop_today(clock, "UTC") == date(2025, 3, 31)


def test_unknown_time_zone() -> None:
    with pytest.raises(ValidationError) as info:
        shop_zone("Mars/Olympus")
    assert info.value.field == "timeZone"


def test_fixed_offset_fallback_without_zone_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(key: str) -> None:
        raise ZoneInfoNotFoundError(key)

    monkeypatch.setattr(clock_module, "ZoneInfo", missing)
    clock = FixedClock(datetime(2025, 3, 31, 18, 30, tzinfo=UTC))
    assert shop_today(clock) == date(2025, 4, 1)
    assert shop_zone("Asia/Kolkata").utcoffset(None) == timedelta(hours=5, minutes=30)
    with pytest.raises(ValidationError):
        shop_zone("Europe/London")


def test_the_shop_time_zone_comes_from_a_time_zone_database() -> None:
    # Windows has no database of its own; the tzdata package (a dependency) is its database.
    # Without it only the fixed +05:30 fallback was left, and any other zone failed.
    import tzdata

    assert tzdata.IANA_VERSION
    assert isinstance(shop_zone("Asia/Kolkata"), ZoneInfo)
    assert isinstance(shop_zone("Asia/Dubai"), ZoneInfo)
