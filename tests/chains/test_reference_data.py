"""Loading reference figures and prospect lists: all or nothing, every error located."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from highland.chains.analytics import reference_data as rd
from highland.chains.demo_data import REFERENCE
from highland.chains.models import Prospect, ReferenceFigure
from tests.conftest import ACTOR
from tests.factories import uscc

REF_HEAD = "region,year,industry_code,measure,value,source\n"
GOOD_REF = REF_HEAD + (
    "320000,2024,*,employment,10000,test\n"
    "320000,2024,C3973,employment,200,test\n"
    "CN,2024,65,revenue,1234.56,test\n"
)


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return int(db.scalar(select(func.count()).select_from(model)))


def test_reference_load_and_reload(db) -> None:  # type: ignore[no-untyped-def]
    assert rd.load_reference(db, ACTOR, GOOD_REF.encode(), "r.csv") == {
        "created": 3, "updated": 0, "unchanged": 0,
    }  # fmt: skip
    rows = {(r.region, r.industry_code, r.measure): r.value for r in db.scalars(
        select(ReferenceFigure))}  # fmt: skip
    assert rows[("320000", "3973", "employment")] == 200  # section letter dropped
    assert rows[("CN", "65", "revenue_fen")] == 123456  # yuan → fen, exact
    again = GOOD_REF.replace(",200,", ",250,")
    assert rd.load_reference(db, ACTOR, again.encode(), "r.csv") == {
        "created": 0, "updated": 1, "unchanged": 2,
    }  # fmt: skip


def test_reference_xlsx(db) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["region", "year", "industry_code", "measure", "value", "source"])
    ws.append(["320000", 2024, "*", "employment", 10000, "x"])
    buf = io.BytesIO()
    wb.save(buf)
    assert rd.load_reference(db, ACTOR, buf.getvalue(), "r.xlsx")["created"] == 1


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        ("320000,2024,9912,employment,1,t", "industry_code", "unknown industry code"),
        ("320000,2024,65,employment,-5,t", "value", "negative"),
        ("320000,20x4,65,employment,5,t", "year", "a year"),
        ("320000,1800,65,employment,5,t", "year", "a year"),
        ("3200,2024,65,employment,5,t", "region", "GB/T 2260"),
        ("320000,2024,65,profit,5,t", "measure", "one of"),
        ("320000,2024,65,revenue,1.234,t", "value", "2 decimals"),
        ("320000,2024,65,employment,5,", "source", "required"),
    ],
)
def test_reference_bad_rows(db, line: str, column: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    data = (GOOD_REF + line + "\n").encode()
    with pytest.raises(rd.FileErrors) as err:
        rd.load_reference(db, ACTOR, data, "r.csv")
    (e,) = err.value.errors
    assert (e.row, e.column) == (5, column) and fragment in e.message
    assert f"row 5, column {column}" in err.value.message
    assert _count(db, ReferenceFigure) == 0  # nothing written, not even the good rows


def test_reference_duplicates_and_many_errors(db) -> None:  # type: ignore[no-untyped-def]
    data = GOOD_REF + "320000,2024,3973,employment,1,t\n320000,2024,65,employment,-1,t\n"
    with pytest.raises(rd.FileErrors) as err:
        rd.load_reference(db, ACTOR, data.encode(), "r.csv")
    assert [(e.row, e.column) for e in err.value.errors] == [(5, "industry_code"), (6, "value")]
    assert "duplicate of row 3" in err.value.errors[0].message
    assert _count(db, ReferenceFigure) == 0


def test_reference_missing_column(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(rd.InvalidInput) as err:
        rd.load_reference(db, ACTOR, b"region,year\n320000,2024\n", "r.csv")
    assert err.value.field == "header" and "industry_code" in err.value.message


PRO_HEAD = "name,uscc,region,industry_code,revenue,employees,products,patents,source\n"


def test_prospects_load_update(db) -> None:  # type: ignore[no-untyped-def]
    good = PRO_HEAD + (
        f"甲公司,{uscc(501)},上海,3562,12000000.50,300,刻蚀机,12,list\n乙公司,,深圳,,,,,,list\n"
    )
    assert rd.load_prospects(db, ACTOR, good.encode(), "p.csv") == {"created": 2, "updated": 0}
    p = db.scalar(select(Prospect).where(Prospect.name == "甲公司"))
    assert p.revenue_fen == 1200000050 and p.employees == 300 and p.patents == 12
    q = db.scalar(select(Prospect).where(Prospect.name == "乙公司"))
    assert q.revenue_fen is None and q.industry_code is None  # missing stays missing
    again = good.replace(",300,", ",310,")
    assert rd.load_prospects(db, ACTOR, again.encode(), "p.csv") == {"created": 0, "updated": 2}
    assert _count(db, Prospect) == 2


def test_prospects_bad_rows(db) -> None:  # type: ignore[no-untyped-def]
    bad = PRO_HEAD + (
        f"甲公司,{uscc(501)},上海,3562,-1,300,刻蚀机,12,list\n"
        f"丙公司,{uscc(501)},上海,9912,1,x,,,list\n"
        "丁公司,91320000BADBADBAD,上海,3562,,,,,list\n"
    )
    with pytest.raises(rd.FileErrors) as err:
        rd.load_prospects(db, ACTOR, bad.encode(), "p.csv")
    got = [(e.row, e.column) for e in err.value.errors]
    assert got == [(2, "revenue"), (3, "industry_code"), (3, "employees"), (4, "uscc")]
    assert _count(db, Prospect) == 0


def test_prospects_duplicate(db) -> None:  # type: ignore[no-untyped-def]
    dup = PRO_HEAD + "甲,,上海,,,,,,s\n甲,,上海,,,,,,s\n"
    with pytest.raises(rd.FileErrors) as err:
        rd.load_prospects(db, ACTOR, dup.encode(), "p.csv")
    assert err.value.errors[0].row == 3 and "duplicate of row 2" in err.value.errors[0].message
    assert _count(db, Prospect) == 0


def test_demo_files_load(db) -> None:  # type: ignore[no-untyped-def]


    base = REFERENCE
    ref = rd.load_reference(db, ACTOR, (base / "reference_figures.csv").read_bytes(), "r.csv")
    assert ref["created"] > 50
    pros = rd.load_prospects(db, ACTOR, (base / "prospects.csv").read_bytes(), "p.csv")
    assert pros["created"] >= 40


def test_demo_reference_covers_every_demo_chain(db) -> None:  # type: ignore[no-untyped-def]
    """Each demo chain's industry codes have a Jiangsu and a national figure, so the demo
    shows a location quotient for every chain and segment, never "no reference figure"."""

    from highland.chains.analytics import service as analytics
    from highland.chains.demo_data.chains import load_demo_chains

    base = REFERENCE
    rd.load_reference(db, ACTOR, (base / "reference_figures.csv").read_bytes(), "r.csv")
    load_demo_chains(db, ACTOR)
    for chain_id in range(1, 9):
        for region in ("320000", "CN"):
            result = analytics.analyse(db, chain_id, region=region, top=0)
            reasons = [result["lq"]["reason"]] + [s["lq"]["reason"] for s in result["segments"]]
            assert not [r for r in reasons if r and r.startswith("no reference figure")], (
                chain_id, region, reasons,
            )  # fmt: skip
