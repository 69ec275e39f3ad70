"""The overdue sweep of chain tasks: warning and breach marks set by the kernel's workflow
sweep (`highland.platform.workflow.sweep`: one set-based UPDATE per kind, one bulk INSERT of the
marks' events, `version` never bumped, a mark set once), then the notices
(chains/governance/notices.py). Only running tasks (open, in progress, reopened) are marked: a
waiting task's clock is stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from highland.chains.governance.notices import sweep_notices
from highland.chains.governance.service import WORKFLOW
from highland.platform.config import Settings
from highland.platform.db import begin_write, utcnow
from highland.platform.jobs.registry import Report
from highland.platform.workflow.sweep import Mark, sweep_marks

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


# Each kind of mark: when a running task is due for it; its event and notice show the due date.
MARKS = (
    Mark("warning", "warned_at", lambda t, now: t.c.warn_at <= now, "due"),
    Mark("breach", "breached_at", lambda t, now: t.c.due < now, "due"),
)


def sweep_tasks(
    session: Session, now: datetime | None = None, *, settings: Settings | None = None
) -> TaskSweepResult:
    """Mark the warnings and breaches of chain tasks due at `now`, log an event for each mark
    and notify the owners (and, when overdue, the chain's heads)."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("sweep_tasks: `now` must be timezone-aware")
    begin_write(session)
    marked = sweep_marks(session, WORKFLOW, MARKS, now, returning=("chain_id", "title"))
    marks = [m for rows in marked.values() for m in rows]
    result = TaskSweepResult(warned=len(marked["warning"]), breached=len(marked["breach"]))
    result.notifications = sweep_notices(session, marks, now)
    return result


def sweep_job(session: Session, now: datetime, settings: Settings) -> Report:
    """The task sweep as a job of the kernel's scheduled round (registered by the assembly)."""
    r = sweep_tasks(session, now, settings=settings)
    line = f"chain tasks: warned {r.warned}, breached {r.breached}"
    return Report({"tasks_warned": r.warned, "tasks_breached": r.breached,
                   "notifications": r.notifications}, line)  # fmt: skip
