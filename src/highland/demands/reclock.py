"""Recompute demands' open deadlines when a year's working days change (an admin entered,
replaced or deleted a year's schedule): the demands' listener of the kernel calendar
(`highland.platform.calendar.years`), registered by the assembly.

Each deadline is a count of working days from a start (a demand's dispatch or clock start), so
the count is read back with the calendar as it was and counted again with the calendar as it is
now: the category's limits, pauses and anything else that made the count stay as they were.
Every demand whose deadlines move gets one `reclock` event, written through the single event
writer (`demands.service._log`), so notifications and the metrics replay see it:

    {"year": 2027, "response_due": [old, new], "resolution_due": [old, new], ...}

(only the deadlines that moved). Closed demands, and those already resolved, keep their
deadlines: their on-time verdict is given. A sweep mark (warned, breached, escalated) on a
deadline that moved past now is cleared, as a resume does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from highland.demands.models import Demand
from highland.demands.service import _clear_marks_if_future, _log
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.calendar.core import recount
from highland.platform.kit.dates import CITY_TZ

ACTION = "reclock"
LABEL = "open demand(s)"


def _iso(value: datetime) -> str:
    return value.astimezone(CITY_TZ).isoformat()


def reclock_demands(
    session: Session, actor: Actor, year: int, old: WorkCalendar, now: datetime
) -> list[int]:
    """The calendar listener of demands: recount the open deadlines that `year`'s change moves
    (`old`: the calendar before it), one `reclock` event per demand moved; their ids."""
    new = load_calendar(session)
    lo = datetime(year, 1, 1, tzinfo=CITY_TZ)
    hi = datetime(year + 1, 1, 1, tzinfo=CITY_TZ)
    stmt = (
        select(Demand)
        .where(
            Demand.open.is_(True),
            Demand.state != "resolved",
            Demand.dispatched_at.is_not(None),
            Demand.dispatched_at < hi,
            or_(Demand.escalate_at >= lo, Demand.resolution_due >= lo, Demand.response_due >= lo),
        )
        .order_by(Demand.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    ids: list[int] = []
    for d in session.scalars(stmt):
        if d.resolution_due is None or d.clock_start is None or d.dispatched_at is None:
            continue
        data: dict[str, Any] = {"year": year}
        if d.responded_at is None and d.response_due is not None:
            response = recount(old, new, d.dispatched_at, d.response_due)
            if response != d.response_due:
                data["response_due"] = [_iso(d.response_due), _iso(response)]
                d.response_due = response
                if response > now:
                    d.response_breached_at = None
        resolution = recount(old, new, d.clock_start, d.resolution_due)
        changes: dict[str, tuple[datetime | None, datetime | None]] = {}
        if d.warn_at is not None:
            changes["warn_at"] = (d.warn_at, recount(old, new, d.clock_start, d.warn_at))
        if d.escalate_at is not None:
            n = old.working_days_between(d.resolution_due, d.escalate_at)
            changes["escalate_at"] = (d.escalate_at, new.add_working_days(resolution, n))
        changes["resolution_due"] = (d.resolution_due, resolution)
        if d.resolution_due_original is not None:
            # The deadline before extensions moves with the calendar too.
            original = recount(old, new, d.clock_start, d.resolution_due_original)
            changes["resolution_due_original"] = (d.resolution_due_original, original)
        for name, (before, after) in changes.items():
            if after != before and before is not None and after is not None:
                data[name] = [_iso(before), _iso(after)]
                setattr(d, name, after)
        if len(data) == 1:
            continue
        _clear_marks_if_future(d, now)
        _log(session, d, actor, ACTION, d.state, d.state, data, now)
        d.version += 1
        d.updated_at = now
        ids.append(d.id)
    return ids
