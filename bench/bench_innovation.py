"""The cooperation pipeline (`/innovation/pipeline` and its API) over 10,000 projects.

    python bench/bench_innovation.py                     # 10,000 projects, 40 requests a path
    python bench/bench_innovation.py --projects 20000 --requests 60
    python bench/bench_innovation.py --profile           # cProfile of one pipeline view
    python bench/bench_innovation.py --reuse             # time again, no set-up (same data)
    python bench/bench_innovation.py --reuse --unfrozen  # as before the app's gc.freeze()
    python bench/bench_innovation.py --smoke             # what tests/test_innovation_bench.py runs

Set-up (not timed): `highland demo --enterprises N` (its chains, institutions, the innovation
demo: 29 centres, two events, 15 projects), then generated cooperation projects up to
--projects, imported with `highland innovation import projects` (the registers' checks, like
any user's file: partners in 20 countries, Nanjing firms of the registry, chains of the demo,
signed at the demo's events or at none), then moved along the pipeline in SQL (a fixed share
registered, started, operating, stalled with a reason, cancelled; next reviews before and
after now) — the page reads stage columns, it does not replay the log.

Timed, in this process (Starlette's TestClient, no network), as the leader: GET
/innovation/pipeline (every project: the funnel, each event's line, the first 500 projects,
stuck first), the same filtered to the Munich delegation, and GET /api/v1/innovation/pipeline;
--requests times each, p95 and median. The peers in the same run: the funnel as one plain SQL
query on the same file (sqlite3, no application), and GET /enterprises (the registry list, p95
goal 100 ms). Goal: p95 ≤ 300 ms per request (issue 17). --unfrozen undoes the app's
`gc.freeze()` of its startup objects (highland.main.freeze_startup) after the warm-up, to see
the full collections' pauses it removed. Nothing here asserts a time; --smoke
checks that every path answers 200 at a tiny size with the projects counted.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import io
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DATA,
    SEED,
    fresh_dir,
    highland_bin,
    highland_env,
    machine,
    median,
    percentile,
    run,
    save,
)

GOAL_MS = 300.0
SMOKE = {"enterprises": 200, "projects": 300, "requests": 2}
PAGE = "/innovation/pipeline"
MUNICH = "/innovation/pipeline?event=munich-2024"
API = "/api/v1/innovation/pipeline"
PEER_PAGE = "/enterprises"
COUNTRIES = ("DE", "FR", "GB", "IT", "NL", "BE", "CH", "AT", "SE", "FI", "DK", "ES", "PT",
             "IL", "US", "CA", "JP", "KR", "SG", "AU")  # fmt: skip
FUNNEL_SQL = (
    "SELECT count(*), sum(registered_on IS NOT NULL), sum(started_on IS NOT NULL), "
    "sum(operating_on IS NOT NULL), sum(state = 'stalled'), sum(state = 'cancelled') "
    "FROM innovation_project"
)


def build(folder: Path, enterprises: int, projects: int, seed: int) -> Path:
    """A demo database in `folder` with `projects` cooperation projects along the pipeline."""
    db = folder / "innovation.db"
    env = highland_env(db, folder / "var")
    run([highland_bin(), "demo", "--enterprises", str(enterprises), "--seed", str(seed)], env)
    with sqlite3.connect(db) as conn:
        have = conn.execute("SELECT count(*) FROM innovation_project").fetchone()[0]
        usccs = [r[0] for r in conn.execute("SELECT uscc FROM enterprise ORDER BY id")]
        chains = [r[0] for r in conn.execute("SELECT code FROM chain WHERE retired = 0")]
        events = [r[0] for r in conn.execute("SELECT code FROM innovation_event")]
        insts = [r[0] for r in conn.execute("SELECT code FROM institution ORDER BY code")]
    rng = random.Random(seed)
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["title", "title_en", "partner", "partner_en", "partner_country", "uscc", "chain",
                  "amount", "currency", "event", "signed_on", "owner_institution"])  # fmt: skip
    for i in range(max(0, projects - have)):
        country = rng.choice(COUNTRIES)
        out.writerow([
            f"合作项目 {i}", f"Cooperation project {i}", f"合作方 {i % 400}", f"Partner {i % 400}",
            country, rng.choice(usccs), rng.choice(chains) if chains and rng.random() < 0.8 else "",
            f"{rng.randint(1, 5000) * 1000}", "EUR", rng.choice(events + [""]),
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(insts),
        ])  # fmt: skip
    sheet = folder / "projects.csv"
    sheet.write_text(buf.getvalue(), encoding="utf-8")
    run([highland_bin(), "innovation", "import", "projects", str(sheet)], env)
    _advance(db, have, rng)
    return db


def _advance(db: Path, demo_rows: int, rng: random.Random) -> None:
    """The generated projects moved along the pipeline: about 30 % signed only, 20 %
    registered, 20 % started, 15 % operating, 10 % stalled, 5 % cancelled."""
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM innovation_project ORDER BY id")]
        rows = []
        for pid in ids[demo_rows:]:
            x = rng.random()
            reg = "2025-01-10" if x >= 0.30 else None
            start = "2025-03-10" if x >= 0.50 and x < 0.95 else None
            operate = "2025-06-10" if 0.70 <= x < 0.85 else None
            state = ("signed" if x < 0.30 else "registered" if x < 0.50 else "started"
                     if x < 0.70 else "operating" if x < 0.85 else "stalled" if x < 0.95
                     else "cancelled")  # fmt: skip
            final = state in ("operating", "cancelled")
            review = (
                None
                if final
                else f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 02:00:00.000000"
            )
            rows.append((reg, start, operate, "2025-09-01" if state == "stalled" else None,
                         "2025-09-01" if state == "cancelled" else None,
                         "合作方暂停（示例）" if state in ("stalled", "cancelled") else None,
                         state, 0 if final else 1, review, pid))  # fmt: skip
        conn.executemany(
            "UPDATE innovation_project SET registered_on = ?, started_on = ?, operating_on = ?, "
            "stalled_on = ?, cancelled_on = ?, reason = ?, state = ?, open = ?, next_review = ? "
            "WHERE id = ?",
            rows,
        )


def _sessions(engine: Any) -> tuple[str, str]:
    """A leader's and an analyst's browser session (cookie tokens)."""
    from highland.platform.audit.service import Actor
    from highland.platform.db import transaction
    from highland.platform.identity import service as identity

    actor = Actor("bench", None, "system")
    out = []
    run_id = time.strftime("%H%M%S")  # a kept database (--reuse) already has earlier runs' users
    with transaction(engine) as s:
        for role in ("leader", "analyst"):
            user = identity.create_user(s, actor, username=f"bench_innovation_{role}_{run_id}",
                                        password="bench-password-1", role=role)  # fmt: skip
            out.append(identity.open_session(s, user, 12)[0])
    return out[0], out[1]


def _timed(get: Callable[[str], Any], path: str) -> float:
    t = time.perf_counter()
    resp = get(path)
    ms = (time.perf_counter() - t) * 1000
    if resp.status_code != 200:
        raise SystemExit(f"GET {path}: {resp.status_code} {resp.text[:300]}")
    return ms


def _sql_peer(db: Path) -> tuple[float, list[int]]:
    """The funnel as one plain SQL query on the same file: (ms, the counts)."""
    with sqlite3.connect(db) as conn:
        t = time.perf_counter()
        row = conn.execute(FUNNEL_SQL).fetchone()
        return (time.perf_counter() - t) * 1000, [int(x or 0) for x in row]


def _profile(engine: Any) -> str:
    """cProfile of one pipeline view as the leader (in this thread: the app runs a page in a
    worker thread, out of cProfile's sight)."""
    from sqlalchemy.orm import Session

    from highland.innovation.pipeline import view
    from highland.innovation.repository import Filter
    from highland.platform.db import utcnow
    from highland.platform.identity.permissions import Principal, Role

    leader = Principal(user_id=0, username="bench_innovation_leader", role=Role.leader)
    prof = cProfile.Profile()
    with Session(engine) as s:
        prof.enable()
        v = view.view(s, leader, Filter(), "zh", utcnow())
        view.funnel_svg(v.funnel, "zh")
        prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    return buf.getvalue()


def measure(db: Path, requests: int, profile: bool, unfrozen: bool = False) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from highland.main import create_app
    from highland.platform.config import Settings
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    leader, analyst = _sessions(engine)
    settings = Settings(
        database_url=f"sqlite:///{db}", secret_key="bench-secret", instance_dir=db.parent / "var"
    )
    app = create_app(engine, settings)
    times: dict[str, list[float]] = {PAGE: [], MUNICH: [], API: [], PEER_PAGE: [], "sql": []}
    prof_text = None
    with TestClient(app, follow_redirects=False) as client:

        def as_(token: str) -> Callable[[str], Any]:
            def go(path: str) -> Any:
                client.cookies.set("highland_session", token)
                return client.get(path)

            return go

        api = as_(leader)(API).json()  # once, untimed: imports, templates, the first connection
        for path in (PAGE, MUNICH):
            as_(leader)(path)
        as_(analyst)(PEER_PAGE)
        if profile:
            prof_text = _profile(engine)
            print(prof_text, flush=True)
        if unfrozen:  # as before the app froze its startup objects (highland.main)
            gc.unfreeze()
        for _ in range(requests):
            for path in (PAGE, MUNICH, API):
                times[path].append(_timed(as_(leader), path))
            times[PEER_PAGE].append(_timed(as_(analyst), PEER_PAGE))
            ms, funnel = _sql_peer(db)
            times["sql"].append(ms)
    engine.dispose()

    def stats(values: list[float]) -> dict[str, float]:
        return {"p95_ms": round(percentile(values, 95), 1), "median_ms": round(median(values), 1)}

    return {
        "projects": funnel[0],
        "funnel_sql": funnel,
        "api_funnel": api.get("funnel"),
        "paths": {p: stats(v) for p, v in times.items() if p != "sql"},
        "peer_sql": {"query": FUNNEL_SQL, **stats(times["sql"])},
        "goal_p95_ms": GOAL_MS,
        "gc_frozen": not unfrozen,
        "profile": prof_text,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--enterprises", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests a path")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--profile", action="store_true", help="cProfile one pipeline view")
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny size in a folder of its own")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None, help="the smoke size's folder")
    parser.add_argument("--unfrozen", action="store_true",
                        help="gc.unfreeze() after the warm-up")  # fmt: skip
    parser.add_argument("--reuse", action="store_true",
                        help="time again on the last full run's database")  # fmt: skip
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"machine": machine()}
    if args.smoke:
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            db = build(Path(tmp), SMOKE["enterprises"], SMOKE["projects"], args.seed)
            out |= {"enterprises": SMOKE["enterprises"], "requests": SMOKE["requests"]}
            out |= measure(db, SMOKE["requests"], args.profile)
        return out
    t = time.perf_counter()
    kept = (args.work or DATA) / f"innovation-{args.projects}" / "innovation.db"
    if args.reuse and kept.exists():
        db = kept
    else:
        work = fresh_dir(f"innovation-{args.projects}", args.work or DATA)
        db = build(work, args.enterprises, args.projects, args.seed)
    out |= {"enterprises": args.enterprises, "requests": args.requests,
            "setup_s": round(time.perf_counter() - t, 1)}  # fmt: skip
    out |= measure(db, args.requests, args.profile, args.unfrozen)
    out["machine_after"] = {"load_average": machine()["load_average"]}
    print({k: v for k, v in out.items() if k != "profile"}, flush=True)
    print(f"saved {save(f'innovation-{args.projects}', out)}")
    return out


if __name__ == "__main__":
    main()
