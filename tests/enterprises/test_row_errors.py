"""Every row error of an import has a code, and the catalogue words it in both languages, so
that the import report reads in its reader's language (the CSV report keeps English)."""

from __future__ import annotations

from typing import Any

from highland.enterprises.imports import run_import
from highland.enterprises.row_errors import ROW_ERRORS, row_error, row_error_phrase
from highland.enterprises.wording import phrase_text
from highland.platform.web.i18n import has
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

BAD_ENTERPRISES = [
    ent_row(1),
    ent_row(2, uscc="91320115MA1XXXXX0"),  # 17 characters
    ent_row(3, uscc="91320115MA1XXXXXOI"),  # a letter a USCC never uses
    ent_row(4, uscc=uscc(1)),  # twice in the file
    ent_row(5, name=""),
    ent_row(6, district_code="999999"),
    ent_row(7, industry_code="X1"),
    ent_row(8, industry_code="99"),
    ent_row(9, founded_on="2020-02-30"),
    ent_row(10, founded_on="2999-01-01"),
    ent_row(11, founded_on="1700-01-01"),
    ent_row(12, ownership="pirate"),
    ent_row(13, ownership="foreign", country=""),
    ent_row(14, ownership="hmt", country="DE"),
    ent_row(15, country="XX"),
    ent_row(16, listed="maybe"),
    ent_row(17, qualifications="nope"),
    ent_row(18, qualifications="hnte@2020-02-30/2021-01-01"),
]
BAD_FIGURES = [
    fin_row(1, 2023),
    fin_row(1, 2023),  # twice
    fin_row(2, 1900),
    fin_row(3, 2024, revenue="-5"),
    fin_row(4, 2024, revenue="1.234"),
    fin_row(5, 2024, revenue="abc"),
    fin_row(6, 2024, employees="1.5"),
    fin_row(7, 2024, employees="10", rd_staff="20"),
]


def _errors(sessions: Any, kind: str, rows: list[dict[str, str]], header: list[str]) -> list[Any]:
    data = to_csv(rows, header)
    return run_import(sessions, ACTOR, kind, data, "x.csv", dry_run=True).errors


def test_every_row_error_has_a_code_worded_in_both_languages(sessions: Any) -> None:
    errors = _errors(sessions, "enterprises", BAD_ENTERPRISES, ENT_HEADER)
    errors += _errors(sessions, "financials", BAD_FIGURES, [*FIN_HEADER])
    assert len(errors) >= 20
    uncoded = [e["error"] for e in errors if row_error(str(e["error"])) is None]
    assert not uncoded, uncoded
    for e in errors:
        zh = phrase_text("zh-CN", row_error_phrase(str(e["error"])))
        en = phrase_text("en", row_error_phrase(str(e["error"])))
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), zh
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en.replace("是/否", "")), en
    for code, _ in ROW_ERRORS:
        assert has(f"import.row_error.{code}"), code


def test_a_message_without_a_code_is_shown_as_it_is() -> None:
    assert row_error_phrase("something new") == "something new"
    assert row_error("duplicate USCC in this file: first on row 7") == (
        "duplicate_uscc",
        {"row": "7"},
    )
