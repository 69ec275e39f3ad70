"""Per-institution metrics: exact figures, missing ≠ zero, rankings above a minimum volume,
and the projection (set-based SQL) agreeing with a replay of the event log over many random
workflow paths."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.demands import metrics, service
from highland.demands.demo.service import _reference_text
from highland.demands.models import Demand
from highland.demands.reference import load_reference
from highland.demands.workflow import TRANSITIONS, Action, Part, State
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # Monday 10:00 Shanghai
ROUTER = Principal(user_id=0, username="router", role=Role.analyst)
ROUTER_ACTOR = Actor("router", "analyst", "ui")
ROUTER2_ACTOR = Actor("router2", "analyst", "ui")


@pytest.fixture
def world(sessions: sessionmaker[Session], db: Session) -> list[Enterprise]:
    """Reference data of the demo district and four enterprises (one outside 320115)."""
    rows = [ent_row(i) for i in range(1, 4)]
    rows.append(ent_row(4, uscc=uscc(4, "320104"), district_code="320104"))
    res = run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv")
    assert res.written
    load_reference(db, ACTOR, _reference_text(), "demo_reference.yaml")
    db.flush()
    return list(db.scalars(select(Enterprise).order_by(Enterprise.id)))


def _owner(e: Enterprise) -> tuple[Principal, Actor]:
    return (
        Principal(user_id=0, username=f"e{e.id}", role=Role.enterprise, enterprise_id=e.id),
        Actor(f"e{e.id}", "enterprise", "ui"),
    )


def _handler(code: str | None) -> tuple[Principal, Actor]:
    return (
        Principal(user_id=0, username=f"h-{code}", role=Role.handler, institution_code=code),
        Actor(f"h-{code}", "handler", "ui"),
    )


def _file(
    db: Session,
    e: Enterprise,
    cat: str,
    at: datetime,
    *,
    chain: int | None = None,
    dispatch: bool = True,
    actor: Actor = ROUTER_ACTOR,
) -> Demand:
    d = service.file_demand(
        db, ROUTER, actor,
        service.DemandInput(enterprise=e.uscc, category=cat, title="t", description="d",
                            chain_id=chain),
        now=at,
    )  # fmt: skip
    if dispatch:
        d = service.act(db, ROUTER, actor, d.id, "dispatch", version=d.version, now=at)
    return d


def _act(
    db: Session, d: Demand, action: str, at: datetime, who: tuple[Principal, Actor], **data: Any
) -> Demand:
    return service.act(db, who[0], who[1], d.id, action, version=d.version, data=data, now=at)


def _both(db: Session, **kw: Any) -> metrics.Report:
    a = metrics.institution_metrics(db, **kw)
    b = metrics.metrics_from_log(db, **kw)
    assert a == b
    return a


def test_exact_figures_missing_is_not_zero_and_returns_count_against_the_router(  # type: ignore[no-untyped-def]
    world, db: Session
):
    e1, e2 = world[0], world[1]
    h = _handler("320115-JRJ")
    # 1: accepted on time, resolved on time, solved 5.
    d = _file(db, e1, "financing", T0)
    d = _act(db, d, "accept", T0 + timedelta(hours=2), h)
    d = _act(db, d, "resolve", T0 + timedelta(days=2), h, resolution="ok")
    _act(db, d, "confirm", T0 + timedelta(days=3), _owner(e1), verdict="solved", rating=5)
    # 2: accepted late (after 1 working day), partly solved 3.
    d = _file(db, e2, "financing", T0)
    d = _act(db, d, "accept", T0 + timedelta(days=3), h)
    d = _act(db, d, "resolve", T0 + timedelta(days=4), h, resolution="ok")
    _act(db, d, "confirm", T0 + timedelta(days=5), _owner(e2), verdict="partly", rating=3)
    # 3: never accepted: the response is owed and missed; overdue.
    _file(db, e1, "financing", T0)
    # 4: withdrawn an hour after dispatch: no response was owed.
    d = _file(db, e1, "financing", T0)
    _act(db, d, "withdraw", T0 + timedelta(hours=1), (ROUTER, ROUTER_ACTOR), reason="x")
    # 5: at the tax bureau? no: technology → KJJ, returned once (against router2).
    d = _file(db, e1, "technology", T0, actor=ROUTER2_ACTOR)
    _act(db, d, "return", T0 + timedelta(hours=3), _handler("320115-KJJ"), reason="not ours")
    # 6: technology accepted, no rating yet.
    d = _file(db, e2, "technology", T0)
    _act(db, d, "accept", T0 + timedelta(hours=1), _handler("320115-KJJ"))
    now = T0 + timedelta(days=30)
    r = _both(db, start=T0, end=T0 + timedelta(days=1), now=now, min_volume=3)
    by = {m.code: m for m in r.institutions}
    assert set(by) == {"320115-JRJ", "320115-KJJ"}  # the returned demand is at no institution
    j = by["320115-JRJ"]
    assert j.volume == 4
    assert (j.response.num, j.response.den) == (1, 3)
    assert j.response.percent == 33.3
    assert j.on_time == metrics.Rate(2, 2)
    assert j.solved == metrics.Rate(1, 2) and j.partly == metrics.Rate(1, 2)
    s = j.satisfaction
    assert s is not None and s.mean == Fraction(4) and s.count == 2
    assert s.high_share == metrics.Rate(1, 2)
    assert j.overdue_open == 1
    k = by["320115-KJJ"]
    assert k.volume == 1 and k.satisfaction is None  # missing, not 0
    assert k.solved.value is None and k.solved.percent is None
    assert r.returns == {"router2": 1}
    # Rankings: only JRJ reaches the minimum volume; KJJ is listed unranked with its volume.
    ranked = r.ranking("composite")
    assert [(m.code, m.rank) for m in ranked] == [("320115-JRJ", 1), ("320115-KJJ", None)]
    assert r.as_rows("response")[1]["satisfaction"] is None
    # Outside the period, and other filters.
    assert _both(db, start=T0 + timedelta(days=1), now=now).institutions == []
    assert [m.code for m in _both(db, category="technology", now=now).institutions] == [
        "320115-KJJ"
    ]
    assert _both(db, chain_id=7, now=now).institutions == []


def test_ranking_ties_share_a_rank_and_unknown_key_is_refused(world, db: Session):  # type: ignore[no-untyped-def]
    for cat in ("financing", "financing", "talent", "talent", "policy"):
        d = _file(db, world[0], cat, T0)
        inst = d.institution_code
        _act(db, d, "accept", T0 + timedelta(hours=1), _handler(inst))
    r = _both(db, now=T0 + timedelta(days=1), min_volume=2)
    ranked = r.ranking("response")
    assert [(m.code, m.rank) for m in ranked] == [
        ("320115-JRJ", 1),
        ("320115-RSJ", 1),
        ("320115-FGW", None),
    ]
    with pytest.raises(ValueError, match="unknown ranking key"):
        r.ranking("speed")


def test_chain_counts(world, db: Session):  # type: ignore[no-untyped-def]
    _file(db, world[0], "policy", T0, chain=3)
    _file(db, world[0], "policy", T0 + timedelta(days=40), chain=3)
    d = _file(db, world[1], "policy", T0, chain=5)
    _act(db, d, "withdraw", T0 + timedelta(hours=1), (ROUTER, ROUTER_ACTOR), reason="x")
    _file(db, world[1], "policy", T0)
    got = metrics.chain_counts(db, now=T0 + timedelta(days=30))
    assert got == {3: metrics.ChainCount(open=2, overdue=1)}


# ---------------------------------------------------------------- random workflow paths

CATS = (
    "financing",
    "land",
    "talent",
    "permits",
    "market",
    "technology",
    "policy",
    "infrastructure",
    "other",
)
WEIGHTS = {Action.withdraw: 0.15, Action.recategorise: 0.3, Action.transfer: 0.4}
INSTS = ("320115-JRJ", "320115-ZRZY", "320115-KFQ", "320115-GXJ", "320115-CGJ")


def _who(
    d: Demand, part: Part, ents: dict[int, Enterprise], rng: random.Random
) -> tuple[Principal, Actor]:
    if part is Part.router:
        return ROUTER, rng.choice((ROUTER_ACTOR, ROUTER2_ACTOR))
    if part is Part.handler:
        return _handler(d.institution_code)
    if part is Part.owner:
        return _owner(ents[d.enterprise_id])
    return ROUTER, ROUTER_ACTOR  # staff


def _data(action: Action, d: Demand, rng: random.Random) -> dict[str, Any]:
    if action is Action.transfer:
        return {
            "institution": rng.choice([i for i in INSTS if i != d.institution_code]),
            "reason": "r",
        }
    if action is Action.confirm:
        return {"verdict": rng.choice(("solved", "partly", "not")), "rating": rng.randint(1, 5)}
    if action is Action.recategorise:
        return {"category": rng.choice([c for c in CATS if c != d.category_code])}
    if action is Action.dispatch and rng.random() < 0.3:
        return {"institution": rng.choice(INSTS)}
    return {"reason": "r", "resolution": "done", "note": "n"}


def _walk(db: Session, ents: list[Enterprise], rng: random.Random, n: int) -> None:
    by_id = {e.id: e for e in ents}
    for _ in range(n):
        at = T0 + timedelta(days=rng.uniform(0, 200))
        d = _file(db, rng.choice(ents), rng.choice(CATS), at, dispatch=rng.random() < 0.9)
        for _step in range(rng.randint(0, 9)):
            options = [t for t in TRANSITIONS.values() if State(d.state) in t.sources]
            if not options:
                break
            weights = [WEIGHTS.get(t.action, 1.0) for t in options]
            t = rng.choices(options, weights)[0]
            action, part = t.action, rng.choice(sorted(t.parts - {Part.system}))
            at = at + timedelta(hours=rng.choice((1, 5, 20, 30, 70, 200, 500)))
            who = _who(d, part, by_id, rng)
            try:
                with db.begin_nested():
                    d = _act(db, d, action.value, at, who, **_data(action, d, rng))
            except HighlandError:
                db.expire(d)  # e.g. a return after its window: the path goes on without it
                d = db.get(Demand, d.id)  # type: ignore[assignment]


def _assert_projection_is_the_log(db: Session) -> None:
    replayed = metrics.replay(db)
    demands = list(db.scalars(select(Demand)))
    assert len(replayed) == len(demands)
    for d in demands:
        r = replayed[d.id]
        got = (
            r.state,
            r.category,
            r.institution,
            r.dispatched_by,
            r.dispatched_at,
            r.response_due,
            r.resolution_due,
            r.responded_at,
            r.responded_on_time,
            r.resolved_on_time,
            r.closed_at,
            r.paused_at,
            r.verdict,
            r.rating,
            r.returns,
        )
        want = (
            d.state,
            d.category_code,
            d.institution_code,
            d.dispatched_by,
            d.dispatched_at,
            d.response_due,
            d.resolution_due,
            d.responded_at,
            d.responded_on_time,
            d.resolved_on_time,
            d.closed_at,
            d.paused_at,
            d.verdict,
            d.rating,
            d.returns,
        )
        assert got == want, d.id


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_projection_and_log_agree_over_random_paths(world, db: Session, seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    _walk(db, world, rng, 40)
    _assert_projection_is_the_log(db)
    states = set(db.scalars(select(Demand.state)))
    assert len(states) >= 6
    for now in (T0 + timedelta(days=20), T0 + timedelta(days=120), T0 + timedelta(days=400)):
        _both(db, now=now, min_volume=3)
        _both(db, start=T0 + timedelta(days=30), end=T0 + timedelta(days=90), now=now)
        _both(db, category=rng.choice(CATS), now=now)


@hsettings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), days=st.integers(0, 400))
def test_projection_and_log_agree_hypothesis(world, db: Session, seed: int, days: int):  # type: ignore[no-untyped-def]
    # Examples accumulate in the test's transaction: every check covers all paths so far.
    _walk(db, world, random.Random(seed), 6)
    _assert_projection_is_the_log(db)
    _both(db, now=T0 + timedelta(days=days), min_volume=2)
