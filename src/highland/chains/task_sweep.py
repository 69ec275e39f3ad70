"""The overdue sweep of chain tasks: set-based warning and breach marks, their events and the
notices to the chain's head users — the approach of highland.demands.sweep.

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

from highland.chains.governance import RUNNING
from highland.chains.models import ChainTask, ChainTaskEvent
from highland.config import Settings, get_settings
from highland.db import begin_write, table_of, utcnow
from highland.demands import notify
from highland.demands.calendar import SHANGHAI

SYSTEM = "system"
CHUNK = 5000
KINDS = {
    "warning": ("task_warning", "即将超期", "Due soon", "距完成时限已不足一个工作日。",
                "Less than one working day is left before the deadline."),
    "breach": ("task_breach", "已超期", "Overdue", "已超过完成时限，任务尚未完成。",
               "The deadline has passed and the task is not done."),
}  # fmt: skip


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
    and notify the chain's head users."""
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
    result.notifications = _notify(session, marks, now, settings or get_settings())
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


def _notify(session: Session, marks: list[_Marked], now: datetime, settings: Settings) -> int:
    """One notice per mark to each active chain-head user of the task's chain (UI and e-mail);
    a warning found only after the deadline is left to the breach notice."""
    if not marks:
        return 0
    who = notify.recipients(session)
    base = settings.base_url.rstrip("/")
    rows: list[dict[str, Any]] = []
    for m in marks:
        if m.kind == "warning" and m.due < now:
            continue
        kind, zh, en, zh_line, en_line = KINDS[m.kind]
        when = m.due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        url = f"{base}/chain-tasks/{m.id}"
        subject = f"【{zh}】产业链任务 #{m.id}：{m.title[:80]} / [{en}] Chain task #{m.id}"
        body = (
            f"任务：{m.title}\n完成时限：{when}（北京时间）\n{zh_line}\n查看：{url}\n\n"
            f"Task: {m.title}\nDeadline: {when} (Asia/Shanghai)\n{en_line}\nOpen: {url}"
        )
        for uid in who.chain_heads.get(m.chain_id, []):
            rows.append(
                notify.notice_row(uid, None, kind, subject, body,
                                  due_key=f"t{m.id}:{m.due:%Y%m%d%H%M}",
                                  email=who.emails.get(uid), now=now)
            )  # fmt: skip
    return notify.store_notices(session, rows)
