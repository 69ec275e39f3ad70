"""`highland report whitepaper …` end to end on a fresh SQLite file: the paper written in
both formats, and every bad flag refused with its flag named and nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from highland.cli import app
from tests.cli import Cli
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Path:
    """Two services firms with 2020–2023 revenue (one a gazelle, one a cultivated unicorn),
    and the nanjing-2024 list of 2024 published."""
    assert cli("init").code == 0
    (tmp_path / "e.csv").write_bytes(to_csv([ent_row(1), ent_row(2)], ENT_HEADER))
    fins = []
    for i, year in enumerate(range(2020, 2024)):
        fins.append(fin_row(1, year, revenue=f"{6_000_000 * 3**i // 2**i}.00"))
        fins.append(fin_row(2, year, revenue="6000000.00", valuation_usd="150000000"))
    (tmp_path / "f.csv").write_bytes(to_csv(fins, FIN_HEADER))
    assert cli("import", "enterprises", str(tmp_path / "e.csv")).code == 0
    assert cli("import", "financials", str(tmp_path / "f.csv")).code == 0
    ran = cli("growth", "publish", "--year", "2024", "--ruleset", "nanjing-2024", app=app)
    assert ran.code == 0, ran.output
    return tmp_path


def test_the_paper_in_html_and_xlsx(env: Path, cli: Cli) -> None:
    html = env / "paper.html"
    ran = cli("report", "whitepaper", "--year", "2024", "--out", str(html), app=app)
    assert ran.code == 0, ran.output
    text = html.read_text(encoding="utf-8")
    assert "2024年度高成长企业白皮书" in text and 'id="sec-method"' in text
    book = env / "paper.xlsx"
    ran = cli("report", "whitepaper", "--year", "2024", "--format", "xlsx", "--out", str(book),
              "--lang", "en", app=app)  # fmt: skip
    assert ran.code == 0, ran.output
    wb = load_workbook(io.BytesIO(book.read_bytes()))
    assert wb.sheetnames[0] == "Overview" and len(wb.sheetnames) == 12


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--year", "2023"], "--year"),  # not published
        (["--year", "2024", "--ruleset", "no-such-round"], "--ruleset"),
        (["--year", "2024", "--format", "pdf"], "--format"),
        (["--year", "2024", "--lang", "fr"], "--lang"),
        (["--year", "2024", "--format", "xlsx"], "--out"),  # paper.html is not .xlsx
    ],
)
def test_bad_flags_write_nothing(env: Path, cli: Cli, flags: list[str], named: str) -> None:
    out = env / "paper.html"
    ran = cli("report", "whitepaper", *flags, "--out", str(out), app=app)
    assert ran.code == 2 and named in ran.stderr, ran.output
    assert not out.exists() and not list(env.glob(".paper.html.*"))
