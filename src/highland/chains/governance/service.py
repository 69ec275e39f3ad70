"""Chain governance: the monthly scheduling record (月度调度) of a chain and its decisions,
each tracked as a task like a demand — an owner, a deadline in working days of the demands'
calendar, a declared state machine, an append-only event log and the overdue sweep.

A task's change is one call of `act`: it locks the task row, refuses a stale version with 409,
checks that the action is declared for the task's state and the caller's part, appends one
event (seq = event_count + 1) and updates the task's columns in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.governance import notices as task_notices
from highland.chains.mapping.service import check_write
from highland.chains.models import Chain, ChainMeeting, ChainTask, ChainTaskEvent
from highland.platform import institutions
from highland.platform.audit.service import Actor, Change, record
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Conflict, InvalidInput, NotFound
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit import inert
from highland.platform.kit.dates import local_minute
from highland.platform.workflow import EventLog, Machine, Transition, Workflow, clocks

MAX_DAYS = 60
# A deadline's column and the sweep mark it clears when it moves past now again.
MARKS = (("warn_at", "warned_at"), ("due", "breached_at"))
MAX_DECISIONS = 100


class TaskState(StrEnum):
    """Where a task is."""

    open = "open"  # assigned at the scheduling: the clock runs
    in_progress = "in_progress"
    waiting = "waiting"  # paused (a reason given): the clock stops
    done = "done"  # the owner says it is done; the chain head must confirm
    confirmed = "confirmed"  # accepted by the chain head (final)
    reopened = "reopened"  # not accepted: a new deadline counted from the reopening
    cancelled = "cancelled"  # dropped by the chain head, with a reason (final)


FINAL = frozenset({TaskState.confirmed, TaskState.cancelled})
RUNNING = frozenset({TaskState.open, TaskState.in_progress, TaskState.reopened})


class TaskPart(StrEnum):
    """The part a caller plays for one chain's tasks."""

    head = "head"  # the chain's head (and admins)
    team = "team"  # the chain's head and team, admins and analysts


S = TaskState
TEAM = frozenset({TaskPart.team})
HEAD = frozenset({TaskPart.head})
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("start", frozenset({S.open, S.reopened}), S.in_progress, TEAM),
        Transition("done", RUNNING, S.done, TEAM, ("result",)),
        Transition("confirm", frozenset({S.done}), S.confirmed, HEAD),
        Transition("reopen", frozenset({S.done}), S.reopened, HEAD, ("reason",)),
        Transition("wait", RUNNING, S.waiting, TEAM, ("reason",)),
        Transition("resume", frozenset({S.waiting}), None, TEAM),  # back to where it paused
        Transition("cancel", frozenset(S) - FINAL, S.cancelled, HEAD, ("reason",)),
    )
}
# An input counts as given when it holds more than blanks.
MACHINE = Machine.declare(TaskState, FINAL, RUNNING, TRANSITIONS.values(),
                          given=lambda v: bool(str(v or "").strip()))  # fmt: skip


def _who(t: Transition, task: Any) -> str:
    who = "the chain's head" if t.parts == HEAD else "the chain's head and team"
    return f" on chain {task.chain_id}'s tasks may be done only by {who} (and admins)"


def _notify(
    session: Session,
    task: Any,
    actor: Actor,
    action: str,
    to: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    # The one place task events become notices (chains/governance/notices.py maps who gets which).
    task_notices.on_event(session, task, actor, action, data, now)


WORKFLOW = Workflow(
    MACHINE,
    ChainTask,
    EventLog(ChainTaskEvent, "task_id", (), _notify),
    noun="task",
    prefix="chains.task",
    action_key="chains.governance.a.{}",
    state_key="chains.governance.s.{}",
    field_key="chains.governance.{}",
    entity="chain_task",
    who=_who,
)


def parts_of(principal: Principal, chain_id: int) -> frozenset[TaskPart]:
    """The caller's parts for the tasks of a chain (empty: may only read)."""
    if principal.role is Role.admin:
        return frozenset(TaskPart)
    if principal.role is Role.analyst:
        return TEAM
    if principal.chain_id == chain_id and principal.role is Role.chain_head:
        return frozenset(TaskPart)
    if principal.chain_id == chain_id and principal.role is Role.chain_team:
        return TEAM
    return frozenset()


def allowed_actions(principal: Principal, task: ChainTask) -> list[str]:
    """The actions the caller may take on the task now (for buttons and the API)."""
    return MACHINE.allowed(task.state, frozenset(parts_of(principal, task.chain_id)))


# ---------------------------------------------------------------- reading


def get_chain(session: Session, chain_id: int) -> Chain:
    """The chain, or 404."""
    chain = session.get(Chain, chain_id)
    if chain is None:
        raise NotFound(f"no chain {chain_id}", code="chains.governance.no_chain",
                       params={"id": chain_id})  # fmt: skip
    return chain


def meetings(session: Session, chain_id: int) -> list[ChainMeeting]:
    """A chain's scheduling records, newest month first."""
    get_chain(session, chain_id)
    stmt = select(ChainMeeting).where(ChainMeeting.chain_id == chain_id)
    return list(session.scalars(stmt.order_by(ChainMeeting.month.desc())))


def get_meeting(session: Session, chain_id: int, month: str) -> ChainMeeting:
    """One month's record of a chain, or 404 (422 for a malformed month)."""
    get_chain(session, chain_id)
    indicators.parse_month(month)
    row = session.scalar(
        select(ChainMeeting).where(ChainMeeting.chain_id == chain_id, ChainMeeting.month == month)
    )
    if row is None:
        raise NotFound(f"chain {chain_id} has no scheduling record for {month}",
                       code="chains.governance.no_meeting",
                       params={"id": chain_id, "month": month})  # fmt: skip
    return row


def tasks(session: Session, meeting_id: int) -> list[ChainTask]:
    """The tasks decided at a scheduling, in the order entered."""
    stmt = select(ChainTask).where(ChainTask.meeting_id == meeting_id).order_by(ChainTask.id)
    return list(session.scalars(stmt))


def events(session: Session, task_id: int) -> list[ChainTaskEvent]:
    """A task's log, oldest first."""
    stmt = select(ChainTaskEvent).where(ChainTaskEvent.task_id == task_id)
    return list(session.scalars(stmt.order_by(ChainTaskEvent.seq)))


def get_task(session: Session, task_id: int) -> ChainTask:
    """A task, or 404."""
    task = session.get(ChainTask, task_id)
    if task is None:
        raise NotFound(f"no chain task {task_id}", code="chains.task.not_found",
                       params={"id": task_id})  # fmt: skip
    return task


def task_month(session: Session, task: ChainTask) -> str:
    """The month (YYYY-MM) of the meeting that decided a task."""
    meeting = session.get(ChainMeeting, task.meeting_id)
    assert meeting is not None
    return meeting.month


# ---------------------------------------------------------------- the scheduling record


@dataclass
class DecisionInput:
    """A decision of the scheduling: what, who owns it, in how many working days."""

    title: str
    owner_institution: str | None = None
    owner_name: str | None = None
    working_days: int | str | None = None
    detail: str | None = None


@dataclass
class MeetingInput:
    """What a scheduling record is created with."""

    month: str
    held_at: datetime | None
    place: str | None = None
    chaired_by: str | None = None
    attendees: str | None = None
    matters: str | None = None


def _word(field: str) -> str:
    """The catalogue word of a field ("decisions[2].title" → "@chains.governance.task_title")."""
    name = field.rsplit(".", 1)[-1]
    return "@chains.governance." + ("task_title" if name == "title" else name)


def _text(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
    text = (value or "").strip()
    # Long texts may hold tab and newlines; none may hold other control characters.
    inert.check_text(text, field, "text.this_field", multiline=limit > 300, visible=required)
    if required and not text:
        raise InvalidInput(f"{field}: is required", field=field, code="chains.governance.required",
                           params={"field": _word(field)})  # fmt: skip
    if len(text) > limit:
        raise InvalidInput(
            f"{field}: at most {limit} characters (got {len(text)})",
            field=field,
            code="chains.governance.too_long",
            params={"field": _word(field), "limit": limit, "got": len(text)},
        )
    return text or None


def _days(value: int | str | None, field: str) -> int:
    try:
        n = int(str(value).strip()) if value is not None and str(value).strip() else None
    except ValueError:
        n = None
    if n is None or not 1 <= n <= MAX_DAYS:
        raise InvalidInput(
            f"{field}: '{value if value is not None else ''}' is not a number of working days "
            f"from 1 to {MAX_DAYS}",
            field=field,
            code="chains.governance.bad_days",
            params={"value": "" if value is None else str(value), "max": MAX_DAYS},
        )
    return n


def _check_decision(session: Session, i: int, d: DecisionInput) -> dict[str, Any]:
    where = f"decisions[{i}]"
    title = _text(d.title, f"{where}.title", 300, required=True)
    inst = _text(d.owner_institution, f"{where}.owner_institution", 32)
    name = _text(d.owner_name, f"{where}.owner_name", 100)
    if inst is None and name is None:
        raise InvalidInput(
            f"{where}: give the owner, an institution code or a name", field=f"{where}.owner",
            code="chains.governance.no_owner", params={"row": i},
        )  # fmt: skip
    if inst is not None and not institutions.exists(session, inst):
        raise InvalidInput(
            f"{where}.owner_institution: '{inst}' is not an institution",
            field=f"{where}.owner_institution",
            code="chains.governance.unknown_institution",
            params={"row": i, "code": inst},
        )
    return {"title": title, "owner_institution": inst, "owner_name": name,
            "working_days": _days(d.working_days, f"{where}.working_days"),
            "detail": _text(d.detail, f"{where}.detail", 10_000)}  # fmt: skip


def check_meeting(
    session: Session, chain_id: int, data: MeetingInput, now: datetime
) -> dict[str, Any]:
    """Validate the record's own fields (everything named by field; nothing written)."""
    indicators.parse_month(data.month)
    if data.month > indicators.current_month(now):
        raise InvalidInput(f"month: {data.month} has not begun yet", field="month",
                           code="chains.governance.month_future",
                           params={"month": data.month})  # fmt: skip
    held = data.held_at
    if held is None:
        raise InvalidInput("held_at: is required (when the scheduling was held)", field="held_at",
                           code="chains.governance.held_missing")  # fmt: skip
    if held.tzinfo is None or held.utcoffset() is None:
        raise InvalidInput("held_at: give a time zone, e.g. +08:00", field="held_at",
                           code="chains.governance.held_no_zone")  # fmt: skip
    if held > now:
        raise InvalidInput(
            f"held_at: {held.isoformat()} is in the future; record a scheduling once it is held",
            field="held_at",
            code="chains.governance.held_future",
            params={"at": local_minute(held)},
        )
    return {"chain_id": chain_id, "month": data.month, "held_at": held,
            "place": _text(data.place, "place", 200),
            "chaired_by": _text(data.chaired_by, "chaired_by", 100),
            "attendees": _text(data.attendees, "attendees", 10_000),
            "matters": _text(data.matters, "matters", 20_000)}  # fmt: skip


def _deadlines(cal: WorkCalendar, start: datetime, days: int) -> tuple[datetime, datetime]:
    """(due, warn_at): the end of the nth working day after start, and one working day before."""
    return cal.add_working_days(start, days), cal.add_working_days(start, days - 1)


def create_meeting(
    session: Session,
    principal: Principal,
    actor: Actor,
    chain_id: int,
    data: MeetingInput,
    decisions: list[DecisionInput],
    now: datetime | None = None,
) -> tuple[ChainMeeting, list[ChainTask]]:
    """Record a chain's monthly scheduling with its indicators snapshotted now, and one task per
    decision (409 when the month is recorded already; any bad input writes nothing)."""
    now = now or utcnow()
    begin_write(session)
    get_chain(session, chain_id)
    check_write(principal, chain_id)
    fields = check_meeting(session, chain_id, data, now)
    if len(decisions) > MAX_DECISIONS:
        raise InvalidInput(f"decisions: at most {MAX_DECISIONS}", field="decisions",
                           code="chains.governance.too_many_decisions",
                           params={"limit": MAX_DECISIONS})  # fmt: skip
    rows = [_check_decision(session, i + 1, d) for i, d in enumerate(decisions)]
    exists = session.scalar(
        select(ChainMeeting.id).where(
            ChainMeeting.chain_id == chain_id, ChainMeeting.month == data.month
        )
    )
    if exists is not None:
        raise Conflict(
            f"chain {chain_id} already has a scheduling record for {data.month}",
            field="month",
            code="chains.governance.month_taken",
            params={"id": chain_id, "month": data.month},
        )
    cal = load_calendar(session)
    deadlines = [_deadlines(cal, fields["held_at"], r["working_days"]) for r in rows]
    snapshot = indicators.compute(session, chain_id, data.month, now)
    meeting = ChainMeeting(**fields, indicators=snapshot, created_at=now, created_by=actor.name)
    try:
        with session.begin_nested():
            session.add(meeting)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"chain {chain_id} already has a scheduling record for {data.month}",
            field="month",
            code="chains.governance.month_taken",
            params={"id": chain_id, "month": data.month},
        ) from None
    made: list[ChainTask] = []
    for r, (due, warn) in zip(rows, deadlines, strict=True):
        task = ChainTask(
            chain_id=chain_id, meeting_id=meeting.id, **r, assigned_at=fields["held_at"],
            due=due, warn_at=warn, state=TaskState.open.value, open=True, paused_days=0,
            version=1, event_count=0, created_by=actor.name, updated_at=now,
        )  # fmt: skip
        session.add(task)
        made.append(task)
    session.flush()
    for task in made:
        _log(session, task, actor, "create", None, TaskState.open, {
            "due": task.due.isoformat(), "working_days": task.working_days,
            "owner_institution": task.owner_institution, "owner_name": task.owner_name,
        }, now)  # fmt: skip
    record(session, actor, Change("create", "chain_meeting", f"{chain_id}/{data.month}", None, {
        **{k: v for k, v in fields.items() if k != "held_at"},
        "held_at": fields["held_at"].isoformat(), "tasks": [t.id for t in made],
    }))  # fmt: skip
    session.flush()
    return meeting, made


def recompute(
    session: Session,
    principal: Principal,
    actor: Actor,
    chain_id: int,
    month: str,
    now: datetime | None = None,
) -> ChainMeeting:
    """Compute the record's indicators again from today's data (the old snapshot goes into the
    audit log)."""
    now = now or utcnow()
    begin_write(session)
    meeting = get_meeting(session, chain_id, month)
    check_write(principal, chain_id)
    before = meeting.indicators
    meeting.indicators = indicators.compute(session, chain_id, month, now)
    change = Change("recompute", "chain_meeting", f"{chain_id}/{month}",
                    {"indicators": before}, {"indicators": meeting.indicators})  # fmt: skip
    record(session, actor, change)
    session.flush()
    return meeting


# ---------------------------------------------------------------- the task workflow


def _log(
    session: Session,
    task: ChainTask,
    actor: Actor,
    action: str,
    from_state: TaskState | str | None,
    to_state: TaskState | str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Append one event to the task's log (the kernel workflow's one writer; notices too)."""
    from_s = None if from_state is None else str(from_state)
    WORKFLOW.log(session, task, actor, action, from_s, str(to_state), data, now)


def _reclock(task: ChainTask, cal: WorkCalendar, now: datetime) -> None:
    task.due, task.warn_at = _deadlines(
        cal, task.assigned_at, task.working_days + (task.paused_days or 0)
    )
    clocks.clear_marks(task, now, MARKS)


def act(
    session: Session,
    principal: Principal,
    actor: Actor,
    task_id: int,
    action: str,
    *,
    version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ChainTask:
    """Take one declared action on a task (see TRANSITIONS)."""
    now = now or utcnow()
    data = dict(data or {})
    task, t = WORKFLOW.begin(
        session,
        task_id,
        action,
        parts_of=lambda row: parts_of(principal, row.chain_id),
        version=version,
        data=data,
    )
    state = TaskState(task.state)
    note = str(data.get("note") or "")[:2000]
    event: dict[str, Any] = {"note": note} if note else {}
    to = t.to
    if action == "done":
        task.result = str(data["result"])[:10_000]
        task.done_at = now
        task.done_on_time = now <= task.due
        event |= {"result": task.result, "on_time": task.done_on_time}
    elif action == "reopen":
        days = _days(data.get("working_days") or task.working_days, "working_days")
        due, warn = _deadlines(load_calendar(session), now, days)
        task.assigned_at, task.working_days, task.paused_days = now, days, 0
        task.due, task.warn_at = due, warn
        task.warned_at = task.breached_at = task.done_at = task.done_on_time = None
        event |= {"reason": str(data["reason"])[:2000], "working_days": days,
                  "due": due.isoformat()}  # fmt: skip
    elif action in ("wait", "cancel"):
        event["reason"] = str(data["reason"])[:2000]
        if action == "wait":
            clocks.pause(task, now)
    elif action == "resume":
        cal = load_calendar(session)
        waited = clocks.resume(task, cal, now)
        _reclock(task, cal, now)
        to = _paused_from(session, task)
        event |= {"paused_working_days": waited, "due": task.due.isoformat()}
    assert to is not None
    task.state = TaskState(to).value
    _log(session, task, actor, action, state, to, event, now)
    WORKFLOW.finish(task, now)
    session.flush()
    return task


def _paused_from(session: Session, task: ChainTask) -> TaskState:
    """The state the task was in when it was last put to wait."""
    prev = session.scalar(
        select(ChainTaskEvent.from_state)
        .where(ChainTaskEvent.task_id == task.id, ChainTaskEvent.action == "wait")
        .order_by(ChainTaskEvent.seq.desc())
        .limit(1)
    )
    return TaskState(prev) if prev in {s.value for s in RUNNING} else TaskState.in_progress
