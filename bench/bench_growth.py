"""High-growth classification: the four shipped rule sets over N enterprises × 5 years.

    python bench/bench_growth.py                          # 1,000,000 enterprises, 3 runs
    python bench/bench_growth.py --enterprises 100000 --runs 3 --sample 5000   # quick check
    python bench/bench_growth.py --smoke --work /tmp/g    # what tests/test_growth_bench.py runs

What is measured (issue 16, acceptance 5: ≤ 10 s for 1,000,000 enterprises, all four rule
sets, against a plain-Python evaluation of the same rules in the same run):

- data: a synthetic registry (numpy, seeded: the same firms for the same seed and size) of N
  enterprises — industry section (manufacturing C, services F–T, a few others, a few unknown),
  founding date, listed flag (some unknown) — and their yearly figures 2020–2024 as a long
  table (one row per firm and year, like the financials table): revenue (fen), employees, and
  for a few firms a valuation and a last funding round (US cents). Firms founded later have no
  figures for the years before; any figure may be missing (null, never zero); a share of the
  firms grow by exact fractions so that the ≥ / > boundaries are hit exactly;
- frames: the wide frame each rule set reads (`<figure>@<k>` columns, joined year by year from
  the long table as `growth.service.build_frame` does from the database), timed on its own;
- set-based: `growth.rules.frame.classify` of all four rule sets for the 2024 lists (the
  categories, statuses, near misses, failed and missing criteria of every firm), median of
  `--runs` runs, each rule set's median too;
- the peer: `growth.rules.reference.classify` (plain Python, one firm at a time, `Fraction`s)
  of the same four rule sets on `--sample` firms drawn with the seed (all of them when the
  sample is at least N); its time per firm times N is reported as the extrapolated peer, and
  said to be extrapolated. Both evaluators must give the same line to every sampled firm:
  the agreement is a count, not a time;
- peak RSS of the process (`getrusage`), after the data, the frames and the classification;
  the machine and its load average at the start and the end (the machine is shared).

Results go to bench/out/growth-N-*.json. `--smoke` (3,000 enterprises, every one checked by
the peer, one run, nothing saved, data only in memory) is what tests/test_growth_bench.py runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, median, save  # noqa: E402

from highland.growth.rules import frame as vector  # noqa: E402
from highland.growth.rules import loader, reference  # noqa: E402
from highland.growth.rules.model import FnLeaf, RuleSet  # noqa: E402
from highland.growth.rules.reference import Firm  # noqa: E402

SEED = 20240601
RULESETS = ("nanjing-2024", "gei", "oecd-hge-10", "oecd-hge-20")
YEAR = 2024  # the lists of 2024: Nanjing reads 2020–2023, the others 2021–2024
YEARS = (2020, 2021, 2022, 2023, 2024)
FIGURES = ("revenue", "employees", "valuation_usd", "last_round_usd")
GOAL_S = 10.0
SMOKE_N = 3_000
SERVICES = list("FGHIJKLMNOPQRST")
WAN = 10_000 * 100  # ¥1万 in fen
EPOCH = date(1970, 1, 1)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ data ------


def _series(rng: np.random.Generator, base: np.ndarray, drift: float, spread: float,
            exact: np.ndarray) -> np.ndarray:  # fmt: skip
    """n × 5 yearly figures from a base: lognormal yearly growth, and for the `exact` firms
    growth by whole fractions (3/2, 6/5, 11/10, 1/1 …) that land on the thresholds."""
    n = base.shape[0]
    out = np.empty((n, len(YEARS)), dtype=np.int64)
    out[:, 0] = base
    steps = np.array([(3, 2), (6, 5), (11, 10), (1, 1), (2, 1), (9, 8), (4, 5)], dtype=np.int64)
    pick = rng.integers(0, len(steps), size=n)
    num, den = steps[pick, 0], steps[pick, 1]
    for y in range(1, len(YEARS)):
        factor = np.exp(rng.normal(drift, spread, size=n))
        grown = np.maximum(np.rint(out[:, y - 1] * factor), 0).astype(np.int64)
        out[:, y] = np.where(exact, out[:, y - 1] * num // den, grown)
    return out


def generate(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The registry (one row per firm) and the long table of yearly figures (one row per firm
    and year it has figures for), deterministic for (n, seed)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64)
    kind = rng.random(n)
    section = np.where(
        kind < 0.36, "C",
        np.where(kind < 0.90, np.array(SERVICES)[rng.integers(0, len(SERVICES), n)],
                 np.array(["A", "B", "D", "E"])[rng.integers(0, 4, n)]),
    )  # fmt: skip
    section_known = rng.random(n) >= 0.01
    start, end = (date(1995, 1, 1) - EPOCH).days, (date(2024, 6, 30) - EPOCH).days
    founded = rng.integers(start, end, size=n)
    founded_known = rng.random(n) >= 0.01
    listed_draw = rng.random(n)
    listed = np.where(listed_draw < 0.01, True, False)
    listed_known = listed_draw >= 0.03  # 2 % unknown
    exact = rng.random(n) < 0.05
    # Round bases for the exact firms: ¥300万, ¥500万, 10 and 20 employees, and their neighbours.
    revenue_base = np.rint(np.exp(rng.normal(np.log(300 * WAN), 1.6, size=n))).astype(np.int64)
    revenue_base = np.where(exact, rng.choice([300 * WAN, 500 * WAN, 500 * WAN - 1, 800 * WAN],
                                              size=n), revenue_base)  # fmt: skip
    employees_base = np.maximum(np.rint(np.exp(rng.normal(np.log(18), 1.2, size=n))), 0)
    employees_base = np.where(exact, rng.choice([9, 10, 20, 100], size=n), employees_base)
    revenue = _series(rng, revenue_base, 0.08, 0.35, exact)
    employees = _series(rng, employees_base.astype(np.int64), 0.04, 0.25, exact)
    funded = rng.random(n) < 0.03  # firms with a valuation on record
    usd = 100  # cents per dollar
    valuation_base = np.rint(np.exp(rng.normal(np.log(8e7), 1.5, size=n)) * usd).astype(np.int64)
    valuation_base = np.where(exact, rng.choice([10**8 * usd, 10**9 * usd, 5 * 10**7 * usd],
                                                size=n), valuation_base)  # fmt: skip
    valuation = _series(rng, valuation_base, 0.15, 0.3, exact)
    last_round = np.rint(valuation * rng.uniform(0.05, 0.3, size=valuation.shape)).astype(np.int64)
    founded_year = (np.datetime64("1970-01-01") + founded.astype("timedelta64[D]")).astype(
        "datetime64[Y]"
    ).astype(np.int64) + 1970
    parts = []
    for y, year in enumerate(YEARS):
        exists = founded_year <= year
        missing = rng.random((n, len(FIGURES))) < np.array([0.05, 0.06, 0.5, 0.6])
        rounds = funded & (rng.random(n) < 0.6)
        cols = {
            "enterprise_id": ids, "year": np.full(n, year, dtype=np.int64),
            "revenue": revenue[:, y], "employees": employees[:, y],
            "valuation_usd": valuation[:, y], "last_round_usd": last_round[:, y],
        }  # fmt: skip
        frame = pl.DataFrame(cols).with_columns(
            pl.when(pl.Series(missing[:, i])).then(None).otherwise(pl.col(f)).alias(f)
            for i, f in enumerate(FIGURES)
        )
        frame = frame.with_columns(
            pl.when(pl.Series(funded)).then(pl.col("valuation_usd")).alias("valuation_usd"),
            pl.when(pl.Series(rounds)).then(pl.col("last_round_usd")).alias("last_round_usd"),
        )
        parts.append(frame.filter(pl.Series(exists)))
    series = pl.concat(parts).sort("enterprise_id", "year")
    registry = pl.DataFrame({
        "enterprise_id": ids,
        "uscc": pl.Series(ids).cast(pl.String).str.zfill(10),
        "founded_on": pl.Series(founded).cast(pl.Int32).cast(pl.Date),
        "listed": pl.Series(listed),
        "industry_section": pl.Series(section),
    }).with_columns(
        pl.format("91320100{}", pl.col("uscc")).alias("uscc"),
        pl.when(pl.Series(founded_known)).then(pl.col("founded_on")).alias("founded_on"),
        pl.when(pl.Series(listed_known)).then(pl.col("listed")).alias("listed"),
        pl.when(pl.Series(section_known)).then(pl.col("industry_section")).alias(
            "industry_section"),
    )  # fmt: skip
    return registry, series


def build_frame(registry: pl.DataFrame, series: pl.DataFrame, rs: RuleSet) -> pl.DataFrame:
    """The frame a rule set reads, year by year from the long table (what the service does
    from the database)."""
    fy = rs.figures_year(YEAR)
    figures = sorted({leaf.of for leaf in rs.leaves if isinstance(leaf, FnLeaf) and leaf.of})
    frame = registry
    for k in range(rs.reach + 1):
        part = series.filter(pl.col("year") == fy - k).select(
            "enterprise_id", *(pl.col(f).alias(vector.series_column(f, k)) for f in figures)
        )
        frame = frame.join(part, on="enterprise_id", how="left", maintain_order="left")
    return frame


def firms(registry: pl.DataFrame, series: pl.DataFrame, rows: np.ndarray) -> list[Firm]:
    """The sampled enterprises as the reference evaluator reads them."""
    ids = registry.get_column("enterprise_id").gather(rows)
    reg = registry[rows]
    figs = series.filter(pl.col("enterprise_id").is_in(ids.implode()))
    by_id: dict[int, dict[str, dict[int, int | None]]] = {}
    for row in figs.iter_rows(named=True):
        one = by_id.setdefault(row["enterprise_id"], {f: {} for f in FIGURES})
        for f in FIGURES:
            one[f][row["year"]] = row[f]
    return [
        Firm(r["uscc"], r["founded_on"], r["listed"],
             by_id.get(r["enterprise_id"], {f: {} for f in FIGURES}),
             {"industry_section": r["industry_section"]})
        for r in reg.iter_rows(named=True)
    ]  # fmt: skip


# ----------------------------------------------------------------- measure ------


def measure(n: int, seed: int, runs: int, sample: int) -> dict[str, Any]:
    # long: the steps and the summary read best in one place
    out: dict[str, Any] = {"load_at_start": os.getloadavg()}
    rulesets = {r: loader.load(r) for r in RULESETS}
    t = time.perf_counter()
    registry, series = generate(n, seed)
    out["data"] = {"enterprises": registry.height, "figure_rows": series.height,
                   "years": list(YEARS), "seconds": round(time.perf_counter() - t, 2),
                   "peak_rss_mib": round(_peak_mib())}  # fmt: skip
    frames: dict[str, pl.DataFrame] = {}
    build_s: dict[str, float] = {}
    for rid, rs in rulesets.items():
        t = time.perf_counter()
        frames[rid] = build_frame(registry, series, rs)
        build_s[rid] = round(time.perf_counter() - t, 3)
    out["frames"] = {"seconds": round(sum(build_s.values()), 3), "per_ruleset_s": build_s,
                     "peak_rss_mib": round(_peak_mib())}  # fmt: skip
    totals: list[float] = []
    per: dict[str, list[float]] = {r: [] for r in RULESETS}
    results: dict[str, pl.DataFrame] = {}
    for _ in range(runs):
        total = 0.0
        for rid, rs in rulesets.items():
            t = time.perf_counter()
            results[rid] = vector.classify(frames[rid], rs, YEAR)
            s = time.perf_counter() - t
            per[rid].append(s)
            total += s
        totals.append(total)
    med = median(totals)
    out["set_based"] = {
        "median_s": round(med, 3), "runs_s": [round(x, 3) for x in totals],
        "per_ruleset_median_s": {r: round(median(v), 3) for r, v in per.items()},
        "peak_rss_mib": round(_peak_mib()),
        "counts": {r: {f"{c}/{s}": k for c, s, k in res.group_by("category", "status").len()
                       .sort("category", "status").iter_rows()}
                   for r, res in results.items()},
    }  # fmt: skip
    rows = np.sort(np.random.default_rng(seed + 1).choice(n, size=min(sample, n), replace=False))
    t = time.perf_counter()
    sampled = firms(registry, series, rows)
    firms_s = time.perf_counter() - t
    peer_s = 0.0
    agree = 0
    disagree: list[dict[str, Any]] = []
    for rid, rs in rulesets.items():
        t = time.perf_counter()
        plain = [reference.classify(rs, f, YEAR) for f in sampled]
        peer_s += time.perf_counter() - t
        got = results[rid][rows].select(*vector.OUTPUT_COLUMNS).rows()
        for a, b in zip(got, plain, strict=True):
            if a == b:
                agree += 1
            elif len(disagree) < 5:
                disagree.append({"ruleset": rid, "set_based": a, "reference": b})
    checked = len(sampled) * len(rulesets)
    per_firm = peer_s / len(sampled)
    out["peer"] = {
        "evaluator": "growth.rules.reference.classify (plain Python, Fraction), all four rule sets",
        "sample": len(sampled), "seconds_on_sample": round(peer_s, 3),
        "firms_built_s": round(firms_s, 3), "per_firm_ms": round(per_firm * 1000, 4),
        "extrapolated_s": round(per_firm * n, 1), "extrapolated": len(sampled) < n,
    }  # fmt: skip
    out["agreement"] = {"checked": checked, "agree": agree, "share": agree / checked,
                        "examples": disagree}  # fmt: skip
    out["goal_s"] = GOAL_S
    out["goal_met"] = med <= GOAL_S
    out["speedup_vs_peer"] = round(per_firm * n / med, 1) if med else None
    out["peak_rss_mib"] = round(_peak_mib())
    out["load_at_end"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20_000,
                        help="firms the plain-Python peer evaluates (all when ≥ N)")  # fmt: skip
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"{SMOKE_N} enterprises, all checked by the peer, 1 run, not saved",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="where results go (default bench/out/; the smoke size saves none)",
    )
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"machine": machine(), "year": YEAR, "rulesets": list(RULESETS)}
    if args.smoke:
        return out | {"enterprises": SMOKE_N, "runs": 1,
                      **measure(SMOKE_N, args.seed, 1, SMOKE_N)}  # fmt: skip
    print(f"machine: {out['machine']}", flush=True)
    out |= {"enterprises": args.enterprises, "runs": args.runs}
    out |= measure(args.enterprises, args.seed, args.runs, args.sample)
    print({k: v for k, v in out.items() if k not in ("machine",)}, flush=True)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        path = args.work / f"growth-{args.enterprises}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        path = save(f"growth-{args.enterprises}", out)
    print(f"saved {path}")
    return out


if __name__ == "__main__":
    main()
