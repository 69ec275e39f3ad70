"""The monthly chain report bench at its smoke size: on a 200-firm `highland demo` database
(the session's, built by the benches' own builder), each of the eight chains gets a scheduling
record for the month and a report built, as HTML and as a workbook (figures, not timings, are
asserted: docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_shared import DEMO_N, demo_copy, load


# One worker under pytest-xdist for the tests sharing the session's demo database (built once).
@pytest.mark.xdist_group("bench_demo")
def test_chain_report_smoke_builds_every_chains_report_as_html_and_workbook(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bench = load("bench_chain_report")
    demo_copy(tmp_path_factory, tmp_path / f"chains-{DEMO_N}-{bench.SEED}.db")
    result = bench.main(["--smoke", "--work", str(tmp_path)])
    assert result["enterprises"] == 200 and result["runs"] == 1
    assert result["setup"]["setup"]["accepted_rows"] > 0
    assert result["records"]["created"] == 8  # a fresh database: one record per chain
    per = result["per_chain_median"]
    assert sorted(per) == list(range(1, 9))
    for row in per.values():
        assert row["html_bytes"] > 1000 and row["xlsx_bytes"] > 1000, row
    assert all(len(runs) == 1 for runs in result["eight_chains_runs_s"].values())
    assert (tmp_path / "chain-report-200-work.db").exists()
