"""A demand's clocks and its one event writer: the deadlines counted from dispatch in working
days of the kernel calendar (the category's tier, pauses and extensions added), the escalation
after the deadline, and `_log`, through which every event of a demand is written (the kernel
workflow's log: seq, notices)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from highland.demands.models import Demand, DemandCategory
from highland.demands.tiers import due_after, limits_of
from highland.demands.workflow import WORKFLOW, State
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar
from highland.platform.config import get_settings
from highland.platform.errors import InvalidInput
from highland.platform.institutions import exists as institution_exists
from highland.platform.workflow import clocks

# A deadline's column and the sweep mark it clears when it moves past now again.
MARKS = (("warn_at", "warned_at"), ("resolution_due", "breached_at"),
         ("escalate_at", "escalated_at"))  # fmt: skip


def _log(
    session: Session,
    d: Demand,
    actor: Actor,
    action: str,
    from_state: State | str | None,
    to_state: State | str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Append one event to the demand's log through the kernel workflow (which also turns it
    into notices, demands/notices.py); the clocks' limits, deadlines and tier just set go into
    its data, so that the log alone re-derives the deadlines."""
    for key, name in (("_clock_limits", "limits"), ("_clock_deadlines", "deadlines"),
                      ("_clock_tier", "tier")):  # fmt: skip
        value = d.__dict__.pop(key, None)
        if value is not None:
            data = {**data, name: value}
    from_s = None if from_state is None else str(from_state)
    WORKFLOW.log(session, d, actor, action, from_s, str(to_state), data, now)


def _set_clocks(d: Demand, cat: DemandCategory, cal: WorkCalendar, escalate_after: int) -> None:
    """Deadlines from the clock start, the limits of the category's tier for the demand's
    priority (demands/tiers.py), the working days paused and those granted by extensions."""
    assert d.clock_start is not None and d.dispatched_at is not None
    response_days, resolution_days, tier = limits_of(cat, d.priority)
    # The limits used go into the next event's data, so that the log alone re-derives the
    # deadlines even after an admin changes the category's limits.
    d.__dict__["_clock_limits"] = [response_days, resolution_days]
    if tier != "normal":
        d.__dict__["_clock_tier"] = tier
    paused = d.paused_days or 0
    extended = d.extension_days or 0
    if d.responded_at is None:
        d.response_due = due_after(cal, d.dispatched_at, response_days + paused)
    d.resolution_due_original = due_after(cal, d.clock_start, resolution_days + paused)
    due = due_after(cal, d.clock_start, resolution_days + paused + extended)
    d.resolution_due = due
    d.warn_at = cal.add_working_days(d.clock_start, resolution_days + paused + extended - 1)
    d.escalate_at = cal.add_working_days(due, escalate_after)
    # The deadlines themselves too: counted in a provisional year, they may be recounted later
    # (a `reclock` event), and the replay must judge what happened before with these.
    d.__dict__["_clock_deadlines"] = {
        "response_due": None if d.response_due is None else d.response_due.isoformat(),
        "resolution_due": due.isoformat(),
        "resolution_due_original": d.resolution_due_original.isoformat(),
    }


def _escalate_after(session: Session) -> int:

    return int(session.info.get("escalate_after", get_settings().demand_escalate_after_days))


def _dispatch(
    session: Session,
    d: Demand,
    actor: Actor,
    lead: str,
    co: list[str],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    if not institution_exists(session, lead):
        raise InvalidInput(
            f"institution: '{lead}' is not an institution",
            field="institution",
            code="demand.unknown_institution",
            params={"code": lead},
        )
    prev = d.state
    d.institution_code = lead
    d.co_handlers = co
    d.dispatched_by = actor.name
    if d.dispatched_at is None:
        # Both clocks start at the first dispatch and are never restarted by a return or a
        # transfer: bouncing a demand between units does not buy time.
        d.dispatched_at = now
        d.clock_start = now
        cat = session.get(DemandCategory, d.category_code)
        assert cat is not None
        _set_clocks(d, cat, cal, _escalate_after(session))
    d.state = State.dispatched.value
    _log(
        session, d, actor, "dispatch", prev, State.dispatched, {"institution": lead, "co": co}, now
    )


def _clear_marks_if_future(d: Demand, now: datetime) -> None:
    """After a deadline moved, marks whose moment has not come again are cleared."""
    clocks.clear_marks(d, now, MARKS)
