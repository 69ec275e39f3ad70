"""Recompute chain tasks' open deadlines when a year's working days change: the tasks'
listener of the kernel calendar (`highland.platform.calendar.years`), registered by the
assembly. A task's deadline is a count of working days from its assignment: read back with the
calendar as it was, counted again with the calendar as it is now. Each task moved gets one
`reclock` event ({"year": 2027, "due": [old, new]}); done, confirmed and cancelled tasks keep
theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains.governance.service import TaskState, _log
from highland.chains.models import ChainTask
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.calendar.core import recount
from highland.platform.kit.dates import CITY_TZ

ACTION = "reclock"
LABEL = "open chain task(s)"


def _iso(value: datetime) -> str:
    return value.astimezone(CITY_TZ).isoformat()


def reclock_tasks(
    session: Session, actor: Actor, year: int, old: WorkCalendar, now: datetime
) -> list[int]:
    """The calendar listener of chain tasks: recount the open deadlines that `year`'s change
    moves (`old`: the calendar before it), one `reclock` event per task moved; their ids."""
    new = load_calendar(session)
    lo = datetime(year, 1, 1, tzinfo=CITY_TZ)
    hi = datetime(year + 1, 1, 1, tzinfo=CITY_TZ)

    stmt = (
        select(ChainTask)
        .where(
            ChainTask.open.is_(True),
            ChainTask.state != TaskState.done.value,
            ChainTask.assigned_at < hi,
            ChainTask.due >= lo,
        )
        .order_by(ChainTask.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    ids: list[int] = []
    for t in session.scalars(stmt):
        due = recount(old, new, t.assigned_at, t.due)
        warn = recount(old, new, t.assigned_at, t.warn_at)
        if due == t.due and warn == t.warn_at:
            continue
        data: dict[str, Any] = {"year": year}
        if due != t.due:
            data["due"] = [_iso(t.due), _iso(due)]
        if warn != t.warn_at:
            data["warn_at"] = [_iso(t.warn_at), _iso(warn)]
        t.due, t.warn_at = due, warn
        if warn > now:
            t.warned_at = None
        if due > now:
            t.breached_at = None
        _log(session, t, actor, ACTION, t.state, t.state, data, now)
        t.version += 1
        t.updated_at = now
        ids.append(t.id)
    return ids
