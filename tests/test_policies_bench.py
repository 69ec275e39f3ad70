"""The policies bench at its smoke size: every part runs on a generated frame and a 200-firm
`highland demo` registry (the session's, built by the benches' own builder) — the set-based
engine, the plain evaluator (which must agree with it), one enterprise explained, "who
qualifies" through the API, `highland policies match` — with a quarter of the generated
policies also reading a rule field the portrait does not supply yet, which nobody can then
satisfy. OpenFisca, an optional extra ('.[bench]'), is the peer when installed; without it
only its parts are skipped (figures, not timings, are asserted: docs/PERFORMANCE.md has the
times)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from highland.enterprises.snapshot import PORTRAIT_SCHEMA
from tests.bench_shared import DEMO_N, demo_copy, load


# One worker under pytest-xdist for the tests sharing the session's demo database (built once).
@pytest.mark.xdist_group("bench_demo")
def test_policies_smoke_runs_every_part_and_the_evaluators_agree(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bench = load("bench_policies")
    demo_copy(tmp_path_factory, tmp_path / f"polbench-{DEMO_N}" / "highland.db")
    result = bench.main(["--smoke", "--work", str(tmp_path)])
    n, p = result["enterprises"], result["policies"]
    assert (n, p, result["runs"]) == (200, 20, 1)
    engine = result["engine"]
    totals = engine["totals"]
    assert totals["eligible"] + totals["ineligible"] + totals["unknown"] == n * p, totals
    assert len(engine["eligible_by_policy"]) == p and totals["eligible"] > 0
    assert engine["reading_recognition"] > 0
    assert engine["eligibility_agrees_with_full"], "statuses only and summarise count alike"
    assert len(engine["eligibility_times_s"]) == 1
    assert result["plain"]["agrees_with_engine_on_sample"]
    assert result["plain"]["sample_rows"] == n
    single = result["single"]
    assert single["reps"] == 50 and "eligible" in single["statuses"]
    assert single["all_fields_read_p50_ms"] > 0 and single["eager_per_policy_p50_ms"] > 0
    peer = result["openfisca"]
    if bench.openfisca_missing():
        assert peer == {"skipped": bench.openfisca_missing()}
        assert "openfisca_skipped" in single
    else:  # where every field a policy reads is known, OpenFisca decides as we do
        assert peer["agreement"]["differ_complete"] == 0, peer["agreement"]
        assert peer["agreement"]["rows_x_policies_complete"] > 0
        assert len(peer["eligible_by_policy"]) == p and single["openfisca_reps"] == 50
    api = result["api"]
    assert [r["policy"] for r in api["results"]] == list(bench.DEMO_POLICIES)
    assert all(isinstance(r["eligible"], int) for r in api["results"]), api["results"]
    match = result["match"]
    assert match["portrait_frame"]["rows"] == n
    assert match["rows_written"] > 0 and match["rows_written"] % n == 0, match
    assert (tmp_path / f"match-{n}.csv").exists()
    assert (tmp_path / "polbench-200" / "highland.db").exists()
    frame = pl.read_parquet(tmp_path / f"portraits-{n}-{bench.SEED}.parquet")
    assert frame.schema == pl.Schema(PORTRAIT_SCHEMA)


def test_generated_frame_keeps_up_with_columns_the_portrait_gains(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rot the bench once had: the portrait gained columns the generator did not make. A
    column it does not generate is missing for everyone (a set field: known empty)."""
    gen = load("policy_gen")
    grown = {**PORTRAIT_SCHEMA, "zone": pl.String(), "qualification_levels": pl.List(pl.String())}
    monkeypatch.setattr(gen, "PORTRAIT_SCHEMA", grown)
    frame = gen.portrait_frame(50, 7)
    assert frame.schema == pl.Schema(grown)
    assert frame["zone"].null_count() == 50
    assert frame["qualification_levels"].to_list() == [[]] * 50
    assert frame["chains"].to_list() == [[]] * 50 and frame["revenue"].null_count() < 50
