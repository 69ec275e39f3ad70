"""The declared state machine of a demand: states, actions, who may take each action, run by
the kernel's workflow engine (`highland.platform.workflow`).

Everything that changes a demand goes through `TRANSITIONS`; the engine refuses any action that
is not declared for the demand's current state and the caller's part in it.
"""

from __future__ import annotations

from enum import StrEnum

from highland.demands import notices as demand_notices
from highland.demands.models import Demand, DemandEvent
from highland.platform.workflow import EventLog, Machine, Transition, Workflow


class State(StrEnum):
    """Where a demand is."""

    submitted = "submitted"  # filed, not yet routed: no clock runs
    dispatched = "dispatched"  # routed to an institution: both clocks run
    accepted = "accepted"  # the institution took it (the response)
    in_progress = "in_progress"
    waiting = "waiting"  # waiting for the enterprise: both clocks pause
    resolved = "resolved"  # the institution says it is done; the enterprise must confirm
    confirmed = "confirmed"  # the enterprise confirmed: solved or partly solved (final)
    reopened = "reopened"  # the enterprise said "not solved": the handler's clock restarts
    returned = "returned"  # the institution says it is not theirs (counted against the router)
    transferred = "transferred"  # moved to another institution by a router; clocks keep running
    withdrawn = "withdrawn"  # withdrawn by the enterprise or staff (final)


FINAL = frozenset({State.confirmed, State.withdrawn})
# States in which the institution owes a response (acceptance).
AWAITING_RESPONSE = frozenset({State.dispatched, State.transferred})
# States in which the resolution clock runs.
RUNNING = frozenset(
    {State.dispatched, State.accepted, State.in_progress, State.transferred, State.reopened}
)


class Part(StrEnum):
    """The part a caller plays for one demand (computed from role and scope)."""

    owner = "owner"  # the enterprise that raised it
    router = "router"  # staff who route demands (admin, analyst)
    staff = "staff"  # staff who may file and confirm on an enterprise's behalf
    handler = "handler"  # a user of the institution the demand is at
    system = "system"  # the sweep


class Action(StrEnum):
    """What can be done to a demand."""

    dispatch = "dispatch"
    accept = "accept"
    start = "start"
    wait = "wait"
    resume = "resume"
    resolve = "resolve"
    confirm = "confirm"
    return_ = "return"
    transfer = "transfer"
    withdraw = "withdraw"
    recategorise = "recategorise"


S = State
OPEN = frozenset(State) - FINAL
TRANSITIONS: dict[Action, Transition] = {
    Action(t.action): t
    for t in (
        Transition(
            Action.dispatch,
            frozenset({S.submitted, S.returned}),
            S.dispatched,
            frozenset({Part.router}),
        ),
        Transition(
            Action.accept,
            AWAITING_RESPONSE,
            S.accepted,
            frozenset({Part.handler, Part.router}),
        ),
        Transition(
            Action.start,
            frozenset({S.accepted, S.reopened}),
            S.in_progress,
            frozenset({Part.handler, Part.router}),
        ),
        Transition(
            Action.wait,
            frozenset({S.accepted, S.in_progress, S.reopened}),
            S.waiting,
            frozenset({Part.handler}),
            ("reason",),
        ),
        Transition(
            Action.resume,
            frozenset({S.waiting}),
            None,  # back to the state it paused in
            frozenset({Part.handler, Part.owner, Part.router}),
        ),
        Transition(
            Action.resolve,
            frozenset({S.accepted, S.in_progress, S.reopened}),
            S.resolved,
            frozenset({Part.handler}),
            ("resolution",),
        ),
        Transition(
            Action.confirm,
            frozenset({S.resolved}),
            None,  # confirmed (solved, partly) or reopened (not solved)
            frozenset({Part.owner, Part.staff}),
            ("verdict", "rating"),
        ),
        Transition(
            Action.return_,
            AWAITING_RESPONSE,
            S.returned,
            frozenset({Part.handler}),
            ("reason",),
        ),
        Transition(
            Action.transfer,
            frozenset({S.dispatched, S.accepted, S.in_progress, S.transferred, S.reopened}),
            S.transferred,
            frozenset({Part.router}),
            ("institution", "reason"),
        ),
        Transition(
            Action.withdraw,
            OPEN - {S.resolved},
            S.withdrawn,
            frozenset({Part.owner, Part.staff, Part.router}),
            ("reason",),
        ),
        Transition(
            Action.recategorise,
            OPEN - {S.resolved},
            None,  # same state, or transferred when the routing names another institution
            frozenset({Part.router}),
            ("category",),
        ),
    )
}

VERDICTS = ("solved", "partly", "not")
PRIORITIES = ("low", "normal", "high", "urgent")
# 诉求类型 of the 12345 practice: 咨询, 求助, 投诉, 建议 (None on a demand: not given).
REQUEST_TYPES = ("consult", "help", "complaint", "suggest")
# A handler may return a demand only this many working days after it reached them.
RETURN_WINDOW_DAYS = 2


MACHINE = Machine.declare(State, FINAL, RUNNING, TRANSITIONS.values())
# The demand's event log copies its institution at the time of each event.
WORKFLOW = Workflow(
    MACHINE,
    Demand,
    EventLog(DemandEvent, "demand_id", ("institution_code",), demand_notices.on_event),
    noun="demand",
    prefix="demand",
    action_key="demands.action.{}",
    state_key="demands.state.{}",
    field_key="demands.field.{}",
    entity="demand",
)


def allowed_actions(state: str, parts: frozenset[Part]) -> list[Action]:
    """The actions the caller may take now (for buttons and the API's `actions` list)."""
    return [Action(a) for a in MACHINE.allowed(state, frozenset(parts))]
