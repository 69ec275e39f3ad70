"""The search bench at its smoke size: on a registry of its own (300 enterprises imported with
the CLI), a real server answers every kind of request — name search, USCC prefixes, filtered
lists, portraits — with 200 and finds what the queries were drawn from (figures, not timings,
are asserted: docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_search.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_search", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_search_smoke_answers_every_kind_of_request_on_its_own_registry(tmp_path: Path) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert result["enterprises"] == 300 and result["requests"] == 5
    assert Path(result["database"]) == tmp_path / "registry-300.db"
    kinds = {row["what"]: row for row in result["results"] if not row["what"].startswith(" ")}
    assert list(kinds) == [
        "name search, 2 characters", "name search, 3–4 characters",
        "name search, 2–4 characters, later page", "USCC prefix (4–10)", "filtered list, page 1",
        "filtered list, later page", "unfiltered list, page 1",
        "portrait API /api/v1/enterprises/{uscc}", "portrait page /enterprises/{uscc}",
    ]  # fmt: skip
    for row in kinds.values():
        assert row["requests"] == 5 and row["goal"] in ("pass", "MISS"), row
    # Queries are drawn from the registry: a name's own characters and a code's prefix find it.
    assert kinds["name search, 3–4 characters"]["median_hits"] >= 1
    assert kinds["USCC prefix (4–10)"]["median_hits"] >= 1
    assert kinds["unfiltered list, page 1"]["median_hits"] == 300
    assert (tmp_path / "search-run" / "server.log").exists()
