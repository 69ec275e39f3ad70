"""REST API of chain governance: monthly scheduling records, their tasks and the indicators.

Reading needs chains:read (every role but enterprise users). Creating a record, recomputing its
indicators and acting on tasks need the chain's head or team, or an admin or analyst; a chain
head or team of another chain gets 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.governance import service as gov
from highland.chains.models import ChainMeeting, ChainTask, ChainTaskEvent
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.calendar.provisional import task_due_provisional
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.params import DbInt

router = APIRouter(prefix="/api/v1", tags=["chains"])
READ = Depends(require(Permission.chains_read))
WRITE = Depends(require(Permission.chains_write))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, "api")


class DecisionIn(BaseModel):
    """A decision: it becomes a task due `working_days` working days after the scheduling."""

    title: str = Field(max_length=300)
    owner_institution: str | None = Field(None, max_length=32)
    owner_name: str | None = Field(None, max_length=100)
    working_days: DbInt
    detail: str | None = Field(None, max_length=10_000)


class MeetingIn(BaseModel):
    """A monthly scheduling record (`held_at` with a time zone, not in the future)."""

    month: str = Field(max_length=7, examples=["2026-09"])
    held_at: datetime
    place: str | None = Field(None, max_length=200)
    chaired_by: str | None = Field(None, max_length=100)
    attendees: str | None = Field(None, max_length=10_000)
    matters: str | None = Field(None, max_length=20_000)
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=gov.MAX_DECISIONS)


class EventOut(BaseModel):
    """One entry of a task's log."""

    seq: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    data: dict[str, Any]

    @classmethod
    def of(cls, e: ChainTaskEvent) -> EventOut:
        """From a row."""
        return cls(seq=e.seq, at=e.at, actor=e.actor, action=e.action,
                   from_state=e.from_state, to_state=e.to_state, data=e.data or {})  # fmt: skip


class TaskOut(BaseModel):
    """A task with its clock, its state and what the caller may do now."""

    id: int
    chain_id: DbInt
    month: str
    title: str
    detail: str | None
    owner_institution: str | None
    owner_name: str | None
    working_days: int
    assigned_at: datetime
    due: datetime
    # Counted through a year without a holiday notice: may move when it is entered.
    due_provisional: bool = False
    warn_at: datetime
    state: str
    paused_days: int
    done_at: datetime | None
    done_on_time: bool | None
    result: str | None
    warned_at: datetime | None
    breached_at: datetime | None
    version: int
    actions: list[str]
    events: list[EventOut] | None = None

    @classmethod
    def of(
        cls, t: ChainTask, month: str, actions: list[str], cal: WorkCalendar | None = None
    ) -> TaskOut:
        """From a row (`cal`: the working-day calendar its provisional mark is read from)."""
        return cls(
            due_provisional=cal is not None and task_due_provisional(cal, t),
            id=t.id, chain_id=t.chain_id, month=month, title=t.title, detail=t.detail,
            owner_institution=t.owner_institution, owner_name=t.owner_name,
            working_days=t.working_days, assigned_at=t.assigned_at, due=t.due,
            warn_at=t.warn_at, state=t.state, paused_days=t.paused_days, done_at=t.done_at,
            done_on_time=t.done_on_time, result=t.result, warned_at=t.warned_at,
            breached_at=t.breached_at, version=t.version, actions=actions,
        )  # fmt: skip


class MeetingOut(BaseModel):
    """A scheduling record with its indicators as snapshotted and its tasks."""

    id: int
    chain_id: DbInt
    month: str
    held_at: datetime
    place: str | None
    chaired_by: str | None
    attendees: str | None
    matters: str | None
    indicators: dict[str, Any]
    created_at: datetime
    created_by: str
    tasks: list[TaskOut]


class MeetingSummary(BaseModel):
    """A record in the list."""

    month: str
    held_at: datetime
    chaired_by: str | None
    tasks: int
    open_tasks: int


def _meeting_out(db: Session, principal: Principal, m: ChainMeeting) -> MeetingOut:
    rows = gov.tasks(db, m.id)
    cal = load_calendar(db)
    return MeetingOut(
        id=m.id, chain_id=m.chain_id, month=m.month, held_at=m.held_at, place=m.place,
        chaired_by=m.chaired_by, attendees=m.attendees, matters=m.matters,
        indicators=m.indicators or {}, created_at=m.created_at, created_by=m.created_by,
        tasks=[TaskOut.of(t, m.month, gov.allowed_actions(principal, t), cal) for t in rows],
    )  # fmt: skip


@router.get("/chains/{chain_id}/meetings", response_model=list[MeetingSummary])
def list_meetings(
    chain_id: DbInt, db: Session = DB, principal: Principal = READ
) -> list[MeetingSummary]:
    """A chain's scheduling records, newest month first."""
    out = []
    for m in gov.meetings(db, chain_id):
        rows = gov.tasks(db, m.id)
        n_open = sum(t.open for t in rows)
        out.append(MeetingSummary(month=m.month, held_at=m.held_at, chaired_by=m.chaired_by,
                                  tasks=len(rows), open_tasks=n_open))  # fmt: skip
    return out


@router.post(
    "/chains/{chain_id}/meetings",
    response_model=MeetingOut,
    status_code=201,
    dependencies=CSRF,
    responses={409: {"description": "the month is recorded already"}},
)
def create_meeting(
    chain_id: DbInt, body: MeetingIn, db: Session = DB, principal: Principal = WRITE
) -> MeetingOut:
    """Record a month's scheduling; each decision becomes a task with its deadline."""
    data = gov.MeetingInput(month=body.month, held_at=body.held_at, place=body.place,
                            chaired_by=body.chaired_by, attendees=body.attendees,
                            matters=body.matters)  # fmt: skip
    decisions = [gov.DecisionInput(**d.model_dump()) for d in body.decisions]
    meeting, _ = gov.create_meeting(db, principal, _actor(principal), chain_id, data, decisions)
    return _meeting_out(db, principal, meeting)


@router.get("/chains/{chain_id}/meetings/{month}", response_model=MeetingOut)
def get_meeting(
    chain_id: DbInt, month: str, db: Session = DB, principal: Principal = READ
) -> MeetingOut:
    """One month's record with its indicators and tasks."""
    return _meeting_out(db, principal, gov.get_meeting(db, chain_id, month))


@router.post(
    "/chains/{chain_id}/meetings/{month}/indicators",
    response_model=MeetingOut,
    dependencies=CSRF,
)
def recompute_indicators(
    chain_id: DbInt, month: str, db: Session = DB, principal: Principal = WRITE
) -> MeetingOut:
    """Compute the record's indicators again from today's data (audited)."""
    meeting = gov.recompute(db, principal, _actor(principal), chain_id, month)
    return _meeting_out(db, principal, meeting)


@router.get("/chains/{chain_id}/indicators")
def chain_indicators(
    chain_id: DbInt,
    month: str | None = Query(None, max_length=7, examples=["2026-09"]),
    db: Session = DB,
    principal: Principal = READ,
) -> dict[str, Any]:
    """The chain's indicators for a month (default: the current month in Asia/Shanghai),
    computed now, each with its freshness."""
    gov.get_chain(db, chain_id)
    return indicators.compute(db, chain_id, month or indicators.current_month())


class ActionIn(BaseModel):
    """An action on a task: the version you loaded and the action's fields."""

    version: DbInt | None = None
    result: str | None = Field(None, max_length=10_000)
    reason: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=2000)
    working_days: DbInt | None = None


@router.get("/chain-tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: DbInt, db: Session = DB, principal: Principal = READ) -> TaskOut:
    """A task with its log."""
    task = gov.get_task(db, task_id)
    month = gov.task_month(db, task)
    cal = load_calendar(db)
    out = TaskOut.of(task, month, gov.allowed_actions(principal, task), cal)
    out.events = [EventOut.of(e) for e in gov.events(db, task.id)]
    return out


@router.post(
    "/chain-tasks/{task_id}/actions/{action}",
    response_model=TaskOut,
    dependencies=CSRF,
    responses={409: {"description": "stale version, or not allowed in the task's state"}},
)
def act(
    task_id: DbInt, action: str, body: ActionIn, db: Session = DB, principal: Principal = WRITE
) -> TaskOut:
    """Take an action: start, done (result), confirm, reopen (reason, working_days), wait
    (reason), resume, cancel (reason)."""
    data = body.model_dump(exclude={"version"}, exclude_none=True)
    task = gov.act(db, principal, _actor(principal), task_id, action, version=body.version,
                   data=data)  # fmt: skip
    month = gov.task_month(db, task)
    cal = load_calendar(db)
    return TaskOut.of(task, month, gov.allowed_actions(principal, task), cal)
