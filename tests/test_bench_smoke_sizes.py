"""Benchmarks cannot rot unnoticed: every bench script has a smoke size (`--smoke`, with
`--work` for its files) and a test that runs it, so a change that breaks a bench fails the
suite. Helpers the scripts import (data, the OpenFisca peer, the runner) are not benches."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# pages_list.py and pages_writes.py: bench_pages.py's list of page types and its writes
HELPERS = {
    "common.py", "policy_gen.py", "openfisca_peer.py", "run_all.py", "compare.py", "tables.py",
    "pages_list.py", "pages_writes.py",
}  # fmt: skip


def _benches() -> list[Path]:
    return sorted(p for p in BENCH.glob("*.py") if p.name not in HELPERS)


def test_every_bench_has_a_smoke_size_in_a_folder_of_its_choosing() -> None:
    benches = _benches()
    assert len(benches) >= 11
    lacking = [p.name for p in benches if '"--smoke"' not in p.read_text(encoding="utf-8")]
    assert not lacking, f"benches without --smoke: {lacking}"
    no_work = [p.name for p in benches if '"--work"' not in p.read_text(encoding="utf-8")]
    assert not no_work, f"benches without --work: {no_work}"


def test_every_bench_has_a_test_that_runs_its_smoke_size() -> None:
    tests = {p: p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")}

    def runs(text: str, bench: Path) -> bool:
        named = f'"bench" / "{bench.name}"' in text or f'load("{bench.stem}")' in text
        return named and '"--smoke"' in text

    untested = [b.name for b in _benches() if not any(runs(t, b) for t in tests.values())]
    assert not untested, f"benches no test runs at their smoke size: {untested}"
