"""The page bench at its smoke size: its list names every route of the app (a new page type
without an entry fails here), and every page answers each role it lists, every write works,
on the session's 200-firm demo (routes and answers are asserted, never a time:
docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_shared import demo_copy, load


def test_pages_list_names_every_route_of_the_app() -> None:
    from highland.main import create_app

    bench = load("bench_pages")
    assert bench.coverage(create_app()) == {"missing": [], "stale": []}


def test_pages_smoke_walks_every_page_and_write(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = demo_copy(tmp_path_factory, tmp_path / "demo.db")
    result = load("bench_pages").main(["--smoke", "--db", str(db), "--work", str(tmp_path)])
    assert result["coverage"] == {"missing": [], "stale": []}
    assert result["errors"] == []
    walked = {(r["page"], r["role"]) for r in result["reads"] if "p95_ms" in r}
    assert ("/", "enterprise") in walked and ("/audit", "admin") in walked
    assert ("/enterprises/{uscc}", "enterprise") in walked
    assert all(w["n"] == 1 for w in result["writes"]), result["writes"]
