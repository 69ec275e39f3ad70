"""The review sweep of cooperation projects: a review date passed is marked (its follow-up
institution told), and ESCALATE_DAYS working days later escalated (the leaders told) — the
kernel's set-based workflow sweep, like demands and chain tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from highland.innovation.pipeline.notices import sweep_notices
from highland.innovation.pipeline.service import WORKFLOW
from highland.platform.config import Settings
from highland.platform.db import begin_write
from highland.platform.jobs.registry import Report
from highland.platform.workflow.sweep import Mark, sweep_marks

MARKS = (
    Mark(
        "review_overdue", "review_breached_at", lambda t, now: t.c.next_review < now, "next_review"
    ),
    Mark("escalation", "escalated_at", lambda t, now: t.c.escalate_at < now, "escalate_at"),
)


def sweep_projects(session: Session, now: datetime) -> tuple[int, int, int]:
    """Mark and notify the projects whose review is past due at `now`: (overdue, escalated,
    notices)."""
    begin_write(session)
    marked = sweep_marks(
        session, WORKFLOW, MARKS, now, returning=("title", "partner", "owner_institution")
    )
    marks = [m for rows in marked.values() for m in rows]
    sent = sweep_notices(session, marks, now)
    return len(marked["review_overdue"]), len(marked["escalation"]), sent


def sweep_job(session: Session, now: datetime, settings: Settings) -> Report:
    """The project sweep as a job of the kernel's scheduled round (registered by the assembly)."""
    overdue, escalated, sent = sweep_projects(session, now)
    return Report(
        {"projects_overdue": overdue, "projects_escalated": escalated, "notifications": sent},
        f"cooperation projects: review overdue {overdue}, escalated {escalated}",
    )
