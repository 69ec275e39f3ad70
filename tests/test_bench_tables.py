"""`make bench` writes docs/PERFORMANCE.md's generated tables from bench/out/ (bench/tables.py
through bench/run_all.py): between two markers, from the newest result of each bench, a
bench's own summary when it gives one, and never touching the prose around them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.bench_shared import load

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))  # run_all imports tables as the scripts do


def _results(out: Path) -> None:
    out.mkdir()
    machine = {"cpu": "Test CPU", "cores": 2, "python": "3.11", "load_average": "1.00 0.50 0.20"}
    older = {"machine": machine, "median": {"wall_s": 9.0}}
    newer = {
        "machine": machine,
        "median": {"make_run": {"wall_s": 2.5, "cpu_s": 2.1}},
        "runs_detail": {"make_run": [{"wall_s": 2.4}]},
    }
    summary = {"machine": machine, "summary": [{"what": "engine", "p50 ms": 0.8, "goal": "≤ 1"}]}
    (out / "startup-20261201-100000.json").write_text(json.dumps(older))
    (out / "startup-20261207-100000.json").write_text(json.dumps(newer))
    (out / "policies-1000000-20261207-110000.json").write_text(json.dumps(summary))
    (out / "notes.json").write_text("{}")  # not a bench result: ignored


def test_tables_are_written_between_the_markers_from_the_newest_results(tmp_path: Path) -> None:
    tables = load("tables")
    out = tmp_path / "out"
    _results(out)
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n\nWritten by people.\n", encoding="utf-8")
    assert tables.write(doc, out)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nWritten by people.\n")
    assert "startup-20261207-100000.json" in text and "20261201" not in text
    assert "| median › make_run › wall_s | 2.5 |" in text
    assert "runs_detail" not in text  # every run stays in the JSON
    assert "| what | p50 ms | goal |" in text and "| engine | 0.8 | ≤ 1 |" in text
    assert "load average 1.00 0.50 0.20" in text
    doc.write_text(text + "\nMore prose after.\n", encoding="utf-8")
    assert not tables.write(doc, out)  # same results: nothing changes, the prose stays
    assert doc.read_text(encoding="utf-8").endswith("More prose after.\n")


def test_run_all_runs_every_bench_and_writes_only_the_tables(tmp_path: Path) -> None:
    run_all = load("run_all")
    names = run_all.benches()
    on_disk = {p.stem.removeprefix("bench_") for p in BENCH.glob("bench_*.py")}
    assert set(names) == on_disk and names.index("import") < names.index("search")
    out = tmp_path / "out"
    _results(out)
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n", encoding="utf-8")
    assert run_all.main(["--tables-only", "--doc", str(doc), "--out", str(out)]) == 0
    assert "### policies-1000000" in doc.read_text(encoding="utf-8")
