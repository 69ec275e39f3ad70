"""Enterprise demands: intake over the REST API, the overdue sweep, per-institution metrics and
deadline computations.

    python bench/bench_demands.py              # 60 s intake, 1,000,000 demands, 3 runs
    python bench/bench_demands.py --quick      # 10 s intake, 100,000 demands, 1 run
    python bench/bench_demands.py --only metrics,sweep
    python bench/bench_demands.py --smoke --work /tmp/x   # what tests/test_demands_bench.py runs

Parts:

- intake: `POST /api/v1/demands` from 20 client threads (httpx, bearer token) for 60 s against
  `highland serve` (uvicorn, one process) on a fresh SQLite file: demands/s, p50/p95 latency,
  errors, and a count check (demands and their events in the database == 201 responses).
- sweep: `sweep.sweep` over N historical demands (generated set-based, straight into `demand`
  and `demand_event`, with projections consistent with their logs: most closed, some open and
  overdue); the first sweep on a fresh copy of the database, then a second one at the same
  moment (idempotent: it marks nothing).
- metrics: `metrics.institution_metrics` (one GROUP BY over the projection) over all N demands
  and over one year of them; `metrics.metrics_from_log` (replay of the events) for comparison,
  with a check that both reports are equal.
- calendar: deadlines per second with `WorkCalendar.add_working_days` (one at a time) and
  `add_working_days_many` (vectorised); peer: a naive day-by-day loop over `holidays.China`.

Benchmarks are scripts, not tests. Data and databases go under bench/data/ (or --work),
results under bench/out/. The smoke size (every part: 2,000 demands over 200 firms, 2,000
deadlines, a 1 s intake by 2 clients on 100 firms; one run; nothing saved) checks that every
part runs, that its counts hold and that the two ways of each figure agree.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import (
    DATA,
    SEED,
    fresh_dir,
    highland_bin,
    highland_env,
    machine,
    median,
    percentile,
    save,
)  # noqa: E402,E501

PARTS = ("calendar", "metrics", "sweep", "intake")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 Shanghai, a Wednesday
FIRST = datetime(2021, 1, 4, 1, 0, tzinfo=UTC)
ROUTERS = ("router-1", "router-2", "router-3", "router-4", "router-5")
USER, PASSWORD = "bench", "bench-password-1"
EPOCH_ORD = date(1970, 1, 1).toordinal()
US = 1_000_000
DAY = 86_400 * US
HOUR = 3_600 * US


# ---------------------------------------------------------------- shared set-up


def _setup_db(db: Path, enterprises: int) -> None:
    """Schema, regions, `enterprises` registry firms, the demo reference data, a bench admin."""
    from sqlalchemy.orm import Session, sessionmaker

    from highland.demands.demo.service import _reference_text
    from highland.demands.reference import load_reference
    from highland.enterprises import demo as ent_demo
    from highland.enterprises.imports import run_import
    from highland.enterprises.service import seed_regions
    from highland.platform.audit.service import Actor
    from highland.platform.db import make_engine
    from highland.platform.identity.service import create_user
    from highland.schema import upgrade

    actor = Actor("bench", "admin", "cli")
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with Session(engine) as s:
        seed_regions(s, "320100")
        s.commit()
    ents, _ = ent_demo.generate(enterprises, SEED)
    res = run_import(
        sessionmaker(engine), actor, "enterprises", ents.write_csv().encode(), "bench.csv"
    )
    assert res.written, res
    with Session(engine) as s:
        load_reference(s, actor, _reference_text(), "demo_reference.yaml")
        create_user(s, actor, username=USER, password=PASSWORD, role="admin")
        s.commit()
    engine.dispose()


# ---------------------------------------------------------------- historical demands


def _us(dt: datetime) -> int:
    return int(dt.timestamp()) * US


def _fmt(us: np.ndarray) -> np.ndarray:
    """SQLite's DateTime text (UTC) of epoch microseconds."""
    s = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
    return np.char.replace(s, "T", " ")


def _local_ord(us: np.ndarray) -> np.ndarray:
    return (us + 8 * 3600 * US) // DAY + EPOCH_ORD


def _add_wd(cal: Any, us: np.ndarray, n: int) -> np.ndarray:
    """Deadline (epoch µs) n working days after each moment: add_working_days_many on the
    distinct Shanghai dates."""
    from highland.platform.kit.dates import CITY_TZ

    uniq, inv = np.unique(_local_ord(us), return_inverse=True)
    starts = [datetime.combine(date.fromordinal(int(o)), dtime(12), CITY_TZ) for o in uniq]
    ends = cal.add_working_days_many(starts, n)
    out = np.array([int(e.timestamp()) * US for e in ends], dtype=np.int64)
    return out[inv]


# Paths: confirmed, withdrawn, returned, in_progress, dispatched, resolved, accepted.
PATHS = ("confirmed", "withdrawn", "returned", "in_progress", "dispatched", "resolved", "accepted")
P_PATH = (0.72, 0.04, 0.01, 0.14, 0.04, 0.03, 0.02)
OPEN_PATHS = {3, 4, 5, 6}
ACTIONS = {
    0: ("submit", "dispatch", "accept", "start", "resolve", "confirm"),
    1: ("submit", "dispatch", "withdraw"),
    2: ("submit", "dispatch", "return"),
    3: ("submit", "dispatch", "accept", "start"),
    4: ("submit", "dispatch"),
    5: ("submit", "dispatch", "accept", "start", "resolve"),
    6: ("submit", "dispatch", "accept"),
}
TO_STATE = {"submit": "submitted", "dispatch": "dispatched", "accept": "accepted",
            "start": "in_progress", "resolve": "resolved", "withdraw": "withdrawn",
            "return": "returned"}  # fmt: skip


def historical(db: Path, n: int, seed: int) -> dict[str, Any]:
    """Generate n demands and their events into `db` (set-based: numpy + executemany)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from highland.demands.models import DemandCategory, RoutingRule
    from highland.enterprises.models import Enterprise
    from highland.platform.calendar import load_calendar
    from highland.platform.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        cats = list(s.scalars(select(DemandCategory).order_by(DemandCategory.code)))
        lead = {
            r.category_code: r.lead_code
            for r in s.scalars(select(RoutingRule).where(RoutingRule.district_key == "320115"))
        }
        ent_ids = np.array(list(s.scalars(select(Enterprise.id))), dtype=np.int64)
        cal = load_calendar(s)
    engine.dispose()
    rng = np.random.default_rng(seed)
    t_start = time.perf_counter()
    path = rng.choice(len(PATHS), size=n, p=P_PATH)
    is_open = np.isin(path, list(OPEN_PATHS))
    now, first = _us(NOW), _us(FIRST)
    # Closed demands over the whole period; open ones dispatched in the last 60 days.
    dispatch = np.where(
        is_open,
        now - rng.integers(HOUR, 60 * DAY, n),
        rng.integers(first, now - 60 * DAY, n),
    )
    submit = dispatch - rng.integers(HOUR, 48 * HOUR, n)
    cat_i = rng.integers(0, len(cats), n)
    reso_days = np.array([c.resolution_days for c in cats])[cat_i]
    response_due = np.zeros(n, dtype=np.int64)
    resolution_due = np.zeros(n, dtype=np.int64)
    warn_at = np.zeros(n, dtype=np.int64)
    for i, c in enumerate(cats):
        m = cat_i == i
        response_due[m] = _add_wd(cal, dispatch[m], c.response_days)
        resolution_due[m] = _add_wd(cal, dispatch[m], c.resolution_days)
        warn_at[m] = _add_wd(cal, dispatch[m], c.resolution_days - 1)
    escalate_at = _add_wd(cal, resolution_due, 3)
    span = np.maximum(now - dispatch, 2 * HOUR)
    accept = np.where(
        is_open,
        dispatch + (rng.random(n) * 0.2 * span).astype(np.int64),
        dispatch + (rng.gamma(1.2, 0.9, n) * DAY).astype(np.int64),
    )
    start = accept + HOUR
    resolve = np.where(
        is_open,
        start + (rng.random(n) * 0.9 * np.maximum(now - start, HOUR)).astype(np.int64),
        start + (rng.gamma(2.0, reso_days * 0.45) * DAY).astype(np.int64),
    )
    confirm = resolve + rng.integers(12 * HOUR, 5 * DAY, n)
    withdraw = dispatch + rng.integers(2 * HOUR, 3 * DAY, n)
    ret = dispatch + rng.integers(HOUR, 20 * HOUR, n)
    verdict_solved = rng.random(n) < 0.78
    rating = np.where(verdict_solved, rng.integers(4, 6, n), rng.integers(2, 5, n))
    router = rng.integers(0, len(ROUTERS), n)
    ent = ent_ids[rng.integers(0, len(ent_ids), n)]
    chain = np.where(rng.random(n) < 0.3, rng.integers(1, 51, n), 0)
    has_accept = np.isin(path, [0, 3, 5, 6])
    has_resolve = np.isin(path, [0, 5])
    closed_at = np.where(path == 0, confirm, np.where(path == 1, withdraw, 0))
    last = np.select(
        [path == 0, path == 1, path == 2, path == 3, path == 4, path == 5, path == 6],
        [confirm, withdraw, ret, start, dispatch, resolve, accept],
    )
    n_events = np.array([len(ACTIONS[p]) for p in range(len(PATHS))])[path]
    text = {k: _fmt(v) for k, v in {
        "submit": submit, "dispatch": dispatch, "response_due": response_due,
        "resolution_due": resolution_due, "warn_at": warn_at, "escalate_at": escalate_at,
        "accept": accept, "start": start, "resolve": resolve, "confirm": confirm,
        "withdraw": withdraw, "return": ret, "closed": closed_at, "last": last,
    }.items()}  # fmt: skip
    resp_ok = accept <= response_due
    reso_ok = resolve <= resolution_due
    codes = [c.code for c in cats]
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    demand_cols = (
        "id, enterprise_id, category_code, title, description, priority, chain_id, tags, source, "
        "public, created_at, created_by, version, event_count, state, open, institution_code, "
        "co_handlers, dispatched_by, dispatched_at, clock_start, paused_days, response_due, "
        "resolution_due, warn_at, escalate_at, responded_at, resolved_at, closed_at, "
        "responded_on_time, resolved_on_time, returns, reopens, resolution, verdict, rating, "
        "updated_at"
    )
    q_demand = f"INSERT INTO demand ({demand_cols}) VALUES ({', '.join('?' * 37)})"
    q_event = (
        "INSERT INTO demand_event (demand_id, seq, at, actor, actor_role, action, from_state, "
        "to_state, institution_code, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    chunk = 50_000
    events_total = 0
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        drows: list[tuple[Any, ...]] = []
        erows: list[tuple[Any, ...]] = []
        for i in range(lo, hi):
            p = int(path[i])
            code = codes[cat_i[i]]
            inst = None if p == 2 else lead[code]
            who = ROUTERS[router[i]]
            acc = bool(has_accept[i])
            res = bool(has_resolve[i])
            state = PATHS[p]
            verdict = ("solved" if verdict_solved[i] else "partly") if p == 0 else None
            rate = int(rating[i]) if p == 0 else None
            ne = int(n_events[i])
            drows.append((
                i + 1, int(ent[i]), code, "扩产用地需求", "历史诉求（基准测试生成）", "normal",
                int(chain[i]) or None, "[]", "staff", 0, text["submit"][i], who, ne, ne, state,
                int(p in OPEN_PATHS), inst, "[]", who, text["dispatch"][i], text["dispatch"][i],
                0, text["response_due"][i], text["resolution_due"][i], text["warn_at"][i],
                text["escalate_at"][i], text["accept"][i] if acc else None,
                text["resolve"][i] if res else None, text["closed"][i] if closed_at[i] else None,
                int(resp_ok[i]) if acc else None, int(reso_ok[i]) if res else None,
                int(p == 2), 0, "已办结" if res else None, verdict, rate, text["last"][i],
            ))  # fmt: skip
            prev: str | None = None
            data: dict[str, Any]
            for seq, action in enumerate(ACTIONS[p], 1):
                if action == "submit":
                    at, actor, role, data, ecode = text["submit"][i], who, "analyst", {
                        "category": code}, None  # fmt: skip
                elif action == "dispatch":
                    at, actor, role, data, ecode = text["dispatch"][i], who, "analyst", {
                        "institution": lead[code], "co": []}, lead[code]  # fmt: skip
                elif action in ("accept", "start", "resolve", "return"):
                    at, actor, role, ecode = text[action][i], "handler", "handler", lead[code]
                    by_action: dict[str, dict[str, Any]] = {
                        "accept": {"note": ""}, "start": {},
                        "resolve": {"resolution": "已办结", "on_time": bool(reso_ok[i])},
                        "return": {"reason": "非本单位职责", "institution": lead[code],
                                   "router": who},
                    }  # fmt: skip
                    data = by_action[action]
                elif action == "confirm":
                    at, actor, role, ecode = text["confirm"][i], "enterprise", "enterprise", inst
                    data = {"verdict": verdict, "rating": rate, "comment": None}
                else:  # withdraw
                    at, actor, role, ecode = text["withdraw"][i], who, "analyst", inst
                    data = {"reason": "企业撤回"}
                to = "confirmed" if action == "confirm" else TO_STATE[action]
                erows.append((i + 1, seq, at, actor, role, action, prev, to, ecode,
                              json.dumps(data, ensure_ascii=False)))  # fmt: skip
                prev = to
        conn.execute("BEGIN")
        conn.executemany(q_demand, drows)
        conn.executemany(q_event, erows)
        conn.execute("COMMIT")
        events_total += len(erows)
        print(f"  {hi:,} demands, {events_total:,} events", end="\r", flush=True)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print()
    states = {PATHS[k]: int(v) for k, v in zip(*np.unique(path, return_counts=True), strict=True)}
    return {"demands": n, "events": events_total, "states": states,
            "seconds": round(time.perf_counter() - t_start, 1)}  # fmt: skip


def history_db(
    n: int, seed: int, where: Path = DATA, firms: int = 2000
) -> tuple[Path, dict[str, Any]]:
    """The cached database of n historical demands of `firms` firms (built once)."""
    path = where / f"demands-{n}-{seed}.db"
    meta = where / f"demands-{n}-{seed}.json"
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())
    work = fresh_dir(f"demands-{n}-build", where)
    db = work / "highland.db"
    print(f"building {path.name} (one-off)…", flush=True)
    _setup_db(db, firms)
    info = historical(db, n, seed)
    shutil.move(db, path)
    meta.write_text(json.dumps(info))
    return path, info


# ---------------------------------------------------------------- parts


# The index institution_metrics is written for (proposed for models.Demand / migration 0003):
# grouping keys first, then every column the filters and the `now` conditions read.
METRICS_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_demand_metrics ON demand (institution_code, dispatched_by, "
    "responded_on_time, resolved_on_time, verdict, rating, dispatched_at, category_code, "
    "chain_id, open, state, response_due, closed_at, resolution_due, paused_at, returns)"
)


def _time_sql(db: Path, runs: int) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    from highland.demands import metrics
    from highland.platform.db import make_engine

    engine = make_engine(f"sqlite:///{db}")
    out: dict[str, Any] = {}
    year = (NOW - timedelta(days=365), NOW)
    with Session(engine) as s:
        metrics.institution_metrics(s, now=NOW)  # warm the page cache
        periods: tuple[tuple[str, datetime | None, datetime | None], ...] = (
            ("all", None, None),
            ("one_year", *year),
        )
        for label, start, end in periods:
            times = []
            for _ in range(max(runs, 3) + 2):
                t = time.perf_counter()
                rep = metrics.institution_metrics(s, start, end, now=NOW)
                times.append(time.perf_counter() - t)
            out[f"{label}_s"] = round(median(times), 3)
            out[f"{label}_runs"] = [round(x, 3) for x in times]
            out[f"{label}_volume"] = sum(m.volume for m in rep.institutions)
        out["indexes"] = [
            r[0]
            for r in s.connection()
            .exec_driver_sql("SELECT name FROM sqlite_master WHERE tbl_name = 'demand' AND "
                             "type = 'index' ORDER BY name")
            .all()
        ]  # fmt: skip
        t = time.perf_counter()
        chains = metrics.chain_counts(s, now=NOW)
        out["chain_counts_s"] = round(time.perf_counter() - t, 3)
        out["chains"] = len(chains)
    engine.dispose()
    return out


def part_metrics(
    n: int, runs: int, seed: int, where: Path = DATA, firms: int = 2000
) -> dict[str, Any]:
    """institution_metrics (all, one year) on the schema as it is and with ix_demand_metrics,
    and metrics_from_log over the same n demands, with a check that the reports agree."""
    from sqlalchemy.orm import Session

    from highland.demands import metrics
    from highland.platform.db import make_engine

    db, info = history_db(n, seed, where, firms)
    out: dict[str, Any] = {"data": info, "schema": _time_sql(db, runs)}
    if "ix_demand_metrics" not in out["schema"]["indexes"]:
        work = fresh_dir("demands-metrics", where)
        copy = work / "indexed.db"
        shutil.copy(db, copy)
        conn = sqlite3.connect(copy)
        t = time.perf_counter()
        conn.execute(METRICS_INDEX)
        conn.commit()
        out["index_build_s"] = round(time.perf_counter() - t, 1)
        conn.close()
        out["index_mib"] = round((copy.stat().st_size - db.stat().st_size) / 2**20)
        out["with_index"] = _time_sql(copy, runs)
        copy.unlink()
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        sql = metrics.institution_metrics(s, now=NOW)
        log_runs = []
        for _ in range(1 if n >= 500_000 else max(runs, 3)):
            t = time.perf_counter()
            log = metrics.metrics_from_log(s, now=NOW)
            log_runs.append(time.perf_counter() - t)
        out["log_s"] = round(median(log_runs), 2)
        out["log_runs"] = [round(x, 2) for x in log_runs]
        out["agree"] = sql == log
    engine.dispose()
    return out


def _sweep_once(src: Path, work: Path, settings: Any, audit: bool) -> dict[str, Any]:
    """One first sweep (and a second at the same moment) on a fresh copy of `src`; with
    `audit=False` the marks' audit batch is skipped (the reference the audit's cost is
    measured against: the sweep writes everything else as usual)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from highland.demands import sweep
    from highland.demands.models import DemandEvent
    from highland.platform.db import make_engine
    from highland.platform.workflow import sweep as engine_sweep

    db = work / "sweep.db"
    shutil.copy(src, db)
    engine = make_engine(f"sqlite:///{db}")
    writer = engine_sweep.record_rows
    if not audit:
        engine_sweep.record_rows = lambda *a, **k: 0
    try:
        with Session(engine) as s:
            before = s.scalar(select(func.count()).select_from(DemandEvent))
            t, c = time.perf_counter(), time.process_time()
            r1 = sweep.sweep(s, now=NOW, settings=settings)
            s.commit()
            first, cpu = time.perf_counter() - t, time.process_time() - c
            t = time.perf_counter()
            r2 = sweep.sweep(s, now=NOW, settings=settings)
            s.commit()
            second = time.perf_counter() - t
            after = s.scalar(select(func.count()).select_from(DemandEvent))
    finally:
        engine_sweep.record_rows = writer
        engine.dispose()
        db.unlink()
    return {"first": first, "cpu": cpu, "second": second,
            "result": {"first": r1.summary(), "second": r2.summary(),
                       "events_added": int(after or 0) - int(before or 0)}}  # fmt: skip


def part_sweep(
    n: int, runs: int, seed: int, where: Path = DATA, firms: int = 2000
) -> dict[str, Any]:
    """First sweep on a fresh copy of the n-demand database, then a second at the same moment;
    each run also sweeps a fresh copy without the audit batch (alternating which goes first),
    so that the audit log's share is measured under the same load."""
    from highland.platform.config import Settings

    src, info = history_db(n, seed, where, firms)
    work = fresh_dir("demands-sweep", where)
    settings = Settings(secret_key="bench", instance_dir=work / "var")
    on: list[dict[str, Any]] = []
    off: list[dict[str, Any]] = []
    # One untimed sweep first: the working calendar and the modules the sweep loads on first
    # use would otherwise be charged to whichever arm runs first.
    _sweep_once(src, work, settings, True)
    for k in range(runs):
        for audit in (True, False) if k % 2 == 0 else (False, True):
            (on if audit else off).append(_sweep_once(src, work, settings, audit))

    def med(rows: list[dict[str, Any]], key: str, digits: int = 2) -> float:
        return round(median([r[key] for r in rows]), digits)

    return {
        "data": info,
        "first_s": med(on, "first"),
        "first_runs": [round(r["first"], 2) for r in on],
        "first_cpu_s": med(on, "cpu"),
        "second_s": med(on, "second", 3),
        "second_runs": [round(r["second"], 3) for r in on],
        "first_without_audit_s": med(off, "first"),
        "first_without_audit_runs": [round(r["first"], 2) for r in off],
        "first_without_audit_cpu_s": med(off, "cpu"),
        "audit_share": round(med(on, "first", 4) / med(off, "first", 4) - 1, 3),
        "audit_share_cpu": round(med(on, "cpu", 4) / med(off, "cpu", 4) - 1, 3),
        "results": [r["result"] for r in on],
    }


def _naive_peer() -> Any:
    """Day-by-day deadline with `holidays` directly (the peer)."""
    import holidays
    from holidays.countries.china import ChinaStaticHolidays

    from highland.platform.calendar import end_of_day, official_makeup_days
    from highland.platform.kit.dates import CITY_TZ

    off = holidays.China(years=range(2021, 2028))
    makeup = official_makeup_days(ChinaStaticHolidays.special_public_holidays)

    def add(start: datetime, n: int) -> datetime:
        d = start.astimezone(CITY_TZ).date()
        left = n
        while left:
            d += timedelta(days=1)
            if d in makeup or (d.weekday() < 5 and d not in off):
                left -= 1
        return end_of_day(d)

    return add


def part_calendar(runs: int, n: int = 200_000) -> dict[str, Any]:
    """Deadlines per second: single, vectorised, and the naive peer, in the same run."""
    from highland.platform.calendar import official_calendar
    from highland.platform.kit.dates import CITY_TZ

    cal = official_calendar()
    rng = random.Random(SEED)
    span = int(
        (datetime(2026, 10, 1, tzinfo=UTC) - datetime(2021, 1, 1, tzinfo=UTC)).total_seconds()
    )
    origin = datetime(2021, 1, 1, tzinfo=UTC)
    starts = [origin + timedelta(seconds=rng.randrange(span)) for _ in range(n)]
    ns = [rng.randint(1, 20) for _ in starts]
    peer = _naive_peer()
    sample = list(zip(starts[:2000], ns[:2000], strict=True))
    agree = all(cal.add_working_days(s, k) == peer(s, k) for s, k in sample)
    single, many, naive = [], [], []
    for _ in range(max(runs, 3)):
        t = time.perf_counter()
        for s, k in zip(starts, ns, strict=True):
            cal.add_working_days(s, k)
        single.append(len(starts) / (time.perf_counter() - t))
        t = time.perf_counter()
        cal.add_working_days_many(starts, 10)
        many.append(len(starts) / (time.perf_counter() - t))
        t = time.perf_counter()
        for s, k in sample:
            peer(s, k)
        naive.append(len(sample) / (time.perf_counter() - t))
    return {
        "starts": len(starts),
        "single_per_s": round(median(single)),
        "many_per_s": round(median(many)),
        "naive_holidays_per_s": round(median(naive)),
        "naive_sample": len(sample),
        "agree_with_naive": agree,
        "tz": str(CITY_TZ),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def part_intake(
    seconds: float, clients: int, where: Path = DATA, firms: int = 500
) -> dict[str, Any]:
    """POST /api/v1/demands from `clients` threads for `seconds` against `highland serve`."""
    import httpx
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from highland.demands.models import Demand, DemandEvent
    from highland.enterprises.models import Enterprise
    from highland.platform.audit.service import Actor
    from highland.platform.db import make_engine
    from highland.platform.identity.service import create_token

    work = fresh_dir("demands-intake", where)
    db = work / "highland.db"
    _setup_db(db, firms)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        token = create_token(s, Actor("bench", "admin", "cli"), USER, "bench")
        usccs = list(s.scalars(select(Enterprise.uscc)))
        s.commit()
    engine.dispose()
    cats = ["financing", "land", "talent", "permits", "market", "technology", "policy",
            "infrastructure", "other"]  # fmt: skip
    port = _free_port()
    env = {**os.environ, **highland_env(db, work / "var"), "HIGHLAND_SECRET_KEY": "bench-secret"}
    log = (work / "server.log").open("wb")
    server = subprocess.Popen([highland_bin(), "serve", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((work / "server.log").read_text()[-2000:])
            time.sleep(0.3)
        lat: list[float] = []
        codes: dict[int, int] = {}
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def client(k: int) -> None:
            rng = random.Random(k)
            mine: list[float] = []
            mine_codes: dict[int, int] = {}
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                              timeout=60) as c:  # fmt: skip
                while time.monotonic() < stop:
                    body = {"enterprise": rng.choice(usccs), "category": rng.choice(cats),
                            "title": f"基准测试诉求 {k}", "description": "企业需要扩产用地。",
                            "priority": "normal", "tags": ["bench"], "chain_id": None}  # fmt: skip
                    t = time.perf_counter()
                    try:
                        r = c.post("/api/v1/demands", json=body)
                        code = r.status_code
                    except httpx.HTTPError as exc:
                        code = 0
                        with lock:
                            errors.append(repr(exc)[:200])
                    mine.append(time.perf_counter() - t)
                    mine_codes[code] = mine_codes.get(code, 0) + 1
                    if code not in (201, 0) and len(errors) < 20:
                        with lock:
                            errors.append(f"{code}: {r.text[:200]}")
            with lock:
                lat.extend(mine)
                for key, v in mine_codes.items():
                    codes[key] = codes.get(key, 0) + v

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        n_demands = int(s.scalar(select(func.count()).select_from(Demand)) or 0)
        n_events = int(s.scalar(select(func.count()).select_from(DemandEvent)) or 0)
    engine.dispose()
    ok = codes.get(201, 0)
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(lat),
        "created": ok,
        "demands_per_s": round(ok / wall, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 1),
        "p95_ms": round(percentile(lat, 95) * 1000, 1),
        "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "status": {str(k): v for k, v in sorted(codes.items())},
        "errors": errors[:10],
        "db_demands": n_demands,
        "db_events": n_events,
        "count_check": n_demands == ok and n_events == ok,
    }


SMOKE = {"demands": 2000, "firms": 200, "starts": 2000, "seconds": 1.0, "clients": 2,
         "intake_firms": 100}  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the chosen parts and save the results (a smoke run saves nothing); return them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s intake, 100,000 demands")
    parser.add_argument("--demands", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--only", default="all", help=f"comma list of {', '.join(PARTS)}")
    parser.add_argument("--smoke", action="store_true",
                        help="every part at a tiny size, 1 run, nothing saved")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None,
                        help="databases here (default bench/data)")  # fmt: skip
    args = parser.parse_args(argv)
    sizes = {"firms": 2000, "starts": 200_000, "intake_firms": 500}
    if args.smoke:
        args.demands, args.runs, args.seconds = SMOKE["demands"], 1, SMOKE["seconds"]
        args.clients = SMOKE["clients"]
        sizes = {k: int(SMOKE[k]) for k in sizes}
    where = args.work or DATA
    n = args.demands or (100_000 if args.quick else 1_000_000)
    runs = args.runs or (1 if args.quick else 3)
    secs = args.seconds or (10.0 if args.quick else 60.0)
    parts = PARTS if args.only == "all" else tuple(args.only.split(","))
    result: dict[str, Any] = {"machine": machine(), "demands": n, "runs": runs}
    with contextlib.suppress(OSError):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        result["lscpu"] = lscpu.splitlines()[:12]
    for part in parts:
        print(f"== {part}", flush=True)
        t = time.perf_counter()
        if part == "calendar":
            result[part] = part_calendar(runs, sizes["starts"])
        elif part == "metrics":
            result[part] = part_metrics(n, runs, args.seed, where, sizes["firms"])
        elif part == "sweep":
            result[part] = part_sweep(n, runs, args.seed, where, sizes["firms"])
        elif part == "intake":
            result[part] = part_intake(secs, args.clients, where, sizes["intake_firms"])
        else:
            raise SystemExit(f"unknown part {part}; parts are {', '.join(PARTS)}")
        result[part]["part_wall_s"] = round(time.perf_counter() - t, 1)
        print(json.dumps(result[part], ensure_ascii=False, indent=1)[:3000], flush=True)
    if not args.smoke:
        print(f"saved {save(f'demands-{n}', result)}")
    return result


if __name__ == "__main__":
    main()
