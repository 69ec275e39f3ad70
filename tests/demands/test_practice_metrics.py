"""Metrics of the 12345 practice: exact figures (the on-time rate over what fell due, extensions,
callbacks, request types) and the projection agreeing with the replayed log over random paths
that include extension requests, decisions and callbacks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.demands import callbacks, extensions, metrics, service
from highland.demands.demo.service import _reference_text
from highland.demands.models import Demand
from highland.demands.practice.metrics import (
    PracticeCounts,
    TypeCounts,
    practice_from_log,
    practice_metrics,
)
from highland.demands.reference import load_reference, upsert_category
from highland.demands.workflow import REQUEST_TYPES, TRANSITIONS, State
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor
from highland.platform.calendar import load_calendar
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ
from tests.conftest import ACTOR
from tests.demands.test_metrics import (
    CATS,
    ROUTER,
    ROUTER_ACTOR,
    T0,
    WEIGHTS,
    _assert_projection_is_the_log,
    _both,
    _data,
    _handler,
    _who,
)
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc


@pytest.fixture
def ents(sessions: sessionmaker[Session], db: Session) -> list[Enterprise]:
    """The enterprises and demo reference data of tests/demands/test_metrics.py."""
    rows = [ent_row(i) for i in range(1, 4)]
    rows.append(ent_row(4, uscc=uscc(4, "320104"), district_code="320104"))
    assert run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv").written
    load_reference(db, ACTOR, _reference_text(), "demo_reference.yaml")
    db.flush()
    return list(db.scalars(select(Enterprise).order_by(Enterprise.id)))


LEADER = Principal(user_id=0, username="leader", role=Role.leader)
LEADER_ACTOR = Actor("leader", "leader", "ui")


def _file(
    db: Session, e: Enterprise, cat: str, at: datetime, *, priority: str = "normal", **kw: Any
) -> Demand:
    d = service.file_demand(
        db, ROUTER, ROUTER_ACTOR,
        service.DemandInput(enterprise=e.uscc, category=cat, title="t", description="d",
                            priority=priority, request_type=kw.get("request_type")),
        now=at,
    )  # fmt: skip
    if kw.get("dispatch", True):
        d = service.act(db, ROUTER, ROUTER_ACTOR, d.id, "dispatch", version=d.version, now=at)
    return d


def _act(db: Session, d: Demand, action: str, at: datetime, who: Any, **data: Any) -> Demand:
    return service.act(db, who[0], who[1], d.id, action, version=d.version, data=data, now=at)


def _tiers(db: Session) -> None:
    for code, normal, urgent in (("land", (2, 20), (0, 5)), ("financing", (1, 10), (0, 3))):
        upsert_category(
            db, ACTOR,
            {"code": code, "name": code, "name_en": code, "response_days": normal[0],
             "resolution_days": normal[1], "urgent_response_days": urgent[0],
             "urgent_resolution_days": urgent[1]},
        )  # fmt: skip


def _practice_step(db: Session, d: Demand, at: datetime, rng: random.Random) -> None:
    """One extension or callback move on a demand, when it applies (else refused, no change)."""
    pending = extensions.pending_of(db, d.id)
    handler = _handler(d.institution_code)
    if pending is not None and rng.random() < 0.8:
        who = rng.choice(((ROUTER, ROUTER_ACTOR), (LEADER, LEADER_ACTOR)))
        ok = rng.random() < 0.6
        extensions.decide(
            db, who[0], who[1], d.id, pending.id, version=d.version, approve=ok,
            reason=None if ok else "no", now=at,
        )  # fmt: skip
    elif d.state in callbacks.CALLABLE:
        reached = rng.random() < 0.7
        callbacks.record_callback(
            db, ROUTER, ROUTER_ACTOR, d.id, reached=reached,
            satisfied=(rng.random() < 0.6) if reached else None, now=at,
        )  # fmt: skip
    else:
        extensions.ask(
            db, handler[0], handler[1], d.id, version=d.version,
            days=rng.randint(1, 6), reason="r", now=at,
        )  # fmt: skip


def _walk(db: Session, ents: list[Enterprise], rng: random.Random, n: int) -> None:
    by_id = {e.id: e for e in ents}
    for _ in range(n):
        at = T0 + timedelta(days=rng.uniform(0, 200))
        d = _file(
            db, rng.choice(ents), rng.choice(CATS), at,
            priority=rng.choice(("normal", "urgent", "high")),
            request_type=rng.choice((*REQUEST_TYPES, None)), dispatch=rng.random() < 0.9,
        )  # fmt: skip
        for _step in range(rng.randint(0, 12)):
            at = at + timedelta(hours=rng.choice((1, 5, 20, 30, 70, 200)))
            try:
                with db.begin_nested():
                    pending = extensions.pending_of(db, d.id) is not None
                    chance = 0.7 if pending else 0.5 if d.state in callbacks.CALLABLE else 0.3
                    if rng.random() < chance:
                        _practice_step(db, d, at, rng)
                        continue
                    options = [t for t in TRANSITIONS.values() if State(d.state) in t.sources]
                    if not options:
                        break
                    t = rng.choices(options, [WEIGHTS.get(t.action, 1.0) for t in options])[0]
                    part = rng.choice(sorted(t.parts - {service.Part.system}))
                    who = _who(d, part, by_id, rng)
                    d = _act(db, d, t.action.value, at, who, **_data(t.action, d, rng))
            except HighlandError:
                pass
            db.expire_all()
            d = db.get(Demand, d.id)  # type: ignore[assignment]


def _agree(db: Session, **kw: Any) -> Any:
    a = practice_metrics(db, **kw)
    b = practice_from_log(db, **kw)
    assert a == b
    return a


def _assert_extension_columns_are_the_log(db: Session) -> None:
    replayed = metrics.replay(db)
    for d in db.scalars(select(Demand)):
        r = replayed[d.id]
        assert (r.resolution_due_original, r.extension_days, r.request_type) == (
            d.resolution_due_original,
            d.extension_days or 0,
            d.request_type,
        ), d.id


def _checks(db: Session, rng: random.Random) -> None:
    _assert_projection_is_the_log(db)
    _assert_extension_columns_are_the_log(db)
    for now in (T0 + timedelta(days=20), T0 + timedelta(days=120), T0 + timedelta(days=400)):
        _both(db, now=now, min_volume=3)
        _agree(db, now=now)
        _agree(db, start=T0 + timedelta(days=30), end=T0 + timedelta(days=90), now=now)
        _agree(
            db, due_start=T0 + timedelta(days=20), due_end=T0 + timedelta(days=80), now=now,
            category=rng.choice(CATS),
        )  # fmt: skip
        _agree(db, due_start=T0 + timedelta(days=60), due_end=T0 + timedelta(days=90), now=now)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_practice_projection_and_log_agree_over_random_paths(ents, db: Session, seed: int):  # type: ignore[no-untyped-def]
    _tiers(db)
    rng = random.Random(seed)
    _walk(db, ents, rng, 40)
    report = practice_metrics(db, now=T0 + timedelta(days=400))
    total = report.total()
    # The paths reach every kind of figure, so that the agreement means something.
    assert total.ext_asked and total.ext_ok and total.ext_no and total.calls and total.due
    assert len(report.by_type) >= 4
    _checks(db, rng)


@hsettings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_practice_projection_and_log_agree_hypothesis(ents, db: Session, seed: int):  # type: ignore[no-untyped-def]
    _walk(db, ents, random.Random(seed), 5)
    _checks(db, random.Random(seed))


# ---------------------------------------------------------------- exact figures


def sh(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=CITY_TZ)


def test_on_time_over_what_fell_due_counts_late_and_open_as_not_on_time(ents, db: Session):  # type: ignore[no-untyped-def]
    e = ents[0]
    cal = load_calendar(db)
    start = sh(2025, 3, 3)  # Monday; policy questions: 5 working days → due 10 March
    policy = [_file(db, e, "policy", start) for _ in range(6)]
    due = cal.add_working_days(start, 5)
    h = _handler(policy[0].institution_code)
    on_time, late, still_open, withdrawn, extended, paused = policy
    for d in (on_time, late, extended, paused):
        d = _act(db, d, "accept", start, h)
    _act(db, on_time, "resolve", due - timedelta(hours=2), h, resolution="ok")
    _act(db, late, "resolve", due + timedelta(days=1), h, resolution="late")
    _act(db, withdrawn, "withdraw", start + timedelta(days=1), (ROUTER, ROUTER_ACTOR), reason="r")
    _act(db, paused, "wait", start + timedelta(days=1), h, reason="材料")
    req = extensions.ask(
        db, h[0], h[1], extended.id, version=extended.version, days=10, reason="r", now=start
    )
    extensions.decide(
        db, ROUTER, ROUTER_ACTOR, extended.id, req.id, version=extended.version, approve=True,
        now=start,
    )  # fmt: skip
    assert extended.resolution_due == cal.add_working_days(due, 10)
    march = {"due_start": sh(2025, 3, 1, 0), "due_end": sh(2025, 4, 1, 0)}
    report = _agree(db, now=sh(2025, 5, 1), **march)
    c = report.institutions[on_time.institution_code]
    # Fell due in March: on time, late, still open (the extended one falls due on 24 March and
    # is open too); not the withdrawn one (before its deadline) nor the paused one.
    assert (c.due, c.due_on_time) == (4, 1)
    assert c.on_time_due.percent == 25.0
    # Before the extended deadline has passed, it has not fallen due yet.
    report = _agree(db, now=due + timedelta(days=3), **march)
    assert (report.institutions[on_time.institution_code].due) == 3
    # The resolved-only rate of the main report counts only the two resolved.
    m = _both(db, now=sh(2025, 5, 1), min_volume=1)
    row = next(r for r in m.institutions if r.code == on_time.institution_code)
    assert (row.on_time.num, row.on_time.den) == (1, 2)
    assert (c.ext_asked, c.ext_ok, c.ext_no) == (1, 1, 0)


def test_callbacks_and_request_types_figures(ents, db: Session):  # type: ignore[no-untyped-def]
    e = ents[0]
    start = sh(2025, 3, 3)
    a = _file(db, e, "policy", start, request_type="complaint")
    b = _file(db, e, "policy", start, request_type="consult")
    _file(db, e, "policy", start)
    h = _handler(a.institution_code)
    for d in (a, b):
        d = _act(db, d, "accept", start, h)
        d = _act(db, d, "resolve", start, h, resolution="ok")
    rec = callbacks.record_callback
    rec(db, ROUTER, ROUTER_ACTOR, a.id, reached=False, now=start)
    rec(db, ROUTER, ROUTER_ACTOR, a.id, reached=True, satisfied=True, now=start)
    rec(db, ROUTER, ROUTER_ACTOR, a.id, reached=True, satisfied=False, now=start)  # latest wins
    rec(db, ROUTER, ROUTER_ACTOR, b.id, reached=True, satisfied=True, now=start)
    _act(db, a, "confirm", start, (ROUTER, ROUTER_ACTOR), verdict="solved", rating=4)
    report = _agree(db, now=sh(2025, 5, 1))
    c = report.institutions[a.institution_code]
    assert (c.calls, c.reached, c.satisfied) == (4, 2, 1)
    assert c.callback_satisfaction.percent == 50.0
    assert report.by_type["complaint"] == TypeCounts(1, 1, 1, 1, 1, 1, 4)
    assert report.by_type["consult"] == TypeCounts(1, 1, 1, 0, 0, 0, 0)
    assert report.by_type["none"].volume == 1
    rows = {r["type"]: r for r in report.type_rows()}
    assert list(rows) == [*REQUEST_TYPES, "none"] and rows["help"]["volume"] == 0
    assert rows["help"]["on_time"]["percent"] is None  # missing is not zero
    # Without a period, everything that fell due before now counts: two on time, one open.
    assert report.total() == PracticeCounts(calls=4, reached=2, satisfied=1, due=3, due_on_time=2)


def test_demo_shows_the_practice(ents, db: Session):  # type: ignore[no-untyped-def]
    from highland.demands.demo import service as demo
    from highland.demands.models import DemandCategory
    from highland.demands.practice.models import DemandCallback, DemandExtension

    now = datetime(2026, 6, 15, 11, tzinfo=CITY_TZ)
    # The fixture loaded the reference already: the demo reloads it (same file) and adds demands.
    demo.load_demo(db, ACTOR, now=now)
    types = set(db.scalars(select(Demand.request_type)))
    assert set(REQUEST_TYPES) <= types
    urgent = db.scalars(select(DemandCategory).where(DemandCategory.urgent_response_days == 0))
    assert {c.code for c in urgent} == {"financing", "permits"}
    states = set(db.scalars(select(DemandExtension.state)))
    assert states == {"approved", "refused", "pending"}
    calls = list(db.scalars(select(DemandCallback)))
    assert {(c.reached, c.satisfied) for c in calls} == {(True, True), (False, None), (True, False)}
    _assert_projection_is_the_log(db)
    _assert_extension_columns_are_the_log(db)
    report = _agree(db, now=now)
    assert report.total().ext_ok == 1 and report.total().calls == len(calls)
