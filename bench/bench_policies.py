"""Policy matching: the set-based engine, one enterprise explained, the API and `policies match`.

    python bench/bench_policies.py                                 # 1,000,000 × 300, 3 runs
    python bench/bench_policies.py --enterprises 20000 --policies 50 --runs 1   # quick check
    python bench/bench_policies.py --only engine                   # one part
    python bench/bench_policies.py --smoke --work /tmp/x           # what the tests run

Parts (each heavy step runs in a fresh subprocess, so that its peak RSS is its own):

- engine: two modes over a synthetic portrait frame — eligibility only
  (`bitset.statuses`: every enterprise × policy's three-valued status) and full
  (`vector.summarise`: status, per-criterion near-miss counts and amounts of every policy) —
  against OpenFisca computing the same eligibility rules on the same data, and against the
  plain evaluator in a Python loop (on a sample of rows, scaled linearly to the frame);
- single: one enterprise × every policy with the full explanation (`explain.evaluate_all`,
  which builds a result's explanation when it is read), p50/p95 over varied enterprises,
  also with every field of every result read, against OpenFisca for one entity;
- api: "who qualifies for policy P" through FastAPI's TestClient on a `highland demo`
  registry of the same size (cold: first call, which builds the portrait snapshot; warm);
- match: `highland policies match` over that registry to a CSV file, and the portrait frame
  load alone.

The policies (bench/policy_gen.py) and the frame are deterministic for a seed; the frame is
cached as Parquet under bench/data/ (or --work). Results go to bench/out/policies-N-*.json.

OpenFisca is optional (`pip install -c constraints.txt -e '.[bench]'`): without it the peer's
parts are reported as skipped and everything else runs. The smoke size (200 enterprises × 20
policies, a quarter of them also reading a rule field the portrait does not supply yet, one
run, every part, nothing saved) is what tests/test_policies_bench.py runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DATA,
    ROOT,
    highland_bin,
    highland_env,
    machine,
    median,
    percentile,
    run,
    save,
)

SEED = 20240601
PARTS = ("engine", "single", "api", "match")
DEMO_POLICIES = ("nj-2025-hightech-first", "jn-2025-rd-subsidy", "nj-2025-output-growth")
BENCH_USER = "admin"  # created by `highland demo`


# --------------------------------------------------------------------------- helpers


def peak_rss_mib() -> dict[str, float]:
    """This process's peak RSS so far: VmHWM from /proc and ru_maxrss (both MiB)."""
    hwm = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"vmhwm_mib": round(hwm, 1), "ru_maxrss_mib": round(maxrss, 1)}


def openfisca_missing() -> str | None:
    """Why the OpenFisca peer cannot run here (None: it can)."""
    import importlib.util

    if importlib.util.find_spec("openfisca_core") is None:
        return "openfisca-core is not installed (pip install -c constraints.txt -e '.[bench]')"
    return None


def where(args: argparse.Namespace) -> Path:
    """The folder of the frame, rules, registry and CSV output: --work, else bench/data/."""
    folder: Path = args.work or DATA
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def frame_path(n: int, seed: int, folder: Path = DATA) -> Path:
    """The synthetic portrait frame as Parquet (generated once)."""
    path = folder / f"portraits-{n}-{seed}.parquet"
    if not path.exists():
        import policy_gen

        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        frame = policy_gen.portrait_frame(n, seed)
        tmp = path.with_suffix(".part")
        frame.write_parquet(tmp)
        tmp.replace(path)
        print(f"generated {path.name} in {time.perf_counter() - start:.1f} s", flush=True)
    return path


def rules_path(p: int, seed: int, folder: Path = DATA, missing: float = 0.0) -> Path:
    """The synthetic policies as one YAML file (written each time: cheap, and inspectable);
    `missing`: the share of them that also read a field the portrait does not supply."""
    import policy_gen

    folder.mkdir(parents=True, exist_ok=True)
    tail = f"-missing{missing:g}" if missing else ""
    path = folder / f"policies-{p}-{seed}{tail}.yaml"
    path.write_text(policy_gen.policies_yaml(p, seed, missing), encoding="utf-8")
    return path


def rules_of(args: argparse.Namespace) -> Path:
    return rules_path(args.policies, args.seed, where(args), args.missing_fields)


def frame_of(args: argparse.Namespace) -> Path:
    return frame_path(args.enterprises, args.seed, where(args))


def load_compiled(path: Path) -> list[Any]:
    """Read the YAML with loader.read_text and compile every policy at the bench date."""
    from policy_gen import AS_OF

    from highland.policies.rules.loader import read_text
    from highland.policies.rules.model import compile_policy

    lib = read_text(path.read_text(encoding="utf-8"), path.name)
    if lib.errors:
        raise SystemExit("policies do not load: " + "; ".join(map(str, lib.errors[:5])))
    return [compile_policy(p, AS_OF) for p in lib.policies.values()]


def worker(
    name: str,
    args: argparse.Namespace,
    env: dict[str, str] | None = None,
    extra: list[str] | None = None,
) -> dict[str, Any]:
    """Run one part in a fresh Python process; return the JSON it prints last."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        name,
        "--enterprises",
        str(args.enterprises),
        "--policies",
        str(args.policies),
        "--runs",
        str(args.runs),
        "--seed",
        str(args.seed),
        "--plain-sample",
        str(args.plain_sample),
        "--plain-runs",
        str(args.plain_runs),
        "--single-reps",
        str(args.single_reps),
        "--as-of",
        args.as_of,
        "--missing-fields",
        str(args.missing_fields),
        *(["--work", str(args.work)] if args.work else []),
        *(["--breakdown"] if args.breakdown else []),
        *(extra or []),
    ]
    proc = subprocess.run(
        cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {name} failed:\n{proc.stderr[-4000:]}")
    sys.stderr.write(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def emit(result: dict[str, Any]) -> None:
    """A worker's result: one JSON line on stdout."""
    print(json.dumps(result), flush=True)


def _counts(summaries: list[Any]) -> dict[str, int]:
    return {
        "eligible": sum(s.eligible for s in summaries),
        "ineligible": sum(s.ineligible for s in summaries),
        "unknown": sum(s.unknown for s in summaries),
        "near_miss": sum(s.near_miss for s in summaries),
    }


# --------------------------------------------------------------------------- workers


def work_engine(args: argparse.Namespace) -> dict[str, Any]:
    """The set-based engine over the whole frame, two modes, times of each run and peak RSS.

    eligibility only: `bitset.statuses` (every enterprise × policy's three-valued status, and
    the counts read from it); full: `vector.summarise` (status, per-criterion near-miss counts
    and amounts). The frame is prepared first (`vector.prepare`: the qualification mask and
    integer codes), outside the timing, as the snapshot cache holds it prepared in the
    application — and as OpenFisca's input arrays are built outside its timing.

    Each mode is timed twice per run: first on the frame (its per-frame bitsets, code values
    and "value >= t", dropped before and built inside the timing: the headline numbers), then
    again on the same frame (those bitsets cached, as for the next request on a snapshot).
    """
    import polars as pl

    from highland.policies.rules import bitset, framebits, vector

    compiled = load_compiled(rules_of(args))
    frame = pl.read_parquet(frame_of(args))
    start = time.perf_counter()
    frame = vector.prepare(frame)
    prepare_s = time.perf_counter() - start
    after_load = peak_rss_mib()
    times, status_times, summaries = [], [], []
    cached_times, cached_status_times = [], []
    counts: list[tuple[int, int, int]] = []
    for i in range(args.runs + args.warm):
        if i < args.warm:  # untimed
            bitset.statuses(frame, compiled).counts()
            vector.summarise(frame, compiled)
            continue
        for timings in (status_times, cached_status_times):
            if timings is status_times:
                framebits.forget(frame)  # first call on the frame: its bitsets built, timed
            start = time.perf_counter()
            statuses = bitset.statuses(frame, compiled)
            counts = statuses.counts()
            timings.append(time.perf_counter() - start)
            del statuses
        for timings in (times, cached_times):
            if timings is times:
                framebits.forget(frame)
            start = time.perf_counter()
            summaries = vector.summarise(frame, compiled)
            timings.append(time.perf_counter() - start)
    out: dict[str, Any] = {
        "times_s": times,
        "median_s": median(times),
        "eligibility_times_s": status_times,
        "eligibility_median_s": median(status_times),
        "eligibility_cached_times_s": cached_status_times,
        "cached_times_s": cached_times,
        "eligibility_agrees_with_full": counts
        == [(s.eligible, s.ineligible, s.unknown) for s in summaries],
        "prepare_s": prepare_s,
        "peak_after_frame_load": after_load,
        "peak_whole_process": peak_rss_mib(),
        "frame_mib": round(frame.estimated_size() / 2**20, 1),
        "totals": _counts(summaries),
        "eligible_by_policy": [s.eligible for s in summaries],
        "criteria": sum(len(c.criteria) for c in compiled),
        "distinct_criteria": len(vector.leaf_exprs(frame.head(0), compiled)[0]),
        "with_amount": sum(c.policy.benefit.amount is not None for c in compiled),
        # Policies that read one of the recognitions' criteria.
        "reading_recognition": sum(map(_reads_recognition, compiled)),
    }
    if args.breakdown:
        out["breakdown_s"] = engine_breakdown(frame, compiled)
    return out


def _reads_recognition(compiled: Any) -> bool:
    from policy_gen import RECOGNITION_CRITERIA

    return any(c.field in RECOGNITION_CRITERIA for c in compiled.criteria)


def engine_breakdown(frame: Any, compiled: list[Any]) -> dict[str, float]:
    """Where the engine's time goes, step by step (one run each; `frame` prepared).

    Diagnostics for rules/bitset.py and vector.summarise: the distinct criteria as Polars
    boolean columns, their bitmaps copied into words, the policies' trees, near misses and
    counts, and the amounts on the eligible rows.
    """

    from highland.policies.rules import amounts, arrowbits, bitset, framebits, vector

    def seconds(fn: Any) -> tuple[float, Any]:
        start = time.perf_counter()
        value = fn()
        return round(time.perf_counter() - start, 3), value

    exprs, _ = vector.leaf_exprs(frame, compiled)
    select_s, columns = seconds(lambda: bitset.leaf_columns(frame, exprs))
    words_s, _ = seconds(lambda: arrowbits.frame_pairs(columns))
    framebits.forget(frame)
    first_s, _ = seconds(lambda: bitset.leaves(frame, compiled))
    leaves_s, lv = seconds(lambda: bitset.leaves(frame, compiled))
    trees_s, pairs = seconds(
        lambda: [bitset.tree_pair(cp.tree, lv.of(j)) for j, cp in enumerate(compiled)]
    )
    near_s, _ = seconds(
        lambda: [
            bitset.summary_counts(cp, lv.of(j), pairs[j], lv.n) for j, cp in enumerate(compiled)
        ]
    )
    wanted = [(cp, pairs[j][0]) for j, cp in enumerate(compiled)
              if cp.policy.benefit.amount is not None]  # fmt: skip
    amounts_s, _ = seconds(lambda: amounts.shared_totals(frame, wanted))
    return {
        "all distinct criteria as Polars boolean columns (not used: for comparison)": select_s,
        "their bitmaps as (T, F) uint64 words (not used: for comparison)": words_s,
        "leaves, first on the frame (per-frame bitsets built)": first_s,
        "leaves, again (per-frame bitsets cached)": leaves_s,
        "policy trees (statuses)": trees_s,
        "near misses per criterion and counts": near_s,
        "amounts: each distinct formula once, sums per policy": amounts_s,
        "criteria (count)": float(sum(len(c.criteria) for c in compiled)),
        "distinct criteria (count)": float(len(exprs)),
        "distinct amount formulas (count)": float(len({amounts.amount_key(c) for c, _ in wanted})),
        "policies with an amount and eligible rows (count)": float(len(wanted)),
    }


def work_openfisca(args: argparse.Namespace) -> dict[str, Any]:
    """OpenFisca: all eligibility variables of a fresh simulation of N enterprises."""
    from importlib.metadata import version

    import openfisca_core
    import openfisca_peer
    import polars as pl

    compiled = load_compiled(rules_of(args))
    frame = pl.read_parquet(frame_of(args))
    start = time.perf_counter()
    peer = openfisca_peer.Peer(compiled, frame)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    arrays = peer.arrays(frame)
    arrays_s = time.perf_counter() - start
    n = frame.height
    del frame
    after_load = peak_rss_mib()
    times, inputs, eligible = [], [], []
    for i in range(args.runs + args.warm):
        if i < args.warm:  # untimed
            peer.calculate_all(peer.simulation(arrays, n))
            continue
        start = time.perf_counter()
        sim = peer.simulation(arrays, n)
        inputs.append(time.perf_counter() - start)
        start = time.perf_counter()
        results = peer.calculate_all(sim)
        times.append(time.perf_counter() - start)
        eligible = [int(r.sum()) for r in results]
        del sim, results
    return {
        "version": version("openfisca-core"),
        "module": openfisca_core.__name__,
        "times_s": times,
        "median_s": median(times),
        "set_input_median_s": median(inputs),
        "build_system_s": build_s,
        "inputs_from_frame_s": arrays_s,
        "input_variables": len(peer.inputs),
        "peak_after_inputs": after_load,
        "peak_whole_process": peak_rss_mib(),
        "eligible_by_policy": eligible,
        "agreement": {} if args.no_agreement else agreement(peer, compiled, args),
        "example_formula": peer.sources[peer.variables[0]],
    }


def agreement(peer: Any, compiled: list[Any], args: argparse.Namespace) -> dict[str, int]:
    """OpenFisca against the plain evaluator on a sample, where every field read is present."""
    import numpy as np
    import openfisca_peer
    import polars as pl

    from highland.policies.rules.explain import evaluate

    sample = pl.read_parquet(frame_of(args))
    sample = sample.sample(min(2000, sample.height), seed=args.seed)
    sim = peer.simulation(peer.arrays(sample), sample.height)
    rows = sample.to_dicts()
    compared = differ = differ_missing = 0
    for c, var in zip(compiled, peer.variables, strict=True):
        theirs = np.asarray(sim.calculate(var, openfisca_peer.PERIOD))
        fields = {cr.field for cr in c.criteria}
        for i, row in enumerate(rows):
            ours = evaluate(c, row, explain=False).status == "eligible"
            if all(row.get(f) is not None for f in fields):
                compared += 1
                differ += ours != bool(theirs[i])
            else:
                differ_missing += ours != bool(theirs[i])
    return {
        "rows_x_policies_complete": compared,
        "differ_complete": differ,
        "rows_x_policies_with_missing": len(rows) * len(compiled) - compared,
        "differ_with_missing": differ_missing,
    }


def work_plain(args: argparse.Namespace) -> dict[str, Any]:
    """The plain evaluator in a Python loop over a sample of rows, scaled to the frame."""
    import polars as pl

    from highland.policies.rules import explain, vector
    from highland.policies.rules.explain import evaluate, evaluate_tree

    # The one-criterion test (renamed from test_criterion to criterion_truth at some point).
    truth = getattr(explain, "criterion_truth", None) or explain.test_criterion

    compiled = load_compiled(rules_of(args))
    frame = pl.read_parquet(frame_of(args))
    n = frame.height
    sample = frame.sample(min(args.plain_sample, n), seed=args.seed)
    del frame
    rows = sample.to_dicts()
    width = [len(c.criteria) for c in compiled]

    full_times, status_times = [], []
    counts: list[list[int]] = []
    for _ in range(args.plain_runs):
        counts = [[0, 0, 0, 0, *([0] * w)] for w in width]  # eligible, inel, unknown, near
        index = {"eligible": 0, "ineligible": 1, "unknown": 2}
        start = time.perf_counter()
        for row in rows:
            for c, tally in zip(compiled, counts, strict=True):
                r = evaluate(c, row, explain=False)
                tally[index[r.status]] += 1
                if r.near_miss:
                    tally[3] += 1
                    for i in r.near_miss:
                        tally[4 + i] += 1
        full_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for row in rows:
            for c in compiled:
                get = row.get
                evaluate_tree(c.tree, [truth(cr, get(cr.field)) for cr in c.criteria])
        status_times.append(time.perf_counter() - start)
    # The same counts from the set-based engine on the same sample: both must agree exactly.
    summaries = vector.summarise(sample, compiled)
    agree = all(
        t[:4] == [s.eligible, s.ineligible, s.unknown, s.near_miss]
        and tuple(t[4:]) == s.near_by_criterion
        for t, s in zip(counts, summaries, strict=True)
    )
    scale = n / len(rows)
    return {
        "sample_rows": len(rows),
        "scale": scale,
        "full_sample_s": full_times,
        "full_scaled_median_s": median(full_times) * scale,
        "status_only_sample_s": status_times,
        "status_only_scaled_median_s": median(status_times) * scale,
        "agrees_with_engine_on_sample": agree,
    }


def work_single(args: argparse.Namespace) -> dict[str, Any]:
    """One enterprise × every policy, explained: per-call latency over varied enterprises (and
    OpenFisca's for one entity, when it is installed)."""
    import polars as pl

    from highland.policies.rules.explain import evaluate, evaluate_all

    compiled = load_compiled(rules_of(args))
    frame = pl.read_parquet(frame_of(args))
    sample = frame.sample(min(args.single_reps, frame.height), seed=args.seed + 1)
    rows = sample.to_dicts()
    warm = 200
    for row in rows[:warm]:
        evaluate_all(compiled, row, explain=True)
    ms = []
    for i in range(args.single_reps):
        row = rows[i % len(rows)]
        start = time.perf_counter()
        evaluate_all(compiled, row, explain=True)
        ms.append((time.perf_counter() - start) * 1000)
    # evaluate_all builds each result's explanation when first read: the cost when a page
    # reads every field of every result, and the eager per-policy loop it replaced.
    read_ms, eager_ms = [], []
    for i in range(min(500, args.single_reps)):
        row = rows[i % len(rows)]
        start = time.perf_counter()
        read = [
            (r.criteria, r.failed, r.missing, r.near_miss, r.amount_fen)
            for r in evaluate_all(compiled, row, explain=True)
        ]
        read_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        eager = [evaluate(c, row, explain=True) for c in compiled]
        eager_ms.append((time.perf_counter() - start) * 1000)
        assert [r[4] for r in read] == [r.amount_fen for r in eager]
    out: dict[str, Any] = {
        "reps": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "all_fields_read_p50_ms": percentile(read_ms, 50),
        "eager_per_policy_p50_ms": percentile(eager_ms, 50),
        "statuses": sorted({r.status for r in evaluate_all(compiled, rows[0], explain=True)}),
    }
    skipped = openfisca_missing()
    if skipped:
        return out | {"openfisca_skipped": skipped}
    import openfisca_peer

    peer = openfisca_peer.Peer(compiled, frame)
    of_total, of_calc = [], []
    reps = min(200, args.single_reps)
    inputs = [peer.arrays(sample.slice(i % sample.height, 1)) for i in range(reps + 20)]
    for i, arrays in enumerate(inputs):
        start = time.perf_counter()
        sim = peer.simulation(arrays, 1)
        mid = time.perf_counter()
        peer.calculate_all(sim)
        end = time.perf_counter()
        if i >= 20:  # warm-up
            of_total.append((end - start) * 1000)
            of_calc.append((end - mid) * 1000)
    return out | {
        "openfisca_reps": reps,
        "openfisca_p50_ms": percentile(of_total, 50),
        "openfisca_p95_ms": percentile(of_total, 95),
        "openfisca_calculate_only_p50_ms": percentile(of_calc, 50),
    }


def work_api(args: argparse.Namespace) -> dict[str, Any]:
    """GET /api/v1/policies/{id}/matches?status=eligible through TestClient (or the service)."""
    import re

    from fastapi.testclient import TestClient

    from highland.main import create_app

    app = create_app()
    pattern = re.compile(r"^/api/v1/policies/\{[^}]+\}/matches$")
    # Included routers are nested (not flat in app.routes): the OpenAPI paths list them all.
    route = next((path for path in app.openapi()["paths"] if pattern.match(path)), None)
    token = os.environ["BENCH_TOKEN"]
    client = TestClient(app, headers={"authorization": f"Bearer {token}"})
    results = []

    def call(policy_id: str) -> tuple[float, int | None]:
        if route is not None:
            url = route.replace(route[route.index("{") : route.index("}") + 1], policy_id)
            start = time.perf_counter()
            resp = client.get(url, params={"status": "eligible", "as_of": args.as_of})
            seconds = time.perf_counter() - start
            if resp.status_code != 200:
                raise RuntimeError(f"{url}: {resp.status_code} {resp.text[:300]}")
            body = resp.json()
            total = body.get("total") if isinstance(body, dict) else None
            return seconds, total
        return service_call(policy_id, args.as_of)

    for pid in DEMO_POLICIES:
        cold, total = call(pid)
        warm = [call(pid)[0] for _ in range(5)]
        results.append(
            {
                "policy": pid,
                "cold_s": cold,
                "warm_s": warm,
                "warm_median_s": median(warm),
                "eligible": total,
            }
        )
    return {
        "through": f"via GET {route}" if route else "service.policy_details + filter + page 1",
        "results": results,
        "peak_whole_process": peak_rss_mib(),
    }


def service_call(policy_id: str, as_of_text: str) -> tuple[float, int]:
    """What the API does, without HTTP: details of one policy, filtered, first page of 50."""
    from datetime import date

    from highland.platform.db import session_factory
    from highland.policies import service

    as_of = date.fromisoformat(as_of_text)
    start = time.perf_counter()
    with session_factory()() as s:
        _, _, _, frame = service.policy_details(s, policy_id, as_of)
        rows = service.filter_details(frame, "eligible")
        page = rows.head(50).to_dicts()
        s.commit()  # a freshly built snapshot is stored, as a request would
    seconds = time.perf_counter() - start
    assert len(page) <= 50
    return seconds, rows.height


def work_frame(args: argparse.Namespace) -> dict[str, Any]:
    """snapshot.portrait_frame of the whole registry (the load `policies match` starts with)."""
    from datetime import date

    from highland.enterprises import snapshot
    from highland.platform.db import session_factory

    as_of = date.fromisoformat(args.as_of)
    times, rows = [], 0
    for _ in range(args.runs):
        with session_factory()() as s:
            start = time.perf_counter()
            rows = snapshot.portrait_frame(s, as_of).height
            times.append(time.perf_counter() - start)
    return {
        "times_s": times,
        "median_s": median(times),
        "rows": rows,
        "peak_whole_process": peak_rss_mib(),
    }


def work_data(args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or find) the frame and write the rules; say where they are."""
    return {
        "frame": str(frame_of(args)),
        "rules": str(rules_of(args)),
    }


WORKERS = {
    "data": work_data,
    "engine": work_engine,
    "openfisca": work_openfisca,
    "plain": work_plain,
    "single": work_single,
    "api": work_api,
    "frame": work_frame,
}


# --------------------------------------------------------------------------- the registry


def registry_db(args: argparse.Namespace) -> tuple[Path, dict[str, str]]:
    """A `highland demo --enterprises N` registry (built once, reused when its size is right)."""
    work = where(args) / f"polbench-{args.enterprises}"
    db = args.db or work / "highland.db"
    env = highland_env(db, work / "var")
    if db.exists():
        with sqlite3.connect(db) as conn:
            count = conn.execute("SELECT count(*) FROM enterprise").fetchone()[0]
        if count == args.enterprises:
            return db, env
        print(f"{db} holds {count:,} enterprises, not {args.enterprises:,}: rebuilding", flush=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"building {db} with `highland demo --enterprises {args.enterprises}` (one-off)…",
        flush=True,
    )
    proc = run([highland_bin(), "demo", "--enterprises", str(args.enterprises)], env)
    print(f"  built in {proc.seconds:.0f} s", flush=True)
    return db, env


def drop_snapshots(db: Path, as_of: str) -> int:
    """Forget stored portrait snapshots of the date (not used by a run) so the cold call builds."""
    with sqlite3.connect(db) as conn:
        cur = conn.execute(
            "DELETE FROM portrait_snapshot WHERE as_of = ? AND id NOT IN "
            "(SELECT snapshot_id FROM policy_match_run)",
            (as_of,),
        )
        return cur.rowcount


# --------------------------------------------------------------------------- main


def engine_and_peer(args: argparse.Namespace, no_peer: str | None
                    ) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The engine's and OpenFisca's runs, one of each in turn (fresh processes), so that both
    see the same machine load when other jobs share it; their runs and medians merged."""
    one = argparse.Namespace(**{**vars(args), "runs": 1, "breakdown": False})
    engines, peers = [], []
    for i in range(args.runs):
        first = ["--breakdown"] if args.breakdown and i == 0 else []
        engines.append(worker("engine", one, extra=["--warm", *first]))
        if not no_peer:
            peers.append(
                worker("openfisca", one, extra=["--warm", *(["--no-agreement"] if i else [])])
            )
    eng = engines[0] | {
        "times_s": [t for e in engines for t in e["times_s"]],
        "eligibility_times_s": [t for e in engines for t in e["eligibility_times_s"]],
        "eligibility_cached_times_s": [t for e in engines for t in e["eligibility_cached_times_s"]],
        "cached_times_s": [t for e in engines for t in e["cached_times_s"]],
        "peak_whole_process": max(
            (e["peak_whole_process"] for e in engines), key=lambda p: p["vmhwm_mib"]
        ),  # fmt: skip
        "eligibility_agrees_with_full": all(e["eligibility_agrees_with_full"] for e in engines),
    }
    eng["median_s"] = median(eng["times_s"])
    eng["eligibility_median_s"] = median(eng["eligibility_times_s"])
    eng["eligibility_cached_median_s"] = median(eng["eligibility_cached_times_s"])
    eng["cached_median_s"] = median(eng["cached_times_s"])
    if no_peer:
        return eng, {"skipped": no_peer}
    of = peers[0] | {
        "times_s": [t for p in peers for t in p["times_s"]],
        "peak_whole_process": max(
            (p["peak_whole_process"] for p in peers), key=lambda p: p["vmhwm_mib"]
        ),  # fmt: skip
    }
    of["median_s"] = median(of["times_s"])
    return eng, of


def _fmt_s(x: float) -> str:
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


SMOKE = {"enterprises": 200, "policies": 20, "runs": 1, "plain_sample": 200, "plain_runs": 1,
         "single_reps": 50, "missing_fields": 0.25}  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    # long: the parts in order, each with its line of the summary table, read in one place
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--policies", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--only", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--as-of", default="2025-09-01", help="Matching date (API and match).")
    parser.add_argument(
        "--plain-sample",
        type=int,
        default=20_000,
        help="Rows the plain Python loop evaluates (scaled to --enterprises).",
    )
    parser.add_argument("--plain-runs", type=int, default=1)
    parser.add_argument("--single-reps", type=int, default=2000)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="Also time the parts of summarise (criteria, status, near, amount).",
    )
    parser.add_argument("--db", type=Path, help="Registry (default bench/data/polbench-N/).")
    parser.add_argument(
        "--missing-fields", type=float, default=0.0,
        help="Share of policies that also read a rule field the portrait does not supply.",
    )  # fmt: skip
    parser.add_argument("--smoke", action="store_true",
                        help="every part at a tiny size, one run, nothing saved")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None,
                        help="frame, rules, registry, CSV here (default bench/data)")  # fmt: skip
    parser.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--no-agreement", action="store_true", help=argparse.SUPPRESS)
    # One untimed run first (both the engine and OpenFisca): the first run in a process pays
    # for thread pools, imports and first allocations, which a serving process has behind it.
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)

    if args.worker:
        emit(WORKERS[args.worker](args))
        return {}

    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB; "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    parts = PARTS if args.only == "all" else (args.only,)
    n, p = args.enterprises, args.policies
    result: dict[str, Any] = {
        "machine": info,
        "enterprises": n,
        "policies": p,
        "runs": args.runs,
        "seed": args.seed,
        "as_of": args.as_of,
        "missing_fields": args.missing_fields,
        "load_before": os.getloadavg(),
    }
    no_peer = openfisca_missing()
    rows: list[tuple[str, str, str, str, str]] = []  # what, ours, peers, goal, verdict

    if "engine" in parts or "single" in parts:
        # In a subprocess: a worker forked from a parent that held the frame would inherit its
        # ru_maxrss (VmHWM, which the workers report, starts afresh at exec anyway).
        result["data"] = worker("data", args)

    if "engine" in parts:
        eng, of = engine_and_peer(args, no_peer)
        print(
            f"engine: eligibility only median {eng['eligibility_median_s']:.3f} s (runs "
            f"{', '.join(f'{t:.3f}' for t in eng['eligibility_times_s'])}); full summarise "
            f"median {eng['median_s']:.2f} s (runs {', '.join(f'{t:.2f}' for t in eng['times_s'])}"
            f"); again on the same frame (bitsets cached): eligibility "
            f"{eng['eligibility_cached_median_s']:.3f} s, full {eng['cached_median_s']:.2f} s; "
            f"peak {eng['peak_whole_process']['vmhwm_mib']:.0f} MiB",
            flush=True,
        )
        print(
            f"openfisca: skipped, {no_peer}"
            if no_peer
            else f"openfisca {of['version']}: calculate median {of['median_s']:.2f} s (runs "
            f"{', '.join(f'{t:.2f}' for t in of['times_s'])}), agreement {of['agreement']}",
            flush=True,
        )
        plain = worker("plain", args)
        print(
            f"plain loop: {plain['full_scaled_median_s']:.0f} s scaled "
            f"(status only {plain['status_only_scaled_median_s']:.0f} s), agrees "
            f"{plain['agrees_with_engine_on_sample']}",
            flush=True,
        )
        result |= {"engine": eng, "openfisca": of, "plain": plain}
        nan = float("nan")
        ratio_elig = nan if no_peer else of["median_s"] / eng["eligibility_median_s"]
        ratio_full = nan if no_peer else of["median_s"] / eng["median_s"]
        ratio_cached = nan if no_peer else of["median_s"] / eng["eligibility_cached_median_s"]
        ratio_plain = plain["full_scaled_median_s"] / eng["median_s"]
        result["ratios"] = {
            "openfisca_over_eligibility": ratio_elig,
            "openfisca_over_full": ratio_full,
            "openfisca_over_eligibility_cached": ratio_cached,
            "plain_over_full": ratio_plain,
        }
        peak = eng["peak_whole_process"]["vmhwm_mib"]
        peer_text = "OpenFisca skipped" if no_peer else f"OpenFisca {_fmt_s(of['median_s'])}"
        rows += [
            (
                f"eligibility only {n:,} × {p}",
                _fmt_s(eng["eligibility_median_s"]),
                peer_text,
                "≥ 5× faster than OpenFisca",
                "-" if no_peer else f"{ratio_elig:.2f}× → {'pass' if ratio_elig >= 5 else 'MISS'}",
            ),
            (
                "eligibility only, again on the frame",
                _fmt_s(eng["eligibility_cached_median_s"]),
                peer_text,
                "(per-frame bitsets cached)",
                "-" if no_peer else f"{ratio_cached:.2f}×",
            ),
            (
                "full: status, near misses, amounts",
                _fmt_s(eng["median_s"]),
                peer_text,
                "no slower than OpenFisca",
                "-" if no_peer else f"{ratio_full:.2f}× → {'pass' if ratio_full >= 1 else 'MISS'}",
            ),
            (
                "",
                "",
                f"plain loop {_fmt_s(plain['full_scaled_median_s'])} (scaled)",
                "≥ 50× faster than plain loop",
                f"{ratio_plain:.1f}× → {'pass' if ratio_plain >= 50 else 'MISS'}",
            ),
            (
                "peak RSS (whole process: frame + run)",
                f"{peak:.0f} MiB",
                "",
                "≤ 1.5 GiB",
                "pass" if peak <= 1536 else "MISS",
            ),
        ]

    if "single" in parts:
        one = worker("single", args)
        result["single"] = one
        rows.append(
            (
                f"one enterprise × {p}, explained",
                f"p50 {one['p50_ms']:.2f} ms, p95 {one['p95_ms']:.2f} ms "
                f"(all fields read: p50 {one['all_fields_read_p50_ms']:.2f} ms)",
                "OpenFisca skipped"
                if "openfisca_skipped" in one
                else f"OpenFisca p50 {one['openfisca_p50_ms']:.1f} ms",
                "p50 ≤ 1 ms",
                "pass" if one["p50_ms"] <= 1 else "MISS",
            )
        )

    if "api" in parts or "match" in parts:
        db, env = registry_db(args)
        result["database"] = str(db)

    if "api" in parts:
        dropped = drop_snapshots(db, args.as_of)
        token = run(
            [highland_bin(), "tokens", "create", "--user", BENCH_USER, "--name", "bench-policies"],
            env,
        ).stdout.strip()
        api = worker("api", args, env={**env, "BENCH_TOKEN": token})
        api["snapshots_dropped_before"] = dropped
        result["api"] = api
        for r in api["results"]:
            worst = max(r["cold_s"], r["warm_median_s"])
            rows.append(
                (
                    f"who qualifies: {r['policy']} ({r['eligible']} eligible)",
                    f"cold {_fmt_s(r['cold_s'])}, warm {_fmt_s(r['warm_median_s'])}",
                    api["through"],
                    "≤ 2 s",
                    "pass"
                    if worst <= 2
                    else ("warm pass, cold MISS" if r["warm_median_s"] <= 2 else "MISS"),
                )
            )

    if "match" in parts:
        frame = worker("frame", args, env=env)
        out_csv = where(args) / f"match-{n}.csv"
        times, procs = [], []
        for i in range(args.runs):
            proc = run(
                [highland_bin(), "policies", "match", "--as-of", args.as_of, "--out", str(out_csv)],
                env,
            )
            times.append(proc.seconds)
            procs.append(proc)
            if i == 0 and proc.seconds > 120:
                break
        with out_csv.open("rb") as fh:
            written = sum(1 for _ in fh) - 1
        result["match"] = {
            "times_s": times,
            "median_s": median(times),
            "rows_written": written,
            "csv_mib": round(out_csv.stat().st_size / 2**20, 1),
            "peak_rss_mib": max(pr.peak_rss_mib for pr in procs),
            "cli_says": procs[-1].stdout.strip()[-300:],
            "portrait_frame": frame,
        }
        rows.append(
            (
                f"`policies match` {n:,} → CSV ({written:,} rows)",
                _fmt_s(median(times)),
                f"portrait frame alone {_fmt_s(frame['median_s'])}",
                "report",
                "—",
            )
        )

    result["load_after"] = os.getloadavg()
    result["table"] = rows
    print()
    widths = [
        max(len(r[i]) for r in rows + [("what", "ours", "peers", "goal", "verdict")])
        for i in range(5)
    ]
    for r in [("what", "ours", "peers", "goal", "verdict"), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)))
    if not args.smoke:
        print(f"written: {save(f'policies-{n}', result)}")
    return result


if __name__ == "__main__":
    main()
