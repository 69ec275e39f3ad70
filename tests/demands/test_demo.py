"""Demo data: reference of 江宁区, the breakfast meeting with demands in every state, some
overdue, genuine logs (the projection replays from the events), idempotent loading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from highland.demands import metrics
from highland.demands.calendar import SHANGHAI
from highland.demands.demo import script
from highland.demands.demo import service as demo
from highland.demands.models import (
    Demand,
    DemandCategory,
    DemandEvent,
    Institution,
    Meeting,
    MeetingAttendee,
    RoutingRule,
)
from highland.demands.workflow import State
from highland.enterprises.imports import run_import
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Role
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)


@pytest.fixture
def enterprises(sessions: sessionmaker[Session]) -> None:
    """Fifteen enterprises of the registry (all in 320115)."""
    rows = [ent_row(i) for i in range(1, 16)]
    assert run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv").written


def test_demo_loads_every_state_some_overdue_and_metrics(enterprises, db: Session):  # type: ignore[no-untyped-def]
    counts = demo.load_demo(db, ACTOR, now=NOW)
    assert counts["institutions"] >= 15 and counts["categories"] == 9
    assert counts["demands"] == len(demo.MEETING) + len(demo.OTHERS)
    assert db.get(Institution, "320115-ZRZY") is not None
    assert db.get(Institution, "320115-ZFB").parent_code is None  # type: ignore[union-attr]
    cats = {c.code for c in db.scalars(select(DemandCategory))}
    assert cats == {
        "financing",
        "land",
        "talent",
        "permits",
        "market",
        "technology",
        "policy",
        "infrastructure",
        "other",
    }
    for c in cats:  # a fallback row for every category
        assert db.scalar(
            select(RoutingRule).where(
                RoutingRule.category_code == c, RoutingRule.district_key == "*"
            )
        )
    meeting = db.scalar(select(Meeting).where(Meeting.title == demo.MEETING_TITLE))
    assert meeting is not None and meeting.held_at < NOW
    n_att = db.scalar(select(func.count()).select_from(MeetingAttendee))
    assert n_att == demo.N_ENTERPRISES
    states = demo.state_counts(db)
    assert set(states) == {s.value for s in State}, states
    confirmed = set(db.scalars(select(Demand.verdict).where(Demand.state == "confirmed")))
    assert confirmed == {"solved", "partly"}
    sources = set(db.scalars(select(Demand.source)))
    assert sources == {"meeting", "enterprise", "staff"}
    overdue = db.scalar(
        select(func.count())
        .select_from(Demand)
        .where(
            Demand.open.is_(True),
            Demand.resolution_due < NOW,
            Demand.state.not_in(("resolved", "waiting")),
        )
    )
    assert overdue and overdue >= 3
    # Every event is in the past of the demo time, and the log replays to the projection.
    assert db.scalar(select(func.max(DemandEvent.at))) <= NOW  # type: ignore[operator]
    for d in db.scalars(select(Demand)):
        r = metrics.replay(db, [d.id])[d.id]
        assert (r.state, r.institution, r.resolution_due, r.responded_on_time) == (
            d.state,
            d.institution_code,
            d.resolution_due,
            d.responded_on_time,
        )
    a = metrics.institution_metrics(db, now=NOW, min_volume=3)
    assert a == metrics.metrics_from_log(db, now=NOW, min_volume=3)
    assert sum(m.volume for m in a.institutions) >= 20
    assert any(m.rank is not None for m in a.ranking())
    assert any(m.overdue_open for m in a.institutions)
    assert any(m.satisfaction is not None for m in a.institutions)


def test_demo_twice_adds_nothing(enterprises, db: Session):  # type: ignore[no-untyped-def]
    demo.load_demo(db, ACTOR, now=NOW)
    n = db.scalar(select(func.count()).select_from(DemandEvent))
    again = demo.load_demo(db, ACTOR, now=NOW)
    assert again["already"] == 1 and again["demands"] == 0
    assert db.scalar(select(func.count()).select_from(DemandEvent)) == n


def test_demo_at_year_end_makes_provisional_deadlines(enterprises, db: Session):  # type: ignore[no-untyped-def]
    late = datetime(2026, 12, 28, 3, 0, tzinfo=UTC)  # deadlines fall in 2027, no notice yet
    assert demo.demo_time(db, late) == late
    demo.load_demo(db, ACTOR, now=late)
    assert db.scalar(select(func.max(DemandEvent.at))) <= late  # type: ignore[operator]
    latest = db.scalar(select(func.max(Demand.resolution_due)))
    assert latest is not None and latest.astimezone(SHANGHAI).year == 2027


def test_demo_without_enterprises_is_refused_and_writes_nothing(db: Session):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="registry has no enterprises"):
        demo.load_demo(db, ACTOR, now=NOW)
    assert db.scalar(select(func.count()).select_from(Meeting)) == 0
    assert db.scalar(select(func.count()).select_from(Institution)) == 0


def test_demo_users_name_real_institutions(enterprises, db: Session):  # type: ignore[no-untyped-def]
    demo.load_demo(db, ACTOR, now=NOW)
    roles = {r.value for r in Role}
    for username, role, inst, name in script.DEMO_USERS:
        assert username and name and role in roles
        assert (inst is None) == (role != "handler")
        if inst:
            assert db.get(Institution, inst) is not None
