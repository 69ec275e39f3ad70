"""Dates in the city's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")


def now_local() -> datetime:
    """Return the current time in the city's time zone (aware)."""
    return datetime.now(CITY_TZ)


def today_local() -> date:
    """Return today's date in the city's time zone."""
    return now_local().date()


def parse_date(text: str, field: str = "date") -> date:
    """Parse YYYY-MM-DD, raising a clear error naming the field."""
    from highland.errors import InvalidInput

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: '{text}' is not a date; write YYYY-MM-DD", field=field
        ) from None
