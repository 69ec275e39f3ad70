"""Working-day clocks with pause, counted in the kernel's working calendar.

A clock starts at a moment and runs for a number of working days; while the row waits (paused)
its days do not count: `resume` adds the working days spent waiting to `paused_days`, and the
deadlines are counted again from the same start with those days added, so a pause never buys a
new start. A sweep mark (warned, breached, …) whose deadline moved past now again is cleared.
The tracked row has `paused_at` and `paused_days` columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from highland.platform.calendar.core import WorkCalendar


def due(cal: WorkCalendar, start: datetime, days: int, paused: int = 0) -> datetime:
    """The end (23:59:59, city time) of the working day `days + paused` after start's date."""
    return cal.add_working_days(start, days + paused)


def pause(row: Any, now: datetime) -> None:
    """Stop the row's clock now."""
    row.paused_at = now


def resume(row: Any, cal: WorkCalendar, now: datetime) -> int:
    """Restart the row's clock: the working days it waited are added to `paused_days`; how
    many (the caller counts its deadlines again with them)."""
    assert row.paused_at is not None, "resume of a clock that is not paused"
    waited = cal.working_days_between(row.paused_at, now)
    row.paused_days = (row.paused_days or 0) + waited
    row.paused_at = None
    return waited


def clear_marks(row: Any, now: datetime, marks: Iterable[tuple[str, str]]) -> None:
    """After a deadline moved: each (deadline column, mark column) whose deadline lies after
    now again loses its mark (the sweep sets it again when the moment comes)."""
    for deadline, mark in marks:
        when = getattr(row, deadline)
        if when is not None and when > now:
            setattr(row, mark, None)
