"""The overdue sweep: marks at the right second, events without version bumps, idempotence,
notices to the right people, the scheduler and the CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from highland.demands import service, sweep_cli
from highland.demands.models import Demand, DemandEvent
from highland.demands.reference import set_route, upsert_category, upsert_institution
from highland.demands.sweep import sweep
from highland.enterprises.imports import run_import
from highland.platform import db as hdb
from highland.platform.calendar import load_calendar
from highland.platform.config import Settings
from highland.platform.identity import service as identity
from highland.platform.identity.permissions import Principal, Role
from highland.platform.jobs import (
    LOCK_KEY,
    SweepScheduler,
    run_once,
    start_scheduler,
    stop_scheduler,
)
from highland.platform.kit.dates import CITY_TZ
from highland.platform.notices import service as notice_service
from highland.platform.notices.models import Notification
from tests.cli import Cli, invoke
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc

# Monday 2 March 2026, 10:00 in Nanjing: 5 working days to resolve, 2 to respond.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=CITY_TZ)
SEC = timedelta(seconds=1)
ADMIN = Principal(user_id=0, username="tester", role=Role.admin)
SETTINGS = Settings(secret_key="x", base_url="https://highland.example.org/")


@dataclass
class World:
    """Users by name (id and e-mail)."""

    users: dict[str, int]


def build_world(s: Session, sessions: sessionmaker[Session]) -> World:
    """A category, three institutions, a route with a co-handler, two enterprises, users."""
    # The import first: it writes through sessions of its own (before `s` holds a lock).
    run_import(
        sessions, ACTOR, "enterprises", to_csv([ent_row(1), ent_row(2)], ENT_HEADER), "e.csv"
    )
    upsert_category(
        s,
        ACTOR,
        {
            "code": "permit",
            "name": "审批服务",
            "name_en": "Permits",
            "response_days": 2,
            "resolution_days": 5,
        },
    )
    for code, name, en in (
        ("ZW", "区政务服务管理办公室", "District Government Services Office"),
        ("SJ", "区市场监督管理局", "District Market Regulation Bureau"),
        ("GX", "区工业和信息化局", None),
    ):
        upsert_institution(s, ACTOR, {"code": code, "name": name, "name_en": en})
    set_route(s, ACTOR, {"category": "permit", "district": "*", "lead": "ZW", "co": ["SJ"]})
    s.flush()
    users: dict[str, int] = {}
    for name, role, extra in (
        ("zw1", "handler", {"institution_code": "ZW", "email": "zw1@example.org"}),
        ("zw2", "handler", {"institution_code": "ZW"}),
        ("sj1", "handler", {"institution_code": "SJ", "email": "sj1@example.org"}),
        ("gx1", "handler", {"institution_code": "GX", "email": "gx1@example.org"}),
        ("head1", "chain_head", {"chain_id": 1, "email": "head1@example.org"}),
        ("team1", "chain_team", {"chain_id": 1, "email": "team1@example.org"}),
        ("boss", "leader", {"email": "boss@example.org"}),
    ):
        u = identity.create_user(
            s, ACTOR, username=name, password="password-123", role=role, **extra
        )
        users[name] = u.id
    s.flush()
    return World(users)


@pytest.fixture
def world(db: Session, sessions: sessionmaker[Session]) -> World:
    return build_world(db, sessions)


def file(
    s: Session,
    *,
    chain: int | None = None,
    n: int = 1,
    now: datetime = NOW,
    title: str = "新厂房施工许可",
) -> Demand:
    """A demand dispatched at `now` (to ZW with SJ co-handling)."""
    data = service.DemandInput(
        enterprise=uscc(n),
        category="permit",
        title=title,
        description="需要加快审批。",
        chain_id=chain,
    )
    return service.file_demand(s, ADMIN, ACTOR, data, dispatch=True, now=now)


def act(s: Session, d: Demand, action: str, now: datetime, **data: Any) -> Demand:
    return service.act(s, ADMIN, ACTOR, d.id, action, version=d.version, data=data, now=now)


def log_of(s: Session, d: Demand) -> list[tuple[int, str, str | None, str, str | None]]:
    return [
        (e.seq, e.action, e.from_state, e.to_state, e.actor_role) for e in service.events(s, d.id)
    ]


def notices(s: Session, **where: Any) -> list[Notification]:
    """Stored notices; `kind="warning"` means demand.warning, `demand_id=` the demand's ref."""
    stmt = select(Notification).order_by(Notification.id)
    for k, v in where.items():
        if k == "kind" and "." not in v:
            v = f"demand.{v}"
        if k == "demand_id":
            k, v = "ref", f"demand:{v}"
        stmt = stmt.where(getattr(Notification, k) == v)
    return list(s.scalars(stmt))


def text_of(n: Notification, lang: str = "zh-CN") -> tuple[str, str]:
    """A stored notice's subject and body in a language."""
    return notice_service.text(lang, n.kind, n.params)


def run(s: Session, at: datetime) -> Any:
    return sweep(s, at, settings=SETTINGS)


# ---------------------------------------------------------------- marks


def test_the_clocks_of_the_fixture(db: Session, world: World) -> None:
    d = file(db)
    local = {
        k: getattr(d, k).astimezone(CITY_TZ).strftime("%m-%d %H:%M:%S")
        for k in ("response_due", "warn_at", "resolution_due", "escalate_at")
    }
    assert local == {
        "response_due": "03-04 23:59:59",
        "warn_at": "03-06 23:59:59",
        "resolution_due": "03-09 23:59:59",
        "escalate_at": "03-12 23:59:59",
    }


def test_warning_exactly_at_warn_at_and_not_a_second_before(db: Session, world: World) -> None:
    d = file(db)
    act(db, d, "accept", NOW + timedelta(hours=1))
    version, count = d.version, d.event_count
    r = run(db, d.warn_at - SEC)
    assert (r.warned, r.breached, r.response_breached, r.escalated) == (0, 0, 0, 0)
    r = run(db, d.warn_at)
    assert (r.warned, r.breached, r.response_breached, r.escalated) == (1, 0, 0, 0)
    assert d.warned_at == d.warn_at  # the loaded object was refreshed
    assert d.version == version and d.event_count == count + 1
    ev = service.events(db, d.id)[-1]
    assert (ev.seq, ev.action, ev.from_state, ev.to_state, ev.actor, ev.actor_role) == (
        count + 1,
        "warning",
        "accepted",
        "accepted",
        "system",
        None,
    )
    assert ev.institution_code == "ZW" and ev.at == d.warn_at
    assert ev.data == {"due": d.resolution_due.isoformat()}


def test_response_breach_only_while_awaiting_the_response(db: Session, world: World) -> None:
    d, e = file(db), file(db, n=2)
    assert d.response_due is not None
    r = run(db, d.response_due)
    assert r.response_breached == 0
    act(db, e, "accept", d.response_due - SEC)  # answered in time
    r = run(db, d.response_due + SEC)
    assert r.response_breached == 1 and r.warned == 0
    assert d.response_breached_at == d.response_due + SEC and e.response_breached_at is None
    assert log_of(db, d)[-1] == (3, "response_breach", "dispatched", "dispatched", None)
    assert [n.user_id for n in notices(db, kind="response_breach")] == [
        world.users["zw1"],
        world.users["zw2"],
    ]


def test_breach_one_second_after_the_deadline(db: Session, world: World) -> None:
    d = file(db)
    act(db, d, "accept", NOW)
    run(db, d.warn_at)
    r = run(db, d.resolution_due)
    assert r.breached == 0
    r = run(db, d.resolution_due + SEC)
    assert (r.warned, r.breached, r.escalated) == (0, 1, 0)
    assert d.breached_at == d.resolution_due + SEC
    assert [a for _, a, *_ in log_of(db, d)] == [
        "submit",
        "dispatch",
        "accept",
        "warning",
        "breach",
    ]


def test_escalation_after_n_working_days(db: Session, world: World) -> None:
    db.info["escalate_after"] = 2
    d = file(db, chain=1)
    cal = load_calendar(db)
    assert d.escalate_at == cal.add_working_days(d.resolution_due, 2)
    assert d.escalate_at.astimezone(CITY_TZ).strftime("%m-%d") == "03-11"
    r = run(db, d.escalate_at)
    assert r.escalated == 0 and r.breached == 1 and r.warned == 1
    r = run(db, d.escalate_at + SEC)
    assert r.escalated == 1 and (r.warned, r.breached) == (0, 0)
    ev = service.events(db, d.id)[-1]
    assert ev.action == "escalation"
    assert ev.data == {
        "due": d.resolution_due.isoformat(),
        "escalate_at": d.escalate_at.isoformat(),
    }
    (n,) = notices(db, kind="escalation")
    assert n.user_id == world.users["head1"] and n.dedupe_key == d.resolution_due.isoformat()
    assert "已超期 2 个工作日" in text_of(n)[1] and "2 working days late" in text_of(n, "en")[1]
    # The owner (the institution's handlers) is told that it was escalated.
    owners = notices(db, kind="escalated")
    assert [o.user_id for o in owners] == [world.users["zw1"], world.users["zw2"]]


def test_escalation_without_chain_or_head_goes_to_leaders(db: Session, world: World) -> None:
    plain, headless = file(db), file(db, chain=7, n=2)
    run(db, plain.escalate_at + SEC)
    got = {(n.ref, n.user_id) for n in notices(db, kind="escalation")}
    assert got == {(f"demand:{plain.id}", world.users["boss"]),
                   (f"demand:{headless.id}", world.users["boss"])}  # fmt: skip


def test_waiting_demands_get_no_marks(db: Session, world: World) -> None:
    d = file(db, chain=1)
    act(db, d, "accept", NOW)
    act(db, d, "wait", NOW + timedelta(hours=1), reason="等待企业补充材料")
    count = d.event_count
    r = run(db, NOW + timedelta(days=60))
    assert (r.warned, r.breached, r.response_breached, r.escalated, r.notifications) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert d.event_count == count and d.warned_at is None and d.breached_at is None


def test_resolved_returned_and_submitted_demands_get_no_marks(db: Session, world: World) -> None:
    resolved, returned = file(db), file(db, n=2)
    act(db, resolved, "accept", NOW)
    act(db, resolved, "resolve", NOW + timedelta(hours=2), resolution="已办结")
    act(db, returned, "return", NOW + timedelta(hours=2), reason="不属于本单位")
    submitted = service.file_demand(
        db,
        ADMIN,
        ACTOR,
        service.DemandInput(enterprise=uscc(1), category="permit", title="未分派", description="x"),
        now=NOW,
    )
    r = run(db, NOW + timedelta(days=60))
    assert (r.warned, r.breached, r.response_breached, r.escalated) == (0, 0, 0, 0)
    for d in (resolved, returned, submitted):
        assert d.warned_at is None and d.breached_at is None and d.escalated_at is None


def test_all_marks_in_one_sweep_keep_seq_and_version(db: Session, world: World) -> None:
    d = file(db, chain=1)
    version = d.version
    r = run(db, d.escalate_at + SEC)
    assert (r.warned, r.response_breached, r.breached, r.escalated) == (1, 1, 1, 1)
    assert log_of(db, d) == [
        (1, "submit", None, "submitted", "admin"),
        (2, "dispatch", "submitted", "dispatched", "admin"),
        (3, "warning", "dispatched", "dispatched", None),
        (4, "response_breach", "dispatched", "dispatched", None),
        (5, "breach", "dispatched", "dispatched", None),
        (6, "escalation", "dispatched", "dispatched", None),
    ]
    assert d.version == version and d.event_count == 6
    # The handler's form, loaded before the sweep, is not stale.
    act(db, d, "accept", d.escalate_at + 2 * SEC)
    assert d.version == version + 1 and log_of(db, d)[-1][:2] == (7, "accept")
    # Warning notice suppressed: the deadline had already passed at the first sweep.
    assert {n.kind for n in notices(db, demand_id=d.id)} == {
        "demand.dispatched",
        "demand.response_breach",
        "demand.breach",
        "demand.escalated",
        "demand.escalation",
    }


def test_second_sweep_at_the_same_moment_changes_nothing(db: Session, world: World) -> None:
    ds = [file(db, chain=1), file(db, n=2)]
    at = ds[0].escalate_at + SEC
    first = run(db, at)
    assert first.escalated == 2 and first.notifications > 0
    before = (
        db.scalar(select(func.count()).select_from(DemandEvent)),
        db.scalar(select(func.count()).select_from(Notification)),
        [(d.event_count, d.version) for d in ds],
    )
    second = run(db, at)
    assert (
        second.warned,
        second.breached,
        second.response_breached,
        second.escalated,
        second.notifications,
    ) == (0, 0, 0, 0, 0)
    after = (
        db.scalar(select(func.count()).select_from(DemandEvent)),
        db.scalar(select(func.count()).select_from(Notification)),
        [(d.event_count, d.version) for d in ds],
    )
    assert before == after


def test_sweep_refuses_a_naive_now(db: Session, world: World) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sweep(db, datetime(2026, 3, 9))


# ---------------------------------------------------------------- notices


def test_notices_go_to_the_institutions_handlers(db: Session, world: World) -> None:
    d = file(db, title="厂房消防验收")
    act(db, d, "accept", NOW)
    run(db, d.warn_at)
    u = world.users
    warn = notices(db, kind="warning")
    assert [n.user_id for n in warn] == [u["zw1"], u["zw2"]]
    n = warn[0]
    assert n.link == f"/demands/{d.id}" and n.ref == f"demand:{d.id}"
    zh_subject, zh_body = text_of(n)
    en_subject, en_body = text_of(n, "en")
    assert zh_subject == f"【即将超期】诉求 #{d.id}：厂房消防验收"
    assert en_subject == f"[Due soon] Demand #{d.id}: 厂房消防验收"
    assert n.dedupe_key == d.resolution_due.isoformat()
    for part in ("企业：南京测试1号软件科技有限公司", "责任单位：区政务服务管理办公室",
                 "办理时限 2026-03-09 23:59（北京时间）"):  # fmt: skip
        assert part in zh_body, part
    for part in ("Enterprise: Nanjing Test 1", "institution: District Government Services Office",
                 "2026-03-09 23:59 (Beijing time)"):  # fmt: skip
        assert part in en_body, part
    # A breach reaches the co-handlers too; never an unrelated institution.
    run(db, d.resolution_due + SEC)
    assert [n.user_id for n in notices(db, kind="breach")] == [u["zw1"], u["zw2"], u["sj1"]]
    assert not notices(db, user_id=u["gx1"]) and not notices(db, user_id=u["team1"])


def test_inactive_users_get_no_notice(db: Session, world: World) -> None:
    from highland.platform.identity.models import User

    zw2 = db.get(User, world.users["zw2"])
    assert zw2 is not None
    zw2.is_active = False
    d = file(db)
    run(db, d.warn_at)
    assert [n.user_id for n in notices(db, kind="warning")] == [world.users["zw1"]]


def test_a_restarted_clock_warns_again(db: Session, world: World) -> None:
    d = file(db)
    act(db, d, "accept", NOW)
    first_due = d.resolution_due
    run(db, d.warn_at)
    act(db, d, "resolve", d.warn_at + SEC, resolution="已办")
    act(db, d, "confirm", d.warn_at + 2 * SEC, verdict="not", rating=2)
    assert d.state == "reopened" and d.warned_at is None and d.resolution_due != first_due
    r = run(db, d.warn_at)
    assert r.warned == 1
    keys = [n.dedupe_key for n in notices(db, kind="warning", user_id=world.users["zw1"])]
    assert keys == [first_due.isoformat(), d.resolution_due.isoformat()]


# ---------------------------------------------------------------- scheduler, run_once


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (run_once commits)."""
    from highland.enterprises.service import seed_regions
    from highland.schema import upgrade

    engine = hdb.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with hdb.transaction(engine) as s:
        seed_regions(s, "320100")
    with hdb.transaction(engine) as s:
        build_world(s, hdb.session_factory(engine))
        file(s, chain=1)
    yield engine
    engine.dispose()


def test_run_once_commits_and_logs(fresh: Engine) -> None:
    with hdb.transaction(fresh) as s:
        d = s.scalars(select(Demand)).one()
        at = d.escalate_at + SEC
    r = run_once(fresh, SETTINGS, at)
    assert (r.warned, r.breached, r.response_breached, r.escalated) == (1, 1, 1, 1)
    # response breach (2), breach (3), escalation: the owners (2) and the chain head (no warning)
    assert r.notifications == 2 + 3 + 2 + 1
    assert (r.emails_sent, r.emails_failed) == (0, 0)  # no SMTP host: UI only
    assert run_once(fresh, SETTINGS, at).summary().startswith("warned 0, breached 0")
    with hdb.transaction(fresh) as s:
        assert s.scalar(select(func.count()).select_from(DemandEvent)) == 6


def test_run_once_rebuilds_stale_chain_figures(fresh: Engine) -> None:
    from highland.chains import figures
    from highland.chains.models import Chain, ChainMonthFigure

    with hdb.transaction(fresh) as s:
        assert not figures.state(s)  # never built
        s.add(Chain(id=1, code="c1", name="一号链"))
    run_once(fresh, SETTINGS)
    with hdb.transaction(fresh) as s:
        state = figures.state(s)
        assert state["registry"]["fresh"] and state["links"]["fresh"]
        before = state["registry"]["built_from"]
        kept = s.scalars(select(ChainMonthFigure.chain_id)).all()
        assert kept == [1]  # this month's indicators of the world's chain, kept
        s.execute(text("UPDATE enterprise SET district_code = '320106'"))
    with hdb.transaction(fresh) as s:
        assert not figures.state(s)["registry"]["fresh"]
    run_once(fresh, SETTINGS)
    with hdb.transaction(fresh) as s:
        state = figures.state(s)
        assert state["registry"]["fresh"] and state["registry"]["built_from"] > before


def test_scheduler_runs_and_survives_errors(
    fresh: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="highland.platform.jobs")
    broken = hdb.make_engine("sqlite:////nonexistent-dir/x.db")
    sched = SweepScheduler(broken, SETTINGS, minutes=0.001)
    done = threading.Event()
    real_tick = sched.tick

    def tick() -> None:
        real_tick()
        if sched.runs >= 2:
            done.set()

    sched.tick = tick  # type: ignore[method-assign]
    sched.start()
    assert done.wait(10), "the scheduler stopped after a failed sweep"
    sched.stop()
    assert not sched.alive
    assert "demand sweep failed" in caplog.text
    good = SweepScheduler(fresh, SETTINGS, minutes=15)
    good.tick()
    assert good.last is not None and "warned" in caplog.text.split("demand sweep: ")[-1]


def test_start_and_stop_with_the_app_settings(fresh: Engine) -> None:
    class State:
        pass

    class App:
        state = State()

    app = App()
    app.state.engine = fresh  # type: ignore[attr-defined]
    app.state.settings = Settings(secret_key="x", demand_sweep_minutes=0)  # type: ignore[attr-defined]
    assert start_scheduler(app) is None
    stop_scheduler(app)
    app.state.settings = Settings(secret_key="x", demand_sweep_minutes=15)  # type: ignore[attr-defined]
    sched = start_scheduler(app)
    assert sched is not None and sched.alive and sched.runs == 0  # first run after 15 minutes
    stop_scheduler(app)
    assert not sched.alive and app.state.demand_sweep is None  # type: ignore[attr-defined]


def test_only_one_postgresql_worker_sweeps_at_a_time(
    engine: Engine, db: Session, world: World
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite has one writer")
    db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    r = run_once(engine, SETTINGS, NOW + timedelta(days=30))
    assert r.skipped and r.summary().startswith("skipped")


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_db(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.delenv("HIGHLAND_SMTP_HOST", raising=False)
    assert invoke("sweep", "--now", "2026-01-05", app=sweep_cli.app).code == 0
    engine = hdb.get_engine()
    with hdb.transaction(engine) as s:
        build_world(s, hdb.session_factory(engine))
        file(s)
    yield engine


def test_cli_sweep(cli_db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    res = invoke("sweep", "--now", "2026-03-06T23:59:58", app=sweep_cli.app)
    assert res.code == 0, res.output
    assert "诉求：预警 0，超期 0，响应超期 1，升级 0" in res.output
    res = invoke("sweep", "--now", "2026-03-06 23:59:59+08:00", app=sweep_cli.app)
    assert res.code == 0 and "预警 1，" in res.output, res.output
    assert "通知仅在界面中显示" in res.output
    # The same summary in English, as an operator with HIGHLAND_LANG=en reads it.
    monkeypatch.setenv("HIGHLAND_LANG", "en")
    res = invoke("sweep", "--now", "2026-03-06T15:59:59Z", app=sweep_cli.app)
    assert res.code == 0 and "warned 0, breached 0, response breached 0" in res.output


def test_cli_bad_now_names_the_flag_and_writes_nothing(cli_db: Engine) -> None:
    res = invoke("sweep", "--now", "next tuesday", app=sweep_cli.app)
    assert res.code == 2
    assert "--now：“next tuesday”不是日期或日期时间" in res.output
    with hdb.transaction(cli_db) as s:
        assert s.scalar(select(func.count()).select_from(DemandEvent)) == 2
