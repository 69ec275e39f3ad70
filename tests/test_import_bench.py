"""The import bench at its smoke size: the data split into files within the upload limit (here
files of 500 rows) are all imported, every row counted (figures, not timings, are asserted:
docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_import.py"


def test_import_bench_smoke_imports_every_row_in_files_within_the_limit(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_import", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    result = module.main(["--smoke", "--work", str(tmp_path)])
    summary = result["summary"]
    assert summary["enterprises"] == 300 and summary["financials"] == 1500, summary
    (run,) = result["runs"]
    hl = run["highland"]
    assert hl["rows_enterprises"] == 300 and hl["rows_financials"] == 1500, hl
    assert hl["files"] == 1 + 3, hl  # 300 enterprises in one file, 1,500 figures in three
    if run["peer"] is not None:
        assert run["peer"]["rows_financials"] == 1500, run["peer"]
    assert (tmp_path / "registry-300.db").exists()
