"""The figure-triggers bench at its smoke size: both imports (with the chain figures' change
triggers and without them) write every row (figures, not timings, are asserted:
docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_figure_triggers.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_figure_triggers", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_figure_triggers_smoke_writes_every_row_with_and_without_triggers(
    tmp_path: Path,
) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert (result["enterprises"], result["figures"], result["runs"]) == (500, 1000, 1)
    with_t, without = result["with_triggers"], result["without_triggers"]
    for row in (with_t, without):
        assert (row["enterprise_rows"], row["figure_rows"]) == (500, 1000), row
    assert with_t["triggers"] > 0 and without["triggers"] == 0
    assert set(result["overhead"]) == {"enterprises_s", "financials_s"}
    assert list(tmp_path.iterdir()) == []  # the databases went with their temporary folder
