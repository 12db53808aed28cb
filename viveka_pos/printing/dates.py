"""Dates as printed on documents: ``12 Jan 2025``, in the shop's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Kolkata"
# India has had one offset and no daylight saving since 1945; used when the OS has no tz
# database (Windows without the tzdata package) so a bill never fails over a date.
_IST = timezone(timedelta(hours=5, minutes=30), "IST")


def shop_zone(name: str | None) -> tzinfo:
    """The shop's time zone; Indian Standard Time when the name is empty or unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return _IST


def format_day(day: date) -> str:
    return day.strftime("%d %b %Y")


def format_document_date(value: object, zone: tzinfo | None = None) -> str:
    """A stored date for printing.

    ``YYYY-MM-DD`` strings (invoiceDate, dueDate) are already shop-local; datetimes
    (createdAt, paidAt) are UTC — naive ones included, as the store keeps them — and are shown
    on the shop's calendar. Anything unparseable is printed as it is; ``None`` gives ``''``.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return format_day(moment.astimezone(zone or _IST).date())
    if isinstance(value, date):
        return format_day(value)
    text = str(value).strip()
    try:
        if len(text) == 10:
            return format_day(date.fromisoformat(text))
        return format_document_date(datetime.fromisoformat(text.replace("Z", "+00:00")), zone)
    except ValueError:
        return text
