"""Chain analytics: indicators and gaps for Nanjing's eight demo chains over the registry.

    python bench/bench_chains.py                      # 1,000,000 and 100,000 enterprises, 3 runs
    python bench/bench_chains.py --quick              # 100,000 enterprises only, 3 runs
    python bench/bench_chains.py --enterprises 200000 # one size
    python bench/bench_chains.py --build-only         # only build the cached databases
    python bench/bench_chains.py --reuse              # skip set-up, reuse the accepted links
    python bench/bench_chains.py --smoke --work /tmp/x  # what tests/test_chains_bench.py runs

Parts (SQLite; each size's database is built once by `highland demo --enterprises N` plus the
demo reference figures and prospects, and cached under bench/data/chains-N-SEED.db):

- set-up (reported, not the goal): loading the eight demo chains (on an empty database),
  suggestions for all eight chains over the whole registry (`mapping.suggest`, set-based),
  accepting every suggestion (one UPDATE, as a bulk "accept all").
- THE GOAL: `analytics.analyse(...)` for each of the eight chains (LQs of chain, segments and
  districts, HHI and the largest firm's share, gaps with ranked prospects): total wall time of
  the eight, median of the runs, against the goal of 2 s at 1,000,000 enterprises.
- peer: the same chain and district LQs and the chain HHIs by a plain Polars pipeline over
  the registry exported to DataFrames (export time reported apart), with a check that every
  number agrees exactly.
- profile: cProfile of one pass of the eight chains (top functions by cumulative time).

Benchmarks are scripts, not tests. Data and databases go under bench/data/ (or --work),
results under bench/out/. The smoke size (200 enterprises, one run, no profile, its databases
in --work, nothing saved) checks that every part runs and that the peer agrees.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DATA,
    ROOT,
    SEED,
    fresh_dir,
    highland_bin,
    highland_env,
    machine,
    median,
    run,
    save,
)

GOAL_S = 2.0
GOAL_N = 1_000_000
REFERENCE = ROOT / "src/highland/chains/demo_data/reference"


# ---------------------------------------------------------------- data


def chains_db(n: int, seed: int = SEED, where: Path = DATA) -> Path:
    """The SQLite demo database of n enterprises with the demo reference data (cached under
    bench/data/ or `where`)."""
    path = where / f"chains-{n}-{seed}.db"
    if path.exists():
        return path
    work = fresh_dir(f"chains-{n}-build", where)
    db = work / "highland.db"
    env = highland_env(db, work / "var")
    exe = highland_bin()
    print(f"building {path.name} with `highland demo` (one-off)…", flush=True)
    t = time.perf_counter()
    run([exe, "demo", "--enterprises", str(n), "--seed", str(seed)], env)
    run([exe, "chains", "reference", "load", str(REFERENCE / "reference_figures.csv")], env)
    run([exe, "chains", "prospects", "load", str(REFERENCE / "prospects.csv")], env)
    with sqlite3.connect(db) as conn:  # fold the WAL into the file before moving it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{db}{suffix}")
        if source.exists():
            shutil.move(source, Path(f"{path}{suffix}"))
    shutil.rmtree(work)
    print(f"  built in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def _copy(src: Path, dst: Path) -> Path:
    for suffix in ("-wal", "-shm", ""):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def _actor() -> Any:
    from highland.platform.audit.service import Actor

    return Actor("bench", None, "system")


# ---------------------------------------------------------------- set-up


def bench_chain_load(runs: int, where: Path = DATA) -> dict[str, Any]:
    """Loading the eight demo chains (YAML → versioned segment trees) on an empty database."""
    from sqlalchemy.orm import Session

    from highland.chains.demo_data.chains import load_demo_chains
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    times, counts = [], {}
    for _ in range(runs):
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=where) as tmp:
            engine = make_engine(f"sqlite:///{tmp}/empty.db")
            upgrade(engine)
            with Session(engine) as s:
                t = time.perf_counter()
                counts = load_demo_chains(s, _actor())
                s.commit()
                times.append(time.perf_counter() - t)
            engine.dispose()
    return {"median_s": round(median(times), 3), "runs_s": [round(x, 3) for x in times],
            "counts": counts}  # fmt: skip


def bench_setup(engine: Any) -> dict[str, Any]:
    """Suggestions for all eight chains over the registry, then accepting them."""
    from sqlalchemy import func, select, text
    from sqlalchemy.orm import Session

    from highland.chains.mapping import service as mapping
    from highland.chains.models import Chain

    out: dict[str, Any] = {}
    with Session(engine) as s:
        t = time.perf_counter()
        reg = mapping.registry_frame(s)
        out["registry_frame_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        total = 0
        for chain in s.scalars(select(Chain).order_by(Chain.id)):
            total += mapping.candidates(reg, mapping.current_segments(s, chain)).height
        out["candidates_only_s"] = round(time.perf_counter() - t, 2)
        out["candidates"] = total
        t = time.perf_counter()
        res = mapping.suggest(s, _actor(), registry=reg)
        s.commit()
        out["suggest_s"] = round(time.perf_counter() - t, 2)
        out["suggest_inserted"] = res.inserted
        out["suggest_per_chain"] = {k: v[0] for k, v in res.chains.items()}
        # The product path (mapping.decide by segment) on chain 1, the rest by one UPDATE.
        t = time.perf_counter()
        first = s.get(Chain, 1)
        decided, error = 0, None
        try:
            for seg in mapping.current_segments(s, first) if first else []:
                decided += mapping.decide(s, _actor(), 1, "accept", segment=seg.code,
                                          min_confidence=0)  # fmt: skip
            s.commit()
        except Exception as exc:  # noqa: BLE001 - reported, the bench goes on
            s.rollback()
            decided, error = 0, f"{exc.__class__.__name__}: {str(exc)[:300]}"
        out["decide_chain1_s"] = round(time.perf_counter() - t, 2)
        out["decide_chain1_rows"] = decided
        out["decide_chain1_error"] = error
        t = time.perf_counter()
        n = s.connection().exec_driver_sql(
            "UPDATE chain_enterprise_segment SET status = 'accepted', decided_by = 'bench', "
                 "decided_at = CURRENT_TIMESTAMP WHERE status = 'suggested'"
        ).rowcount  # fmt: skip
        s.commit()
        out["accept_sql_s"] = round(time.perf_counter() - t, 2)
        out["accept_sql_rows"] = n
        out["accepted_rows"] = s.scalar(
            select(func.count()).select_from(text("chain_enterprise_segment"))
            .where(text("status = 'accepted'"))
        )  # fmt: skip
    return out


# ---------------------------------------------------------------- the goal


def analyse_all(
    engine: Any, fresh_worker: bool = False
) -> tuple[float, dict[int, float], dict[int, dict[str, Any]]]:
    """One pass: `analyse` for each of the eight chains in one session; (total, per chain).
    `fresh_worker`: forget the in-process figures first, as a worker that has not read them
    yet (it reads the stored aggregate tables once)."""
    from sqlalchemy.orm import Session

    from highland.chains import figures
    from highland.chains.analytics import service as analytics

    if fresh_worker:
        figures._cache.clear()
    per: dict[int, float] = {}
    results: dict[int, dict[str, Any]] = {}
    start = time.perf_counter()
    with Session(engine) as s:
        for cid in range(1, 9):
            t = time.perf_counter()
            results[cid] = analytics.analyse(s, cid)
            per[cid] = time.perf_counter() - t
    return time.perf_counter() - start, per, results


def bench_goal(engine: Any, runs: int) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """First pass after the data changed (builds and stores the figures), then `runs` passes
    as a fresh worker (THE GOAL: reads the stored figures) and `runs` warm passes; medians."""
    from sqlalchemy.orm import Session

    from highland.chains import figures

    figures._cache.clear()
    _touch(engine)
    cold, _, _ = analyse_all(engine)
    with Session(engine) as s:
        state = figures.state(s)
    totals, pers = [], []
    results: dict[int, dict[str, Any]] = {}
    for _ in range(runs):
        total, per, results = analyse_all(engine, fresh_worker=True)
        totals.append(total)
        pers.append(per)
    warm = [analyse_all(engine)[0] for _ in range(runs)]
    return {
        "first_pass_after_change_s": round(cold, 2),
        "figures_build_ms": state.get("links", {}).get("milliseconds"),
        "figures_rows": {k: v["rows"] for k, v in state.items()},
        "median_s": round(median(totals), 3),
        "runs_s": [round(x, 3) for x in totals],
        "warm_median_s": round(median(warm), 3),
        "per_chain_median_s": {
            results[c]["chain"]["code"]: round(median([p[c] for p in pers]), 3) for c in range(1, 9)
        },
        "gaps": {results[c]["chain"]["code"]: len(results[c]["gaps"]) for c in range(1, 9)},
        "chain_lq": {
            r["chain"]["code"]: r["lq"]["lq"] or r["lq"]["reason"] for r in results.values()
        },
        "hhi": {r["chain"]["code"]: r["concentration"]["hhi"] for r in results.values()},
        "members": {r["chain"]["code"]: r["concentration"]["members"] for r in results.values()},
    }, results


def breakdown(engine: Any, year: int, runs: int) -> dict[str, float]:
    """Medians of the pieces, timed alone: building the registry cells and the chain member
    figures (what a change costs), and, for comparison, the registry GROUP BY in SQL that
    `analyse` ran once per chain before the figures existed."""
    from sqlalchemy.orm import Session

    from highland.chains import figures
    from highland.chains.analytics import measures

    cells, members, group_by = [], [], []
    with Session(engine) as s:
        for _ in range(runs):
            t = time.perf_counter()
            figures.registry_cells(s)
            cells.append(time.perf_counter() - t)
            t = time.perf_counter()
            figures.chain_figures(s)
            members.append(time.perf_counter() - t)
            t = time.perf_counter()
            measures.local_figures(s, "employment", year)
            group_by.append(time.perf_counter() - t)
    return {
        "registry_cells_build_s": round(median(cells), 3),
        "chain_figures_build_s": round(median(members), 3),
        "sql_group_by_once_s": round(median(group_by), 3),
    }


def _touch(engine: Any) -> None:
    """As if the registry and the links had just changed (every kept figure is stale)."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        s.execute(text("UPDATE data_generation SET value = value + 1"))
        s.commit()


def bench_indicators(engine: Any, runs: int) -> dict[str, Any]:
    """The monthly indicators (as of a month's end) of the eight chains for the current month:
    computed from the registry after a change (`runs` times, the data touched before each),
    then reused while the data are unchanged (the kept registry part, demand counts live)."""
    from sqlalchemy.orm import Session

    from highland.chains import indicators

    month = indicators.current_month()
    cold, warm = [], []
    for _ in range(runs):
        _touch(engine)
        t = time.perf_counter()
        with Session(engine) as s:
            for cid in range(1, 9):
                indicators.compute(s, cid, month)
        cold.append(time.perf_counter() - t)
    for _ in range(runs):
        t = time.perf_counter()
        with Session(engine) as s:
            for cid in range(1, 9):
                indicators.compute(s, cid, month)
        warm.append(time.perf_counter() - t)
    return {"month": month, "after_change_median_s": round(median(cold), 2),
            "after_change_runs_s": [round(x, 2) for x in cold],
            "unchanged_median_s": round(median(warm), 3),
            "unchanged_runs_s": [round(x, 3) for x in warm]}  # fmt: skip


def bench_trends(engine: Any, runs: int) -> dict[str, Any]:
    """Twelve months of one chain's indicators (the trends page's data) for the software
    chain, the largest: after a change, then with the months kept."""
    from sqlalchemy.orm import Session

    from highland.chains import indicators
    from highland.chains.trends import service as trends

    month = indicators.current_month()
    _touch(engine)
    t = time.perf_counter()
    with Session(engine) as s:
        trends.series(s, 1, month, 12)
    cold = time.perf_counter() - t
    warm = []
    for _ in range(runs):
        t = time.perf_counter()
        with Session(engine) as s:
            trends.series(s, 1, month, 12)
        warm.append(time.perf_counter() - t)
    return {"to": month, "months": 12, "after_change_s": round(cold, 2),
            "unchanged_median_s": round(median(warm), 3)}  # fmt: skip


def profile(engine: Any, top: int = 25) -> str:
    """cProfile of one pass over the eight chains: top functions by cumulative and own time."""
    prof = cProfile.Profile()
    prof.enable()
    analyse_all(engine)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# ---------------------------------------------------------------- the peer


def export(db: Path, year: int) -> dict[str, Any]:
    """The registry, the year's figures, reference figures and accepted links as DataFrames."""
    import polars as pl

    conn = sqlite3.connect(db)

    def frame(sql: str, schema: dict[str, Any], *params: Any) -> pl.DataFrame:
        return pl.DataFrame(conn.execute(sql, params).fetchall(), schema=schema, orient="row")

    out = {
        "ent": frame("SELECT id, industry_code, district_code FROM enterprise",
                     {"id": pl.Int64, "industry_code": pl.String, "district_code": pl.String}),
        "fin": frame("SELECT enterprise_id, employees, revenue FROM enterprise_financial "
                     "WHERE year = ?",
                     {"id": pl.Int64, "employees": pl.Int64, "revenue": pl.Int64}, year),
        "ref": frame("SELECT region, year, industry_code, measure, value "
                     "FROM chain_reference_figure",
                     {"region": pl.String, "year": pl.Int64, "code": pl.String,
                      "measure": pl.String, "value": pl.Int64}),
        "links": frame("SELECT DISTINCT chain_id, enterprise_id FROM chain_enterprise_segment "
                       "WHERE status = 'accepted'", {"chain_id": pl.Int64, "id": pl.Int64}),
        "linked": frame("SELECT DISTINCT chain_id, segment_code FROM chain_enterprise_segment "
                        "WHERE status = 'accepted'", {"chain_id": pl.Int64, "code": pl.String}),
        "segments": frame("SELECT c.id, s.code, s.parent_code, s.industry_codes FROM chain c "
                          "JOIN chain_segment s ON s.version_id = c.version_id",
                          {"chain_id": pl.Int64, "code": pl.String, "parent": pl.String,
                           "codes": pl.String}),
    }  # fmt: skip
    conn.close()
    return out


def _lq(part: int, total: int, ref_part: int, ref_total: int) -> str | None:
    if total <= 0 or ref_total <= 0 or ref_part <= 0:
        return None
    f = Fraction(part * ref_total, total * ref_part)
    return f"{f.numerator}/{f.denominator}"


def _occupied(segments: Any, linked: set[str]) -> set[str]:
    """The segments with an accepted member in them or in a sub-segment."""
    parent = {code: up for code, up, _ in segments.iter_rows()}
    out: set[str] = set()
    for code in linked:
        while code is not None and code not in out:
            out.add(code)
            code = parent.get(code)
    return out


def _codes(segments: Any) -> tuple[dict[str, list[str]], list[str]]:
    """Each segment's codes (its own, else its descendants') and the chain's codes."""
    kids: dict[str | None, list[str]] = {}
    own: dict[str, list[str]] = {}
    for code, parent, codes in segments.iter_rows():
        kids.setdefault(parent, []).append(code)
        own[code] = json.loads(codes or "[]")

    def below(code: str) -> set[str]:
        return set(own[code]).union(*(below(k) for k in kids.get(code, [])))

    per = {c: sorted(set(own[c]) or below(c)) for c in own}
    return per, sorted({c for cs in per.values() for c in cs})


def peer(frames: dict[str, Any], results: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Chain, segment and district LQs (employment) and the chains' HHIs by plain Polars,
    from the exported rows and segment trees only (codes rolled up to the most specific
    level the reference has, as docs/chains.md describes). A segment without accepted members
    in it or below it has no LQ (docs/chains.md, "Segments without members")."""
    import polars as pl

    year = next(iter(results.values()))["year"]
    local = (
        frames["ent"].join(frames["fin"], on="id", how="left")
        .group_by("industry_code", "district_code")
        .agg(pl.col("employees").sum().alias("value"))
    )  # fmt: skip
    ref = frames["ref"].filter(
        (pl.col("region") == "320000") & (pl.col("year") == year)
        & (pl.col("measure") == "employment")
    )  # fmt: skip
    refs = dict(zip(ref["code"].to_list(), ref["value"].to_list(), strict=True))
    total = int(local["value"].sum())

    def within(codes: list[str]) -> pl.Expr:
        return pl.any_horizontal([pl.col("industry_code").str.starts_with(c) for c in codes])

    def minimal(codes: set[str]) -> list[str]:
        return sorted(c for c in codes if not any(o != c and c.startswith(o) for o in codes))

    def city(codes: list[str]) -> str | None:
        rolled = [next((c[:k] for k in range(len(c), 1, -1) if c[:k] in refs), None)
                  for c in codes]  # fmt: skip
        if not codes or None in rolled:
            return None
        measured = minimal({c for c in rolled if c is not None})
        part = int(local.filter(within(measured))["value"].sum())
        return _lq(part, total, sum(refs[c] for c in measured), refs["*"])

    out: dict[int, dict[str, Any]] = {}
    for cid in results:
        tree = frames["segments"].filter(pl.col("chain_id") == cid).drop("chain_id")
        per, chain_codes = _codes(tree)
        linked = frames["linked"].filter(pl.col("chain_id") == cid)["code"].to_list()
        occupied = _occupied(tree, set(linked))
        dcodes = minimal(set(chain_codes))
        dist: dict[str, str | None] = {}
        if dcodes:
            inside = local.filter(within(dcodes))
            city_part = int(inside["value"].sum())
            parts = inside.group_by("district_code").agg(pl.col("value").sum().alias("part"))
            tots = local.group_by("district_code").agg(pl.col("value").sum().alias("tot"))
            for d, tot, part in tots.join(parts, on="district_code", how="left").iter_rows():
                dist[d] = _lq(int(part or 0), int(tot or 0), city_part, total)
        rev = (
            frames["links"].filter(pl.col("chain_id") == cid)
            .join(frames["fin"], on="id").filter(pl.col("revenue").is_not_null())
            .sort("revenue", "id", descending=[True, False])
        )  # fmt: skip
        values = rev["revenue"].to_list()
        rsum = sum(values)
        hhi = share = None
        if values and rsum > 0:
            h = Fraction(10_000 * sum(v * v for v in values), rsum * rsum)
            s = Fraction(values[0], rsum)
            hhi, share = f"{h.numerator}/{h.denominator}", f"{s.numerator}/{s.denominator}"
        out[cid] = {
            "chain": city(chain_codes),
            "segments": {
                code: city(codes) if code in occupied else None for code, codes in per.items()
            },
            "districts": dist,
            "hhi": hhi,
            "share": share,
            "members": frames["links"].filter(pl.col("chain_id") == cid).height,
        }
    return out


def agree(results: dict[int, dict[str, Any]], theirs: dict[int, dict[str, Any]]) -> list[str]:
    """Every number on which `analyse` and the peer differ (empty: they agree)."""
    diffs = []
    for cid, r in results.items():
        p = theirs[cid]
        mine = {
            "chain": r["lq"]["lq_exact"],
            **{f"segment {s['segment']}": s["lq"]["lq_exact"] for s in r["segments"]},
            **{f"district {d['district']}": d["lq_exact"] for d in r["districts"]},
            "hhi": r["concentration"]["hhi_exact"],
            "share": (r["concentration"]["largest"] or {}).get("share_exact"),
            "members": r["concentration"]["members"],
        }
        other = {
            "chain": p["chain"],
            **{f"segment {k}": v for k, v in p["segments"].items()},
            **{f"district {k}": v for k, v in p["districts"].items()},
            "hhi": p["hhi"],
            "share": p["share"],
            "members": p["members"],
        }
        for key in sorted(set(mine) | set(other)):
            if mine.get(key) != other.get(key):
                diffs.append(f"chain {cid} {key}: analyse {mine.get(key)} peer {other.get(key)}")
    return diffs


def bench_peer(db: Path, results: dict[int, dict[str, Any]], runs: int) -> dict[str, Any]:
    """Export once (timed), compute `runs` times (median), compare."""
    year = next(iter(results.values()))["year"]
    t = time.perf_counter()
    frames = export(db, year)
    export_s = time.perf_counter() - t
    times, theirs = [], {}
    for _ in range(runs):
        t = time.perf_counter()
        theirs = peer(frames, results)
        times.append(time.perf_counter() - t)
    diffs = agree(results, theirs)
    compared = sum(2 + len(r["segments"]) + len(r["districts"]) + 1 for r in results.values())
    return {
        "export_s": round(export_s, 2),
        "compute_median_s": round(median(times), 3),
        "runs_s": [round(x, 3) for x in times],
        "numbers_compared": compared,
        "disagreements": diffs[:20],
        "agree": not diffs,
    }


# ---------------------------------------------------------------- one size


def bench_size(
    n: int, seed: int, runs: int, with_profile: bool, reuse: bool = False, where: Path = DATA
) -> dict[str, Any]:
    """Set-up, goal, peer (and profile) over a fresh working copy of the cached database
    (or, with `reuse`, over the working copy a previous run left, set-up skipped)."""
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    src = chains_db(n, seed, where)
    work = where / f"chains-{n}-work.db"
    reuse = reuse and work.exists()
    if not reuse:
        _copy(src, work)
    engine = make_engine(f"sqlite:///{work}")
    upgrade(engine)  # a cached database from an older schema: bring it up to date
    out: dict[str, Any] = {"enterprises": n}
    if reuse:
        print(f"[{n:,}] set-up skipped: reusing {work.name}", flush=True)
    else:
        print(f"[{n:,}] set-up: suggestions and acceptance…", flush=True)
        out["setup"] = bench_setup(engine)
        print(f"[{n:,}] set-up: {out['setup']}", flush=True)
    print(f"[{n:,}] goal: analyse × 8 chains, {runs} runs…", flush=True)
    out["analyse"], results = bench_goal(engine, runs)
    print(f"[{n:,}] analyse: {out['analyse']}", flush=True)
    out["breakdown"] = breakdown(engine, results[1]["year"], runs)
    print(f"[{n:,}] breakdown: {out['breakdown']}", flush=True)
    out["indicators"] = bench_indicators(engine, runs)
    print(f"[{n:,}] monthly indicators: {out['indicators']}", flush=True)
    out["trends"] = bench_trends(engine, runs)
    print(f"[{n:,}] trends: {out['trends']}", flush=True)
    out["peer"] = bench_peer(work, results, runs)
    print(f"[{n:,}] peer: {out['peer']}", flush=True)
    if with_profile:
        out["profile"] = profile(engine)
        print(out["profile"][:6000], flush=True)
    out["load_after"] = os.getloadavg()
    engine.dispose()
    return out


SMOKE_N = 200


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the arguments, run the parts, print and save the results (a smoke run saves
    nothing); return them."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 enterprises only")
    parser.add_argument("--enterprises", type=int, default=None, help="one size only")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="skip set-up: reuse the working copy left"
    )
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE_N} enterprises, 1 run, nothing saved"
    )
    parser.add_argument("--work", type=Path, default=None,
                        help="databases here (default bench/data)")  # fmt: skip
    args = parser.parse_args(argv)
    where = args.work or DATA
    if args.smoke:
        args.enterprises, args.runs, args.no_profile, args.reuse = SMOKE_N, 1, True, False
    if args.enterprises:
        sizes = [args.enterprises]
    elif args.quick:
        sizes = [100_000]
    else:
        sizes = [GOAL_N, 100_000]
    for n in sizes:
        chains_db(n, args.seed, where)
    if args.build_only:
        return {"built": sizes}

    result: dict[str, Any] = {"machine": machine(), "runs": args.runs, "goal_s": GOAL_S,
                              "load_at_start": os.getloadavg()}  # fmt: skip
    if not args.reuse:
        result["chain_load"] = bench_chain_load(args.runs, where)
        print(f"chain load: {result['chain_load']}", flush=True)
    result["sizes"] = [
        bench_size(n, args.seed, args.runs, i == 0 and not args.no_profile, args.reuse, where)
        for i, n in enumerate(sizes)
    ]
    result["load_at_end"] = os.getloadavg()
    if not args.smoke:
        print(f"saved {save(f'chains-{sizes[0]}', result)}")
    return result


if __name__ == "__main__":
    main()
