"""The desks at `/`, one per role, warm and cold, on a `highland demo` database.

    python bench/bench_desk.py                          # 50,000 enterprises, 5 runs
    python bench/bench_desk.py --enterprises 100000 --runs 3
    python bench/bench_desk.py --profile                # cProfile of the leader's cold visit
    python bench/bench_desk.py --smoke                  # what tests/test_desk_bench.py runs

Set-up (not timed): the cached database of bench_chains.py (bench/data/chains-N-SEED.db, built
once by `highland demo --enterprises N` plus the demo reference figures and prospects: chains
with accepted members, demands, policies, a policy run) is copied to a working file, and one
signed-in session is opened per role: the leader (the city overview), a handler of the
institution with the most open demands (its queue), the enterprise account of the firm with
the most demands, the head of chain 1 (the chain desk) and an analyst (the data desk).

The application runs in this process (Starlette's TestClient: the app's own time, no network)
on the working file. For each run and each role: one registry row is touched (`UPDATE
enterprise SET industry_code = industry_code`, what an import or a portrait refresh does to
the registry's change counter), then GET / is timed once (COLD: the first visit after a
registry change) and --warm more times (WARM: the median of those). The peer in the same run
is GET /enterprises (the registry list, whose p95 goal is 100 ms, docs/PERFORMANCE.md), timed
warm beside each role. The JSON result (bench/out/desk-N-*.json) gives per role the median
of the runs' cold and warm times. Nothing here asserts a time; --smoke checks that every desk
answers 200 at a tiny size.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_chains import _copy, chains_db  # noqa: E402
from common import DATA, SEED, highland_bin, highland_env, machine, median, run, save  # noqa: E402

ROLES = ("leader", "handler", "enterprise", "chain_head", "analyst")
GOAL_MS = 1000.0  # "well under a second" for an interactive page, warm and cold
PEER = "/enterprises"
SMOKE_N = 200


def build(n: int, seed: int, folder: Path) -> Path:
    """A `highland demo` database of n enterprises in `folder` (the smoke size's own)."""
    db = folder / "desk.db"
    env = highland_env(db, folder / "var")
    run([highland_bin(), "demo", "--enterprises", str(n), "--seed", str(seed)], env)
    return db


def _pick(db: Path) -> dict[str, Any]:
    """Who the signed-in roles are: the busiest institution and firm, chain 1."""
    with sqlite3.connect(db) as conn:
        inst = conn.execute(
            "SELECT institution_code FROM demand WHERE institution_code IS NOT NULL "
            "GROUP BY institution_code ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        firm = (
            conn.execute(
                "SELECT enterprise_id FROM demand GROUP BY enterprise_id ORDER BY count(*) DESC "
                "LIMIT 1"
            ).fetchone()
            or conn.execute("SELECT min(id) FROM enterprise").fetchone()
        )
        chain = conn.execute("SELECT min(id) FROM chain WHERE retired = 0").fetchone()
    return {
        "leader": {},
        "handler": {"institution_code": inst[0] if inst else None},
        "enterprise": {"enterprise_id": firm[0]},
        "chain_head": {"chain_id": chain[0]},
        "analyst": {},
    }


def _sessions(engine: Any, roles: dict[str, dict[str, Any]]) -> dict[str, str]:
    """One user and browser session per role (cookie tokens)."""
    from highland.platform.audit.service import Actor
    from highland.platform.db import transaction
    from highland.platform.identity import service as identity

    actor = Actor("bench", None, "system")
    tokens: dict[str, str] = {}
    with transaction(engine) as s:
        for role, extra in roles.items():
            name = f"bench_desk_{role}"
            user = identity.create_user(
                s, actor, username=name, password="bench-password-1", role=role,
                **{k: v for k, v in extra.items() if v is not None},
            )  # fmt: skip
            tokens[role] = identity.open_session(s, user, 12)[0]
    return tokens


def touch(db: Path) -> None:
    """A registry change: one row's classified columns rewritten (the registry's change
    counter moves, as after an import or a portrait refresh)."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE enterprise SET industry_code = industry_code "
            "WHERE id = (SELECT min(id) FROM enterprise)"
        )


def _timed(get: Callable[[str], Any], path: str) -> float:
    t = time.perf_counter()
    resp = get(path)
    ms = (time.perf_counter() - t) * 1000
    if resp.status_code != 200:
        raise SystemExit(f"GET {path}: {resp.status_code} {resp.text[:300]}")
    return ms


def _profile(engine: Any, db: Path) -> str:
    """cProfile of the leader's cold overview (the desk's figures, called in this thread: the
    app runs a page in a worker thread, out of cProfile's sight)."""
    from sqlalchemy.orm import Session

    from highland.desk import service as desk
    from highland.platform.db import utcnow
    from highland.platform.identity.permissions import Principal, Role

    touch(db)
    leader = Principal(user_id=0, username="bench_desk_leader", role=Role.leader)
    prof = cProfile.Profile()
    with Session(engine) as s:
        prof.enable()
        desk.overview(s, leader, utcnow())
        prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
    return buf.getvalue()


def measure(db: Path, runs: int, warm: int, profile: bool) -> dict[str, Any]:
    # long: set-up, the timed loop over runs × roles and the summary read best in one place
    from starlette.testclient import TestClient

    from highland.main import create_app
    from highland.platform.config import Settings
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)  # a cached database from an older schema: bring it up to date
    tokens = _sessions(engine, _pick(db))
    settings = Settings(
        database_url=f"sqlite:///{db}", secret_key="bench-secret", instance_dir=db.parent / "var"
    )
    app = create_app(engine, settings)
    cold: dict[str, list[float]] = {r: [] for r in ROLES}
    warm_ms: dict[str, list[float]] = {r: [] for r in ROLES}
    peer: list[float] = []
    kinds: dict[str, str] = {}
    prof_text = None
    with TestClient(app, follow_redirects=False) as client:

        def get(role: str) -> Callable[[str], Any]:
            def go(path: str) -> Any:
                client.cookies.set("highland_session", tokens[role])
                return client.get(path)

            return go

        for role in ROLES:  # once, untimed: imports, templates, the first connection
            page = get(role)("/")
            marker = page.text.split('data-desk="', 1)
            kinds[role] = marker[1].split('"', 1)[0] if len(marker) > 1 else "?"
        get("analyst")(PEER)
        if profile:
            prof_text = _profile(engine, db)
            print(prof_text, flush=True)
        for _ in range(runs):
            for role in ROLES:
                touch(db)
                cold[role].append(_timed(get(role), "/"))
                warm_ms[role].append(median([_timed(get(role), "/") for _ in range(warm)]))
                peer.append(_timed(get("analyst"), PEER))
    engine.dispose()
    per_role = {
        r: {"desk": kinds[r], "cold_ms": round(median(cold[r]), 1),
            "warm_ms": round(median(warm_ms[r]), 1), "cold_runs_ms": [round(x) for x in cold[r]]}
        for r in ROLES
    }  # fmt: skip
    return {
        "roles": per_role,
        "peer": {"path": PEER, "warm_ms": round(median(peer), 1)},
        "slowest_cold_ms": max(v["cold_ms"] for v in per_role.values()),
        "goal_ms": GOAL_MS,
        "profile": prof_text,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm", type=int, default=3, help="warm visits per role and run")
    parser.add_argument("--profile", action="store_true", help="cProfile one cold overview")
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_N} enterprises, 1 run, in a folder of its own")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None, help="the smoke size's folder")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"machine": machine(), "runs": args.runs, "warm": args.warm}
    if args.smoke:
        out |= {"runs": 1, "warm": 1}
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            db = build(SMOKE_N, args.seed, Path(tmp))
            out |= {"enterprises": SMOKE_N, **measure(db, 1, 1, args.profile)}
        return out
    DATA.mkdir(parents=True, exist_ok=True)
    src = chains_db(args.enterprises, args.seed)
    db = _copy(src, DATA / f"desk-{args.enterprises}-work.db")
    out |= {"enterprises": args.enterprises, "database": src.name}
    out |= measure(db, args.runs, args.warm, args.profile)
    print({k: v for k, v in out.items() if k != "profile"}, flush=True)
    print(f"saved {save(f'desk-{args.enterprises}', out)}")
    return out


if __name__ == "__main__":
    main()
