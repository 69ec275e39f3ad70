"""The overdue sweep: set-based marks of warnings, breaches and escalations, with their events
and notices.

Each mark is one `UPDATE demand … WHERE <due condition> RETURNING …` over the indexed columns
(no Python loop over demands), followed by one bulk INSERT of the marks' events. The UPDATE
increments `event_count` (the event's seq) but never `version`, so that a handler's open form
does not become stale because the sweep ran. A mark is set once: running the sweep twice at
the same moment changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, true, update
from sqlalchemy.orm import Session

from highland.demands.models import Demand, DemandEvent
from highland.demands.notices import sweep_notices
from highland.demands.workflow import AWAITING_RESPONSE, RUNNING
from highland.platform.config import Settings
from highland.platform.db import begin_write, table_of, utcnow

SYSTEM = "system"
CHUNK = 5000


@dataclass
class SweepResult:
    """What one sweep did."""

    warned: int = 0
    breached: int = 0
    response_breached: int = 0
    escalated: int = 0
    notifications: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    skipped: bool = False  # another worker held the sweep lock (PostgreSQL)
    # Rows the sweep's prune step deleted (highland.platform.prune): old sign-in attempts, expired
    # sessions, notices read long ago.
    pruned_attempts: int = 0
    pruned_sessions: int = 0
    pruned_notices: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        text = (
            f"warned {self.warned}, breached {self.breached}, response breached "
            f"{self.response_breached}, escalated {self.escalated}; notifications "
            f"{self.notifications}; e-mails sent {self.emails_sent}, failed {self.emails_failed}"
            f"; pruned {self.pruned_attempts} sign-in attempt(s), {self.pruned_sessions} expired "
            f"session(s), {self.pruned_notices} read notice(s)"
        )
        return "skipped: another sweep is running" if self.skipped else text


@dataclass(frozen=True)
class _Marked:
    """One demand marked by one UPDATE (a row of its RETURNING)."""

    kind: str
    id: int
    seq: int
    state: str
    institution_code: str | None
    co_handlers: list[str]
    chain_id: int | None
    title: str
    enterprise_id: int
    due: datetime | None
    escalate_at: datetime | None


def _iso(at: datetime) -> str:
    return at.isoformat()


def sweep(
    session: Session,
    now: datetime | None = None,
    *,
    calendar: Any = None,
    settings: Settings | None = None,
) -> SweepResult:
    """Mark warnings, response breaches, breaches and escalations due at `now`, log an event
    for each mark and create the notices. `calendar` (a WorkCalendar, loaded when needed) only
    counts the working days overdue in escalation notices; the marks use the deadlines stored
    on each demand."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("sweep: `now` must be timezone-aware")
    del settings  # notices are stored with their paths; e-mails take base_url when sent
    begin_write(session)
    session.flush()  # the UPDATEs below must see the session's pending changes
    t = table_of(Demand)
    # `open = true` (not `open IS true`): the form the partial indexes' WHERE is written in.
    markable = and_(
        t.c.open == true(),
        t.c.institution_code.is_not(None),
        t.c.state.in_(sorted(s.value for s in RUNNING)),
    )
    result = SweepResult()
    marks: dict[str, list[_Marked]] = {}
    for kind, stamp, condition, due in (
        (
            "warning",
            t.c.warned_at,
            and_(t.c.warn_at <= now, t.c.resolved_at.is_(None)),
            t.c.resolution_due,
        ),
        (
            "response_breach",
            t.c.response_breached_at,
            and_(
                t.c.state.in_(sorted(s.value for s in AWAITING_RESPONSE)),
                t.c.responded_at.is_(None),
                t.c.response_due < now,
            ),
            t.c.response_due,
        ),
        ("breach", t.c.breached_at, t.c.resolution_due < now, t.c.resolution_due),
        ("escalation", t.c.escalated_at, t.c.escalate_at < now, t.c.resolution_due),
    ):
        rows = _mark(session, kind, stamp, and_(markable, condition, stamp.is_(None)), due, now)
        marks[kind] = rows
        _log_events(session, rows, now)
    _expire_demands(session)
    result.warned = len(marks["warning"])
    result.response_breached = len(marks["response_breach"])
    result.breached = len(marks["breach"])
    result.escalated = len(marks["escalation"])
    result.notifications = sweep_notices(session, marks, now, calendar)
    return result


def _mark(
    session: Session,
    kind: str,
    stamp: Any,
    where: ColumnElement[bool],
    due: Any,
    now: datetime,
) -> list[_Marked]:
    t = table_of(Demand)
    stmt = (
        update(t)
        .where(where)
        .values({stamp.key: now, t.c.event_count.key: t.c.event_count + 1})
        .returning(
            t.c.id,
            t.c.event_count,
            t.c.state,
            t.c.institution_code,
            t.c.co_handlers,
            t.c.chain_id,
            t.c.title,
            t.c.enterprise_id,
            due,
            t.c.escalate_at,
        )
    )
    rows: Sequence[tuple[Any, ...]] = [tuple(r) for r in session.execute(stmt)]
    return [
        _Marked(kind, r[0], r[1], r[2], r[3], list(r[4] or []), r[5], r[6], r[7], r[8], r[9])
        for r in rows
    ]


def _log_events(session: Session, rows: list[_Marked], now: datetime) -> None:
    if not rows:
        return
    events = []
    for m in rows:
        data: dict[str, Any] = {"due": _iso(m.due) if m.due is not None else None}
        if m.kind == "escalation" and m.escalate_at is not None:
            data["escalate_at"] = _iso(m.escalate_at)
        events.append(
            {
                "demand_id": m.id,
                "seq": m.seq,
                "at": now,
                "actor": SYSTEM,
                "actor_role": None,
                "action": m.kind,
                "from_state": m.state,
                "to_state": m.state,
                "institution_code": m.institution_code,
                "data": data,
            }
        )
    table = table_of(DemandEvent)
    for start in range(0, len(events), CHUNK):
        session.execute(insert(table), events[start : start + CHUNK])


def _expire_demands(session: Session) -> None:
    """Demands loaded in this session are stale after the Core UPDATEs: reload on next use."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Demand):
            session.expire(obj)
