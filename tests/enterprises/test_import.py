"""Import contract: validation, atomicity, idempotence, reports, encodings, formats."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises.imports import report_csv, run_import
from highland.enterprises.models import Enterprise, Financial, NameGram, Qualification
from highland.platform.audit.models import AuditEntry
from highland.platform.errors import InvalidInput
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, to_xlsx, uscc


def _count(db: Session, model: type) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def _ents(sessions: sessionmaker[Session], data: bytes, name: str = "e.csv", **kw: object):  # type: ignore[no-untyped-def]
    return run_import(sessions, ACTOR, "enterprises", data, name, **kw)  # type: ignore[arg-type]


def _fins(sessions: sessionmaker[Session], data: bytes, name: str = "f.csv", **kw: object):  # type: ignore[no-untyped-def]
    return run_import(sessions, ACTOR, "financials", data, name, **kw)  # type: ignore[arg-type]


def test_import_creates_and_reimport_changes_nothing(sessions, db):  # type: ignore[no-untyped-def]
    data = to_csv([ent_row(i) for i in range(1, 6)], ENT_HEADER)
    r = _ents(sessions, data)
    assert (r.created, r.updated, r.unchanged, r.rejected, r.written) == (5, 0, 0, 0, True)
    assert _count(db, Enterprise) == 5
    assert _count(db, Qualification) == 5
    assert _count(db, NameGram) > 5 * 10
    audits = _count(db, AuditEntry)
    again = _ents(sessions, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert _count(db, Enterprise) == 5
    assert _count(db, Qualification) == 5
    # The re-import is recorded as an import, with no per-row changes.
    assert _count(db, AuditEntry) == audits + 1


def test_update_records_before_and_after(sessions, db):  # type: ignore[no-untyped-def]
    _ents(sessions, to_csv([ent_row(1)], ENT_HEADER))
    r = _ents(sessions, to_csv([ent_row(1, name="南京改名科技有限公司")], ENT_HEADER))
    assert (r.created, r.updated) == (0, 1)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.before == {"name": "南京测试1号软件科技有限公司"}
    assert entry.after == {"name": "南京改名科技有限公司"}
    ent = db.scalars(select(Enterprise)).one()
    grams = set(db.scalars(select(NameGram.gram).where(NameGram.enterprise_id == ent.id)))
    assert "改名" in grams and "测试" not in grams


def test_one_bad_row_writes_nothing_and_reports_rows_as_seen(sessions, db):  # type: ignore[no-untyped-def]
    rows = [ent_row(1), ent_row(2, uscc="91320115MA1XXXXX0I"), ent_row(3, founded_on="2019-13-40")]
    r = _ents(sessions, to_csv(rows, ENT_HEADER))
    assert not r.written and r.created == 0
    assert _count(db, Enterprise) == 0
    by_row = {(e["row"], e["column"]) for e in r.errors}
    assert (3, "uscc") in by_row  # header is row 1, so the second data row is row 3
    assert (4, "founded_on") in by_row
    report = list(csv.reader(io.StringIO(report_csv(r).lstrip("\ufeff"))))
    assert report[0] == ["row", "column", "value", "error"]
    assert any(line[0] == "4" and line[1] == "founded_on" for line in report[1:])


def test_skip_invalid_writes_valid_rows(sessions, db):  # type: ignore[no-untyped-def]
    rows = [ent_row(1), ent_row(2, district_code="999999"), ent_row(3)]
    r = _ents(sessions, to_csv(rows, ENT_HEADER), skip_invalid=True)
    assert (r.created, r.rejected, r.written) == (2, 1, True)
    assert r.errors[0]["row"] == 3 and r.errors[0]["column"] == "district_code"
    assert _count(db, Enterprise) == 2


def test_dry_run_counts_but_writes_nothing(sessions, db):  # type: ignore[no-untyped-def]
    r = _ents(sessions, to_csv([ent_row(1), ent_row(2)], ENT_HEADER), dry_run=True)
    assert (r.created, r.written, r.dry_run) == (2, False, True)
    assert _count(db, Enterprise) == 0
    assert _count(db, AuditEntry) == 0


@pytest.mark.parametrize(
    ("override", "column", "needle"),
    [
        ({"uscc": ""}, "uscc", "required"),
        ({"uscc": "91320115MA1XXXXX01"}, "uscc", "check"),
        ({"name": "x" * 201}, "name", "200"),
        ({"district_code": "310101"}, "district_code", "unknown district"),
        ({"industry_code": "9999"}, "industry_code", "99"),
        ({"founded_on": "2099-01-01"}, "founded_on", "future"),
        ({"founded_on": "yesterday"}, "founded_on", "not a date"),
        ({"ownership": "martian"}, "ownership", "unknown ownership"),
        ({"ownership": "foreign", "country": ""}, "country", "required"),
        ({"ownership": "foreign", "country": "XX"}, "country", "ISO 3166"),
        ({"listed": "maybe"}, "listed", "true or false"),
        ({"qualifications": "rocket_science"}, "qualifications", "unknown qualification"),
        ({"qualifications": "high_tech@2025-01-01/2024-01-01"}, "qualifications", "ends before"),
        ({"qualifications": "high_tech@2025-02-30/2026-01-01"}, "qualifications", "impossible"),
    ],
)
def test_each_field_is_validated(sessions, override, column, needle):  # type: ignore[no-untyped-def]
    r = _ents(sessions, to_csv([ent_row(1, **override)], ENT_HEADER))
    assert not r.written
    hits = [e for e in r.errors if e["column"] == column]
    assert hits, r.errors
    assert needle.lower() in hits[0]["error"].lower()


def test_duplicate_uscc_in_file_is_reported(sessions):  # type: ignore[no-untyped-def]
    r = _ents(sessions, to_csv([ent_row(1), ent_row(2), ent_row(1)], ENT_HEADER))
    dup = [e for e in r.errors if "duplicate" in e["error"]]
    assert dup and dup[0]["row"] == 4 and "row 2" in dup[0]["error"]


def test_prefix_n_y_a_codes_are_valid(sessions, db):  # type: ignore[no-untyped-def]
    from highland.platform.kit.uscc import make_uscc

    rows = [
        ent_row(1, uscc=make_uscc("320115", "00000001", "N2")),
        ent_row(2, uscc=make_uscc("320115", "00000002", "Y1")),
        ent_row(3, uscc=make_uscc("320115", "00000003", "A1")),
    ]
    r = _ents(sessions, to_csv(rows, ENT_HEADER))
    assert r.written, r.errors


def test_chinese_headers_any_order_extra_columns(sessions, db):  # type: ignore[no-untyped-def]
    text = (
        "备注,成立日期,企业名称,统一社会信用代码,行政区划代码,行业代码\n"
        f"x,2010-01-01,南京中文表头有限公司,{uscc(7)},320106,C3562\n"
    )
    r = _ents(sessions, text.encode())
    assert r.written, r.errors
    assert r.ignored_columns == ["备注"]
    ent = db.scalars(select(Enterprise)).one()
    assert (ent.industry_code, ent.industry_section, ent.industry_division) == ("3562", "C", "35")


def test_gbk_file_is_detected(sessions):  # type: ignore[no-untyped-def]
    r = _ents(sessions, to_csv([ent_row(1)], ENT_HEADER, encoding="gbk"))
    assert r.written and r.encoding == "gbk"


def test_unreadable_encoding_is_one_clear_message(sessions, db):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="neither UTF-8 nor GBK"):
        _ents(sessions, b"uscc,name\n\xff\xfe\xfa\xfb\x81\x30,\n")
    assert _count(db, Enterprise) == 0


def test_a_lone_carriage_return_in_the_header_is_a_clear_refusal(sessions, db):  # type: ignore[no-untyped-def]
    # Found by the API fuzzer: csv refused the header line with an error the import did not catch.
    with pytest.raises(InvalidInput, match="CSV file cannot be read") as caught:
        _ents(sessions, b'uscc,na"me\rx,district_code\nx,y,320115\n')
    assert caught.value.code == "upload.bad_csv"
    assert _count(db, Enterprise) == 0


def test_missing_required_column(sessions):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="required column.*founded_on"):
        _ents(sessions, b"uscc,name,district_code,industry_code\nx,y,320115,6513\n")


@pytest.mark.parametrize("data", [b"", b"\x00\x01garbage", b"PK\x03\x04broken"])
def test_unreadable_file(sessions, data):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        _ents(sessions, data, name="x.xlsx" if data.startswith(b"PK") else "x.csv")


def test_xlsx_import_and_excel_numbers(sessions, db):  # type: ignore[no-untyped-def]
    _ents(sessions, to_csv([ent_row(1)], ENT_HEADER))
    rows = [
        {"uscc": uscc(1), "year": 2024, "revenue": 1234567.89, "employees": 42.0, "tax_paid": None}
    ]
    r = _fins(sessions, to_xlsx(rows), name="f.xlsx")
    assert r.written, r.errors
    f = db.scalars(select(Financial)).one()
    assert (f.revenue, f.employees, f.tax_paid) == (123456789, 42, None)


def test_financials_missing_is_not_zero_and_money_is_exact(sessions, db):  # type: ignore[no-untyped-def]
    _ents(sessions, to_csv([ent_row(1)], ENT_HEADER))
    rows = [fin_row(1, 2023, rd_spend="", revenue="0.10"), fin_row(1, 2024, revenue="1,234.5")]
    r = _fins(sessions, to_csv(rows, FIN_HEADER))
    assert r.written, r.errors
    got = {f.year: f for f in db.scalars(select(Financial))}
    assert got[2023].rd_spend is None and got[2023].revenue == 10
    assert got[2024].revenue == 123450
    assert got[2024].output_value is None


@pytest.mark.parametrize(
    ("override", "column", "needle"),
    [
        ({"year": "20x4"}, "year", "not a year"),
        ({"year": "1800"}, "year", "implausible"),
        ({"revenue": "-5"}, "revenue", "negative"),
        ({"revenue": "1.234"}, "revenue", "2 decimal"),
        ({"revenue": "abc"}, "revenue", "not an amount"),
        ({"employees": "3.5"}, "employees", "whole number"),
        ({"rd_staff": "500", "employees": "10"}, "rd_staff", "more R&D staff"),
        ({"uscc": uscc(999)}, "uscc", "no enterprise"),
    ],
)
def test_financial_fields_are_validated(sessions, db, override, column, needle):  # type: ignore[no-untyped-def]
    _ents(sessions, to_csv([ent_row(1)], ENT_HEADER))
    second = {"year": "2023", **override}
    r = _fins(sessions, to_csv([fin_row(1, 2024), {**fin_row(1, 2023), **second}], FIN_HEADER))
    assert not r.written
    assert _count(db, Financial) == 0
    hits = [e for e in r.errors if e["column"] == column]
    assert hits and needle.lower() in hits[0]["error"].lower(), r.errors
    assert hits[0]["row"] == 3


def test_financial_reimport_idempotent_and_size_class_materialised(sessions, db):  # type: ignore[no-untyped-def]
    _ents(sessions, to_csv([ent_row(1)], ENT_HEADER))
    rows = [fin_row(1, y) for y in (2021, 2022, 2023, 2024, 2025)]
    data = to_csv(rows, FIN_HEADER)
    assert _fins(sessions, data).created == 5
    again = _fins(sessions, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    ent = db.scalars(select(Enterprise)).one()
    db.refresh(ent)
    # I65 software: 150 employees ≥ 100 and revenue 1,200万 ≥ 1,000万 → medium.
    assert ent.size_class == "medium"
    changed = _fins(sessions, to_csv([fin_row(1, 2025, employees="50")], FIN_HEADER))
    assert changed.updated == 1
    db.refresh(ent)
    assert ent.size_class == "small"


def test_duplicate_uscc_year_in_file(sessions):  # type: ignore[no-untyped-def]
    _ents(sessions, to_csv([ent_row(1)], ENT_HEADER))
    r = _fins(sessions, to_csv([fin_row(1, 2024), fin_row(1, 2024)], FIN_HEADER))
    assert any("duplicate" in e["error"] and e["row"] == 3 for e in r.errors)
