"""The start-up bench at its smoke size: `highland serve --demo-if-empty` (what `make run`
runs) serves a database that already has data without loading the demo again; the way it
started before and the floor (the web app's import) are timed beside it. Only figures, not
times, are asserted: docs/PERFORMANCE.md ("Start-up") has the times."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_startup.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_startup", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_startup_smoke_serves_existing_data_without_reloading_it(tmp_path: Path) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert result["runs"] == 1
    for name in ("make_run", "before", "floor"):
        assert result["median"][name]["wall_s"] > 0
    with sqlite3.connect(tmp_path / "highland.db") as conn:  # the demo was not loaded twice
        assert conn.execute("SELECT count(*) FROM enterprise").fetchone() == (60,)
