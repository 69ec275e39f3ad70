"""The list page by category with filters and exits, its CSV, and an enterprise's history:
staff see the lists; an enterprise sees only its own history."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import delete, select

from highland.enterprises.models import Enterprise, Financial
from highland.growth import service
from highland.platform.identity import service as identity
from tests.conftest import ACTOR
from tests.factories import uscc
from tests.growth.test_lists import ACTOR as GROWTH_ACTOR
from tests.growth.test_lists import WAN, _firm, _rising


@pytest.fixture
def world(client, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Nanjing lists 2024 and 2025: two gazelles (one in 320106), the second struck off
    before 2025; an enterprise user owning the first, a leader."""
    years = range(2020, 2025)
    first = _firm(db, 1, "I", "6513", _rising(600 * WAN, (3, 2), years))
    second = _firm(db, 2, "C", "3972", _rising(400 * WAN, (5, 4), years))
    second.district_code = "320106"
    db.flush()
    rs = service.ruleset("nanjing-2024")
    service.publish(db, rs, 2024, GROWTH_ACTOR)
    db.execute(delete(Financial).where(Financial.enterprise_id == second.id))
    db.execute(delete(Enterprise).where(Enterprise.id == second.id))
    db.flush()
    service.publish(db, rs, 2025, GROWTH_ACTOR)
    users = {}
    for role in ("leader", "enterprise", "handler"):  # the handler: no list rights
        extra: dict[str, Any] = {"enterprise_id": first.id} if role == "enterprise" else {}
        if role == "handler":
            extra = {"institution_code": "320115-ZRZY"}
        user = identity.create_user(db, ACTOR, username=f"g_{role}", password="password-1",
                                    role=role, **extra)  # fmt: skip
        token, _ = identity.open_session(db, user, 1)
        users[role] = token
    db.commit()
    client.cookies.set("highland_session", users["leader"])
    return {"users": users}


def test_the_list_by_category_with_its_exits(client: Any, world: dict[str, Any]) -> None:
    page = client.get("/growth")
    assert page.status_code == 200
    assert "高成长企业名单" in page.text and "瞪羚企业" in page.text
    assert "测试企业1" in page.text and "保持" in page.text
    assert "已注销" in page.text and uscc(2) in page.text  # left: struck off the registry
    earlier = client.get("/growth", params={"ruleset": "nanjing-2024", "year": 2024})
    assert uscc(2) in earlier.text and "新进" in earlier.text  # its name went with its row
    only = client.get("/growth", params={"year": 2024, "district": "320115"})
    assert "测试企业1" in only.text and uscc(2) not in only.text
    assert "测试企业1" not in client.get("/growth", params={"industry": "C"}).text
    client.cookies.set("highland_lang", "en")
    assert "Gazelle" in client.get("/growth").text
    assert client.get("/growth", params={"year": 2031}).status_code == 422


def test_the_list_exports_as_csv(client: Any, world: dict[str, Any]) -> None:
    resp = client.get("/growth/export.csv", params={"year": 2025, "headers": "codes"})
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert [(r["uscc"], r["movement"], r["reason"]) for r in rows] == [
        (uscc(1), "kept", ""), (uscc(2), "exited", "closed"),
    ]  # fmt: skip
    zh = client.get("/growth/export.csv", params={"year": 2025}).content.decode("utf-8-sig")
    assert zh.startswith("统一社会信用代码,企业名称") and "瞪羚企业" in zh and "已注销" in zh


def test_an_enterprise_sees_its_own_history_only(client: Any, world: dict[str, Any]) -> None:
    client.cookies.set("highland_session", world["users"]["enterprise"])
    portrait = client.get(f"/enterprises/{uscc(1)}")
    assert f'href="/enterprises/{uscc(1)}/growth"' in portrait.text
    own = client.get(f"/enterprises/{uscc(1)}/growth")
    assert own.status_code == 200
    assert own.text.count("<td>瞪羚企业</td>") == 2 and "nanjing-2024" in own.text
    assert client.get(f"/enterprises/{uscc(2)}/growth").status_code == 404
    assert client.get("/growth").status_code == 403
    for path in ("/growth/export.csv", "/growth/export.xlsx", "/growth/pool",
                 "/growth/movements", "/growth/pool/export.csv"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    client.cookies.set("highland_session", world["users"]["handler"])
    assert client.get("/growth").status_code == 403


def test_a_firm_page_says_why_in_words(client: Any, world: dict[str, Any]) -> None:
    page = client.get(f"/enterprises/{uscc(1)}/growth").text
    # Each criterion of its category, met, in the catalogue's words; no rule code.
    assert "满足：2020 年营业收入不低于 500 万元" in page  # the 2024 list's base year
    assert "复合年均增长率不低于 50%" in page and "cagr(" not in page
    assert "制造业" not in page.split('id="why"')[1]  # the manufacturing branch is not its own
    client.cookies.set("highland_lang", "en")
    en = client.get(f"/enterprises/{uscc(1)}/growth").text
    assert "Met: revenue in 2020 at least" in en


def test_entries_and_exits_with_reasons(client: Any, world: dict[str, Any]) -> None:
    page = client.get("/growth/movements", params={"year": 2025})
    assert page.status_code == 200
    exits = page.text.split('id="exit-table"')[1]
    assert uscc(2) in exits and "已注销" in exits
    first = client.get("/growth/movements", params={"year": 2024}).text
    assert "测试企业1" in first.split('id="entry-table"')[1] and "新进" in first


def test_filters_by_zone_and_chain(client: Any, db: Any, world: dict[str, Any]) -> None:
    from highland.chains.models import Chain, EnterpriseSegment

    assert client.get("/growth", params={"zone": "320100-JBXQ"}).text.count("测试企业1") == 0
    firm = db.scalars(select(Enterprise).where(Enterprise.uscc == uscc(1))).one()
    firm.zone_code = "320100-JBXQ"
    chain = Chain(code="ic", name="集成电路", name_en="Integrated circuits")
    db.add(chain)
    db.flush()
    db.add(EnterpriseSegment(enterprise_id=firm.id, chain_id=chain.id, segment_code="design",
                             evidence="manual", confidence=100, status="accepted"))  # fmt: skip
    db.commit()
    assert "测试企业1" in client.get("/growth", params={"zone": "320100-JBXQ"}).text
    assert "测试企业1" in client.get("/growth", params={"chain": "ic"}).text
    assert "测试企业1" not in client.get("/growth", params={"chain": "auto"}).text
    rows = client.get("/growth/export.csv", params={"chain": "ic", "headers": "codes"})
    lines = list(csv.DictReader(io.StringIO(rows.content.decode("utf-8-sig"))))
    assert [(r["uscc"], r["zone"], r["chains"]) for r in lines] == [
        (uscc(1), "320100-JBXQ", "ic")
    ]
    assert client.get("/growth", params={"zone": "bad code!"}).status_code == 422


def test_the_list_exports_as_xlsx_with_exact_money(client: Any, world: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    resp = client.get("/growth/export.xlsx", params={"year": 2024, "headers": "codes"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/vnd")
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert head[0] == "uscc" and "revenue" in head and "valuation_usd" in head
    first = next(r for r in rows[1:] if r[0] == uscc(1))
    # 2023 revenue: 600万 × 1.5³ = 2025万 yuan, exactly.
    assert str(first[head.index("revenue")]) in ("20250000", "20250000.00")
    zh = client.get("/growth/export.xlsx", params={"year": 2024})
    zh_head = next(load_workbook(io.BytesIO(zh.content)).active.iter_rows(values_only=True))
    assert zh_head[0] == "统一社会信用代码" and "数据年度营业收入（元）" in zh_head
    csv_text = client.get("/growth/export.csv", params={"year": 2024}).content.decode("utf-8-sig")
    assert "20250000.00" in csv_text or "20250000" in csv_text


def test_the_cultivation_pool(client: Any, db: Any, world: dict[str, Any]) -> None:
    # A services firm one criterion away (growth 40 %, not 50 %) and one with a year missing.
    near = _firm(db, 3, "I", "6513", _rising(600 * WAN, (7, 5), range(2020, 2025)))
    gap = _firm(db, 4, "I", "6513", {2021: None, 2022: 900 * WAN, 2023: 1350 * WAN,
                                     2024: 2025 * WAN})  # fmt: skip
    db.commit()
    page = client.get("/growth/pool", params={"year": 2025})
    assert page.status_code == 200
    table = page.text.split('id="pool-table"')[1]
    assert near.name in table and gap.name in table
    assert "复合年均增长率不低于 50%" in table  # the one criterion, in words
    # The data to supply for every category open to it: a valuation of 2022–2024 (unicorn)
    # and the revenue of 2021 (gazelle's base year).
    gap_row = table.split(gap.name)[1].split("</tr>")[0]
    assert "估值（2022–2024 年任一年）" in gap_row and "营业收入（2021 年）" in gap_row
    only = client.get("/growth/pool", params={"year": 2025, "kind": "near"}).text
    assert near.name in only and gap.name not in only.split('id="pool-table"')[1]
    resp = client.get("/growth/pool/export.csv", params={"year": 2025, "headers": "codes"})
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    kinds = {r["uscc"]: r["kind"] for r in rows}
    assert kinds[uscc(3)] == "near" and kinds[uscc(4)] == "unknown"
    assert client.get("/growth/pool/export.xlsx", params={"year": 2025}).status_code == 200
    assert client.get("/growth/pool", params={"kind": "other"}).status_code == 422
    assert client.get("/growth/pool", params={"year": 2031}).status_code == 422
