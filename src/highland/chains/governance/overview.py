"""The chains' tasks and scheduling records as the desks count them (all the SQL of it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from highland.chains.governance.service import RUNNING
from highland.chains.models import ChainMeeting, ChainTask


def overdue(now: datetime) -> ColumnElement[bool]:
    """A task running (not paused, not done) past its deadline, or marked by the sweep."""
    t = ChainTask
    return and_(
        t.open.is_(True),
        t.state.in_([s.value for s in RUNNING]),
        or_(t.breached_at.is_not(None), t.due < now),
    )


def task_counts(session: Session, now: datetime) -> dict[int, tuple[int, int]]:
    """Per chain: (open tasks, overdue tasks)."""
    stmt = (
        select(ChainTask.chain_id, func.count(), func.sum(case((overdue(now), 1), else_=0)))
        .where(ChainTask.open.is_(True))
        .group_by(ChainTask.chain_id)
    )
    return {int(c): (int(n), int(late or 0)) for c, n, late in session.execute(stmt).all()}


def open_tasks(session: Session, chain_id: int, now: datetime, limit: int) -> Sequence[Any]:
    """A chain's open tasks, overdue first, then by deadline: (task, overdue)."""
    late = overdue(now)
    stmt = (
        select(ChainTask, late)
        .where(ChainTask.chain_id == chain_id, ChainTask.open.is_(True))
        .order_by(case((late, 0), else_=1), ChainTask.due, ChainTask.id)
        .limit(limit)
    )
    return session.execute(stmt).all()


def meeting_of(session: Session, chain_id: int, month: str) -> ChainMeeting | None:
    """A chain's scheduling record of a month, or None."""
    return session.scalar(
        select(ChainMeeting).where(ChainMeeting.chain_id == chain_id, ChainMeeting.month == month)
    )
