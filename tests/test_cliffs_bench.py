"""The no-cold-cliffs bench at its smoke size: on the 200-firm demo database, 20 changed firms
are imported and every view answers after it (figures, not timings, are asserted:
docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_shared import DEMO_N, demo_copy, load


@pytest.mark.xdist_group("bench_demo")
def test_cliffs_smoke_opens_every_view_after_an_import(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bench = load("bench_cliffs")
    db = demo_copy(tmp_path_factory, tmp_path / "demo" / "highland.db")
    result = bench.main(["--smoke", "--db", str(db), "--work", str(tmp_path / "work")])
    assert result["enterprises"] == DEMO_N and result["rounds"] == 1
    assert result["imports"][0]["figure_rows"] > 0
    views = result["views"]
    assert {"who_qualifies_refresh", "chain_analytics_api", "indicators_chain1",
            "chain_report"} <= set(views)  # fmt: skip
    assert all(len(v["runs_s"]) == 1 for v in views.values())
    assert not (tmp_path / "work" / "cliffs-work.db").exists()  # the working copy is removed
