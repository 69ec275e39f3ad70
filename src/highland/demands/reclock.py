"""Recompute open deadlines when a year's working days change (an admin entered, replaced or
deleted a year's schedule).

Each deadline is a count of working days from a start (a demand's dispatch or clock start, a
task's assignment), so the count is read back with the calendar as it was and counted again with
the calendar as it is now: the category's limits, pauses and anything else that made the count
stay as they were. Every demand or task whose deadlines move gets one `reclock` event, written
through its module's single event writer (`demands.service._log`,
`chains.governance.service._log`), so notifications and the metrics replay see it:

    {"year": 2027, "response_due": [old, new], "resolution_due": [old, new], ...}

(only the deadlines that moved; tasks: {"year": 2027, "due": [old, new]}). Closed demands and
tasks, and those already resolved or done, keep their deadlines: their on-time verdict is given.
A sweep mark (warned, breached, escalated) on a deadline that moved past now is cleared, as a
resume does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from highland.demands.calendar import SHANGHAI, WorkCalendar, load_calendar
from highland.platform.audit.service import Actor
from highland.platform.db import utcnow

ACTION = "reclock"


@dataclass
class Reclocked:
    """What entering (or deleting) a year moved: the demands and tasks, by id."""

    year: int
    demands: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """For the audit log."""
        return {"demands": self.demands[:1000], "tasks": self.tasks[:1000],
                "n_demands": len(self.demands), "n_tasks": len(self.tasks)}  # fmt: skip

    def text(self) -> str:
        """One English line for the CLI and the audit summary."""
        return (
            f"{len(self.demands)} open demand(s) and {len(self.tasks)} open chain task(s) had "
            "their deadlines recomputed"
        )


def _iso(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()


def recount(old: WorkCalendar, new: WorkCalendar, start: datetime, due: datetime) -> datetime:
    """The deadline `due` (counted from start with the old calendar) counted again with the
    new one: the same number of working days."""
    n = old.working_days_between(start, due)
    return new.add_working_days(start, n)


def reclock_open(
    session: Session,
    actor: Actor,
    year: int,
    old: WorkCalendar,
    *,
    now: datetime | None = None,
) -> Reclocked:
    """Recompute the open deadlines that `year`'s change moves; one event per demand or task.
    `old` is the calendar before the change (the database already holds the new one)."""
    now = now or utcnow()
    new = load_calendar(session)
    moved = Reclocked(year)
    if old.exceptions.get(year) == new.exceptions.get(year):
        return moved  # the same working days (e.g. a source corrected): nothing moves
    lo = datetime(year, 1, 1, tzinfo=SHANGHAI)
    hi = datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    moved.demands = _demands(session, actor, year, old, new, lo, hi, now)
    moved.tasks = _tasks(session, actor, year, old, new, lo, hi, now)
    session.flush()
    return moved


def _demands(
    session: Session,
    actor: Actor,
    year: int,
    old: WorkCalendar,
    new: WorkCalendar,
    lo: datetime,
    hi: datetime,
    now: datetime,
) -> list[int]:
    from highland.demands.models import Demand
    from highland.demands.service import _clear_marks_if_future, _log

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


def _tasks(
    session: Session,
    actor: Actor,
    year: int,
    old: WorkCalendar,
    new: WorkCalendar,
    lo: datetime,
    hi: datetime,
    now: datetime,
) -> list[int]:
    from highland.chains.governance.service import TaskState, _log
    from highland.chains.models import ChainTask

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
