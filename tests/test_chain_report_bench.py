"""The monthly chain report bench at its smoke size: on a `highland demo` database of its own,
each of the eight chains gets a scheduling record for the month and a report built, as HTML
and as a workbook (figures, not timings, are asserted: docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_chain_report.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_chain_report", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_chain_report_smoke_builds_every_chains_report_as_html_and_workbook(
    tmp_path: Path,
) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert result["enterprises"] == 200 and result["runs"] == 1
    assert result["setup"]["setup"]["accepted_rows"] > 0
    assert result["records"]["created"] == 8  # a fresh database: one record per chain
    per = result["per_chain_median"]
    assert sorted(per) == list(range(1, 9))
    for row in per.values():
        assert row["html_bytes"] > 1000 and row["xlsx_bytes"] > 1000, row
    assert all(len(runs) == 1 for runs in result["eight_chains_runs_s"].values())
    assert (tmp_path / "chain-report-200-work.db").exists()
