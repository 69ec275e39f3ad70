"""Dates in the city's time zone."""

from __future__ import annotations

from datetime import date, datetime

from highland.platform.kit.clock import CITY_TZ, now_local, today_local

__all__ = ["CITY_TZ", "local_minute", "now_local", "parse_date", "today_local"]


def parse_date(text: str, field: str = "date") -> date:
    """Parse YYYY-MM-DD, raising a clear error naming the field."""
    from highland.platform.errors import InvalidInput

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: '{text}' is not a date; write YYYY-MM-DD",
            field=field,
            code="date.bad",
            params={"field": field, "value": text[:40]},
        ) from None


def local_minute(value: datetime) -> str:
    """An aware moment as Beijing time to the minute: YYYY-MM-DD HH:MM."""
    return value.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
