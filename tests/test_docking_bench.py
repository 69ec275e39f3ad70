"""The docking bench at its smoke size: the labelled set is what the generator writes (at least
200 pairs), the three rankers are measured in the same run, and a search over the index gives
times (figures, not timings, are asserted: docs/PERFORMANCE.md has the numbers)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_docking.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_docking", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_labelled_set_is_the_generators() -> None:
    bench = _bench()
    assert bench.LABELS.read_text(encoding="utf-8") == bench.label_text()
    rows = bench.read_labels()
    assert len(rows) >= 200 and len({r["ach_ref"] for r in rows}) == len(rows)
    assert len({r["need"] for r in rows}) == 220


def test_docking_smoke_measures_quality_and_speed(tmp_path: Path) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert (tmp_path / "docking.json").exists()
    q = result["quality"]
    assert q["pairs"] == 660 and q["needs"] == 220 and q["pool"] == q["pairs"] + 200
    for name in ("keywords", "bm25", "match"):
        assert 0 <= q[name]["recall_at_10"] <= 1 and 0 <= q[name]["mrr"] <= 1
    # The matcher beats plain keyword overlap on the labelled set (the point of it).
    assert q["match"]["mrr"] > q["keywords"]["mrr"]
    s = result["speed"]
    assert s["achievements"] == 2000 and s["queries"] == 20 and s["p95_ms"] > 0
