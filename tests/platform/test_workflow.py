"""The kernel's workflow engine on a tiny machine of its own (a ticket: draft → open ⇄ waiting →
closed), with its own two tables: the declared transitions and parts, the order of the checks
and their error codes, the append-only log, the working-day clock with pause and the sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from highland.platform import db as hdb
from highland.platform.audit.models import AuditEntry, AuditHead
from highland.platform.audit.service import Actor, verify
from highland.platform.calendar import official_calendar
from highland.platform.db import UTCDateTime
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.kit.dates import CITY_TZ
from highland.platform.workflow import EventLog, Machine, Transition, Workflow, clocks
from highland.platform.workflow.engine import ERRORS
from highland.platform.workflow.sweep import Mark, sweep_marks


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "wf_ticket"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    open: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner: Mapped[str] = mapped_column(String(16), default="ann")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_days: Mapped[int] = mapped_column(Integer, default=0)


class TicketEvent(Base):
    __tablename__ = "wf_ticket_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("wf_ticket.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


AUTHOR, REVIEWER = "author", "reviewer"
MACHINE = Machine.declare(
    states=("draft", "open", "waiting", "closed"),
    final=("closed",),
    running=("open",),
    transitions=(
        Transition("submit", frozenset({"draft"}), "open", frozenset({AUTHOR})),
        Transition("wait", frozenset({"open"}), "waiting", frozenset({REVIEWER}), ("reason",)),
        Transition("resume", frozenset({"waiting"}), "open", frozenset({REVIEWER, AUTHOR})),
        Transition("close", frozenset({"open"}), "closed", frozenset({REVIEWER}), ("note",)),
    ),
)
NOTICES: list[tuple[int, str, str]] = []
WORKFLOW = Workflow(
    MACHINE,
    Ticket,
    EventLog(TicketEvent, "ticket_id", ("owner",),
             lambda s, row, actor, action, to, data, now: NOTICES.append((row.id, action, to))),
    noun="ticket",
    prefix="ticket",
    action_key="tickets.action.{}",
    state_key="tickets.state.{}",
    field_key="tickets.field.{}",
)  # fmt: skip
CAL = official_calendar()
ANN = Actor("ann", None, "enterprise")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CITY_TZ)  # a Monday
DAYS = 5


def take(s: Session, ticket_id: int, action: str, parts: set[str], version: int | None,
         now: datetime = T0, **data: Any) -> Ticket:  # fmt: skip
    """What a domain's `act` does: begin, the action's own work, log, finish."""
    row, t = WORKFLOW.begin(
        s,
        ticket_id,
        action,
        parts_of=lambda r: frozenset(parts),
        version=version,
        data=data,
        visible=lambda r: r.owner == "ann",
    )
    before = row.state
    if action == "submit":
        row.started_at = now
        row.due = clocks.due(CAL, now, DAYS)
        row.warn_at = clocks.due(CAL, now, DAYS - 1)
    elif action == "wait":
        clocks.pause(row, now)
    elif action == "resume":
        clocks.resume(row, CAL, now)
        row.due = clocks.due(CAL, row.started_at, DAYS, row.paused_days)
        row.warn_at = clocks.due(CAL, row.started_at, DAYS - 1, row.paused_days)
        clocks.clear_marks(row, now, (("warn_at", "warned_at"), ("due", "breached_at")))
    assert t.to is not None
    row.state = t.to
    WORKFLOW.log(s, row, ANN, action, before, t.to, dict(data), now)
    WORKFLOW.finish(row, now)
    s.flush()
    return row


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Session]:
    engine = hdb.make_engine(f"sqlite:///{tmp_path / 'wf.db'}")
    Base.metadata.create_all(engine)
    hdb.Base.metadata.create_all(engine, tables=[AuditEntry.__table__, AuditHead.__table__])
    NOTICES.clear()
    with hdb.session_factory(engine)() as session:
        yield session
    engine.dispose()


def ticket(s: Session, owner: str = "ann") -> Ticket:
    row = Ticket(owner=owner, updated_at=T0)
    s.add(row)
    s.flush()
    return row


def test_a_machine_declares_only_known_states_and_final_ones_have_no_way_out() -> None:
    assert MACHINE.allowed("draft", frozenset({AUTHOR})) == ["submit"]
    assert MACHINE.allowed("open", frozenset({REVIEWER})) == ["wait", "close"]
    assert MACHINE.allowed("closed", frozenset({AUTHOR, REVIEWER})) == []
    with pytest.raises(ValueError, match="not declared"):
        Machine.declare(("a",), (), (), (Transition("go", frozenset({"a"}), "b", frozenset()),))
    with pytest.raises(ValueError, match="final state"):
        Machine.declare(("a", "b"), ("b",), (), (Transition("go", frozenset({"b"}), "a",
                                                            frozenset({"x"})),))  # fmt: skip


def test_the_checks_come_in_order_with_their_codes(s: Session) -> None:
    row = ticket(s)
    other = ticket(s, owner="bob")
    cases: list[tuple[Any, str, dict[str, Any]]] = [
        (InvalidInput, "ticket.unknown_action", {"action": "fly", "parts": {AUTHOR}}),
        (NotFound, "ticket.not_found", {"ticket_id": 999}),
        (NotFound, "ticket.not_found", {"ticket_id": other.id}),  # not visible: the same 404
        (Forbidden, "ticket.not_your_part", {"parts": {REVIEWER}}),
        (InvalidInput, "ticket.version_missing", {"version": None}),
        (Conflict, "ticket.stale", {"version": 7}),
        (Conflict, "ticket.wrong_state", {"action": "close", "parts": {REVIEWER}}),
    ]
    for error, code, over in cases:
        args = {"ticket_id": row.id, "action": "submit", "parts": {AUTHOR}, "version": 1} | over
        with pytest.raises(error) as exc:
            take(s, args["ticket_id"], args["action"], args["parts"], args["version"])
        assert exc.value.code == code, code
    take(s, row.id, "submit", {AUTHOR}, 1)
    with pytest.raises(InvalidInput) as exc:
        take(s, row.id, "wait", {REVIEWER}, 2, reason="")
    assert exc.value.code == "ticket.required_for"
    assert exc.value.params == {"field": "@tickets.field.reason", "action": "@tickets.action.wait"}
    with pytest.raises(Conflict) as stale:
        take(s, row.id, "wait", {REVIEWER}, 1, reason="x")
    assert stale.value.params["yours"] == 1 and stale.value.params["now"] == 2


def test_each_action_appends_one_event_and_bumps_the_version(s: Session) -> None:
    row = ticket(s)
    take(s, row.id, "submit", {AUTHOR}, 1)
    take(s, row.id, "wait", {REVIEWER}, 2, datetime(2026, 3, 3, 10, tzinfo=CITY_TZ), reason="r")
    take(s, row.id, "resume", {AUTHOR}, 3, datetime(2026, 3, 5, 10, tzinfo=CITY_TZ))
    take(s, row.id, "close", {REVIEWER}, 4, datetime(2026, 3, 6, 10, tzinfo=CITY_TZ), note="ok")
    log = s.scalars(select(TicketEvent).order_by(TicketEvent.seq)).all()
    assert [(e.seq, e.action, e.from_state, e.to_state) for e in log] == [
        (1, "submit", "draft", "open"), (2, "wait", "open", "waiting"),
        (3, "resume", "waiting", "open"), (4, "close", "open", "closed"),
    ]  # fmt: skip
    assert {e.owner for e in log} == {"ann"}  # copied from the row at each event
    assert (row.version, row.event_count, row.open, row.state) == (5, 4, False, "closed")
    assert [a for _, a, _ in NOTICES] == ["submit", "wait", "resume", "close"]
    # Each event enters the hash-chained audit log too, once, with its actor and channel.
    audit = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [(a.action, a.entity, a.entity_key, a.actor, a.channel) for a in audit] == [
        (act, "ticket", str(row.id), "ann", "enterprise")
        for act in ("submit", "wait", "resume", "close")
    ]
    assert audit[1].before == {"state": "open"}
    assert audit[1].after == {"state": "waiting", "event": 2, "reason": "r"}
    assert verify(s).ok


def test_a_pause_does_not_count_towards_the_deadline(s: Session) -> None:
    row = take(s, ticket(s).id, "submit", {AUTHOR}, 1)
    assert row.due == datetime(2026, 3, 9, 23, 59, 59, tzinfo=CITY_TZ)  # 5 working days
    take(s, row.id, "wait", {REVIEWER}, 2, datetime(2026, 3, 3, 10, tzinfo=CITY_TZ), reason="r")
    take(s, row.id, "resume", {AUTHOR}, 3, datetime(2026, 3, 5, 10, tzinfo=CITY_TZ))
    assert row.paused_days == 2  # Wednesday and Thursday
    assert row.due == datetime(2026, 3, 11, 23, 59, 59, tzinfo=CITY_TZ)


def test_the_sweep_marks_running_rows_once_without_touching_the_version(s: Session) -> None:
    a = take(s, ticket(s).id, "submit", {AUTHOR}, 1)
    b = take(s, ticket(s).id, "submit", {AUTHOR}, 1)
    take(s, b.id, "wait", {REVIEWER}, 2, reason="r")  # waiting: its clock is stopped
    marks = (
        Mark("warning", "warned_at", lambda t, now: t.c.warn_at <= now, "due"),
        Mark("breach", "breached_at", lambda t, now: t.c.due < now, "due"),
    )
    late = datetime(2026, 3, 10, 9, tzinfo=CITY_TZ)
    out = sweep_marks(s, WORKFLOW, marks, late, returning=("owner",))
    assert [(m.kind, m.id, m.seq, m.owner) for m in out["warning"] + out["breach"]] == [
        ("warning", a.id, 2, "ann"), ("breach", a.id, 3, "ann"),
    ]  # fmt: skip
    assert sweep_marks(s, WORKFLOW, marks, late) == {"warning": [], "breach": []}
    s.refresh(a)
    assert a.version == 2 and a.event_count == 3 and a.breached_at is not None
    events = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == a.id)).all()
    assert [(e.action, e.actor, e.data) for e in events][1:] == [
        ("warning", "system", {"due": a.due.isoformat()}),
        ("breach", "system", {"due": a.due.isoformat()}),
    ]
    marked = s.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(("warning", "breach")))
    ).all()
    # The sweep's prepared rows are what the engine's one-event writer would have logged.
    due = {"due": a.due.isoformat()}
    assert [(e.before, e.after) for e in marked] == [
        (c.before, c.after)
        for c in (WORKFLOW.audit_change(a.id, 2, "warning", "open", "open", due),
                  WORKFLOW.audit_change(a.id, 3, "breach", "open", "open", due))
    ]  # fmt: skip
    assert verify(s).ok
    assert [(e.action, e.entity_key, e.actor, e.channel, e.after) for e in marked] == [
        ("warning", str(a.id), "system", "job", {"state": "open", "event": 2,
                                                 "due": a.due.isoformat()}),
        ("breach", str(a.id), "system", "job", {"state": "open", "event": 3,
                                                "due": a.due.isoformat()}),
    ]  # fmt: skip
    with pytest.raises(ValueError, match="timezone-aware"):
        sweep_marks(s, WORKFLOW, marks, late.replace(tzinfo=None))


def test_the_domains_workflows_have_every_engine_error_in_the_catalogue() -> None:
    from highland.chains.governance.service import WORKFLOW as TASKS
    from highland.demands.workflow import WORKFLOW as DEMANDS
    from highland.platform.web.i18n import has

    for workflow in (DEMANDS, TASKS):
        for suffix in ERRORS:
            assert has(f"error.{workflow.prefix}.{suffix}"), f"{workflow.prefix}.{suffix}"
        machine = workflow.machine
        for state in machine.states:
            assert has(workflow.state_key.format(state)), state
        for t in machine.transitions.values():
            assert has(workflow.action_key.format(t.action)), t.action
            for need in t.needs:
                assert has(workflow.field_key.format(need)), need
