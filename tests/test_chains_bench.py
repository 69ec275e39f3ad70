"""The chain-analytics bench at its smoke size: on a 200-firm `highland demo` database (the
session's, built by the bench's own builder), every part runs (loading the eight chains,
suggestions and acceptance, analytics, the monthly indicators, trends) and the plain-Polars
peer agrees with `analyse` on every LQ and HHI (figures, not timings, are asserted:
docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_shared import DEMO_N, demo_copy, load

CHAINS = {"software", "nev", "medicine", "ai", "ic", "smart-grid", "rail", "smart-equipment"}


# One worker under pytest-xdist for the tests sharing the session's demo database (built once).
@pytest.mark.xdist_group("bench_demo")
def test_chains_smoke_runs_every_part_and_the_peer_agrees(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bench = load("bench_chains")
    demo_copy(tmp_path_factory, tmp_path / f"chains-{DEMO_N}-{bench.SEED}.db")
    result = bench.main(["--smoke", "--work", str(tmp_path)])
    assert result["runs"] == 1 and result["chain_load"]["counts"]["created"] == 8
    (size,) = result["sizes"]
    assert size["enterprises"] == 200
    assert size["setup"]["accepted_rows"] > 0 and size["setup"]["decide_chain1_error"] is None
    analyse = size["analyse"]
    assert set(analyse["members"]) == CHAINS and sum(analyse["members"].values()) > 0
    assert len(analyse["runs_s"]) == 1 and set(analyse["gaps"]) == CHAINS
    assert len(size["indicators"]["after_change_runs_s"]) == 1
    assert size["trends"]["months"] == 12
    peer = size["peer"]
    assert peer["agree"], peer["disagreements"]
    assert peer["numbers_compared"] > 8
    assert (tmp_path / "chains-200-work.db").exists()
