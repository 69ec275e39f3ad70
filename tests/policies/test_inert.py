"""Issue 12 (finding 3): the policy match exports (CSV, XLSX, the CLI's CSV) are inert."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import update

from highland.enterprises.models import Enterprise
from highland.platform.kit.dates import parse_date
from highland.policies import service
from tests.factories import uscc
from tests.policies import test_api
from tests.policies.test_api import AS_OF, _get

world = test_api.world  # the fixture: the test library, five firms, tokens
FORMULA = '=HYPERLINK("http://evil.example/","点我")'


def _poison(db: Any) -> None:
    db.execute(update(Enterprise).where(Enterprise.uscc == uscc(1)).values(name=FORMULA))
    db.execute(update(Enterprise).where(Enterprise.uscc == uscc(2)).values(name="@cmd"))
    db.flush()


def test_match_export_csv_and_xlsx_are_inert(client, db, world) -> None:  # type: ignore[no-untyped-def]
    _poison(db)
    url, token = "/api/v1/policies/t-rd/matches/export", world["leader"]
    r = _get(client, token, url, format="csv", as_of=AS_OF)
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    by = {row[0]: row for row in rows[1:]}
    assert by[uscc(1)][1] == "'" + FORMULA and by[uscc(2)][1] == "'@cmd"
    assert not [v for row in rows for v in row if v.startswith(("=", "+", "-", "@", "\t"))]
    r = _get(client, token, url, format="xlsx", as_of=AS_OF)
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    assert names[uscc(1)].value == FORMULA and names[uscc(1)].data_type == "s"


def test_match_csv_file_is_inert(db, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "m.csv"
    service.match_csv(db, parse_date(AS_OF), out, headers="codes")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][0] == "uscc" and len(rows) > 1
    assert not [v for row in rows for v in row if v.startswith(("=", "+", "@", "\t"))]
