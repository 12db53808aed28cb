"""Time, injected: services ask a Clock instead of calling ``datetime.now()``.

Stored datetimes are aware UTC; the shop's calendar date (for ``invoiceDate``, due dates and
the financial year) is taken in the shop's time zone. Time-zone data comes from the operating
system on Linux and macOS and from the ``tzdata`` package where the system has none (Windows);
if neither is present, Asia/Kolkata still works through its fixed offset, since India has
used +05:30 all year round since 1945.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from viveka_pos.domain.errors import ValidationError

DEFAULT_TIME_ZONE = "Asia/Kolkata"
_IST = timezone(timedelta(hours=5, minutes=30), "IST")
_FIXED_FALLBACKS: dict[str, tzinfo] = {"Asia/Kolkata": _IST, "Asia/Calcutta": _IST}


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and demos."""

    def __init__(self, start: datetime) -> None:
        self._now = _as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**parts)``; returns the new time."""
        step = delta if delta is not None else timedelta(**parts)
        self._now += step
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _as_utc(moment)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a clock needs an aware datetime (with a time zone)")
    return moment.astimezone(UTC)


def shop_zone(tz: str = DEFAULT_TIME_ZONE) -> tzinfo:
    """The tzinfo for an IANA name; unknown names raise ValidationError("timeZone", ...)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        fallback = _FIXED_FALLBACKS.get(tz) if isinstance(tz, str) else None
        if fallback is not None:
            return fallback
        raise ValidationError("timeZone", f"'{tz}' is not a known time zone") from None


def shop_now(clock: Clock, tz: str = DEFAULT_TIME_ZONE) -> datetime:
    """The clock's current instant, seen in the shop's time zone."""
    return clock.now().astimezone(shop_zone(tz))


def shop_today(clock: Clock, tz: str = DEFAULT_TIME_ZONE) -> date:
    """Today's date in the shop's time zone (what goes into ``invoiceDate``)."""
    return shop_now(clock, tz).date()


def store_time(moment: datetime) -> datetime:
    """A datetime as the store keeps it: naive UTC, millisecond precision (BSON)."""
    if moment.tzinfo is UTC:  # the usual case (the system clock): one step
        return moment.replace(tzinfo=None, microsecond=moment.microsecond // 1000 * 1000)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
