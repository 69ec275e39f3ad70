"""The upload-bomb bench at its smoke size: a real server refuses every bomb and keeps
answering /login (figures, not timings, are asserted: docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_upload_bombs.py"


def test_bench_smoke_refuses_every_bomb_and_login_answers(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_upload_bombs", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    result = module.main(["--smoke", "--work", str(tmp_path)])
    assert len(result["bombs"]) == 8
    for row in result["bombs"]:
        assert row["status"] == 422, row
        assert "limit" in row["answer"] or "not accepted" in row["answer"], row
        assert row["login_probes"] >= 1 and row["login_failures"] == 0, row
