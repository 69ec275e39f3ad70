"""The backup bench at its smoke size: every restore gives back the registry and a verified
audit log (figures, not timings, are asserted: docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from tests.pg import PG_URL

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_backup.py"


def test_bench_smoke_backs_up_and_restores(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_backup", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    args = ["--smoke", "--work", str(tmp_path)] + (["--pg-url", PG_URL] if PG_URL else [])
    result = module.main(args)
    assert [r["backend"] for r in result["results"]] == ["sqlite"] + (["postgresql"] * bool(PG_URL))
    for row in result["results"]:
        assert row["enterprises"] == 300 and row["figure_rows"] > 300, row
        assert row["backup_bytes"] > 0 and len(row["restore_seconds"]) == 1, row
