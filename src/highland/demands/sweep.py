"""The overdue sweep of demands: warnings, response breaches, breaches and escalations, marked
by the kernel's workflow sweep (`highland.platform.workflow.sweep`: one set-based UPDATE per kind
over the indexed columns, one bulk INSERT of the marks' events, `version` never bumped, a mark
set once), then turned into notices (demands/notices.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy.orm import Session

from highland.demands.notices import sweep_notices
from highland.demands.workflow import AWAITING_RESPONSE, WORKFLOW
from highland.platform.config import Settings
from highland.platform.db import begin_write, utcnow
from highland.platform.jobs.registry import Report
from highland.platform.workflow.sweep import Mark, sweep_marks

SYSTEM = "system"
# Each kind of mark: when a running demand (at an institution) is due for it, and the deadline
# its event and notice show. A warning is not given once the demand is resolved; a response
# breach only while the institution owes the response.
MARKS = (
    Mark("warning", "warned_at",
         lambda t, now: and_(t.c.warn_at <= now, t.c.resolved_at.is_(None)), "resolution_due"),
    Mark("response_breach", "response_breached_at",
         lambda t, now: and_(t.c.state.in_(sorted(s.value for s in AWAITING_RESPONSE)),
                             t.c.responded_at.is_(None), t.c.response_due < now),
         "response_due"),
    Mark("breach", "breached_at", lambda t, now: t.c.resolution_due < now, "resolution_due"),
    Mark("escalation", "escalated_at", lambda t, now: t.c.escalate_at < now, "resolution_due",
         recorded=("escalate_at",)),
)  # fmt: skip
# What the notices read of each marked demand (with id, seq, state, due, institution_code).
RETURNED = ("co_handlers", "chain_id", "title", "enterprise_id", "escalate_at")


@dataclass
class SweepResult:
    """What one sweep of demands did."""

    warned: int = 0
    breached: int = 0
    response_breached: int = 0
    escalated: int = 0
    notifications: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"warned {self.warned}, breached {self.breached}, response breached "
            f"{self.response_breached}, escalated {self.escalated}"
        )


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
    marks = sweep_marks(
        session,
        WORKFLOW,
        MARKS,
        now,
        markable=lambda t: t.c.institution_code.is_not(None),
        returning=RETURNED,
    )
    for rows in marks.values():
        for m in rows:  # the JSON list of co-handlers as a list (None when there are none)
            vars(m)["co_handlers"] = list(m.co_handlers or [])
    result = SweepResult(
        warned=len(marks["warning"]),
        response_breached=len(marks["response_breach"]),
        breached=len(marks["breach"]),
        escalated=len(marks["escalation"]),
    )
    result.notifications = sweep_notices(session, marks, now, calendar)
    return result


def sweep_job(session: Session, now: datetime, settings: Settings) -> Report:
    """The sweep as a job of the kernel's scheduled round (registered by the assembly)."""
    r = sweep(session, now, settings=settings)
    counts = {"warned": r.warned, "breached": r.breached, "response_breached": r.response_breached,
              "escalated": r.escalated, "notifications": r.notifications}  # fmt: skip
    return Report(counts, r.summary())
