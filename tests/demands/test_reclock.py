"""A year without a notice, then its notice entered: open deadlines are recomputed with one
`reclock` event each, closed ones are not, sweep marks stay consistent, and the metrics replay
still reproduces the projection (docs/calendar.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.chains.governance import service as gov
from highland.chains.models import ChainTaskEvent
from highland.demands import metrics, service, sweep
from highland.demands.models import Demand, DemandEvent
from highland.platform.audit.models import AuditEntry
from highland.platform.calendar import delete_year, enter_year, load_calendar, parse_year_file
from highland.platform.calendar.provisional import demand_marks, task_due_provisional
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit import clock
from highland.platform.kit.dates import CITY_TZ
from tests.chains.test_indicators import build_world
from tests.conftest import ACTOR
from tests.demands.world import World, build, data

# A made-up 2027 notice (the real one is not published yet): 1–4 January off, Saturday
# 20 February worked instead.
NOTICE_2027 = """\
year: 2027
source: test notice, not the real one
holidays:
  - {date: 2027-01-01..2027-01-04, name: 元旦}
workdays:
  - 2027-02-20
"""


def sh(y: int, m: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=CITY_TZ)


def eod(y: int, m: int, d: int) -> datetime:
    return sh(y, m, d, 23, 59, 59)


@pytest.fixture
def w(db: Session, sessions: sessionmaker[Session]) -> World:
    return build(db, sessions)


def actor(p: Principal) -> Any:
    from highland.platform.audit.service import Actor

    return Actor(p.username, p.role.value, "ui")


def dispatched(db: Session, w: World, at: datetime, category: str = "land") -> Demand:
    with clock.use(at):
        return service.file_demand(
            db, w.analyst, actor(w.analyst), data(w.a, category=category), dispatch=True, now=at
        )


def step(db: Session, p: Principal, d: Demand, action: str, at: datetime, **payload: Any) -> Demand:
    return service.act(db, p, actor(p), d.id, action, version=d.version, data=payload, now=at)


def enter_2027(db: Session, now: datetime) -> Any:
    year, source, days = parse_year_file(NOTICE_2027, "2027.yaml")
    with clock.use(now):
        return enter_year(db, ACTOR, year, source, days, now=now)


def assert_replay_agrees(db: Session) -> None:
    replayed = metrics.replay(db)
    for d in db.scalars(select(Demand)):
        r = replayed[d.id]
        got = (r.response_due, r.resolution_due, r.responded_on_time, r.resolved_on_time, r.state)
        want = (d.response_due, d.resolution_due, d.responded_on_time, d.resolved_on_time, d.state)
        assert got == want, d.id
    for now in (sh(2027, 1, 10), sh(2027, 3, 1)):
        assert metrics.institution_metrics(db, now=now) == metrics.metrics_from_log(db, now=now)


def test_dispatch_on_28_december_then_2027_entered(db: Session, w: World) -> None:
    # land: respond in 1 working day, resolve in 10; talent 2 / 15; financing 1 / 5.
    a = dispatched(db, w, sh(2026, 12, 28))
    assert (a.response_due, a.resolution_due) == (eod(2026, 12, 29), eod(2027, 1, 12))
    marks = demand_marks(load_calendar(db), a)
    assert (marks.response_due, marks.resolution_due) == (False, True)
    b = step(db, w.hr, dispatched(db, w, sh(2026, 12, 28), "talent"), "accept", sh(2026, 12, 29))
    assert b.resolution_due == eod(2027, 1, 19)
    c = dispatched(db, w, sh(2026, 12, 28), "financing")
    c = step(db, w.admin, c, "accept", sh(2026, 12, 29))
    c = step(db, w.admin, c, "resolve", sh(2026, 12, 30), resolution="已办结")
    c = step(db, w.owner_a, c, "confirm", sh(2026, 12, 30, 12), verdict="solved", rating=5)
    assert not c.open and c.resolution_due == eod(2027, 1, 5)
    # Dispatched on the last day of 2026: its response falls due in 2027 (4 January,
    # provisional); it is accepted on 5 January, late by the provisional count.
    e = dispatched(db, w, sh(2026, 12, 31))
    assert e.response_due == eod(2027, 1, 4)
    assert demand_marks(load_calendar(db), e).response_due
    e = step(db, w.land, e, "accept", sh(2027, 1, 5))
    assert e.responded_on_time is False
    # The sweep marks f as breached on its provisional deadline (5 January) …
    f = dispatched(db, w, sh(2026, 12, 28), "financing")
    assert f.resolution_due == eod(2027, 1, 5)
    sweep.sweep(db, now=sh(2027, 1, 6, 0, 30))
    db.refresh(f)
    assert f.breached_at is not None
    closed_events = len(service.events(db, c.id))
    versions = {x.id: x.version for x in (a, b, e, f)}

    # … then the notice is entered (4 January off as well): every open deadline that counts
    # through it moves one working day later.
    moved = enter_2027(db, sh(2027, 1, 6, 1))
    assert moved.demands == sorted([a.id, b.id, e.id, f.id]) and moved.tasks == []
    for x in (a, b, c, e, f):
        db.refresh(x)
    assert a.resolution_due == eod(2027, 1, 13) and a.response_due == eod(2026, 12, 29)
    assert b.resolution_due == eod(2027, 1, 20) and b.response_due is not None
    assert e.response_due == eod(2027, 1, 4)  # responded: its verdict is given, it stays
    assert e.resolution_due == eod(2027, 1, 18)  # 15 January provisionally
    assert f.resolution_due == eod(2027, 1, 6) and f.breached_at is None  # not due any more
    assert c.resolution_due == eod(2027, 1, 5) and len(service.events(db, c.id)) == closed_events
    assert {x.id: x.version for x in (a, b, e, f)} == {k: v + 1 for k, v in versions.items()}

    ev = service.events(db, a.id)[-1]
    assert ev.action == "reclock" and ev.from_state == ev.to_state == "dispatched"
    assert ev.data["year"] == 2027 and "response_due" not in ev.data
    assert ev.data["resolution_due"] == ["2027-01-12T23:59:59+08:00", "2027-01-13T23:59:59+08:00"]
    assert ev.data["warn_at"] == ["2027-01-11T23:59:59+08:00", "2027-01-12T23:59:59+08:00"]
    # The deadline before extensions (none here) moves with it.
    assert ev.data["resolution_due_original"] == ev.data["resolution_due"]
    assert a.resolution_due_original == a.resolution_due
    assert set(ev.data) == {
        "year",
        "resolution_due",
        "resolution_due_original",
        "warn_at",
        "escalate_at",
    }
    assert not demand_marks(load_calendar(db), a).any  # the year is known now
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.enter")).one()
    assert entry.after is not None and entry.after["reclocked"]["n_demands"] == 4
    assert "4 open demand(s) and 0 open chain task(s)" in (entry.summary or "")

    # The log alone still gives the projection: e was judged against 4 January.
    assert_replay_agrees(db)
    a = step(db, w.land, a, "accept", sh(2027, 1, 6, 9))
    a = step(db, w.land, a, "resolve", sh(2027, 1, 13, 18), resolution="已办结")
    assert a.resolved_on_time is True  # on time by the entered notice
    assert_replay_agrees(db)

    # Deleting the entered year makes 2027 provisional again: open deadlines move back.
    with clock.use(sh(2027, 1, 7)):
        back = delete_year(db, ACTOR, 2027, now=sh(2027, 1, 7))
    db.refresh(b)
    assert b.id in back.demands and a.id not in back.demands  # a is resolved: it stays
    assert b.resolution_due == eod(2027, 1, 19)
    assert_replay_agrees(db)


def test_entering_the_same_days_again_moves_nothing(db: Session, w: World) -> None:
    dispatched(db, w, sh(2026, 12, 28))
    enter_2027(db, sh(2026, 12, 29))
    n = len(list(db.scalars(select(DemandEvent).where(DemandEvent.action == "reclock"))))
    again = enter_2027(db, sh(2026, 12, 30))  # a corrected source, the same days
    assert again.demands == [] and n == 1


def test_a_chain_meeting_held_on_28_december_then_2027_entered(db: Session) -> None:
    build_world(db)
    admin = Principal(user_id=0, username="tester", role=Role.admin)
    record = gov.MeetingInput(month="2026-12", held_at=sh(2026, 12, 28), place="区政府",
                              chaired_by="张链长")  # fmt: skip
    decisions = [
        gov.DecisionInput(title="协调用地", owner_institution="320115-ZRZY", working_days=10),
        gov.DecisionInput(title="走访", owner_name="李科长", working_days=1),
        gov.DecisionInput(title="报送", owner_name="王科长", working_days=8),
    ]
    now = sh(2026, 12, 28, 15)
    with clock.use(now):
        _, (t1, t2, t3) = gov.create_meeting(db, admin, ACTOR, 1, record, decisions, now)
    cal = load_calendar(db)
    assert t1.due == eod(2027, 1, 12) and task_due_provisional(cal, t1)
    assert t2.due == eod(2026, 12, 29) and not task_due_provisional(cal, t2)
    t3 = gov.act(db, admin, ACTOR, t3.id, "done", version=t3.version, data={"result": "已报送"},
                 now=sh(2026, 12, 30))  # fmt: skip
    moved = enter_2027(db, sh(2026, 12, 31))
    assert moved.tasks == [t1.id] and moved.demands == []
    db.refresh(t1)
    db.refresh(t3)
    assert t1.due == eod(2027, 1, 13) and t1.version == 2
    assert t3.due == eod(2027, 1, 8)  # done: its verdict is given, it stays
    ev = db.scalars(
        select(ChainTaskEvent).where(ChainTaskEvent.task_id == t1.id).order_by(ChainTaskEvent.seq)
    ).all()[-1]
    assert ev.action == "reclock" and ev.data["year"] == 2027
    assert ev.data["due"] == ["2027-01-12T23:59:59+08:00", "2027-01-13T23:59:59+08:00"]
    assert not task_due_provisional(load_calendar(db), t1)


def test_an_extended_deadline_and_its_original_both_move_when_the_year_is_entered(
    db: Session, w: World
) -> None:
    from highland.demands import extensions

    a = dispatched(db, w, sh(2026, 12, 28))  # land: 10 working days → 12 January (provisional)
    a = step(db, w.land, a, "accept", sh(2026, 12, 29))
    req = extensions.ask(db, w.land, actor(w.land), a.id, version=a.version, days=3,
                         reason="需现场踏勘", now=sh(2026, 12, 30))  # fmt: skip
    db.refresh(a)
    extensions.decide(db, w.analyst, actor(w.analyst), a.id, req.id, version=a.version,
                      approve=True, now=sh(2026, 12, 30, 15))  # fmt: skip
    db.refresh(a)
    assert (a.resolution_due_original, a.resolution_due) == (eod(2027, 1, 12), eod(2027, 1, 15))
    assert demand_marks(load_calendar(db), a).resolution_due

    enter_2027(db, sh(2027, 1, 5, 9))  # 4 January off as well
    db.refresh(a)
    assert (a.resolution_due_original, a.resolution_due) == (eod(2027, 1, 13), eod(2027, 1, 18))
    ev = service.events(db, a.id)[-1]
    assert ev.action == "reclock"
    assert ev.data["resolution_due_original"][1] == "2027-01-13T23:59:59+08:00"
    replayed = metrics.replay(db, [a.id])[a.id]
    assert (replayed.resolution_due_original, replayed.resolution_due) == (
        a.resolution_due_original,
        a.resolution_due,
    )
    assert_replay_agrees(db)
