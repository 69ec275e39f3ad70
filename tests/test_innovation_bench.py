"""The cooperation pipeline bench at its smoke size: the pipeline page, the Munich filter and
the API answer over the generated projects, with the plain SQL funnel and the registry list as
peers (figures, not timings, are asserted: docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_innovation.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_innovation", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_innovation_smoke_serves_the_pipeline_over_the_generated_projects(tmp_path: Path) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert result["projects"] == 300 and result["requests"] == 2
    signed, registered, started, operating, stalled, cancelled = result["funnel_sql"]
    assert signed == 300 and signed >= registered >= started >= operating > 0
    assert stalled > 0 and cancelled > 0
    # the page's funnel is the plain query's
    assert result["api_funnel"] == dict(zip(
        ("signed", "registered", "started", "operating", "stalled", "cancelled"),
        result["funnel_sql"], strict=True))  # fmt: skip
    paths = result["paths"]
    assert set(paths) == {"/innovation/pipeline", "/innovation/pipeline?event=munich-2024",
                          "/api/v1/innovation/pipeline", "/enterprises"}  # fmt: skip
    assert all(p["p95_ms"] > 0 for p in paths.values()) and result["peer_sql"]["p95_ms"] > 0
    assert "load_average" in result["machine"]
