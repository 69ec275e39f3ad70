"""The yearly-figures export: the financials import format, exact yuan, empty = missing,
Chinese headers by default, the registry's filters plus years, the caller's scope."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises import figures_export, service
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise, Financial
from highland.enterprises.repository import EnterpriseFilter
from highland.enterprises.vocab import FINANCIAL_COLUMNS
from highland.platform.errors import InvalidInput
from highland.platform.identity import service as identity
from highland.platform.identity.permissions import Principal, Role
from tests.cli import Cli
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc

pytestmark = pytest.mark.clock_at("2026-06-15 10:00")
ADMIN = Principal(0, "t", Role.admin)
EVERYTHING = EnterpriseFilter().cleaned()
FULL = {
    "revenue": "12345678901.23",
    "output_value": "",
    "tax_paid": "600000.50",
    "employees": "150",
    "rd_spend": "960000",
    "rd_staff": "30",
    "invention_patents": "0",
    "total_assets": "",
    "last_round_usd": "1500000.5",
    "valuation_usd": "",
    "main_revenue": "12000000000",
    "hightech_revenue": "",
    "tech_staff": "40",
    "ip_class1": "",
    "ip_class2": "7",
    "equity_raised": "0",
    "source": "tax",
    "source_date": "2025-03-31",
}


def _fin(n: int, year: int, **over: str) -> dict[str, str]:
    return {"uscc": uscc(n), "year": str(year), **FULL, **over}


def _load(sessions: sessionmaker[Session]) -> None:
    ents = [
        ent_row(1, district_code="320115"),
        ent_row(2, district_code="320113", industry_code="3973"),
        ent_row(3, district_code="320115", name="南京=HYPERLINK测试有限公司"),
    ]
    assert run_import(sessions, ACTOR, "enterprises", to_csv(ents, ENT_HEADER), "e.csv").written
    fins = [_fin(1, 2022), _fin(1, 2023, revenue="", source="self_declared", source_date="")]
    fins += [_fin(1, 2024), _fin(2, 2023, revenue="1.05", main_revenue="1")]
    fins.append(_fin(2, 2025, employees=""))
    fins.append(_fin(3, 2024, total_assets="123456789012345.67", revenue="123456789012345.67",
                     main_revenue="1000"))  # fmt: skip
    result = run_import(sessions, ACTOR, "financials", to_csv(fins, FINANCIAL_COLUMNS), "f.csv")
    assert result.written and not result.errors, result.errors


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> None:
    _load(sessions)


def _stored(db: Session) -> list[tuple[Any, ...]]:
    db.expire_all()
    rows = db.execute(
        select(Enterprise.uscc, Financial).join(Enterprise).order_by(Enterprise.uscc, "year")
    ).all()
    cols = FINANCIAL_COLUMNS[1:]
    return [(u, *(getattr(f, c) for c in cols)) for u, f in rows]


def _csv(db: Session, principal: Principal = ADMIN, **kw: Any) -> list[list[str]]:
    flt = kw.pop("flt", EVERYTHING)
    text = "".join(figures_export.export_csv(db, principal, flt, **kw))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(db: Session, **kw: Any) -> list[tuple[Any, ...]]:
    data = figures_export.export_xlsx(db, ADMIN, EVERYTHING, **kw)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


@pytest.mark.parametrize(("fmt", "headers"), [("csv", "zh"), ("csv", "codes"), ("xlsx", "zh"),
                                              ("xlsx", "codes")])  # fmt: skip
def test_an_export_imports_back_without_changing_anything(
    sessions: sessionmaker[Session], db: Session, loaded: None, fmt: str, headers: str
) -> None:
    before = _stored(db)
    if fmt == "csv":
        data = "".join(figures_export.export_csv(db, ADMIN, EVERYTHING, headers=headers))
        raw = data.encode("utf-8")
    else:
        raw = figures_export.export_xlsx(db, ADMIN, EVERYTHING, headers=headers)
    result = run_import(sessions, ACTOR, "financials", raw, f"figures.{fmt}")
    assert not result.errors, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (6, 0, 0, 6)
    # The Chinese export's 企业名称 is for people: the import reads past it.
    assert list(result.ignored_columns) == (["企业名称"] if headers == "zh" else [])
    assert _stored(db) == before


def test_chinese_headers_and_values_by_default_codes_on_request(db: Session, loaded: None) -> None:
    rows = _csv(db)
    assert rows[0] == [
        "统一社会信用代码", "企业名称", "年份", "营业收入（元）", "工业总产值（元）",
        "纳税额（元）", "从业人员", "研发投入（元）", "研发人员", "发明专利", "资产总额（元）",
        "最近一轮融资额（美元）", "估值（美元）", "主营业务收入（元）",
        "高新技术产品（服务）收入（元）", "科技人员", "Ⅰ类知识产权", "Ⅱ类知识产权",
        "新增股权融资（元）", "数据来源", "数据日期",
    ]  # fmt: skip
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["企业名称"] == "南京测试1号软件科技有限公司"
    assert first["数据来源"] == "税务"
    codes = _csv(db, headers="codes")
    assert codes[0] == list(FINANCIAL_COLUMNS)
    assert dict(zip(codes[0], codes[1], strict=True))["source"] == "tax"


def test_money_is_exact_yuan_and_missing_stays_empty(db: Session, loaded: None) -> None:
    rows = _csv(db, headers="codes")
    by_key = {(r[0], r[1]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    one = by_key[(uscc(1), "2022")]
    assert one["revenue"] == "12345678901.23"
    assert (one["tax_paid"], one["rd_spend"], one["last_round_usd"]) == (
        "600000.50", "960000.00", "1500000.50",
    )  # fmt: skip
    # Missing is an empty cell, a known zero is 0.
    assert one["output_value"] == one["total_assets"] == one["valuation_usd"] == ""
    assert one["invention_patents"] == "0" and one["equity_raised"] == "0.00"
    assert by_key[(uscc(1), "2023")]["revenue"] == ""
    assert by_key[(uscc(1), "2023")]["source_date"] == ""
    assert by_key[(uscc(2), "2023")]["revenue"] == "1.05"
    assert by_key[(uscc(2), "2025")]["employees"] == ""
    # A cell starting with "=" cannot run as a formula.
    zh = _csv(db)
    assert "南京=HYPERLINK测试有限公司" in {r[1] for r in zh}  # "=" not first: left as it is
    # XLSX: numbers as numbers, missing as empty cells, an amount past a float's 15 digits
    # as text so that it stays exact to the fen.
    sheet = _xlsx(db, headers="codes")
    head = sheet[0]
    cells = {(r[0], r[1]): dict(zip(head, r, strict=True)) for r in sheet[1:]}
    one_x = cells[(uscc(1), 2022)]
    assert str(one_x["revenue"]) == "12345678901.23" and one_x["output_value"] is None
    assert one_x["employees"] == 150
    big = cells[(uscc(3), 2024)]
    assert big["revenue"] == big["total_assets"] == "123456789012345.67"


def test_filters_and_years(db: Session, loaded: None) -> None:
    def keys(**kw: Any) -> set[tuple[str, str]]:
        return {(r[0], r[2]) for r in _csv(db, **kw)[1:]}

    in_320115 = EnterpriseFilter(district="320115").cleaned()
    assert {u for u, _ in keys(flt=in_320115)} == {uscc(1), uscc(3)}
    assert keys(years=(2023, 2023)) == {(uscc(1), "2023"), (uscc(2), "2023")}
    assert keys(years=(2024, None)) == {(uscc(1), "2024"), (uscc(3), "2024"), (uscc(2), "2025")}
    assert keys(years=(None, 2022)) == {(uscc(1), "2022")}
    assert keys(flt=in_320115, years=(2023, 2024)) == {
        (uscc(1), "2023"), (uscc(1), "2024"), (uscc(3), "2024"),
    }  # fmt: skip


def test_many_rows_stream_in_order(db: Session, loaded: None) -> None:
    from highland.enterprises import repository as repo

    got = [(u, f.year) for u, _, f in repo.iter_figures(db, ADMIN, EVERYTHING, chunk=2)]
    assert len(got) == 6 and len(set(got)) == 6
    assert [y for u, y in got if u == uscc(1)] == [2022, 2023, 2024]


def test_an_enterprise_user_exports_only_its_own(db: Session, loaded: None) -> None:
    own = db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(2)))
    firm = Principal(5, "firm", Role.enterprise, enterprise_id=own)
    rows = _csv(db, firm)
    assert {r[0] for r in rows[1:]} == {uscc(2)} and len(rows) == 3
    unlinked = Principal(6, "nobody", Role.enterprise)
    assert len(_csv(db, unlinked)) == 1  # the header only


def test_year_range_refusals() -> None:
    assert figures_export.year_range(2024, None, None) == (2024, 2024)
    assert figures_export.year_range(None, 2021, 2023) == (2021, 2023)
    with pytest.raises(InvalidInput) as reversed_range:
        figures_export.year_range(None, 2024, 2021)
    assert reversed_range.value.code == "export.years_reversed"
    assert reversed_range.value.params == {"first": 2024, "last": 2021}
    with pytest.raises(InvalidInput) as both:
        figures_export.year_range(2024, 2021, None)
    assert both.value.code == "export.year_and_range"


def test_an_xlsx_past_the_sheet_limit_is_refused(
    db: Session, loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "XLSX_MAX_ROWS", 5)
    with pytest.raises(InvalidInput) as exc:
        figures_export.export_xlsx(db, ADMIN, EVERYTHING)
    assert exc.value.code == "export.xlsx_too_many_rows" and exc.value.params == {"limit": 5}
    assert len(_xlsx(db, years=(2023, 2025))) == 6  # five rows and the header fit


# --------------------------------------------------------------------------- the edges


def _token(db: Session, role: str, **kw: Any) -> dict[str, str]:
    user = identity.create_user(db, ACTOR, username=role, password="password-1", role=role, **kw)
    token = identity.create_token(db, ACTOR, user.username)
    db.commit()
    return {"authorization": f"Bearer {token}"}


def test_the_api_and_the_pages(client: Any, db: Session, loaded: None) -> None:
    auth = _token(db, "admin")
    url = "/api/v1/enterprises/export-figures"
    r = client.get(url, params={"format": "csv", "year": 2023, "headers": "codes"}, headers=auth)
    assert r.status_code == 200, r.text
    lines = r.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("uscc,year,revenue") and len(lines) == 3
    r = client.get(url, params={"format": "xlsx", "district": "320113"}, headers=auth)
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.max_row == 3 and ws["A1"].value == "统一社会信用代码"
    for params, needle in (
        ({"from": 2025, "to": 2021}, "from: 2025 is after to: 2021"),
        ({"year": 2024, "from": 2021}, "not both"),
        ({"format": "pdf"}, "csv or xlsx"),
        ({"headers": "english"}, "zh or codes"),
        ({"year": "twenty"}, "year"),
    ):
        r = client.get(url, params=params, headers=auth)
        assert r.status_code == 422 and needle in r.text, (params, r.text)
    r = client.get("/enterprises/export-figures.csv", params={"to": 2022}, headers=auth)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert len(r.content.decode("utf-8-sig").strip().splitlines()) == 2
    r = client.get("/enterprises/export-figures.xlsx", params={"q": uscc(3)}, headers=auth)
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_the_list_page_links_the_figures_export_with_its_filters(
    client: Any, db: Session, loaded: None
) -> None:
    auth = _token(db, "admin")
    page = client.get("/enterprises", params={"district": "320115"}, headers=auth).text
    assert 'id="export-figures-csv" href="/enterprises/export-figures.csv?district=320115"' in page
    assert 'href="/enterprises/export-figures.xlsx?district=320115"' in page


def test_the_command_exports_and_reimports(cli: Cli, tmp_path: Path) -> None:
    assert cli("init").code == 0
    ents = tmp_path / "e.csv"
    ents.write_bytes(to_csv([ent_row(1), ent_row(2)], ENT_HEADER))
    fins = tmp_path / "f.csv"
    fins.write_bytes(to_csv([_fin(1, 2023), _fin(1, 2024), _fin(2, 2024)], FINANCIAL_COLUMNS))
    assert cli("import", "enterprises", str(ents)).code == 0
    assert cli("import", "financials", str(fins)).code == 0
    out = tmp_path / "figures.csv"
    ran = cli("export", "financials", "--out", str(out), "--year", "2024")
    assert ran.code == 0, ran.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(r["统一社会信用代码"], r["年份"]) for r in rows] == [(uscc(1), "2024"),
                                                                  (uscc(2), "2024")]  # fmt: skip
    assert rows[0]["营业收入（元）"] == "12345678901.23" and rows[0]["工业总产值（元）"] == ""
    ran = cli("import", "financials", str(out))
    assert ran.code == 0 and "新增 0，更新 0" in ran.output, ran.output
    xlsx = tmp_path / "figures.xlsx"
    ran = cli("export", "financials", "--out", str(xlsx), "--from", "2023", "--headers", "codes")
    assert ran.code == 0 and xlsx.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--out", "f.pdf"], "--out 的文件名须以 .csv 或 .xlsx 结尾"),
        (["--out", "f.csv", "--from", "2024", "--to", "2021"], "起始年份 2024 晚于截止年份 2021"),
        (["--out", "f.csv", "--year", "2024", "--to", "2025"], "不能同时给出"),
        (["--out", "f.csv", "--headers", "english"], "english"),
        (["--out", "f.csv", "--size-class", "giant"], "giant"),
    ],
)
def test_the_command_refuses_bad_flags(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], needle: str
) -> None:
    monkeypatch.chdir(tmp_path)
    ran = cli("export", "financials", *args)
    assert ran.code == 2 and needle in ran.stderr, ran.output
    assert not (tmp_path / "f.csv").exists()
