"""Urgency tiers (紧急) of the 12345 practice: which limits a demand's clocks run on.

A category has its normal limits (response_days, resolution_days) and may have an urgent tier
(urgent_response_days, urgent_resolution_days). The demand's priority selects the tier:
only priority "urgent" (紧急) has one (`TIER_OF_PRIORITY`); low, normal and high run on the
normal limits, and so does an urgent demand of a category without an urgent tier.

A limit of 0 working days means "the same working day": the deadline is the end
(23:59:59 Beijing time) of the day the clock starts, when that day is a working day; filed on
a weekend or a holiday, it is the end of the next working day (the first day anyone works on
it). Pure logic: no database, no web.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

# Priority → tier. Priorities not listed run on the category's normal limits.
TIER_OF_PRIORITY = {"urgent": "urgent"}
TIERS = ("normal", "urgent")


class _Category(Protocol):
    response_days: int
    resolution_days: int
    urgent_response_days: int | None
    urgent_resolution_days: int | None


class _Calendar(Protocol):
    def add_working_days(self, start: datetime, n: int) -> datetime: ...

    def is_working_day(self, d: datetime) -> bool: ...


def tier_of(cat: _Category, priority: str | None) -> str:
    """The tier whose limits apply to a demand of this category and priority."""
    tier = TIER_OF_PRIORITY.get(priority or "", "normal")
    if tier == "urgent" and cat.urgent_response_days is not None:
        return "urgent"
    return "normal"


def limits_of(cat: _Category, priority: str | None) -> tuple[int, int, str]:
    """(response days, resolution days, tier) for a demand of this category and priority."""
    if tier_of(cat, priority) == "urgent":
        assert cat.urgent_response_days is not None and cat.urgent_resolution_days is not None
        return cat.urgent_response_days, cat.urgent_resolution_days, "urgent"
    return cat.response_days, cat.resolution_days, "normal"


def due_after(cal: _Calendar, start: datetime, n: int) -> datetime:
    """The deadline n working days after start; 0 = the end of start's day if it is a
    working day, else the end of the next working day."""
    if n == 0 and not cal.is_working_day(start):
        return cal.add_working_days(start, 1)
    return cal.add_working_days(start, n)
