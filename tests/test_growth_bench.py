"""The growth bench at its smoke size: the four rule sets classify every generated firm, and
the set-based evaluator and the plain-Python one give every firm the same line (figures, not
timings, are asserted: docs/PERFORMANCE.md has the times)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_growth.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_growth", BENCH)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_growth_smoke_classifies_every_firm_and_the_two_evaluators_agree(tmp_path: Path) -> None:
    result = _bench().main(["--smoke", "--work", str(tmp_path)])
    assert result["enterprises"] == 3000 and result["runs"] == 1
    assert result["rulesets"] == ["nanjing-2024", "gei", "oecd-hge-10", "oecd-hge-20"]
    assert result["data"]["enterprises"] == 3000
    assert 3000 * 4 < result["data"]["figure_rows"] <= 3000 * 5  # some firms are younger
    assert set(result["frames"]["per_ruleset_s"]) == set(result["rulesets"])
    assert len(result["set_based"]["runs_s"]) == 1
    for counts in result["set_based"]["counts"].values():
        assert sum(counts.values()) == 3000
        statuses = {key.split("/")[1] for key in counts}
        assert statuses == {"eligible", "ineligible", "unknown"}
    assert result["peer"]["sample"] == 3000 and not result["peer"]["extrapolated"]
    agreement = result["agreement"]
    assert agreement["checked"] == 3000 * 4
    assert agreement["agree"] == agreement["checked"], agreement["examples"]
    assert result["peak_rss_mib"] > 0 and len(result["load_at_start"]) == 3
    assert len(result["machine"]["load_average"].split()) == 3  # the machine is shared
    assert not list(tmp_path.iterdir())  # the smoke size saves nothing
