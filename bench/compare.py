"""Two versions of Highland, benchmark by benchmark, in the same run.

Runs each chosen benchmark script in a reference checkout (another commit, with a `.venv` of
its own: `git worktree add ../ref <commit> && make -C ../ref .venv/.test-installed`) and in
this one, alternating the order every round so that a machine that slows down hurts both
alike. Every figure the scripts write to `bench/out/*.json` is read back; for each timing the
table gives the median of each side, their ratio and each side's spread (the noise). A figure
is "slower" only when the new median lies above the reference's slowest run.

    python bench/compare.py --ref ../ref                      # the set below, 3 rounds
    python bench/compare.py --ref ../ref --only demands,chains --rounds 2

Scripts, not tests: nothing here asserts a time. The table goes to bench/out/compare-*.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# name → the script and its arguments: medium sizes that finish in minutes, not hours.
BENCHES: dict[str, list[str]] = {
    "import": ["bench_import.py", "--enterprises", "100000", "--runs", "1"],
    "search": ["bench_search.py", "--enterprises", "100000", "--requests", "100"],
    "demands": ["bench_demands.py", "--quick", "--only", "calendar,metrics,sweep"],
    "sweep": ["bench_demands.py", "--quick", "--only", "sweep", "--runs", "3"],
    "chains": ["bench_chains.py", "--enterprises", "100000", "--runs", "1", "--no-profile"],
    "policies": ["bench_policies.py", "--enterprises", "100000", "--only", "single"],
    "policies-match": ["bench_policies.py", "--enterprises", "20000", "--only", "match",
                       "--runs", "1"],
    "triggers": ["bench_figure_triggers.py", "--enterprises", "50000", "--runs", "1"],
    # A past month: a scheduling record is refused for a meeting held in the future.
    "chain-report": ["bench_chain_report.py", "--enterprises", "20000", "--runs", "1",
                     "--month", "2026-11", "--reuse"],
    "backup": ["bench_backup.py", "--enterprises", "100000", "--runs", "1"],
    "upload": ["bench_upload_bombs.py"],
    "load": ["bench_load.py", "--backend", "sqlite", "--seconds", "30"],
    "desk": ["bench_desk.py", "--enterprises", "50000", "--runs", "3"],
}
# Leaves whose name says they are a duration or a rate (rates: higher is better).
TIME_HINTS = ("seconds", "_s", "_ms", "p50", "p95", "p99", "median", "time", "wall")
RATE_HINTS = ("per_s", "per_second", "_rate", "/s")


def flatten(value: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a JSON value as dotted keys (list items by index)."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(value, list) and len(value) <= 50:
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}{i}."))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out[prefix[:-1]] = float(value)
    return out


def kind(key: str) -> str | None:
    """'rate', 'time' or None (a count or a size: not compared)."""
    low = key.lower()
    if any(h in low for h in RATE_HINTS):
        return "rate"
    if any(low.endswith(h) or f"{h}." in low for h in TIME_HINTS):
        return "time"
    return None


def results_since(tree: Path, started: float) -> dict[str, float]:
    """Every figure a checkout's scripts wrote to bench/out since `started`, flattened."""
    results = [p for p in (tree / "bench" / "out").glob("*.json") if p.stat().st_mtime >= started]
    merged: dict[str, float] = {}
    for path in sorted(results):
        merged.update(flatten(json.loads(path.read_text()), f"{path.stem.rsplit('-', 2)[0]}."))
    return merged


def run_one(tree: Path, script: list[str]) -> dict[str, float] | None:
    """Run a benchmark script in a checkout with its own interpreter; its newest result, or
    None when the script failed (the comparison goes on and says so)."""
    started = time.time()
    python = tree / ".venv" / "bin" / "python"
    done = subprocess.run([str(python), str(tree / "bench" / script[0]), *script[1:]], cwd=tree,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    if done.returncode != 0:
        print(f"{script[0]} failed in {tree}:\n{done.stderr[-1500:]}", file=sys.stderr)
        return None
    return results_since(tree, started)


def compare(name: str, ref: list[dict[str, float]], new: list[dict[str, float]]) -> list[str]:
    """Table rows for one benchmark: every timing or rate both sides reported."""
    rows = []
    keys = sorted(set.intersection(*(set(r) for r in ref + new)))
    for key in keys:
        k = kind(key)
        if k is None:
            continue
        a = [r[key] for r in ref]
        b = [r[key] for r in new]
        ma, mb = statistics.median(a), statistics.median(b)
        if ma == 0 and mb == 0:
            continue
        ratio = mb / ma if ma else float("inf")
        worse = mb > max(a) if k == "time" else mb < min(a)
        verdict = "slower" if worse else "same or faster"
        spread_a = f"{ma:.4g} ({min(a):.4g}–{max(a):.4g})"
        spread_b = f"{mb:.4g} ({min(b):.4g}–{max(b):.4g})"
        cells = [name, f"`{key}`", k, spread_a, spread_b, f"{ratio:.2f}", verdict]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", type=Path, required=True, help="reference checkout with .venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=",".join(BENCHES), help="comma list of benchmarks")
    args = parser.parse_args()
    ref_tree = args.ref.resolve()
    lines = [
        "| Bench | Figure | Kind | Reference median (runs) | This tree median (runs) | Ratio "
        "| Verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    out = HERE / "out" / f"compare-{time.strftime('%Y%m%d-%H%M%S')}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    for name in args.only.split(","):
        script = BENCHES[name]
        got: dict[str, list[dict[str, float]]] = {"ref": [], "new": []}
        failed = False
        for i in range(args.rounds):
            order = [("ref", ref_tree), ("new", ROOT)]
            for side, tree in order if i % 2 == 0 else order[::-1]:
                print(f"{name}: round {i + 1}, {side}", file=sys.stderr, flush=True)
                result = run_one(tree, script)
                failed = failed or result is None
                if result is not None:
                    got[side].append(result)
        if failed or not got["ref"] or not got["new"]:
            lines.append(f"| {name} | (a run failed: see the log) | | | | | |")
        else:
            lines += compare(name, got["ref"], got["new"])
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")  # after each benchmark
    print("\n".join(lines))
    print(f"\nwritten to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
