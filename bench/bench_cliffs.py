"""No cold cliffs (issue 18): after an import of 1,000 changed firms into the registry, the
first request of each view that reads the changed data, timed.

    python bench/bench_cliffs.py --db bench/data/cliffs-1M/highland.db   # 1 M demo, 3 rounds
    python bench/bench_cliffs.py --db … --rounds 5 --changed 1000
    python bench/bench_cliffs.py --smoke --work /tmp/x                   # what the test runs

Set-up (not timed): the `highland demo` database given (never written: copied to
`<work>/cliffs-work.db`, brought to the newest schema), an admin user with an API token, the
application in this process (Starlette's TestClient, no network). Every view is opened once
to warm it (the portrait snapshot of the date, the chain figures, the month's indicators),
then the bench waits until the process has read the chains' registry rows ahead (in the
background, once per process: a server that has been up a few minutes; `chain_rows_ahead`
gives the wait).

Each round: 1,000 enterprises chosen at random (seeded per round) are imported again with a
changed English name and address (`highland import enterprises`, a subprocess, as an
official does it), and their newest yearly figures with revenue and employees 7 % higher
(`highland import financials`). Then the first request of each view is timed:

- who qualifies: GET /api/v1/policies/{id}/matches?status=eligible&refresh=true (the call
  that rebuilds the date's portrait snapshot and so shows the changed firms), then the same
  without refresh (served from the snapshot just built);
- chain analytics: GET /api/v1/chains/1/analytics, then the page /chains/2/analytics;
- monthly indicators: GET /api/v1/chains/{id}/indicators of chain 1, then of chains 2–8;
- chain report: GET /api/v1/chains/3/report (HTML) after those; then, after a second import
  of 1,000 other changed firms, the report alone first (`chain_report_first`: it rebuilds the
  chain figures and its chain's month itself).

The JSON result (bench/out/cliffs-N-*.json) gives each view's median over the rounds and every
round's time, with the import's own time, the machine and its load (uptime before and after).
Nothing here asserts a time; --smoke checks that every view answers 200 after the import.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, highland_bin, highland_env, machine, median, run, save  # noqa: E402

GOAL_S = 2.0
REPORT = "/api/v1/chains/3/report"
ENT_COLUMNS = ("uscc", "name", "name_en", "district_code", "industry_code", "founded_on",
               "ownership", "country", "listed", "address")  # fmt: skip
FIN_COLUMNS = ("uscc", "year", "revenue", "output_value", "tax_paid", "employees", "rd_spend",
               "rd_staff", "invention_patents", "total_assets")  # fmt: skip
MONEY = {"revenue", "output_value", "tax_paid", "rd_spend", "total_assets"}


def uptime() -> str:
    """The load averages over 1, 5 and 15 minutes, as `uptime` prints them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _yuan(fen: int | None) -> str:
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def changed_files(db: Path, n: int, seed: int, folder: Path) -> tuple[Path, Path, int]:
    """CSV files re-stating n random enterprises with a changed English name and address, and
    their newest figures with revenue and employees 7 % higher; the number of figure rows."""
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT max(id) FROM enterprise").fetchone()[0]
        ids = random.Random(seed).sample(range(1, top + 1), min(n * 2, top))
        marks = ",".join("?" * len(ids))
        ents = conn.execute(
            f"SELECT id, {', '.join(ENT_COLUMNS)} FROM enterprise WHERE id IN ({marks})", ids
        ).fetchall()[:n]
        chosen = [r[0] for r in ents]
        marks = ",".join("?" * len(chosen))
        figs = conn.execute(
            f"SELECT {', '.join('f.' + c if c != 'uscc' else 'e.uscc' for c in FIN_COLUMNS)} "
            "FROM enterprise_financial f JOIN enterprise e ON e.id = f.enterprise_id "
            f"WHERE f.enterprise_id IN ({marks}) AND f.year = (SELECT max(year) FROM "
            "enterprise_financial g WHERE g.enterprise_id = f.enterprise_id)",
            chosen,
        ).fetchall()
    ent_path, fin_path = (
        folder / f"changed-{seed}-enterprises.csv",
        folder / f"changed-{seed}-f.csv",
    )
    with ent_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ENT_COLUMNS)
        for row in ents:
            values = dict(zip(ENT_COLUMNS, row[1:], strict=True))
            values["name_en"] = f"{values['name_en'] or 'Firm'} (round {seed})"[:300]
            values["address"] = f"南京市第{seed}次变更地址{row[0]}号"
            values["listed"] = "true" if values["listed"] else "false"
            w.writerow(["" if values[c] is None else values[c] for c in ENT_COLUMNS])
    with fin_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(FIN_COLUMNS)
        for row in figs:
            values = dict(zip(FIN_COLUMNS, row, strict=True))
            if values["revenue"] is not None:
                values["revenue"] = values["revenue"] * 107 // 100
            if values["employees"] is not None:
                values["employees"] = values["employees"] * 107 // 100 + 1
            w.writerow([_yuan(values[c]) if c in MONEY else ("" if values[c] is None else values[c])
                        for c in FIN_COLUMNS])  # fmt: skip
    return ent_path, fin_path, len(figs)


def _admin(engine: Any) -> str:
    from highland.platform.audit.service import Actor
    from highland.platform.db import transaction
    from highland.platform.identity import service as identity

    actor = Actor("bench", None, "system")
    name = "bench_cliffs_admin"
    with transaction(engine) as s:
        identity.create_user(s, actor, username=name, password="bench-password-1", role="admin")
    with transaction(engine) as s:
        return identity.create_token(s, actor, name, "bench-cliffs")


def _policy(db: Path) -> str:
    """A policy of the demo library with eligible firms (the first one in force)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT policy_id FROM policy_version WHERE policy_id LIKE '%hightech%' "
            "ORDER BY id LIMIT 1"
        ).fetchone() or conn.execute("SELECT policy_id FROM policy_version ORDER BY id LIMIT 1"
                                     ).fetchone()  # fmt: skip
    return str(row[0])


def views(policy: str, as_of: str) -> list[tuple[str, str]]:
    """(name, path) of the views timed, in order."""
    m = f"/api/v1/policies/{policy}/matches?status=eligible&as_of={as_of}"
    return [
        ("who_qualifies_refresh", m + "&refresh=true"),
        ("who_qualifies_next", m),
        ("chain_analytics_api", "/api/v1/chains/1/analytics"),
        ("chain_analytics_page", "/chains/2/analytics"),
        ("indicators_chain1", "/api/v1/chains/1/indicators"),
        *[(f"indicators_chain{c}", f"/api/v1/chains/{c}/indicators") for c in range(2, 9)],
        ("chain_report", REPORT),
    ]


def _timed(get: Callable[[str], Any], path: str) -> float:
    t = time.perf_counter()
    resp = get(path)
    s = time.perf_counter() - t
    if resp.status_code != 200:
        raise SystemExit(f"GET {path}: {resp.status_code} {resp.text[:300]}")
    return s


def _rows_ahead(engine: Any, limit: float = 900.0) -> float | None:
    """Wait until this process keeps the chains' registry rows (read ahead in the background
    after the first views, chains.inputs.warm_later), as a server that has been up a while
    does; the seconds waited (None: this build reads none ahead)."""
    from sqlalchemy.orm import Session

    from highland.chains import figures, inputs

    if not getattr(inputs, "WARM_AHEAD", False):
        return None
    with Session(engine) as s:
        key = inputs.db_key(s, figures.generations(s).get("instance", 0))
    t = time.perf_counter()
    while not inputs.is_kept(key) and time.perf_counter() - t < limit:
        time.sleep(0.5)
    return round(time.perf_counter() - t, 1)


def measure(db: Path, rounds: int, changed: int, seed: int, folder: Path) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from highland.main import create_app
    from highland.platform.config import Settings
    from highland.platform.db import make_engine
    from highland.platform.kit.clock import now_local
    from highland.schema import upgrade

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    token = _admin(engine)
    settings = Settings(database_url=f"sqlite:///{db}", secret_key="bench-secret",
                        instance_dir=folder / "var")  # fmt: skip
    app = create_app(engine, settings)
    env = highland_env(db, folder / "var")
    as_of = now_local().date().isoformat()
    paths = views(_policy(db), as_of)
    times: dict[str, list[float]] = {name: [] for name, _ in paths}
    times["chain_report_first"] = []
    imports: list[dict[str, Any]] = []
    warm: dict[str, float] = {}
    with TestClient(app, headers={"authorization": f"Bearer {token}"}) as client:
        client.cookies.clear()
        for name, path in paths:  # warm every view: the snapshot, the figures, the months
            warm[name] = round(_timed(client.get, path), 3)
        warm["chain_rows_ahead"] = _rows_ahead(engine)
        print(f"warm: {warm}", flush=True)
        for r in range(rounds):
            ents, fins, n_fin = changed_files(db, changed, seed + r, folder)
            t = time.perf_counter()
            run([highland_bin(), "import", "enterprises", str(ents)], env)
            t_ent = time.perf_counter() - t
            t = time.perf_counter()
            run([highland_bin(), "import", "financials", str(fins)], env)
            imports.append({"enterprises_s": round(t_ent, 2),
                            "financials_s": round(time.perf_counter() - t, 2),
                            "figure_rows": n_fin})  # fmt: skip
            for name, path in paths:
                times[name].append(round(_timed(client.get, path), 3))
            # The report first after an import of its own (above it found the figures and
            # its chain's month rebuilt by the views before it).
            ents, fins, _ = changed_files(db, changed, seed + 1000 + r, folder)
            run([highland_bin(), "import", "enterprises", str(ents)], env)
            run([highland_bin(), "import", "financials", str(fins)], env)
            times["chain_report_first"].append(round(_timed(client.get, REPORT), 3))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in times.items()),
                  flush=True)  # fmt: skip
    engine.dispose()
    per_view = {name: {"median_s": round(median(v), 3), "runs_s": v} for name, v in times.items()}
    eight = [sum(times[f"indicators_chain{c}"][i] for c in range(1, 9)) for i in range(rounds)]
    return {
        "warm_up_s": warm,
        "views": per_view,
        "imports": imports,
        "indicators_eight_chains_median_s": round(median(eight), 3),
        "over_goal": sorted(k for k, v in per_view.items() if v["median_s"] > GOAL_S),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--db", type=Path, help="a `highland demo` database (only read)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--work", type=Path, help="where the working copy goes")
    parser.add_argument("--smoke", action="store_true", help="200 firms, one round, no save")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.changed = 1, 20
        if args.db is None:
            from bench_chains import chains_db

            args.db = chains_db(200, 20240601, args.work or Path(tempfile.mkdtemp()))
    if args.db is None:
        parser.error("--db is required (a `highland demo` database)")
    folder = (args.work or DATA / "cliffs").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / "cliffs-work.db"
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{args.db}{suffix}")
        if src.exists():
            shutil.copyfile(src, f"{work}{suffix}")
    with sqlite3.connect(work) as conn:
        n = int(conn.execute("SELECT count(*) FROM enterprise").fetchone()[0])
    before = uptime()
    result = {
        "bench": "cliffs", "enterprises": n, "rounds": args.rounds, "changed": args.changed,
        "goal_s": GOAL_S, "machine": machine(), "load_before": before,
        **measure(work, args.rounds, args.changed, args.seed, folder),
        "load_after": uptime(),
    }  # fmt: skip
    if not args.smoke:
        save(f"cliffs-{n}", result)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    return result


if __name__ == "__main__":
    main()
