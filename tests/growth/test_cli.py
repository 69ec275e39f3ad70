"""`highland growth …` end to end on a fresh SQLite file per test."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from highland.cli import app
from tests.cli import Cli
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Path:
    """Two services firms with 2020–2023 revenue: one grows 50 % a year, one is flat."""
    assert cli("init").code == 0
    (tmp_path / "e.csv").write_bytes(to_csv([ent_row(1), ent_row(2)], ENT_HEADER))
    fins = []
    for i, year in enumerate(range(2020, 2024)):
        fins.append(fin_row(1, year, revenue=f"{6_000_000 * 3**i // 2**i}.00"))
        fins.append(fin_row(2, year, revenue="6000000.00", valuation_usd="150000000"))
    (tmp_path / "f.csv").write_bytes(to_csv(fins, FIN_HEADER))
    assert cli("import", "enterprises", str(tmp_path / "e.csv")).code == 0
    assert cli("import", "financials", str(tmp_path / "f.csv")).code == 0
    return tmp_path


def test_classify_writes_one_line_per_enterprise(env: Path, cli: Cli) -> None:
    out = env / "list.csv"
    ran = cli("growth", "classify", "--year", "2024", "--ruleset", "nanjing-2024", "--out",
              str(out), "--headers", "codes", app=app)  # fmt: skip
    assert ran.code == 0, ran.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["uscc", "category", "status", "near_miss", "failed", "missing"]
    by = {r["uscc"]: r for r in rows}
    assert (by[uscc(1)]["category"], by[uscc(1)]["status"]) == ("gazelle", "eligible")
    assert (by[uscc(2)]["category"], by[uscc(2)]["status"]) == ("cultivated-unicorn", "eligible")
    ran = cli("growth", "classify", "--year", "2024", "--ruleset", "nanjing-2024", "--out",
              str(out), app=app)  # fmt: skip
    assert out.read_text(encoding="utf-8").startswith("统一社会信用代码,类别,结果")


def test_publish_then_replay(env: Path, cli: Cli) -> None:
    ran = cli("growth", "publish", "--year", "2024", "--ruleset", "nanjing-2024", app=app)
    assert ran.code == 0, ran.output
    again = cli("growth", "publish", "--year", "2024", "--ruleset", "nanjing-2024", app=app)
    assert again.code == 1
    assert cli("growth", "replay", "--year", "2024", "--ruleset", "nanjing-2024", app=app).code == 0


def test_a_year_without_figures_is_refused_and_nothing_is_stored(env: Path, cli: Cli) -> None:
    ran = cli("growth", "publish", "--year", "2028", "--ruleset", "nanjing-2024", app=app)
    assert ran.code == 1
    assert "2027" in ran.stderr
    ran = cli("growth", "replay", "--year", "2028", "--ruleset", "nanjing-2024", app=app)
    assert ran.code == 1  # not published


def test_a_broken_rule_set_file_is_reported_by_line(env: Path, cli: Cli) -> None:
    bad = env / "bad.yaml"
    text = (Path(__file__).parents[2] / "src/highland/growth/rulesets/gei.yaml").read_text("utf-8")
    bad.write_text(text.replace("fn: age", "fn: birthday", 1), encoding="utf-8")
    ran = cli("growth", "check", str(bad), app=app)
    assert ran.code == 1
    assert f"{bad}:19:" in ran.stderr and "birthday" in ran.stderr
    ran = cli("growth", "publish", "--year", "2024", "--ruleset", str(bad), app=app)
    assert ran.code == 1
    # Nothing was stored: the year is not published.
    assert cli("growth", "replay", "--year", "2024", "--ruleset", "gei", app=app).code == 1
    assert cli("growth", "check", str(bad.with_name("gei.yaml")), app=app).code == 2
    good = env / "good.yaml"
    good.write_text(text, encoding="utf-8")
    assert cli("growth", "check", str(good), app=app).code == 0
    assert "nanjing-2024" in cli("growth", "rulesets", app=app).stdout
