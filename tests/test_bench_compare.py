"""The version-against-version harness (bench/compare.py) reads results and judges noise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "compare.py"
spec = importlib.util.spec_from_file_location("bench_compare", BENCH)
assert spec and spec.loader
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)


def test_results_flatten_to_timings_and_rates() -> None:
    flat = compare.flatten({"sweep": {"first_s": 2.5, "marks": 10}, "intake": [{"per_s": 9}]})
    assert flat == {"sweep.first_s": 2.5, "sweep.marks": 10.0, "intake.0.per_s": 9.0}
    assert compare.kind("sweep.first_s") == "time"
    assert compare.kind("intake.0.per_s") == "rate"
    assert compare.kind("sweep.marks") is None


def test_slower_means_beyond_the_reference_s_slowest_run() -> None:
    ref = [{"a_s": 1.0, "b_s": 1.0, "n_per_s": 100.0}, {"a_s": 1.4, "b_s": 1.1, "n_per_s": 90.0}]
    new = [{"a_s": 1.3, "b_s": 1.5, "n_per_s": 80.0}, {"a_s": 1.2, "b_s": 1.6, "n_per_s": 85.0}]
    rows = {row.split("`")[1]: row for row in compare.compare("x", ref, new)}
    assert rows["a_s"].endswith("same or faster |")
    assert rows["b_s"].endswith("slower |")
    assert rows["n_per_s"].endswith("slower |")
