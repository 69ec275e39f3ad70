"""The start-up bench at its smoke size: `highland serve --demo-if-empty` (what `make run`
runs) serves a database that already has data without loading the demo again; the way it
started before and the floor (the web app's import) are timed beside it. Only figures, not
times, are asserted: docs/PERFORMANCE.md ("Start-up") has the times."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.bench_shared import load


def test_startup_smoke_serves_existing_data_without_reloading_it(tmp_path: Path) -> None:
    result = load("bench_startup").main(["--smoke", "--work", str(tmp_path)])
    assert result["runs"] == 1
    for name in ("make_run", "before", "floor"):
        assert result["median"][name]["wall_s"] > 0
    with sqlite3.connect(tmp_path / "highland.db") as conn:  # the demo was not loaded twice
        assert conn.execute("SELECT count(*) FROM enterprise").fetchone() == (60,)
