"""The demands bench at its smoke size: every part runs — deadlines agree with the day-by-day
peer, the metrics from the projection equal those replayed from the event log, a second sweep
at the same moment marks nothing, and every demand filed through the API during the intake is
in the database with its event (figures, not timings, are asserted: docs/PERFORMANCE.md has
the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_demands.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_demands", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_demands_smoke_runs_every_part_and_its_checks_hold(tmp_path: Path) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert result["demands"] == 2000 and result["runs"] == 1
    calendar = result["calendar"]
    assert calendar["starts"] == 2000 and calendar["agree_with_naive"]
    metrics = result["metrics"]
    assert metrics["data"]["demands"] == 2000 and sum(metrics["data"]["states"].values()) == 2000
    assert metrics["agree"], "metrics from the projection and from the log differ"
    assert 0 < metrics["schema"]["one_year_volume"] <= metrics["schema"]["all_volume"] <= 2000
    (sweep,) = result["sweep"]["results"]
    assert sweep["events_added"] > 0
    assert all(count.endswith(" 0") for count in sweep["second"].split(", ")), sweep["second"]
    intake = result["intake"]
    assert intake["created"] > 0 and intake["count_check"], intake
    assert set(intake["status"]) == {"201"} and intake["errors"] == [], intake
    assert (tmp_path / "demands-2000-20240601.db").exists()
