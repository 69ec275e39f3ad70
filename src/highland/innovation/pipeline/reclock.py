"""Recount open cooperation projects' review dates when a year's working days change: the
projects' listener of the kernel calendar, registered by the assembly. A review date is a count
of working days from the last action (`review_from`): read back with the calendar as it was,
counted again with the calendar as it is now, and the escalation with it. Each project moved
gets one `reclock` event ({"year": 2027, "next_review": [old, new]}); a mark whose date moved
past now again is cleared."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.innovation.models import CoopProject
from highland.innovation.pipeline.service import WORKFLOW
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.calendar.core import recount
from highland.platform.kit.dates import CITY_TZ

LABEL = "open cooperation project review(s)"


def _iso(value: datetime) -> str:
    return value.astimezone(CITY_TZ).isoformat()


def reclock_projects(
    session: Session, actor: Actor, year: int, old: WorkCalendar, now: datetime
) -> list[int]:
    """Recount the review dates `year`'s change moves; the ids of the projects moved."""
    new = load_calendar(session)
    lo = datetime(year, 1, 1, tzinfo=CITY_TZ)
    hi = datetime(year + 1, 1, 1, tzinfo=CITY_TZ)
    stmt = (
        select(CoopProject)
        .where(
            CoopProject.open.is_(True),
            CoopProject.review_from.is_not(None),
            CoopProject.review_from < hi,
            CoopProject.escalate_at >= lo,
        )
        .order_by(CoopProject.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    ids: list[int] = []
    for p in session.scalars(stmt):
        assert p.review_from and p.next_review and p.escalate_at
        review = recount(old, new, p.review_from, p.next_review)
        escalate = recount(old, new, p.review_from, p.escalate_at)
        if review == p.next_review and escalate == p.escalate_at:
            continue
        data: dict[str, Any] = {"year": year, "next_review": [_iso(p.next_review), _iso(review)]}
        p.next_review, p.escalate_at = review, escalate
        if review > now:
            p.review_breached_at = None
        if escalate > now:
            p.escalated_at = None
        WORKFLOW.log(session, p, actor, "reclock", p.state, p.state, data, now)
        WORKFLOW.finish(p, now)
        ids.append(p.id)
    return ids
