"""The transitions of a demand: `act` takes one declared action through the kernel's workflow
engine (lock, part, version, state and inputs checked there) and runs the action's handler,
which moves the state, the clocks and the projection columns and logs the event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    _HANDLERS[Action(action)](_Step(session, d, actor, data, now, load_calendar(session)))
    WORKFLOW.finish(d, now)
    lapse_pending(session, d, now)  # a pending extension request ends with the handler's work
    session.flush()
    return d


@dataclass(frozen=True)
class _Step:
    """One action being taken on a demand: what each handler reads and writes through."""

    session: Session
    d: Demand
    actor: Actor
    data: dict[str, Any]
    now: datetime
    cal: WorkCalendar

    def log(self, action: str, prev: State | str, to: State | str, data: dict[str, Any]) -> None:
        """Append the action's event to the demand's log (clocks._log)."""
        _log(self.session, self.d, self.actor, action, prev, to, data, self.now)

    def move(self, action: str, to: State, data: dict[str, Any]) -> None:
        """Move the demand to `to` and log the action from the state it was in."""
        prev = self.d.state
        self.d.state = to.value
        self.log(action, prev, to, data)

    def reclock(self, cat: DemandCategory) -> None:
        """Recount the deadlines under the category's limits (the clock start is kept)."""
        _set_clocks(self.d, cat, self.cal, _escalate_after(self.session))


def _do_dispatch(s: _Step) -> None:
    lead = s.data.get("institution")
    if lead:
        co = list(s.data.get("co") or [])
        for code in co:
            if not institution_exists(s.session, code):
                raise InvalidInput(
                    f"co: '{code}' is not an institution",
                    field="co",
                    code="demand.unknown_institution",
                    params={"code": code},
                )
    else:
        ent = ref(s.session, s.d.enterprise_id)
        assert ent is not None
        route = route_for(s.session, s.d.category_code, ent.district_code)
        lead, co = route.lead, list(route.co)
    _dispatch(s.session, s.d, s.actor, str(lead), co, s.now, s.cal)


def _do_start(s: _Step) -> None:
    note = {"note": str(s.data["note"])[:2000]} if s.data.get("note") else {}
    s.move("start", State.in_progress, note)


def _do_accept(s: _Step) -> None:
    d = s.d
    if d.responded_at is None:
        d.responded_at = s.now
        d.responded_on_time = d.response_due is None or s.now <= d.response_due
    s.move("accept", State.accepted, {"note": str(s.data.get("note") or "")[:2000]})


def _do_wait(s: _Step) -> None:
    s.d.resume_state = s.d.state
    s.d.paused_at = s.now
    s.move("wait", State.waiting, {"reason": str(s.data["reason"])[:2000]})


def _do_resume(s: _Step) -> None:
    d = s.d
    assert d.paused_at is not None
    days = s.cal.working_days_between(d.paused_at, s.now)
    d.paused_days = (d.paused_days or 0) + days
    to = State(d.resume_state or State.in_progress.value)
    d.state = to.value
    d.paused_at = None
    d.resume_state = None
    cat = s.session.get(DemandCategory, d.category_code)
    assert cat is not None
    s.reclock(cat)
    _clear_marks_if_future(d, s.now)
    note = str(s.data.get("note") or "")[:2000]
    s.log("resume", State.waiting, to, {"paused_working_days": days, "note": note})


def _do_resolve(s: _Step) -> None:
    d = s.d
    d.resolution = str(s.data["resolution"])[:10_000]
    d.resolved_at = s.now
    d.resolved_on_time = d.resolution_due is None or s.now <= d.resolution_due
    s.move("resolve", State.resolved, {"resolution": d.resolution, "on_time": d.resolved_on_time})


def _do_confirm(s: _Step) -> None:
    verdict, rating = _verdict(s.data), _rating(s.data)
    comment = (
        _clean_text(s.data.get("comment"), "comment", 2000, required=False, multiline=True) or None
    )
    d = s.d
    d.verdict, d.rating, d.feedback = verdict, rating, comment
    payload: dict[str, Any] = {"verdict": verdict, "rating": rating, "comment": comment}
    if s.actor.role != Role.enterprise.value:
        payload["on_behalf"] = True
    if verdict == "not":
        # Not solved: the demand goes back to the institution with a fresh resolution clock.
        prev = d.state
        d.state = State.reopened.value
        d.reopens = (d.reopens or 0) + 1
        d.clock_start = s.now
        d.paused_days = 0
        d.extension_days = 0  # a fresh resolution round: earlier extensions do not carry over
        d.resolved_at = None
        d.resolved_on_time = None
        cat = s.session.get(DemandCategory, d.category_code)
        assert cat is not None
        s.reclock(cat)
        d.warned_at = d.breached_at = d.escalated_at = None
        s.log("confirm", prev, State.reopened, payload)
        return
    d.closed_at = s.now
    s.move("confirm", State.confirmed, payload)


def _verdict(data: dict[str, Any]) -> str:
    verdict = str(data["verdict"])
    if verdict not in VERDICTS:
        raise InvalidInput(
            f"verdict: '{verdict}' is not one of {', '.join(VERDICTS)}",
            field="verdict",
            code="demand.bad_verdict",
            params={"value": verdict},
        )
    return verdict


def _rating(data: dict[str, Any]) -> int:
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
    return rating


def _do_return(s: _Step) -> None:
    d = s.d
    limit = s.cal.add_working_days(_reached_at(s.session, d), RETURN_WINDOW_DAYS)
    if s.now > limit:
        raise Conflict(
            f"a demand can be returned only within {RETURN_WINDOW_DAYS} working days of reaching "
            f"the institution (until {limit:%Y-%m-%d %H:%M %Z}); ask a router to transfer it",
            field="action",
            code="demand.return_window",
            params={"days": RETURN_WINDOW_DAYS, "until": local_minute(limit)},
        )
    d.returns = (d.returns or 0) + 1
    payload = {
        "reason": str(s.data["reason"])[:2000],
        "institution": d.institution_code,
        "router": d.dispatched_by,
    }
    s.move("return", State.returned, payload)
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


def _do_transfer(s: _Step) -> None:
    d, to = s.d, str(s.data["institution"])
    if not institution_exists(s.session, to):
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
    prev_inst = d.institution_code
    d.institution_code = to
    d.co_handlers = [c for c in (s.data.get("co") or []) if c != to]
    reason = str(s.data["reason"])[:2000]
    s.move("transfer", State.transferred, {"from": prev_inst, "to": to, "reason": reason})


def _do_withdraw(s: _Step) -> None:
    s.d.closed_at = s.now
    s.move("withdraw", State.withdrawn, {"reason": str(s.data["reason"])[:2000]})


def _do_recategorise(s: _Step) -> None:
    d = s.d
    cat = _category(s.session, str(s.data["category"]))
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
        ent = ref(s.session, d.enterprise_id)
        assert ent is not None
        route = route_for(s.session, cat.code, ent.district_code)
        # The new category's limits apply from the original dispatch (the clock never restarts).
        s.reclock(cat)
        _clear_marks_if_future(d, s.now)
        if route.lead != prev_inst:
            d.institution_code = route.lead
            d.co_handlers = list(route.co)
            d.state = State.transferred.value
            payload.update({"institution_from": prev_inst, "institution_to": route.lead})
    s.log("recategorise", prev_state, d.state, payload)


_HANDLERS: dict[Action, Callable[[_Step], None]] = {
    Action.dispatch: _do_dispatch,
    Action.accept: _do_accept,
    Action.start: _do_start,
    Action.wait: _do_wait,
    Action.resume: _do_resume,
    Action.resolve: _do_resolve,
    Action.confirm: _do_confirm,
    Action.return_: _do_return,
    Action.transfer: _do_transfer,
    Action.withdraw: _do_withdraw,
    Action.recategorise: _do_recategorise,
}
