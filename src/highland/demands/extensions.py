"""Extension requests (延期申请) of the 12345 practice.

The institution's handler asks for N more working days with a reason (event `extend_ask`);
a router (admin, analyst) or a leader approves (`extend_ok`: the resolution deadline and its
warning and escalation moments move by N working days from the current deadline) or refuses
with a reason (`extend_no`). Nobody decides their own request. One request may be pending at
a time; at most `demand_extension_max_count` approved extensions per demand, each of at most
`demand_extension_max_days` working days (refused and lapsed requests do not use the
allowance). A request is asked before the resolution deadline passes. A pending request
lapses when the demand leaves the handler's hands (resolved, transferred, withdrawn).

The response deadline is never extended: a request is asked after the institution accepted.
Every event goes through `clocks._log`, so that the metrics' replay reaches the same
deadlines (`metrics.apply_event` → `practice_metrics.apply_practice_event`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.demands import access, clocks
from highland.demands.models import Demand, DemandCategory
from highland.demands.practice.models import DemandExtension
from highland.demands.scope import DEMANDS
from highland.demands.workflow import Part, State
from highland.platform.audit.service import Actor
from highland.platform.calendar import load_calendar
from highland.platform.config import get_settings
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.identity.permissions import Principal, Role

# States in which the handler works on the demand and may ask for more time.
EXTENDABLE = frozenset(
    {State.accepted.value, State.in_progress.value, State.reopened.value, State.waiting.value}
)
DECIDERS = frozenset({Role.admin, Role.analyst, Role.leader})
REASON_LIMIT = 2000


@dataclass(frozen=True)
class Limits:
    """The configured allowance of extensions."""

    max_count: int
    max_days: int


def limits(session: Session) -> Limits:
    """The allowance from the settings (a test may put its own in `session.info`)."""

    s = get_settings()
    return Limits(
        int(session.info.get("extension_max_count", s.demand_extension_max_count)),
        int(session.info.get("extension_max_days", s.demand_extension_max_days)),
    )


def requests_of(session: Session, demand_id: int) -> list[DemandExtension]:
    """A demand's extension requests, oldest first."""
    return list(
        session.scalars(
            select(DemandExtension)
            .where(DemandExtension.demand_id == demand_id)
            .order_by(DemandExtension.id)
        )
    )


def pending_of(session: Session, demand_id: int) -> DemandExtension | None:
    """The demand's pending request, if any."""
    return session.scalar(
        select(DemandExtension).where(
            DemandExtension.demand_id == demand_id, DemandExtension.state == "pending"
        )
    )


def approved_count(session: Session, demand_id: int) -> int:
    """How many extensions of the demand were approved."""
    return int(
        session.scalar(
            select(func.count()).where(
                DemandExtension.demand_id == demand_id, DemandExtension.state == "approved"
            )
        )
        or 0
    )


def can_ask(principal: Principal, d: Demand) -> bool:
    """Whether the caller could ask for an extension of this demand now (buttons)."""
    return Part.handler in access.parts_of(principal, d) and d.state in EXTENDABLE


def can_decide(principal: Principal) -> bool:
    """Whether the caller's role may decide extension requests."""
    return principal.role in DECIDERS


def lapse_pending(session: Session, d: Demand, now: datetime) -> None:
    """End a pending request once the demand has left its handler's hands (service.act)."""
    req = pending_of(session, d.id)
    if req is None:
        return
    if d.state in EXTENDABLE and d.institution_code == req.institution_code:
        return
    req.state = "lapsed"
    req.decided_at = now


def _days(value: Any, lim: Limits) -> int:
    text = str(value).strip() if value is not None else ""
    if not text:
        raise InvalidInput(
            "days: give the number of working days to add",
            field="extension_days",
            code="practice.extension_days_required",
        )
    try:
        if isinstance(value, bool):
            raise ValueError(text)
        days = int(text) if not isinstance(value, int) else value
    except ValueError:
        raise InvalidInput(
            f"days: '{text}' is not a whole number of working days",
            field="extension_days",
            code="practice.extension_days_invalid",
            params={"value": text},
        ) from None
    if isinstance(value, float) and not value.is_integer():
        raise InvalidInput(
            f"days: '{text}' is not a whole number of working days",
            field="extension_days",
            code="practice.extension_days_invalid",
            params={"value": text},
        )
    if not 1 <= days <= lim.max_days:
        raise InvalidInput(
            f"days: an extension is 1 to {lim.max_days} working days (got {days})",
            field="extension_days",
            code="practice.extension_days_range",
            params={"value": days, "max": lim.max_days},
        )
    return days


def _reason(value: Any, code: str, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(f"reason: {what}", field="reason", code=code)
    if len(text) > REASON_LIMIT:
        raise InvalidInput(
            f"reason: at most {REASON_LIMIT} characters (got {len(text)})",
            field="reason",
            code="practice.reason_too_long",
            params={"max": REASON_LIMIT, "got": len(text)},
        )
    return text


def locked(session: Session, principal: Principal, demand_id: int) -> Demand:
    """The demand, locked for this transaction (404 outside the caller's scope)."""
    d = session.get(Demand, demand_id, with_for_update=True, populate_existing=True)
    if d is None or not DEMANDS.allows(session, principal, demand_id):
        raise NotFound(f"demand {demand_id} not found", code="practice.demand_not_found")
    return d


def check_version(d: Demand, version: int | None) -> None:
    """Refuse a missing or stale version (the same check as every demand action)."""
    access.check_version(d, version)


def ask(
    session: Session,
    principal: Principal,
    actor: Actor,
    demand_id: int,
    *,
    version: int | None,
    days: Any,
    reason: Any,
    now: datetime | None = None,
) -> DemandExtension:
    """The handler asks for `days` more working days to resolve the demand."""
    begin_write(session)
    now = now or utcnow()
    d = locked(session, principal, demand_id)
    if Part.handler not in access.parts_of(principal, d):
        raise Forbidden(
            "only the institution handling the demand may ask for an extension",
            code="practice.extension_ask_forbidden",
        )
    check_version(d, version)
    if d.state not in EXTENDABLE:
        raise Conflict(
            f"an extension can be asked only while the institution works on the demand "
            f"(accepted, in progress, reopened or waiting); it is {d.state}",
            field="action",
            code="practice.extension_state",
            params={"state": f"@demands.state.{d.state}"},
        )
    lim = limits(session)
    n = _days(days, lim)
    text = _reason(reason, "practice.extension_reason_required", "say why more time is needed")
    if d.resolution_due is not None and d.resolution_due < (d.paused_at or now):
        raise Conflict(
            "the resolution deadline has passed; an extension must be asked before it",
            field="action",
            code="practice.extension_after_due",
        )
    if pending_of(session, d.id) is not None:
        raise Conflict(
            "an extension request of this demand is already waiting for a decision",
            field="action",
            code="practice.extension_pending",
        )
    if approved_count(session, d.id) >= lim.max_count:
        raise Conflict(
            f"this demand already had {lim.max_count} extension(s), the most allowed",
            field="action",
            code="practice.extension_too_many",
            params={"max": lim.max_count},
        )
    req = DemandExtension(
        demand_id=d.id,
        institution_code=d.institution_code,
        days=n,
        reason=text,
        state="pending",
        asked_at=now,
        asked_by=actor.name,
    )
    session.add(req)
    session.flush()
    data = {"days": n, "reason": text, "request_id": req.id}
    clocks._log(session, d, actor, "extend_ask", d.state, d.state, data, now)
    _touch(d, now)
    session.flush()
    return req


def decide(
    session: Session,
    principal: Principal,
    actor: Actor,
    demand_id: int,
    request_id: int,
    *,
    version: int | None,
    approve: Any,
    reason: Any = None,
    now: datetime | None = None,
) -> DemandExtension:
    """A router or a leader approves or refuses a pending request (a refusal says why)."""
    begin_write(session)
    now = now or utcnow()
    d = locked(session, principal, demand_id)
    if not can_decide(principal):
        raise Forbidden(
            "only a router (admin, analyst) or a leader may decide extension requests",
            code="practice.extension_decide_forbidden",
        )
    req = session.get(DemandExtension, request_id)
    if req is None or req.demand_id != d.id:
        raise NotFound(
            f"extension request {request_id} of demand {demand_id} not found",
            code="practice.extension_not_found",
        )
    if req.asked_by == actor.name:
        raise Forbidden(
            "nobody decides their own extension request",
            code="practice.extension_own",
        )
    check_version(d, version)
    if req.state != "pending":
        raise Conflict(
            f"extension request {req.id} is already {req.state}",
            field="action",
            code="practice.extension_decided",
            params={"state": f"@practice.extension.state.{req.state}"},
        )
    if approve not in (True, False):
        raise InvalidInput(
            "decision: say approve or refuse",
            field="decision",
            code="practice.extension_decision_required",
        )
    req.decided_at, req.decided_by, req.decided_role = now, actor.name, actor.role
    if approve:
        cat = session.get(DemandCategory, d.category_code)
        assert cat is not None
        old_due = d.resolution_due
        d.extension_days = (d.extension_days or 0) + req.days
        clocks._set_clocks(d, cat, load_calendar(session), clocks._escalate_after(session))
        clocks._clear_marks_if_future(d, now)
        req.state, req.old_due, req.new_due = "approved", old_due, d.resolution_due
        data: dict[str, Any] = {
            "request_id": req.id,
            "days": req.days,
            "old_due": None if old_due is None else old_due.isoformat(),
            "new_due": None if d.resolution_due is None else d.resolution_due.isoformat(),
        }
        clocks._log(session, d, actor, "extend_ok", d.state, d.state, data, now)
    else:
        text = _reason(reason, "practice.extension_refusal_reason", "say why it is refused")
        req.state, req.decision_reason = "refused", text
        data = {"request_id": req.id, "reason": text}
        clocks._log(session, d, actor, "extend_no", d.state, d.state, data, now)
    _touch(d, now)
    session.flush()
    return req


def _touch(d: Demand, now: datetime) -> None:
    # A request or a decision changes what others may do (and the deadline): their open
    # forms become stale, as after any action.
    d.version += 1
    d.updated_at = now
