"""The monthly chain report: `report.build` + `to_html`, and `to_xlsx`, for the eight demo
chains for one month over a cached demo database.

    python bench/bench_chain_report.py                        # 1,000,000 enterprises, 3 runs
    python bench/bench_chain_report.py --enterprises 20000    # a small check that it works
    python bench/bench_chain_report.py --month 2026-11 --runs 5 --reuse
    python bench/bench_chain_report.py --smoke --work /tmp/x   # what the tests run

Set-up (reported, not timed as the goal): the cached database of bench_chains.py
(bench/data/chains-N-SEED.db, built once by `highland demo` plus the demo reference figures and
prospects) is copied to bench/data/chain-report-N-work.db — or, when bench_chains.py left its
working copy with the suggestions accepted (chains-N-work.db), that one is copied and its
set-up skipped; otherwise suggestions for the eight chains are made and accepted as there.
Each chain then gets a scheduling record for the month with three decisions (when it has
none), so the reports carry a snapshot, decisions and tasks.

THE GOAL: one monthly report ≤ 10 s at 1,000,000 enterprises. Timed per chain: `build`
(indicators snapshot, map data with the analysis, the gaps' analysis with prospects, tasks),
`to_html` and `to_xlsx`; a cold first pass, then `--runs` passes; the JSON result gives the
medians per chain and of the eight-chain totals, and whether the slowest chain's report
(build + HTML, build + XLSX) meets the goal. Results go to bench/out/chain-report-N-*.json.
The smoke size (200 enterprises, one run, its databases in --work, nothing saved) is what
tests/test_chain_report_bench.py runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_chains import _copy, bench_setup, chains_db  # noqa: E402
from common import DATA, SEED, machine, median, save  # noqa: E402

GOAL_S = 10.0
GOAL_N = 1_000_000
CHAINS = range(1, 9)


def _accepted(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT count(*) FROM chain_enterprise_segment WHERE status = 'accepted'"
        ).fetchone()
    return int(row[0] or 0)


def working_copy(n: int, seed: int, reuse: bool, where: Path = DATA) -> tuple[Path, dict[str, Any]]:
    """The database the reports are built over, with accepted members (see the docstring)."""
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    work = where / f"chain-report-{n}-work.db"
    if reuse and work.exists():
        return work, {"reused": work.name}
    src = chains_db(n, seed, where)
    done = where / f"chains-{n}-work.db"
    if done.exists() and _accepted(done):
        _copy(done, work)
        return work, {"copied": done.name, "accepted": _accepted(work)}
    _copy(src, work)
    engine = make_engine(f"sqlite:///{work}")
    upgrade(engine)  # a cached database from an older schema: bring it up to date
    try:
        setup = bench_setup(engine)
    finally:
        engine.dispose()
    return work, {"copied": src.name, "setup": setup}


def records(engine: Any, month: str) -> dict[str, Any]:
    """A scheduling record with three decisions for each chain without one for the month."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from highland.chains import indicators
    from highland.chains.governance import service as gov
    from highland.chains.models import ChainMeeting
    from highland.platform.audit.service import Actor
    from highland.platform.identity.permissions import Principal, Role
    from highland.platform.kit import clock
    from highland.platform.kit.dates import CITY_TZ

    admin = Principal(user_id=0, username="bench", role=Role.admin)
    actor = Actor("bench", None, "system")
    year, mon = indicators.parse_month(month)
    # The 20th, or a minute ago when the month is the current one and the 20th still to come
    # (a scheduling is recorded once held), never before the month began.
    first = datetime(year, mon, 1, tzinfo=CITY_TZ)
    ago = clock.now().astimezone(CITY_TZ) - timedelta(minutes=1)
    held = max(first, min(datetime(year, mon, 20, 10, 0, tzinfo=CITY_TZ), ago))
    made, times = 0, []
    with Session(engine) as s:
        for cid in CHAINS:
            exists = s.scalar(select(ChainMeeting.id).where(
                ChainMeeting.chain_id == cid, ChainMeeting.month == month))  # fmt: skip
            if exists is not None:
                continue
            decisions = [gov.DecisionInput(title=f"bench decision {i}", owner_name="bench",
                                           working_days=5 * i) for i in (1, 2, 3)]  # fmt: skip
            t = time.perf_counter()
            gov.create_meeting(s, admin, actor, cid,
                               gov.MeetingInput(month=month, held_at=held, matters="bench"),
                               decisions)  # fmt: skip
            s.commit()
            times.append(time.perf_counter() - t)
            made += 1
    return {"created": made, "create_meeting_median_s": round(median(times), 3) if times else None}


def one_pass(engine: Any, month: str, lang: str) -> dict[int, dict[str, float]]:
    """build, to_html and to_xlsx for each chain (one session per chain, as a request)."""
    from sqlalchemy.orm import Session

    from highland.chains.report import service as report

    out: dict[int, dict[str, float]] = {}
    for cid in CHAINS:
        with Session(engine) as s:
            t = time.perf_counter()
            r = report.build(s, cid, month, lang, by="bench")
            t_build = time.perf_counter() - t
            t = time.perf_counter()
            html = report.to_html(r)
            t_html = time.perf_counter() - t
            t = time.perf_counter()
            xlsx = report.to_xlsx(r)
            t_xlsx = time.perf_counter() - t
        out[cid] = {"build": t_build, "html": t_html, "xlsx": t_xlsx,
                    "html_bytes": len(html.encode()), "xlsx_bytes": len(xlsx)}  # fmt: skip
    return out


def bench(
    n: int, seed: int, runs: int, month: str, lang: str, reuse: bool, where: Path = DATA
) -> dict[str, Any]:
    """Set-up, then a cold pass and `runs` timed passes."""
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    work, setup = working_copy(n, seed, reuse, where)
    engine = make_engine(f"sqlite:///{work}")
    upgrade(engine)  # a cached database from an older schema: bring it up to date
    result: dict[str, Any] = {"enterprises": n, "month": month, "lang": lang, "setup": setup}
    result["records"] = records(engine, month)
    print(f"[{n:,}] set-up: {json.dumps(result['setup'])[:400]} {result['records']}", flush=True)
    t = time.perf_counter()
    one_pass(engine, month, lang)
    result["first_pass_s"] = round(time.perf_counter() - t, 2)
    passes = []
    for i in range(runs):
        passes.append(one_pass(engine, month, lang))
        total = sum(p["build"] + p["html"] + p["xlsx"] for p in passes[-1].values())
        print(f"[{n:,}] run {i + 1}: {total:.2f} s for 8 chains (build + html + xlsx)", flush=True)
    engine.dispose()

    def med(cid: int, *parts: str) -> float:
        return median([sum(p[cid][k] for k in parts) for p in passes])

    per = {cid: {"build_s": round(med(cid, "build"), 3), "html_s": round(med(cid, "html"), 3),
                 "xlsx_s": round(med(cid, "xlsx"), 3),
                 "html_bytes": passes[-1][cid]["html_bytes"],
                 "xlsx_bytes": passes[-1][cid]["xlsx_bytes"]} for cid in CHAINS}  # fmt: skip
    totals = {
        part: [round(sum(sum(p[c][k] for k in keys) for c in CHAINS), 2) for p in passes]
        for part, keys in (("build_html", ("build", "html")), ("build_xlsx", ("build", "xlsx")),
                           ("all", ("build", "html", "xlsx")))
    }  # fmt: skip
    slowest_html = max(med(c, "build", "html") for c in CHAINS)
    slowest_xlsx = max(med(c, "build", "xlsx") for c in CHAINS)
    result |= {
        "per_chain_median": per,
        "eight_chains_runs_s": totals,
        "eight_chains_median_s": {k: round(median(v), 2) for k, v in totals.items()},
        "slowest_report_median_s": {"html": round(slowest_html, 3), "xlsx": round(slowest_xlsx, 3)},
        "goal_s": GOAL_S,
        "meets_goal": max(slowest_html, slowest_xlsx) <= GOAL_S,
    }
    return result


SMOKE_N = 200


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the arguments, run, print the JSON result and save it (a smoke run saves
    nothing); return it."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=GOAL_N)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the current month)")
    parser.add_argument("--lang", default="zh-CN", choices=("zh-CN", "en"))
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the working copy a previous run left")  # fmt: skip
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_N} enterprises, 1 run, nothing saved")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None,
                        help="databases here (default bench/data)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.smoke:
        args.enterprises, args.runs, args.reuse = SMOKE_N, 1, False
    from highland.chains import indicators

    # The current month by default: the set-up accepts the members now, so every member
    # counts in its indicators (an earlier month would see none of them).
    month = args.month or indicators.current_month()
    result: dict[str, Any] = {"machine": machine(), "runs": args.runs,
                              "load_at_start": os.getloadavg()}  # fmt: skip
    result |= bench(args.enterprises, args.seed, args.runs, month, args.lang, args.reuse,
                    args.work or DATA)  # fmt: skip
    result["load_at_end"] = os.getloadavg()
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    print(f"median of {args.runs} runs, 8 chains (build + html): "
          f"{result['eight_chains_median_s']['build_html']} s; slowest single report: "
          f"{result['slowest_report_median_s']} s (goal {GOAL_S} s)")  # fmt: skip
    if not args.smoke:
        print(f"saved {save(f'chain-report-{args.enterprises}', result)}")
    return result


if __name__ == "__main__":
    main()
