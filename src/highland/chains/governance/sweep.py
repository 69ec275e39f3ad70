"""The overdue sweep of chain tasks: set-based warning and breach marks, their events and the
notices (chains/governance/notices.py) — the same shape as the demands' sweep.

Each mark is one `UPDATE chain_task … WHERE <due condition> RETURNING …` (no Python loop over
tasks to find them), then one bulk INSERT of the marks' events. The UPDATE increments
`event_count` (the event's seq) but never `version`, so a form open on the task does not become
stale because the sweep ran. A mark is set once: a second sweep at the same moment does nothing.
Only running tasks (open, in progress, reopened) are marked: a waiting task's clock is stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, true, update
from sqlalchemy.orm import Session

from highland.chains.governance.notices import sweep_notices
from highland.chains.governance.service import RUNNING
from highland.chains.models import ChainTask, ChainTaskEvent
from highland.platform.config import Settings
from highland.platform.db import begin_write, table_of, utcnow
from highland.platform.jobs.registry import Report

SYSTEM = "system"
CHUNK = 5000


@dataclass
class TaskSweepResult:
    """What one sweep of chain tasks did."""

    warned: int = 0
    breached: int = 0
    notifications: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"chain tasks: warned {self.warned}, breached {self.breached}; "
            f"notifications {self.notifications}"
        )


@dataclass(frozen=True)
class _Marked:
    kind: str
    id: int
    seq: int
    state: str
    chain_id: int
    title: str
    due: datetime


def sweep_tasks(
    session: Session, now: datetime | None = None, *, settings: Settings | None = None
) -> TaskSweepResult:
    """Mark the warnings and breaches of chain tasks due at `now`, log an event for each mark
    and notify the owners (and, when overdue, the chain's heads)."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("sweep_tasks: `now` must be timezone-aware")
    begin_write(session)
    session.flush()
    t = table_of(ChainTask)
    running = and_(t.c.open == true(), t.c.state.in_(sorted(s.value for s in RUNNING)))
    marks: list[_Marked] = []
    for kind, stamp, condition in (
        ("warning", t.c.warned_at, t.c.warn_at <= now),
        ("breach", t.c.breached_at, t.c.due < now),
    ):
        marks += _mark(session, kind, stamp, and_(running, condition, stamp.is_(None)), now)
    _log(session, marks, now)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ChainTask):
            session.expire(obj)
    result = TaskSweepResult(
        warned=sum(m.kind == "warning" for m in marks),
        breached=sum(m.kind == "breach" for m in marks),
    )
    result.notifications = sweep_notices(session, marks, now)
    return result


def _mark(
    session: Session, kind: str, stamp: Any, where: ColumnElement[bool], now: datetime
) -> list[_Marked]:
    t = table_of(ChainTask)
    stmt = (
        update(t)
        .where(where)
        .values({stamp.key: now, t.c.event_count.key: t.c.event_count + 1})
        .returning(t.c.id, t.c.event_count, t.c.state, t.c.chain_id, t.c.title, t.c.due)
    )
    return [_Marked(kind, *tuple(r)) for r in session.execute(stmt)]


def _log(session: Session, marks: list[_Marked], now: datetime) -> None:
    rows = [
        {"task_id": m.id, "seq": m.seq, "at": now, "actor": SYSTEM, "actor_role": None,
         "action": m.kind, "from_state": m.state, "to_state": m.state,
         "data": {"due": m.due.isoformat()}}
        for m in marks
    ]  # fmt: skip
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table_of(ChainTaskEvent)), rows[start : start + CHUNK])


def sweep_job(session: Session, now: datetime, settings: Settings) -> Report:
    """The task sweep as a job of the kernel's scheduled round (registered by the assembly)."""
    r = sweep_tasks(session, now, settings=settings)
    line = f"chain tasks: warned {r.warned}, breached {r.breached}"
    return Report({"tasks_warned": r.warned, "tasks_breached": r.breached,
                   "notifications": r.notifications}, line)  # fmt: skip
