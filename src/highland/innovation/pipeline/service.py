"""A cooperation project's stages on the platform's one workflow engine: signed → registered →
started → operating, or stalled (with a reason; resumed back to where it stalled) or cancelled
(with a reason). Each stage has its date (not before signing, nor before the stage before it,
nor in the future), the project a follow-up institution (责任单位) and a next review date
counted in working days of the kernel's calendar; the sweep (`pipeline.sweep`) marks reviews
past due and escalates them.

Parts: `office` (admins and analysts) may take every action; `follow` (the handlers of the
project's follow-up institution) may move it on, stall, resume and review it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from highland.demands import public as demands
from highland.innovation import repository
from highland.innovation.models import CoopProject, CoopProjectEvent
from highland.innovation.pipeline import notices
from highland.platform import institutions
from highland.platform.audit.service import Actor
from highland.platform.calendar import load_calendar
from highland.platform.db import utcnow
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ
from highland.platform.workflow import EventLog, Machine, Transition, Workflow

REVIEW_DAYS = 20  # working days to the next review, unless the action gives another number
ESCALATE_DAYS = 5  # working days past a missed review before it is escalated
MAX_REVIEW_DAYS = 250


class Stage(StrEnum):
    """Where a project is."""

    signed = "signed"
    registered = "registered"
    started = "started"
    operating = "operating"  # final: the cooperation runs
    stalled = "stalled"
    cancelled = "cancelled"  # final


S = Stage
FINAL = frozenset({S.operating, S.cancelled})
RUNNING = frozenset({S.signed, S.registered, S.started, S.stalled})
MOVING = frozenset({S.signed, S.registered, S.started})
OFFICE, FOLLOW = "office", "follow"
ALL = frozenset({OFFICE, FOLLOW})
ONLY_OFFICE = frozenset({OFFICE})
# The date column of each stage a project reaches.
STAGE_DATE = {
    "registered": "registered_on",
    "started": "started_on",
    "operating": "operating_on",
    "stalled": "stalled_on",
    "cancelled": "cancelled_on",
}
ORDER = ("signed_on", "registered_on", "started_on", "operating_on")
TRANSITIONS = (
    Transition("register", frozenset({S.signed}), S.registered, ALL),
    Transition("start", frozenset({S.registered}), S.started, ALL),
    Transition("operate", frozenset({S.started}), S.operating, ALL),
    Transition("stall", MOVING, S.stalled, ALL, ("reason",)),
    Transition("resume", frozenset({S.stalled}), None, ALL),
    Transition("review", RUNNING, None, ALL),
    Transition("assign", RUNNING, None, ONLY_OFFICE, ("owner_institution",)),
    Transition("link", RUNNING, None, ALL, ("demand",)),
    Transition("cancel", RUNNING, S.cancelled, ONLY_OFFICE, ("reason",)),
)
MACHINE = Machine.declare(
    Stage, FINAL, RUNNING, TRANSITIONS, given=lambda v: bool(str(v or "").strip())
)


def _notify(
    session: Session,
    row: Any,
    actor: Actor,
    action: str,
    to: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    notices.on_event(session, row, actor, action, data, now)


WORKFLOW = Workflow(
    MACHINE,
    CoopProject,
    EventLog(CoopProjectEvent, "project_id", (), _notify),
    noun="project",
    prefix="innovation.project",
    action_key="innovation.a.{}",
    state_key="innovation.s.{}",
    field_key="innovation.col.{}",
    entity="innovation_project",
)


def parts_of(principal: Principal, row: CoopProject) -> frozenset[str]:
    """The caller's parts on a project (empty: may only read)."""
    if principal.role in (Role.admin, Role.analyst):
        return ALL
    if principal.role is Role.handler and principal.institution_code == row.owner_institution:
        return frozenset({FOLLOW})
    return frozenset()


def allowed_actions(principal: Principal, row: CoopProject) -> list[str]:
    """The actions the caller may take on the project now."""
    return MACHINE.allowed(row.state, parts_of(principal, row))


def review_deadlines(session: Session, start: datetime, days: int) -> tuple[datetime, datetime]:
    """(next review, escalation): `days` working days from start, and ESCALATE_DAYS after."""
    cal = load_calendar(session)
    review = cal.add_working_days(start, days)
    return review, cal.add_working_days(review, ESCALATE_DAYS)


def _review_days(value: Any) -> int:
    t = str(value if value is not None else "").strip()
    if not t:
        return REVIEW_DAYS
    if not t.isdigit() or not 1 <= int(t) <= MAX_REVIEW_DAYS:
        raise InvalidInput(
            f"review_days: '{t}' is not a number of working days from 1 to {MAX_REVIEW_DAYS}",
            field="review_days",
            code="innovation.bad_review_days",
            params={"value": t, "max": MAX_REVIEW_DAYS},
        )
    return int(t)


def _stage_on(row: CoopProject, data: dict[str, Any], now: datetime) -> date:
    """The date of the stage reached: given (YYYY-MM-DD) or today; never before signing or the
    stage before, never in the future."""
    today = now.astimezone(CITY_TZ).date()
    t = str(data.get("on") or "").strip()
    try:
        on = date.fromisoformat(t) if t else today
    except ValueError:
        raise InvalidInput(
            f"on: '{t}' is not a date (YYYY-MM-DD)",
            field="on",
            code="innovation.bad_date",
            params={"field": "@innovation.col.on", "value": t},
        ) from None
    if on > today:
        raise InvalidInput(
            f"on: {on} is in the future",
            field="on",
            code="innovation.future_date",
            params={"field": "@innovation.col.on", "value": on.isoformat()},
        )
    if on < row.signed_on:
        raise InvalidInput(
            f"on: {on} is before the signing on {row.signed_on}",
            field="on",
            code="innovation.before_signing",
            params={"on": on.isoformat(), "signed": row.signed_on.isoformat()},
        )
    for col in ORDER[1:]:
        prev = getattr(row, col)
        if prev is not None and on < prev:
            raise InvalidInput(
                f"on: {on} is before the previous stage on {prev}",
                field="on",
                code="innovation.before_previous",
                params={
                    "on": on.isoformat(),
                    "prev": prev.isoformat(),
                    "stage": f"@innovation.col.{col}",
                },
            )
    return on


def _demand(session: Session, principal: Principal, row: CoopProject, value: Any) -> int:
    """A demand the caller may see, of the project's enterprise, not linked yet."""
    t = str(value).strip()
    found = demands.demand_refs(session, principal, [int(t)]) if t.isdigit() else {}
    ref = found.get(int(t)) if t.isdigit() else None
    if ref is None:
        raise InvalidInput(
            f"demand: no demand '{t[:20]}'",
            field="demand",
            code="innovation.unknown_demand",
            params={"value": t[:20]},
        )
    if row.enterprise_id is not None and ref.enterprise_id != row.enterprise_id:
        raise InvalidInput(
            f"demand: demand {ref.id} is not the project's enterprise's",
            field="demand",
            code="innovation.demand_not_of_enterprise",
            params={"value": ref.id},
        )
    if ref.id in (row.demand_ids or []):
        raise InvalidInput(
            f"demand: demand {ref.id} is linked already",
            field="demand",
            code="innovation.demand_linked",
            params={"value": ref.id},
        )
    return ref.id


def _set_review(session: Session, row: CoopProject, now: datetime, days: int) -> None:
    row.review_from = now
    row.next_review, row.escalate_at = review_deadlines(session, now, days)
    row.review_breached_at = row.escalated_at = None


def start_pipeline(session: Session, row: CoopProject, actor: Actor, now: datetime) -> None:
    """A new project's first event (signed) and its first review date."""
    if row.open is not False and row.state == S.signed:
        _set_review(session, row, now, REVIEW_DAYS)
    WORKFLOW.log(
        session,
        row,
        actor,
        "sign",
        None,
        row.state,
        {
            "signed_on": row.signed_on.isoformat(),
            "owner_institution": row.owner_institution,
            "next_review": row.next_review.isoformat() if row.next_review else None,
        },
        now,
    )


def act(
    session: Session,
    principal: Principal,
    actor: Actor,
    project_id: int,
    action: str,
    *,
    version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> CoopProject:
    """Take one declared action on a project (see TRANSITIONS); nothing is written on a
    refusal."""
    now = now or utcnow()
    data = dict(data or {})
    row, t = WORKFLOW.begin(
        session,
        project_id,
        action,
        parts_of=lambda r: parts_of(principal, r),
        version=version,
        data=data,
        visible=lambda r: repository.project(session, principal, r.id) is not None,
    )
    before = Stage(row.state)
    event: dict[str, Any] = {}
    note = str(data.get("note") or "").strip()[:2000]
    if note:
        event["note"] = note
    to = t.to
    days = _review_days(data.get("review_days"))
    if action in ("register", "start", "operate", "stall", "cancel"):
        assert to is not None
        on = _stage_on(row, data, now) if action != "cancel" else now.astimezone(CITY_TZ).date()
        setattr(row, STAGE_DATE[str(to)], on)
        event["on"] = on.isoformat()
    if action in ("stall", "cancel"):
        row.reason = str(data["reason"]).strip()[:2000]
        event["reason"] = row.reason
    if action == "resume":
        prev = repository.last_state_before(session, row.id, "stall")
        to = Stage(prev) if prev in MOVING else S.signed
        row.reason = None
    elif action in ("review", "assign", "link"):
        to = before
    if action == "link":
        demand = _demand(session, principal, row, data["demand"])
        row.demand_ids = [*(row.demand_ids or []), demand]
        event["demand"] = demand
    if action == "assign":
        code = str(data["owner_institution"]).strip()
        if not institutions.exists(session, code):
            raise InvalidInput(
                f"owner_institution: '{code}' is not an institution",
                field="owner_institution",
                code="innovation.unknown_institution",
                params={"field": "@innovation.col.owner_institution", "value": code},
            )
        event["owner_institution"] = [row.owner_institution, code]
        row.owner_institution = code
    assert to is not None
    row.state = Stage(to).value
    if row.state in RUNNING:
        _set_review(session, row, now, days)
        event["next_review"] = row.next_review.isoformat() if row.next_review else None
    else:
        row.review_from = row.next_review = row.escalate_at = None
    WORKFLOW.log(session, row, actor, action, before, row.state, event, now)
    WORKFLOW.finish(row, now)
    session.flush()
    return row


def overdue(row: CoopProject, now: datetime) -> bool:
    """Whether the project's review date has passed."""
    return bool(row.open and row.next_review is not None and row.next_review < now)


def days_signed(row: CoopProject, now: datetime) -> int:
    """Calendar days since signing."""
    return (now.astimezone(CITY_TZ).date() - row.signed_on) // timedelta(days=1)
