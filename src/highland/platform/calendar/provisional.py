"""Which deadlines are provisional: counted through a year that has no holiday notice yet.

Computed when read, from the calendar as it is now (`WorkCalendar.provisional_year`), never
stored: once an admin enters the year, its open deadlines are recomputed (`reclock`) and the mark
disappears by itself. A deadline is provisional when any day its count covers — after its start's
date, up to the deadline — falls in a provisional year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from highland.platform.calendar.core import WorkCalendar
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import translate


@dataclass(frozen=True)
class DemandMarks:
    """The provisional marks of a demand's two deadlines."""

    response_due: bool = False
    resolution_due: bool = False

    @property
    def any(self) -> bool:
        """Whether either deadline is provisional."""
        return self.response_due or self.resolution_due


def demand_marks(cal: WorkCalendar, d: Any) -> DemandMarks:
    """A demand's marks: the response deadline counts from dispatch, the resolution deadline
    from the clock start."""
    return DemandMarks(
        response_due=cal.is_provisional_deadline(d.dispatched_at, d.response_due),
        resolution_due=cal.is_provisional_deadline(d.clock_start, d.resolution_due),
    )


def task_due_provisional(cal: WorkCalendar, task: Any) -> bool:
    """Whether a chain task's deadline (counted from its assignment) is provisional."""
    return cal.is_provisional_deadline(task.assigned_at, task.due)


def _short(value: Any) -> str:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return when.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")


def reclock_text(lang: str, data: dict[str, Any]) -> str:
    """A `reclock` event in words: which deadlines moved from when to when, and why."""
    parts = []
    for key, label in (
        ("response_due", "demands.col.response_due"),
        ("resolution_due", "demands.col.resolution_due"),
        ("due", "chains.governance.due"),
    ):
        pair = data.get(key)
        if isinstance(pair, list) and len(pair) == 2:
            parts.append(f"{translate(lang, label)} {_short(pair[0])} → {_short(pair[1])}")
    sep = translate(lang, "sep.list")
    return translate(lang, "calendar.reclock.detail", year=data.get("year", "?"),
                     changes=sep.join(parts) or "—")  # fmt: skip


def next_year_missing(cal: WorkCalendar, today: date) -> int | None:
    """From 1 November: next year, when it has no official or admin-entered schedule (its
    deadlines are provisional until an admin enters it); else None."""
    if today.month < 11:
        return None
    nxt = today.year + 1
    return nxt if cal.is_provisional(nxt) else None


def calendar_warning(session: Any, principal: Any) -> int | None:
    """The year an admin should be warned about now (see `next_year_missing`), or None for
    anyone who cannot enter a year."""
    from highland.platform.identity.permissions import Permission
    from highland.platform.kit import clock

    if principal is None or not principal.can(Permission.demands_admin):
        return None
    from highland.platform.calendar import load_calendar

    return next_year_missing(load_calendar(session), clock.today_local())
