"""The transitions of a demand: `act` takes one declared action through the kernel's workflow
engine (lock, part, version, state and inputs checked there) and runs the action's handler,
which moves the state, the clocks and the projection columns and logs the event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands.access import parts_of
from highland.demands.clocks import (
    _clear_marks_if_future,
    _dispatch,
    _escalate_after,
    _log,
    _set_clocks,
)
from highland.demands.extensions import lapse_pending
from highland.demands.filing import _category, _clean_text
from highland.demands.models import Demand, DemandCategory, DemandEvent
from highland.demands.reference import route_for
from highland.demands.scope import DEMANDS
from highland.demands.workflow import RETURN_WINDOW_DAYS, VERDICTS, WORKFLOW, Action, State
from highland.enterprises.public import ref
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.db import utcnow
from highland.platform.errors import Conflict, InvalidInput
from highland.platform.identity.permissions import Principal, Role
from highland.platform.institutions import exists as institution_exists
from highland.platform.kit import inert
from highland.platform.kit.dates import local_minute


def act(
    session: Session,
    principal: Principal,
    actor: Actor,
    demand_id: int,
    action: str,
    *,
    version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Demand:
    """Take one declared action on a demand (checked by the kernel's workflow engine)."""
    now = now or utcnow()
    data = dict(data or {})
    for key in ("reason", "note", "resolution", "comment"):  # free text: lines, no controls
        if isinstance(data.get(key), str):
            inert.check_text(data[key], key, f"demands.field.{key}", multiline=True)
    d, _ = WORKFLOW.begin(
        session,
        demand_id,
        action,
        parts_of=lambda row: parts_of(principal, row),
        version=version,
        data=data,
        visible=lambda row: DEMANDS.allows(session, principal, row.id),
    )
    cal = load_calendar(session)
    _HANDLERS[Action(action)](session, d, actor, data, now, cal)
    WORKFLOW.finish(d, now)
    lapse_pending(session, d, now)  # a pending extension request ends with the handler's work
    session.flush()
    return d


Handler = Any


def _do_dispatch(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    lead = data.get("institution")
    if lead:
        co = list(data.get("co") or [])
        for code in co:
            if not institution_exists(session, code):
                raise InvalidInput(
                    f"co: '{code}' is not an institution",
                    field="co",
                    code="demand.unknown_institution",
                    params={"code": code},
                )
    else:
        ent = ref(session, d.enterprise_id)
        assert ent is not None
        route = route_for(session, d.category_code, ent.district_code)
        lead, co = route.lead, list(route.co)
    _dispatch(session, d, actor, str(lead), co, now, cal)


def _simple(to: State) -> Handler:
    def run(
        session: Session,
        d: Demand,
        actor: Actor,
        data: dict[str, Any],
        now: datetime,
        cal: WorkCalendar,
    ) -> None:
        prev = d.state
        d.state = to.value
        note = {"note": str(data["note"])[:2000]} if data.get("note") else {}
        _log(
            session,
            d,
            actor,
            to.value if to is not State.in_progress else "start",
            prev,
            to,
            note,
            now,
        )

    return run


def _do_accept(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    if d.responded_at is None:
        d.responded_at = now
        d.responded_on_time = d.response_due is None or now <= d.response_due
    d.state = State.accepted.value
    _log(
        session,
        d,
        actor,
        "accept",
        prev,
        State.accepted,
        {"note": str(data.get("note") or "")[:2000]},
        now,
    )


def _do_wait(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    d.resume_state = prev
    d.paused_at = now
    d.state = State.waiting.value
    _log(
        session, d, actor, "wait", prev, State.waiting, {"reason": str(data["reason"])[:2000]}, now
    )


def _do_resume(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    assert d.paused_at is not None
    days = cal.working_days_between(d.paused_at, now)
    d.paused_days = (d.paused_days or 0) + days
    to = State(d.resume_state or State.in_progress.value)
    d.state = to.value
    d.paused_at = None
    d.resume_state = None
    cat = session.get(DemandCategory, d.category_code)
    assert cat is not None
    _set_clocks(d, cat, cal, _escalate_after(session))
    _clear_marks_if_future(d, now)
    _log(
        session,
        d,
        actor,
        "resume",
        State.waiting,
        to,
        {"paused_working_days": days, "note": str(data.get("note") or "")[:2000]},
        now,
    )


def _do_resolve(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    d.resolution = str(data["resolution"])[:10_000]
    d.resolved_at = now
    d.resolved_on_time = d.resolution_due is None or now <= d.resolution_due
    d.state = State.resolved.value
    _log(
        session,
        d,
        actor,
        "resolve",
        prev,
        State.resolved,
        {"resolution": d.resolution, "on_time": d.resolved_on_time},
        now,
    )


def _do_confirm(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    verdict = str(data["verdict"])
    if verdict not in VERDICTS:
        raise InvalidInput(
            f"verdict: '{verdict}' is not one of {', '.join(VERDICTS)}",
            field="verdict",
            code="demand.bad_verdict",
            params={"value": verdict},
        )
    try:
        rating = int(data["rating"])
    except (TypeError, ValueError):
        raise InvalidInput(
            f"rating: '{data['rating']}' is not a whole number from 1 to 5",
            field="rating",
            code="demand.bad_rating",
            params={"value": data["rating"]},
        ) from None
    if not 1 <= rating <= 5:
        raise InvalidInput(
            f"rating: {rating} is outside 1–5",
            field="rating",
            code="demand.bad_rating",
            params={"value": rating},
        )
    comment = (
        _clean_text(data.get("comment"), "comment", 2000, required=False, multiline=True) or None
    )
    d.verdict, d.rating, d.feedback = verdict, rating, comment
    prev = d.state
    payload: dict[str, Any] = {"verdict": verdict, "rating": rating, "comment": comment}
    if actor.role != Role.enterprise.value:
        payload["on_behalf"] = True
    if verdict == "not":
        # Not solved: the demand goes back to the institution with a fresh resolution clock.
        d.state = State.reopened.value
        d.reopens = (d.reopens or 0) + 1
        d.clock_start = now
        d.paused_days = 0
        d.extension_days = 0  # a fresh resolution round: earlier extensions do not carry over
        d.resolved_at = None
        d.resolved_on_time = None
        cat = session.get(DemandCategory, d.category_code)
        assert cat is not None
        _set_clocks(d, cat, cal, _escalate_after(session))
        d.warned_at = d.breached_at = d.escalated_at = None
        _log(session, d, actor, "confirm", prev, State.reopened, payload, now)
        return
    d.state = State.confirmed.value
    d.closed_at = now
    _log(session, d, actor, "confirm", prev, State.confirmed, payload, now)


def _do_return(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    reached = _reached_at(session, d)
    limit = cal.add_working_days(reached, RETURN_WINDOW_DAYS)
    if now > limit:
        raise Conflict(
            f"a demand can be returned only within {RETURN_WINDOW_DAYS} working days of reaching "
            f"the institution (until {limit:%Y-%m-%d %H:%M %Z}); ask a router to transfer it",
            field="action",
            code="demand.return_window",
            params={"days": RETURN_WINDOW_DAYS, "until": local_minute(limit)},
        )
    prev = d.state
    d.returns = (d.returns or 0) + 1
    payload = {
        "reason": str(data["reason"])[:2000],
        "institution": d.institution_code,
        "router": d.dispatched_by,
    }
    d.state = State.returned.value
    _log(session, d, actor, "return", prev, State.returned, payload, now)
    d.institution_code = None
    d.co_handlers = []


def _reached_at(session: Session, d: Demand) -> datetime:
    at = session.scalar(
        select(DemandEvent.at)
        .where(
            DemandEvent.demand_id == d.id,
            DemandEvent.action.in_(("dispatch", "transfer", "recategorise")),
        )
        .order_by(DemandEvent.seq.desc())
        .limit(1)
    )
    assert at is not None
    return at


def _do_transfer(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    to = str(data["institution"])
    if not institution_exists(session, to):
        raise InvalidInput(
            f"institution: '{to}' is not an institution",
            field="institution",
            code="demand.unknown_institution",
            params={"code": to},
        )
    if to == d.institution_code:
        raise InvalidInput(
            f"institution: the demand is already at '{to}'",
            field="institution",
            code="demand.already_there",
        )
    prev, prev_inst = d.state, d.institution_code
    d.institution_code = to
    d.co_handlers = [c for c in (data.get("co") or []) if c != to]
    d.state = State.transferred.value
    _log(
        session,
        d,
        actor,
        "transfer",
        prev,
        State.transferred,
        {"from": prev_inst, "to": to, "reason": str(data["reason"])[:2000]},
        now,
    )


def _do_withdraw(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    d.state = State.withdrawn.value
    d.closed_at = now
    _log(
        session,
        d,
        actor,
        "withdraw",
        prev,
        State.withdrawn,
        {"reason": str(data["reason"])[:2000]},
        now,
    )


def _do_recategorise(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    cat = _category(session, str(data["category"]))
    if cat.code == d.category_code:
        raise InvalidInput(
            f"category: the demand is already '{cat.code}'",
            field="category",
            code="demand.same_category",
        )
    prev_cat, prev_state, prev_inst = d.category_code, d.state, d.institution_code
    d.category_code = cat.code
    payload: dict[str, Any] = {"from": prev_cat, "to": cat.code}
    if d.dispatched_at is not None and d.state not in (State.returned.value,):
        ent = ref(session, d.enterprise_id)
        assert ent is not None
        route = route_for(session, cat.code, ent.district_code)
        # The new category's limits apply from the original dispatch (the clock never restarts).
        _set_clocks(d, cat, cal, _escalate_after(session))
        _clear_marks_if_future(d, now)
        if route.lead != prev_inst:
            d.institution_code = route.lead
            d.co_handlers = list(route.co)
            d.state = State.transferred.value
            payload.update({"institution_from": prev_inst, "institution_to": route.lead})
    _log(session, d, actor, "recategorise", prev_state, d.state, payload, now)


_HANDLERS: dict[Action, Handler] = {
    Action.dispatch: _do_dispatch,
    Action.accept: _do_accept,
    Action.start: _simple(State.in_progress),
    Action.wait: _do_wait,
    Action.resume: _do_resume,
    Action.resolve: _do_resolve,
    Action.confirm: _do_confirm,
    Action.return_: _do_return,
    Action.transfer: _do_transfer,
    Action.withdraw: _do_withdraw,
    Action.recategorise: _do_recategorise,
}
