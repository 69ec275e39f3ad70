"""The docking registries: achievements imported from CSV/XLSX with a row report (all rows or
none), needs with their checks (USCC, field, chain, segment), pages, API and export."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from highland.docking import repository, service
from highland.docking.models import Achievement, TechNeed
from highland.platform.errors import InvalidInput
from tests.conftest import ACTOR
from tests.docking.world import HEADER, bearer, browse, good_csv, make_world
from tests.factories import to_xlsx


@pytest.fixture
def world(db: Any, sessions: Any) -> dict[str, Any]:
    return make_world(db, sessions)


def _count(db: Any, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_import_adds_then_updates_by_ref(db: Any, world: Any) -> None:
    rows = repository.achievements(db, 1).items
    assert {a.ref for a in rows} == {"NJU-001", "SEU-002", "NUAA-003"}
    seu = next(a for a in rows if a.ref == "SEU-002")
    assert (seu.field, seu.trl, seu.segment_code, seu.chain_id) == ("software", 5, "os", 1)
    assert seu.keywords == ["实时操作系统", "调度"]
    again = (HEADER + "SEU-002,嵌入式实时操作系统内核（二期）,,,software,东南大学,7,,,\n").encode()
    report = service.import_achievements(db, ACTOR, again, "b.csv")
    assert (report.added, report.updated, report.problems) == (0, 1, [])
    db.refresh(seu)
    assert seu.trl == 7 and seu.title.endswith("（二期）") and _count(db, Achievement) == 3


def test_import_reads_xlsx_with_english_headers(db: Any, world: Any) -> None:
    data = to_xlsx([{"ref": "X-1", "title": "机器视觉缺陷检测", "field": "ai",
                     "institution": "河海大学", "trl": 6, "keywords": "机器视觉, 缺陷检测"}])
    report = service.import_achievements(db, ACTOR, data, "a.xlsx")
    assert (report.added, report.problems) == (1, [])
    row = db.scalar(select(Achievement).where(Achievement.ref == "X-1"))
    assert row.keywords == ["机器视觉", "缺陷检测"] and row.trl == 6


BAD = [
    ("TRL-1,标题,,,software,南大,10,,,", "ach_trl", "docking.trl_range"),
    ("TRL-2,标题,,,software,南大,0,,,", "ach_trl", "docking.trl_range"),
    ("F-1,标题,,,量子玄学,南大,3,,,", "ach_field", "docking.unknown_field"),
    ("C-1,标题,,,software,南大,3,,nochain,", "ach_chain", "docking.unknown_chain"),
    ("S-1,标题,,,software,南大,3,,software,nosuch", "ach_chain", "docking.unknown_segment"),
    ("S-2,标题,,,software,南大,3,,,os", "ach_chain", "docking.segment_without_chain"),
    (",标题,,,software,南大,3,,,", "ach_ref", "docking.required"),
]


@pytest.mark.parametrize(("line", "column", "code"), BAD, ids=[b[2] + b[0][:4] for b in BAD])
def test_a_bad_row_writes_nothing(db: Any, world: Any, line: str, column: str, code: str) -> None:
    before = _count(db, Achievement)
    good = "OK-1,好的一行,,,software,南大,3,,,\n"
    report = service.import_achievements(db, ACTOR, (HEADER + good + line + "\n").encode(), "x.csv")
    assert [(p.row, p.column, p.error.code) for p in report.problems] == [(3, column, code)]
    assert report.added == 0 and _count(db, Achievement) == before


def test_duplicate_refs_in_one_file(db: Any, world: Any) -> None:
    body = HEADER + "D-1,一,,,software,南大,3,,,\nD-1,二,,,software,南大,3,,,\n"
    report = service.import_achievements(db, ACTOR, body.encode(), "x.csv")
    assert [(p.row, p.error.code, p.error.params) for p in report.problems] == [
        (3, "docking.duplicate_ref", {"ref": "D-1", "first": 2})]


def test_missing_columns_are_named(db: Any, world: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        service.import_achievements(db, ACTOR, "成果名称\n标题\n".encode(), "x.csv")
    assert err.value.code == "upload.missing_columns"


NEED_BAD = [
    ({"enterprise": "91320115MA00000000"}, "docking.unknown_uscc"),
    ({"field": "量子"}, "docking.unknown_field"),
    ({"chain": "nochain"}, "docking.unknown_chain"),
    ({"chain": "software", "segment": "zz"}, "docking.unknown_segment"),
    ({"title": "  "}, "docking.required"),
]


@pytest.mark.parametrize(("over", "code"), NEED_BAD, ids=[c for _o, c in NEED_BAD])
def test_a_bad_need_writes_nothing(db: Any, world: Any, over: dict[str, str], code: str) -> None:
    before = _count(db, TechNeed)
    data = {"enterprise": world["a"], "title": "需求", "field": "software", **over}
    with pytest.raises(InvalidInput) as err:
        service.create_need(db, ACTOR, service.NeedInput(**data))
    assert err.value.code == code and _count(db, TechNeed) == before


def test_page_import_reports_rows_in_the_readers_language(client: Any, world: Any) -> None:
    form = browse(client, world, "analyst")
    body = (HEADER + "T-9,标题,,,software,南大,12,,,\n").encode()
    resp = client.post("/docking/imports", data=form, files={"file": ("a.csv", body, "text/csv")})
    assert resp.status_code == 422
    assert "技术成熟度“12”不在 1–9 之间" in resp.text and "未写入任何数据" in resp.text
    client.get("/lang/en")
    resp = client.post("/docking/imports", data=form, files={"file": ("a.csv", body, "text/csv")})
    assert "Technology readiness “12” is not a level from 1 to 9" in resp.text


def test_page_need_form_error_keeps_the_input(client: Any, world: Any, db: Any) -> None:
    form = browse(client, world, "analyst")
    before = _count(db, TechNeed)
    resp = client.post("/docking/needs", data={**form, "enterprise": "91320115MA00000000",
                                                "title": "想要的技术", "field": "software"})
    assert resp.status_code == 422
    assert "没有统一社会信用代码为“91320115MA00000000”的企业" in resp.text
    assert "想要的技术" in resp.text and _count(db, TechNeed) == before


def test_api_import_and_need(client: Any, world: Any) -> None:
    h = bearer(world, "analyst")
    ok = client.post("/api/v1/docking/imports", headers=h,
                     files={"file": ("a.csv", good_csv(), "text/csv")})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["updated"] == 3
    bad = client.post("/api/v1/docking/imports", headers={**h, "accept-language": "en"},
                      files={"file": ("a.csv", (HEADER + "Z,t,,,xx,u,3,,,\n").encode(),
                                      "text/csv")})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["code"] == "docking.unknown_field"
    made = client.post("/api/v1/docking/needs", headers=h, json={
        "enterprise": world["b"], "title": "实时操作系统", "field": "software",
        "chain": "software", "segment": "os"})  # fmt: skip
    assert made.status_code == 201 and made.json()["segment_code"] == "os"
    refused = client.post("/api/v1/docking/needs", headers=h, json={
        "enterprise": world["b"], "title": "x", "field": "software", "chain": "rail"})
    assert refused.status_code == 422 and refused.json()["code"] == "docking.unknown_chain"


def test_enterprise_sees_only_its_needs(client: Any, world: Any) -> None:
    h = bearer(world, "enterprise")
    ids = [n["id"] for n in client.get("/api/v1/docking/needs", headers=h).json()["items"]]
    assert ids == [world["need_b"]]
    assert client.get(f"/api/v1/docking/needs/{world['need_a']}", headers=h).status_code == 404
    assert client.get("/api/v1/docking/achievements", headers=h).json()["total"] == 3


def test_export_csv_chinese_headers_and_codes(client: Any, world: Any) -> None:
    browse(client, world, "leader")
    text = client.get("/docking/achievements/export.csv").content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("成果编号,名称,英文名称")
    assert "分布式数据库；事务" in text
    codes = client.get("/docking/achievements/export.csv?headers=codes").text
    assert codes.lstrip("\ufeff").startswith("ref,title,title_en")
