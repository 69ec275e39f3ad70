"""The white paper: its figures on three published lists built by hand (counts, change on the
year before, entries and exits with reasons, each firm once by district and by zone, exact
totals), its HTML in both languages, its XLSX sheets, the page's access and refusals, and the
command's refusals with nothing written."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete
from sqlalchemy.orm import Session

from highland.chains.models import Chain, EnterpriseSegment
from highland.enterprises.models import Enterprise, Financial
from highland.growth import service as growth
from highland.growth.whitepaper import render, service
from highland.growth.whitepaper import xlsx as sheets
from highland.platform.audit.service import Actor
from highland.platform.errors import InvalidInput
from highland.platform.identity import service as identity
from tests.conftest import ACTOR as USER_ACTOR
from tests.factories import uscc

ACTOR = Actor("test", None, "cli")
WAN = 1_000_000  # ¥1万 in fen
USD = 100  # cents
YEARS = range(2020, 2026)
ZONE = "320100-JBXQ"


def _firm(db: Session, n: int, section: str, code: str, revenue: dict[int, int],
          valuation: dict[int, int] | None = None, district: str | None = "320115",
          zone: str | None = None, founded: date = date(2015, 6, 1)) -> Enterprise:  # fmt: skip
    e = Enterprise(uscc=uscc(n), name=f"白皮书企业{n}", name_en=f"Paper Co {n}",
                   district_code=district, zone_code=zone, industry_code=code,
                   industry_section=section, industry_division=code[:2], founded_on=founded,
                   listed=False)  # fmt: skip
    db.add(e)
    db.flush()
    for year, value in revenue.items():
        db.add(Financial(enterprise_id=e.id, year=year, source="test", revenue=value,
                         valuation_usd=(valuation or {}).get(year)))  # fmt: skip
    return e


def _rising(base: int, ratio: tuple[int, int]) -> dict[int, int]:
    out, value = {}, base
    for y in YEARS:
        out[y] = value
        value = value * ratio[0] // ratio[1]
    return out


def _flat(value: int) -> dict[int, int]:
    return {y: value for y in YEARS}


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    """nanjing-2024 lists 2024, 2025, 2026 (figures 2023, 2024, 2025):

    - 1 gazelle (320115, zone 江北新区), 2 gazelle (no district, zone 江北新区): listed each year;
    - 3 unicorn (US$20亿, 320115, no zone): each year;
    - 4 gazelle in 2024, struck off before 2025 (exit: closed);
    - 5 manufacturing cultivated unicorn (US$6,000万), valued US$20亿 in 2025: unicorn in 2026;
    - 6 gazelle until its revenue falls in 2025 (exit 2026: criterion failed);
    - 7 grows 25 % a year: one criterion (CAGR ≥ 50 %) from gazelle — the near-miss pool.
    Firms 1 and 3 are in the chain ic, firm 1 also in nev."""
    f: dict[int, Enterprise] = {}
    f[1] = _firm(db, 1, "I", "6513", _rising(600 * WAN, (3, 2)), zone=ZONE)
    f[2] = _firm(db, 2, "I", "6513", _rising(600 * WAN, (3, 2)), district=None, zone=ZONE)
    f[3] = _firm(db, 3, "I", "6513", _flat(100 * WAN), {y: 2 * 10**9 * USD for y in YEARS},
                 founded=date(2023, 6, 1))  # fmt: skip
    f[4] = _firm(db, 4, "I", "6513", _rising(600 * WAN, (3, 2)))
    val5 = {y: 6 * 10**7 * USD for y in YEARS} | {2025: 2 * 10**9 * USD}
    f[5] = _firm(db, 5, "C", "3972", _flat(100 * WAN), val5, district="320106")
    fall = _rising(600 * WAN, (3, 2)) | {2025: 100 * WAN}
    f[6] = _firm(db, 6, "I", "6513", fall, district="320106")
    f[7] = _firm(db, 7, "I", "6513", _rising(1000 * WAN, (5, 4)))
    db.add_all([Chain(id=1, code="ic", name="集成电路", name_en="Integrated circuits"),
                Chain(id=2, code="nev", name="新能源汽车",
                      name_en="New-energy vehicles")])  # fmt: skip
    db.flush()
    for n, chain in ((1, 1), (1, 2), (3, 1)):
        db.add(EnterpriseSegment(enterprise_id=f[n].id, chain_id=chain, segment_code="design",
                                 evidence="manual", confidence=100, status="accepted"))  # fmt: skip
    rs = growth.ruleset("nanjing-2024")
    growth.publish(db, rs, 2024, ACTOR)
    db.execute(delete(Financial).where(Financial.enterprise_id == f[4].id))
    db.execute(delete(Enterprise).where(Enterprise.id == f[4].id))
    db.flush()
    growth.publish(db, rs, 2025, ACTOR)
    growth.publish(db, rs, 2026, ACTOR)
    return f


def _counts(paper: service.WhitePaper) -> dict[str, tuple[int, int | None, int | None]]:
    return {c.id: (c.count, c.previous, c.change) for c in paper.counts}


def test_counts_change_and_movements(db: Session, world: dict[str, Any]) -> None:
    paper = service.build(db, "nanjing-2024", 2026, "zh-CN")
    assert _counts(paper) == {"unicorn": (2, 1, 1), "cultivated-unicorn": (0, 1, -1),
                              "gazelle": (2, 3, -1)}  # fmt: skip
    by = {c.id: c for c in paper.counts}
    assert by["unicorn"].entered == {"new": 0, "changed": 1, "kept": 1}
    assert by["gazelle"].entered == {"new": 0, "changed": 0, "kept": 2}
    assert by["gazelle"].exited["criterion_failed"] == 1  # firm 6
    assert sum(by["cultivated-unicorn"].exited.values()) == 0  # firm 5 moved, did not exit
    assert [m.uscc for m in paper.newcomers] == [uscc(5)]
    assert paper.previous is not None and paper.previous.year == 2025
    assert [(y, n["gazelle"]) for y, n, _, _ in paper.trend] == [(2024, 4), (2025, 3), (2026, 2)]
    earlier = service.build(db, "nanjing-2024", 2025, "zh-CN")
    assert {c.id: c.exited["closed"] for c in earlier.counts}["gazelle"] == 1  # firm 4
    first = service.build(db, "nanjing-2024", 2024, "en")
    assert first.previous is None and all(c.change is None for c in first.counts)


def test_each_firm_once_by_district_and_by_zone(db: Session, world: dict[str, Any]) -> None:
    paper = service.build(db, "nanjing-2024", 2026, "zh-CN")
    district = {r.key: r.total for r in paper.by_district}
    zone = {r.key: r.total for r in paper.by_zone}
    # Listed in 2026: 1 (320115, zone), 2 (no district, zone), 3 (320115), 5 (320106).
    assert district == {"320115": 2, "320106": 1, service.NONE: 1}
    assert zone == {ZONE: 2, service.NONE: 2}
    assert paper.by_district[-1].label == "未注明行政区"
    for rows in (paper.by_district, paper.by_zone, paper.by_industry, paper.by_age):
        assert sum(r.total for r in rows) == paper.listed == 4
    assert {r.key: r.total for r in paper.by_industry} == {"I": 3, "C": 1}
    assert {r.key: r.total for r in paper.by_age} == {"0-2": 1, "6-10": 3}
    chains = {r.key: r.total for r in paper.by_chain}
    assert chains == {"ic": 2, "nev": 1, service.NONE: 2} and paper.chain_firms == 2


def test_totals_are_exact(db: Session, world: dict[str, Any]) -> None:
    paper = service.build(db, "nanjing-2024", 2026, "zh-CN")
    money = {m.id: m for m in paper.money}
    assert money["unicorn"].valuation_cents == 4 * 10**9 * USD
    assert money["unicorn"].revenue_fen == 200 * WAN
    gazelle = _rising(600 * WAN, (3, 2))[2025]
    assert money["gazelle"].revenue_fen == 2 * gazelle and money["gazelle"].valued == 0
    assert money["gazelle"].valuation_cents is None  # none reported: missing, not zero
    assert render.usd(money["unicorn"].valuation_cents, "zh-CN") == "40.00 亿美元"
    assert render.usd(6 * 10**7 * USD, "zh-CN") == "6,000.0 万美元"
    top = paper.movers[0]
    assert top.growth is not None and top.growth == pytest.approx(0.5)
    pool = {(n.category, n.criterion): n.firms for n in paper.near_misses or []}
    assert pool.get(("瞪羚企业", "cagr(revenue, 3y) >= 0.5")) == 1  # firm 7


def test_html_in_both_languages(db: Session, world: dict[str, Any]) -> None:
    zh = render.to_html(service.build(db, "nanjing-2024", 2026, "zh-CN"))
    for section in ("sec-counts", "sec-exits", "sec-chain", "sec-district", "sec-zone",
                    "sec-industry", "sec-age", "sec-money", "sec-movers", "sec-newcomers",
                    "sec-pool", "sec-method", "sec-dates"):  # fmt: skip
        assert f'id="{section}"' in zh
    assert "2026年度高成长企业白皮书" in zh and "40.00 亿美元" in zh and "<svg" in zh
    assert "<script" not in zh and "<link" not in zh and 'src="http' not in zh  # offline
    assert "北京时间" in zh and "江北新区" in zh and "未注明行政区" in zh
    en = render.to_html(service.build(db, "nanjing-2024", 2026, "en"))
    assert "High-growth enterprises white paper 2026" in en and "District not given" in en
    assert "1. Overview" in en and "Jiangbei New Area" in en


def test_xlsx_sheets_and_headers(db: Session, world: dict[str, Any]) -> None:
    data = sheets.workbook(service.build(db, "nanjing-2024", 2026, "zh-CN"))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["总体情况", "退出原因", "产业链", "行政区", "功能区", "行业门类",
                             "企业年龄", "估值与营收", "营收增长前列", "新晋企业", "培育池",
                             "方法与数据日期"]  # fmt: skip
    counts = list(wb["总体情况"].iter_rows(values_only=True))
    assert counts[0][:4] == ("类别", "2026年度（家）", "2025年度（家）", "增减（家）")
    assert counts[1][:4] == ("独角兽企业", 2, 1, 1)
    money = list(wb["估值与营收"].iter_rows(values_only=True))
    assert money[0][3] == "估值合计（美元）" and money[0][5] == "2025年营业收入（元）"
    assert money[1][3] == 4 * 10**9 and money[1][5] == 2_000_000  # exact dollars and yuan
    district = list(wb["行政区"].iter_rows(values_only=True))
    assert district[-1][0] == "合计" and district[-1][-1] == 4


def test_refusals(db: Session, world: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        service.build(db, "nanjing-2024", 2023, "zh-CN")
    assert info.value.code == "whitepaper.not_published"
    assert info.value.params == {"ruleset": "nanjing-2024", "year": 2023,
                                 "years": "2024, 2025, 2026"}  # fmt: skip
    with pytest.raises(InvalidInput) as info:
        service.build(db, "no-such-round", 2026, "zh-CN")
    assert info.value.code == "growth.unknown_ruleset"
    with pytest.raises(InvalidInput) as info:
        service.build(db, "nanjing-2024", 2026, "fr")
    assert info.value.code == "whitepaper.bad_lang"
    with pytest.raises(InvalidInput) as info:
        service.check_format("pdf")
    assert info.value.params == {"value": "pdf"}
    with pytest.raises(InvalidInput) as info:
        service.check_suffix("paper.html", "xlsx")
    assert info.value.params == {"file": "paper.html", "suffix": ".xlsx"}


@pytest.fixture
def staff(client: Any, db: Session, world: dict[str, Any]) -> dict[str, str]:
    users = {}
    for role in ("leader", "enterprise"):
        extra: dict[str, Any] = {"enterprise_id": world[1].id} if role == "enterprise" else {}
        user = identity.create_user(db, USER_ACTOR, username=f"w_{role}", password="password-1",
                                    role=role, **extra)  # fmt: skip
        users[role], _ = identity.open_session(db, user, 1)
    db.commit()
    return users


def test_no_list_yet_says_so(client: Any, db: Session) -> None:
    user = identity.create_user(db, USER_ACTOR, username="w_none", password="password-1",
                                role="leader")  # fmt: skip
    token, _ = identity.open_session(db, user, 1)
    db.commit()
    client.cookies.set("highland_session", token)
    page = client.get("/growth/whitepaper")
    assert page.status_code == 200 and 'id="no-whitepaper"' in page.text


def test_the_page_for_staff_only(client: Any, staff: dict[str, str]) -> None:
    client.cookies.set("highland_session", staff["leader"])
    page = client.get("/growth/whitepaper", params={"year": 2026})
    assert page.status_code == 200 and 'id="sec-pool"' in page.text
    assert "@media print" in page.text and 'id="whitepaper-links"' in page.text
    assert "2026年度高成长企业白皮书" in page.text  # Chinese first, whatever the browser asks
    newest = client.get("/growth/whitepaper")  # no year: the newest list
    assert newest.status_code == 200 and 'data-year="2026"' in newest.text
    en = client.get("/growth/whitepaper", params={"year": 2026, "lang": "en"})
    assert "1. Overview" in en.text
    book = client.get("/growth/whitepaper", params={"year": 2026, "format": "xlsx"})
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert client.get("/growth/whitepaper", params={"year": 2019}).status_code == 422
    bad = client.get("/growth/whitepaper", params={"year": 2026, "format": "pdf"})
    assert bad.status_code == 422 and "pdf" in bad.text
    client.cookies.set("highland_session", staff["enterprise"])
    assert client.get("/growth/whitepaper", params={"year": 2026}).status_code in (403, 404)


def test_the_demo_history_moves_across_three_years(db: Session) -> None:
    """The demo's figures (2020–2025) give three nanjing-2024 lists, each after the first with
    firms entering and leaving."""
    from highland.cli.demo import DEMO_FIRST_YEAR
    from highland.enterprises import demo as demo_data
    from highland.enterprises import imports
    from highland.growth.demo import publish_demo_lists

    ents, figs = demo_data.generate(400, 2024, first_year=DEMO_FIRST_YEAR)
    assert not imports.import_enterprise_frame(db, ACTOR, ents, "demo", "generated", sha256="e",
                                               synthetic=True).errors  # fmt: skip
    assert not imports.import_financial_frame(db, ACTOR, figs, "demo", "generated",
                                              sha256="f").errors  # fmt: skip
    publish_demo_lists(db, ACTOR)
    paper = service.build(db, "nanjing-2024", 2026, "zh-CN")
    assert [y for y, *_ in paper.trend] == [2024, 2025, 2026]
    assert all(entered > 0 and exited > 0 for _, _, entered, exited in paper.trend[1:])
