"""The monthly chain report: content (indicators with freshness, recorded vs computed, map,
gaps, decisions and their states), the XLSX cell by cell, the page and the API with their
errors, in both languages."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from highland.chains.governance import service as gov
from highland.chains.models import ChainTask, EnterpriseSegment, LeadingFirm
from highland.chains.report import service as report
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ
from tests.chains.analytics_world import build
from tests.chains.users import make_users
from tests.conftest import ACTOR

ADMIN = Principal(user_id=0, username="tester", role=Role.admin)
RECORDED_AT = datetime(2026, 10, 1, 12, 0, tzinfo=CITY_TZ)
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=CITY_TZ)


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=CITY_TZ)


def world(db: Session) -> dict[str, Any]:
    """analytics_world's chain (members accepted in May 2026, E1 its leading firm), a record
    for 2026-08 (one task confirmed, one left open) and one for 2026-09 (two tasks, one
    started)."""
    w = build(db)
    cid = w["chain"].id
    w["chain"].person_in_charge = "张链长"
    for link in db.query(EnterpriseSegment).filter(EnterpriseSegment.status == "accepted"):
        link.decided_at = at(2026, 5, 1)
        link.created_at = at(2026, 4, 1)
    db.add(LeadingFirm(chain_id=cid, enterprise_id=w["ents"][1].id, reason="t", marked_by="t"))
    aug, (a1, a2) = gov.create_meeting(
        db, ADMIN, ACTOR, cid,
        gov.MeetingInput(month="2026-08", held_at=at(2026, 8, 28), matters="八月议题"),
        [gov.DecisionInput(title="八月走访", owner_name="赵科长", working_days=3),
         gov.DecisionInput(title="八月已办", owner_name="钱科长", working_days=3)],
        at(2026, 8, 28, 12),
    )  # fmt: skip
    gov.act(db, ADMIN, ACTOR, a2.id, "done", version=1, data={"result": "ok"},
            now=at(2026, 8, 29))  # fmt: skip
    gov.act(db, ADMIN, ACTOR, a2.id, "confirm", version=2, now=at(2026, 8, 30))
    sep, (t1, t2) = gov.create_meeting(
        db, ADMIN, ACTOR, cid,
        gov.MeetingInput(month="2026-09", held_at=at(2026, 9, 30), place="区政府",
                         chaired_by="张链长", attendees="各成员单位", matters="产能与用地\n人才"),
        [gov.DecisionInput(title="协调用地", owner_name="李科长", working_days=5),
         gov.DecisionInput(title="对接设备商", owner_name="王科长", working_days=30)],
        RECORDED_AT,
    )  # fmt: skip
    gov.act(db, ADMIN, ACTOR, t2.id, "start", version=1, now=RECORDED_AT)
    db.commit()
    return {**w, "cid": cid, "tasks": (t1, t2, a1, a2)}


@pytest.fixture
def w(db: Session) -> dict[str, Any]:
    return world(db)


def test_recorded_month(db: Session, w: dict[str, Any]) -> None:
    r = report.build(db, w["cid"], "2026-09", "zh-CN", NOW, by="u1")
    assert r.recorded and r.indicators_recorded and r.month == "2026-09"
    assert r.as_of.isoformat() == "2026-09-30T23:59:59+08:00"
    assert r.computed_at == RECORDED_AT.isoformat()  # the snapshot, not computed again
    by = {i.key: i for i in r.indicators}
    assert list(by) == ["members", "new_members", "output_value", "revenue", "tax", "growth",
                        "open_demands", "overdue_demands", "key_projects"]  # fmt: skip
    assert all(i.freshness_text for i in r.indicators)  # every indicator shows a freshness
    assert by["members"].value == 4 and by["members"].freshness_text == "2026-10-01 12:00"
    assert by["revenue"].value == 1000 and by["revenue"].reported == 3
    assert by["revenue"].missing == 1 and by["revenue"].freshness_text == "2024 年度"
    assert by["output_value"].value is None and by["output_value"].freshness_text == "无日期"
    assert by["key_projects"].display == "暂无数据" and by["key_projects"].freshness is None
    t1, t2, a1, _ = w["tasks"]
    assert [(d.id, d.state, d.owner) for d in r.decisions] == [
        (t1.id, "open", "李科长"), (t2.id, "in_progress", "王科长")]  # fmt: skip
    assert r.decisions[0].overdue and not r.decisions[1].overdue  # due 2026-10-13 < 20 Oct
    assert r.decisions[0].due_text == report.local(t1.due)
    assert [(x.id, x.month) for x in r.earlier] == [(a1.id, "2026-08")]  # confirmed one gone
    assert [g.segment for g in r.gaps][:1] == ["equip"] and r.gaps[0].bottleneck
    assert r.gaps[0].prospects and r.gaps[0].prospects[0].startswith("P1 (")
    html = report.to_html(r)
    assert 'data-basis="recorded"' in html and "2026-09 月度调度记录" in html
    rows = re.findall(r'<tr data-indicator="(\w+)">(.*?)</tr>', html, re.S)
    assert [k for k, _ in rows] == [i.key for i in r.indicators]
    assert all('class="nowrap freshness' in body for _, body in rows)
    assert "无日期" in dict(rows)["key_projects"] and "2024 年度" in dict(rows)["revenue"]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chain-map"' in html
    assert 'data-segment="design"' in html
    assert f'data-task="{t1.id}" data-state="open" data-overdue="yes"' in html
    assert f'data-task="{t2.id}" data-state="in_progress" data-overdue="no"' in html
    assert 'id="earlier-table"' in html and "八月走访" in html and "八月已办" not in html
    assert "产能与用地" in html and "区政府" in html and "张链长" in html
    assert "集成电路月度报告" in html and "Integrated circuits" in html
    assert "2026-09-30 23:59" in html and "2026-10-20 09:00" in html and "u1" in html
    # Standalone: no script, no outside asset, print CSS.
    assert "<script" not in html and "<link" not in html and " src=" not in html
    assert "@media print" in html and "@page" in html
    assert 'id="report-links"' not in html
    assert 'id="report-links"' in report.to_html(r, links=True)


def test_month_without_record(db: Session, w: dict[str, Any]) -> None:
    r = report.build(db, w["cid"], "2026-07", "zh-CN", NOW)
    assert not r.recorded and not r.indicators_recorded and r.decisions == []
    assert r.computed_at == NOW.isoformat() and r.earlier == []
    html = report.to_html(r)
    assert 'data-basis="computed"' in html
    assert "未经月度调度记录，指标于 2026-10-20 09:00 按月末数据计算" in html
    assert 'id="no-record"' in html and "本月无调度记录。" in html
    assert 'id="no-earlier"' in html
    # October: no record yet; the open tasks of August and September are listed.
    october = report.build(db, w["cid"], "2026-10", "en", NOW)
    t1, t2, a1, _ = w["tasks"]
    assert [x.id for x in october.earlier] == [a1.id, t1.id, t2.id]
    en = report.to_html(october)
    assert "Not recorded at a scheduling, computed at 2026-10-20 09:00" in en
    assert "No scheduling record for this month." in en and "Tasks of earlier months" in en
    assert "Integrated circuits: monthly report" in en and "no date" in en
    assert 'lang="en"' in en and "Upstream" in en


def test_errors(db: Session, w: dict[str, Any]) -> None:
    cid = w["cid"]
    with pytest.raises(InvalidInput) as e:
        report.build(db, cid, "2026-11", "zh-CN", NOW)
    assert e.value.message == "month: 2026-11 has not begun yet" and e.value.field == "month"
    with pytest.raises(InvalidInput) as e:
        report.build(db, cid, "2026-13", "zh-CN", NOW)
    assert e.value.message == ("month: '2026-13' is not a month; write it as YYYY-MM, e.g. 2026-09")
    with pytest.raises(InvalidInput) as e:
        report.build(db, cid, "2026-09", "fr", NOW)
    assert e.value.message == "lang: 'fr' is not a language; use zh-CN or en"
    with pytest.raises(NotFound) as nf:
        report.build(db, 99999, "2026-09", "zh-CN", NOW)
    assert nf.value.message == "no chain 99999"
    with pytest.raises(InvalidInput) as e:
        report.check_format("pdf")
    assert e.value.message == "format: 'pdf' is not a report format; use html or xlsx"


def _cells(ws: Any) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_xlsx_cell_by_cell(db: Session, w: dict[str, Any]) -> None:
    r = report.build(db, w["cid"], "2026-09", "zh-CN", NOW, by="u1")
    codes = load_workbook(io.BytesIO(report.to_xlsx(r, "codes")))  # for scripts, as before
    assert codes.sheetnames == ["Indicators", "Segments", "Gaps", "Decisions", "About"]
    wb = load_workbook(io.BytesIO(report.to_xlsx(r)))
    assert wb.sheetnames == ["指标", "产业链环节", "短板", "调度事项", "说明"]
    assert _cells(wb["指标"]) == _cells(codes["Indicators"])
    ind = wb["指标"]
    rows = _cells(ind)
    assert rows[0] == ["代码", "指标", "数值（金额：元）", "单位", "有数企业", "缺失企业",
                       "数据日期", "口径", "指标来源"]  # fmt: skip
    by = {row[0]: row for row in rows[1:]}
    assert by["members"][2:7] == [4, "家", None, None, "2026-10-01 12:00"]
    assert by["revenue"][2:7] == [10, "元", 3, 1, "2024 年度"]  # 1,000 fen = 10.00 yuan
    assert ind.cell(row=5, column=3).number_format == "#,##0.00"
    assert by["output_value"][2] is None and by["output_value"][3:7] == ["元", 0, 4, "无日期"]
    assert by["key_projects"][2] is None and by["key_projects"][6] == "无日期"
    assert by["growth"][2] is None  # one year of figures only: no growth, not 0
    assert all(row[6] for row in rows[1:])  # every indicator has a freshness
    assert by["revenue"][8] == "2026-09 月度调度记录快照 · " + RECORDED_AT.isoformat()
    seg = _cells(wb["产业链环节"])
    assert [row[1] for row in seg[1:]] == ["design", "equip", "fab", "test"]
    design = seg[1]
    assert design[0] == "上游" and design[4:7] == [3, 2, 9] and design[10] == "E1"
    assert wb["产业链环节"].cell(row=2, column=7).number_format == "#,##0.00"
    test = seg[4]
    assert test[6] is None and test[10] is None  # no revenue figure: empty, not 0
    assert seg[2][9] == "是" and seg[1][9] == "否"  # equip is a bottleneck
    gaps = _cells(wb["短板"])
    assert gaps[1][:3] == [1, "equip", "equip"] and gaps[1][9].startswith("P1 (")
    dec = _cells(wb["调度事项"])
    t1, t2, a1, _ = w["tasks"]
    assert [row[:4] for row in dec[1:]] == [
        ["本月议定", "2026-09", t1.id, "协调用地"], ["本月议定", "2026-09", t2.id, "对接设备商"],
        ["以前月份未办结", "2026-08", a1.id, "八月走访"]]  # fmt: skip
    assert dec[1][6:8] == ["待办", "是"] and dec[2][6:8] == ["办理中", "否"]
    assert dec[1][5] == t1.due.astimezone(CITY_TZ).replace(tzinfo=None)
    about = dict(_cells(wb["说明"])[1:])
    assert about["报告月份"] == "2026-09" and about["生成人"] == "u1"
    assert about["数据截至"] == "2026-09-30 23:59"


def test_xlsx_without_record_in_english(db: Session, w: dict[str, Any]) -> None:
    r = report.build(db, w["cid"], "2026-07", "en", NOW)
    wb = load_workbook(io.BytesIO(report.to_xlsx(r)))
    rows = _cells(wb["Indicators"])
    assert rows[0][:4] == ["Key", "Indicator", "Value (money: yuan)", "Unit"]
    assert rows[1][8] == "not recorded at a scheduling, computed for the report · " + (
        NOW.isoformat()
    )
    dec = _cells(wb["Decisions"])
    assert dec[1][:4] == ["This month", "2026-07", None, "No scheduling record for this month."]
    assert len(dec) == 2


@pytest.fixture
def users(db: Session, w: dict[str, Any]) -> dict[str, dict[str, str]]:
    return make_users(db)


def test_page_and_api(client: Any, db: Session, w: dict[str, Any], users: Any) -> None:
    cid = w["cid"]
    client.cookies.set("highland_session", users["leader"]["cookie"])
    r = client.get(f"/chains/{cid}/report?month=2026-09")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="report-links"' in r.text and "集成电路月度报告" in r.text
    assert f'href="/chains/{cid}/report?month=2026-09&amp;format=xlsx"' in r.text
    assert 'id="generated-by">c_leader<' in r.text
    x = client.get(f"/chains/{cid}/report?month=2026-09&format=xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert x.headers["content-disposition"] == f'attachment; filename="chain-{cid}-2026-09.xlsx"'
    assert load_workbook(io.BytesIO(x.content)).sheetnames[0] == "指标"
    x = client.get(f"/chains/{cid}/report?month=2026-09&format=xlsx&headers=codes")
    assert load_workbook(io.BytesIO(x.content)).sheetnames[0] == "Indicators"
    x = client.get(f"/api/v1/chains/{cid}/report?month=2026-09&format=xlsx&headers=codes")
    assert x.status_code == 200
    assert load_workbook(io.BytesIO(x.content)).sheetnames[0] == "Indicators"
    bad = client.get(f"/chains/{cid}/report?month=2026-09&format=xlsx&headers=en")
    assert bad.status_code == 422 and "headers 参数“en”无效" in bad.text
    bad = client.get(f"/chains/{cid}/report?month=2026-9")
    assert bad.status_code == 422
    assert "月份“2026-9”无效，请按 YYYY-MM 填写。" in bad.text
    bad = client.get(f"/chains/{cid}/report?month=2099-01")
    assert bad.status_code == 422 and "2099-01 尚未开始。" in bad.text  # the page's language
    bad = client.get(f"/chains/{cid}/report?month=2026-09&format=pdf")
    assert bad.status_code == 422
    assert "“pdf”不是报告格式，请使用 html 或 xlsx。" in bad.text
    assert client.get("/chains/99999/report?month=2026-09").status_code == 404
    client.cookies.set("highland_lang", "en")
    en = client.get(f"/chains/{cid}/report?month=2026-09")
    assert "Integrated circuits: monthly report" in en.text and 'lang="en"' in en.text
    # The links to the report: chain page (current month) and the record's page.
    assert f'href="/chains/{cid}/report" id="to-report"' in client.get(f"/chains/{cid}").text
    page = client.get(f"/chains/{cid}/meetings/2026-09").text
    assert f'href="/chains/{cid}/report?month=2026-09" id="to-report"' in page
    # The API.
    client.cookies.clear()
    h = {"authorization": f"Bearer {users['handler']['token']}"}
    a = client.get(f"/api/v1/chains/{cid}/report?month=2026-09&lang=en", headers=h)
    assert a.status_code == 200 and "Integrated circuits: monthly report" in a.text
    assert 'id="report-links"' not in a.text
    a = client.get(f"/api/v1/chains/{cid}/report?month=2026-09&format=xlsx", headers=h)
    assert a.status_code == 200 and a.content[:2] == b"PK"
    for query, field, detail in (
        ("month=2026-9", "month",
         "month: '2026-9' is not a month; write it as YYYY-MM, e.g. 2026-09"),
        ("month=2099-01", "month", "month: 2099-01 has not begun yet"),
        ("month=2026-09&format=csv", "format",
         "format: 'csv' is not a report format; use html or xlsx"),
        ("month=2026-09&lang=fr", "lang", "lang: 'fr' is not a language; use zh-CN or en"),
    ):  # fmt: skip
        a = client.get(f"/api/v1/chains/{cid}/report?{query}", headers=h)
        assert a.status_code == 422 and a.json()["detail"] == detail and a.json()["field"] == field
    a = client.get("/api/v1/chains/99999/report?month=2026-09", headers=h)
    assert a.status_code == 404 and a.json()["detail"] == "no chain 99999"
    ent = make_enterprise_user(db)
    a = client.get(f"/api/v1/chains/{cid}/report", headers={"authorization": f"Bearer {ent}"})
    assert a.status_code == 403


def make_enterprise_user(db: Session) -> str:
    from highland.enterprises.models import Enterprise
    from highland.platform.identity import service as identity

    ent = db.query(Enterprise).first()
    assert ent is not None
    user = identity.create_user(db, ACTOR, username="c_ent", password="password-1",
                                role="enterprise", enterprise_id=ent.id)  # fmt: skip
    token = identity.create_token(db, ACTOR, user.username)
    db.commit()
    return token


def test_task_states_and_overdue(db: Session, w: dict[str, Any]) -> None:
    t1, t2, _, _ = w["tasks"]
    task = db.get(ChainTask, t1.id)
    assert task is not None
    gov.act(db, ADMIN, ACTOR, task.id, "wait", version=1, data={"reason": "等待"},
            now=at(2026, 10, 2))  # fmt: skip
    r = report.build(db, w["cid"], "2026-09", "zh-CN", NOW)
    line = r.decisions[0]
    assert line.state == "waiting" and line.state_text == "暂停" and not line.overdue
    gov.act(db, ADMIN, ACTOR, t2.id, "done", version=2, data={"result": "已对接"},
            now=at(2026, 10, 3))  # fmt: skip
    r = report.build(db, w["cid"], "2026-09", "en", NOW)
    done = r.decisions[1]
    assert done.state_text == "done" and done.done_on_time is True and done.result == "已对接"
    html = report.to_html(r)
    assert "On time" in html and "已对接" in html
