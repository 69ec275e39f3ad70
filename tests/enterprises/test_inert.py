"""Issue 12 (findings 3, 9): enterprise exports are inert (CSV with a leading ', XLSX string
cells), re-importing them changes nothing, import reports are inert, and names made only of
invisible characters or holding control characters are refused."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from highland.enterprises.imports import report_csv, run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity import service as identity
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc

FORMULA = '=HYPERLINK("http://evil.example/","点我")'
ODD = {
    1: {"name": FORMULA, "name_en": "+Evil Ltd", "address": "@SUM(1+1)"},
    # In a CSV import a ' before = + - @ is the escape of an export: ''=quoted stores '=quoted.
    2: {"name": "-2+3+cmd|' /C calc'!A0", "name_en": "''=quoted", "address": "\t=tab first"},
    3: {"name": "南京正常软件科技有限公司"},
}


@pytest.fixture
def odd(sessions, db) -> str:  # type: ignore[no-untyped-def]
    rows = [ent_row(n, **over) for n, over in ODD.items()]
    result = run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv")
    assert result.written and not result.errors, result.errors
    identity.create_user(db, ACTOR, username="adm", password="password-1", role="admin")
    token = identity.create_token(db, ACTOR, "adm")
    db.commit()
    return token


def _stored(db: Any) -> dict[str, tuple[Any, ...]]:
    return {
        e.uscc: (e.name, e.name_en, e.address)
        for e in db.scalars(select(Enterprise).order_by(Enterprise.uscc))
    }


def test_csv_export_is_inert_and_reimports_unchanged(client, sessions, db, odd) -> None:  # type: ignore[no-untyped-def]
    before = _stored(db)
    # The import strips the cell, so the stored address is "=tab first".
    assert before[uscc(2)][1:] == ("'=quoted", "=tab first") and before[uscc(1)][0] == FORMULA
    r = client.get("/api/v1/enterprises/export", params={"format": "csv", "headers": "codes"},
                   headers={"authorization": f"Bearer {odd}"})  # fmt: skip
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    cells = [v for row in rows for v in row.values() if v]
    assert not [v for v in cells if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    by = {row["uscc"]: row for row in rows}
    assert by[uscc(1)]["name"] == "'" + FORMULA and by[uscc(1)]["name_en"] == "'+Evil Ltd"
    assert by[uscc(2)]["name_en"] == "''=quoted"  # one more ': the value comes back as it was
    assert by[uscc(3)]["name"] == "南京正常软件科技有限公司"
    again = run_import(sessions, ACTOR, "enterprises", r.content, "export.csv")
    assert not again.errors and again.updated == 0 and again.unchanged == 3, again
    assert _stored(db) == before


def test_xlsx_export_is_inert_and_reimports_unchanged(client, sessions, db, odd) -> None:  # type: ignore[no-untyped-def]
    before = _stored(db)
    r = client.get("/api/v1/enterprises/export", params={"format": "xlsx"},
                   headers={"authorization": f"Bearer {odd}"})  # fmt: skip
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {FORMULA, "+Evil Ltd", "@SUM(1+1)", "'=quoted"} <= values
    again = run_import(sessions, ACTOR, "enterprises", r.content, "export.xlsx")
    assert not again.errors and again.updated == 0 and again.unchanged == 3, again
    assert _stored(db) == before


def test_import_report_is_inert(sessions) -> None:  # type: ignore[no-untyped-def]
    bad = to_csv([ent_row(7, founded_on="=1+1"), ent_row(8, name="@x\x07")], ENT_HEADER)
    result = run_import(sessions, ACTOR, "enterprises", bad, "bad.csv")
    assert not result.written
    rows = list(csv.reader(io.StringIO(report_csv(result).lstrip("\ufeff"))))
    assert rows[1][:3] == ["2", "founded_on", "'=1+1"]
    assert not [v for row in rows for v in row if v.startswith(("=", "+", "-", "@"))]


@pytest.mark.parametrize(
    ("over", "column", "needle"),
    [
        ({"name": "\u200b\u200c\u200d"}, "name", "invisible"),
        ({"name": "\u202e\u2066"}, "name", "invisible"),
        ({"name_en": "\ufeff\u200b"}, "name_en", "invisible"),
        ({"name": "南京\x07公司"}, "name", "control character"),
        ({"address": "某路\x1b号"}, "address", "control character"),
    ],
)
def test_invisible_or_control_names_refused(sessions, over, column, needle) -> None:  # type: ignore[no-untyped-def]
    result = run_import(
        sessions, ACTOR, "enterprises", to_csv([ent_row(9, **over)], ENT_HEADER), "e.csv"
    )
    assert not result.written
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, column)]
    assert needle in result.errors[0]["error"]
