"""The load bench at its smoke size: writers and readers against a real two-worker server
lose no write and get no server error (figures, not timings, are asserted: docs/PERFORMANCE.md
has the times)."""

from __future__ import annotations

import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.pg import PG_URL

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_load.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


# Both runs in one worker under pytest-xdist: the bench's servers take ports of a fixed range.
@pytest.mark.xdist_group("load_bench")
@pytest.mark.parametrize("backend", BACKENDS)
def test_load_smoke_loses_no_write_and_has_no_server_error(backend: str, tmp_path: Path) -> None:
    argv = ["--smoke", "--backend", backend, "--work", str(tmp_path)]
    argv += ["--pg-url", PG_URL] if PG_URL else []
    # In its own thread: the bench runs its clients with asyncio.run, and the browser tests'
    # Playwright may keep an event loop running in this thread for the whole session.
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(_bench().main, argv).result()
    (row,) = result["runs"]
    assert row["backend"] == backend and row["workers"] == 2
    assert row["server_errors"] == 0 and row["broken_connections"] == 0, row
    assert row["gave_up"] == 0 and row["readback_missing"] == 0, row
    assert row["tracebacks_in_log"] == 0
    assert all(v == 0 for v in row["lost_writes"].values()), row["lost_writes"]
    acked = row["acknowledged"]
    assert acked["demands"] > 0, row  # the writers did write
    kinds = row["kinds"]
    assert kinds["readback"]["statuses"] == {200: kinds["readback"]["n"]}
    for kind in ("enterprises", "enterprise", "demands", "demand"):
        assert set(kinds[kind]["statuses"]) <= {200}, (kind, kinds[kind])
