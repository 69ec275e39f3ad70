"""The desk bench at its smoke size: every role's desk answers at `/`, cold (after a registry
change) and warm, on a `highland demo` database (figures, not timings, are asserted:
docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_desk.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_desk", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_desk_smoke_serves_every_roles_desk_cold_and_warm(tmp_path: Path) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert result["enterprises"] == 200 and result["runs"] == 1
    desks = {role: row["desk"] for role, row in result["roles"].items()}
    assert desks == {"leader": "overview", "handler": "queue", "enterprise": "enterprise",
                     "chain_head": "chain", "analyst": "data"}  # fmt: skip
    for row in result["roles"].values():
        assert len(row["cold_runs_ms"]) == 1 and row["warm_ms"] > 0
    assert result["peer"]["warm_ms"] > 0
