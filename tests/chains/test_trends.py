"""Indicator trends: recorded snapshots over computed months, gaps never zeros, as-of
semantics, bad input (page 422, API 422/404 with exact messages), labels in both languages."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.models import ChainMeeting
from highland.chains.trends import service as trends
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.web import charts
from tests.chains.test_indicators import NOW, at, build_world
from tests.chains.users import make_users

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(db: Session) -> None:
    build_world(db)


def _record(db: Session, month: str, **values: Any) -> ChainMeeting:
    """A scheduling record whose snapshot differs from what compute would give."""
    snap = indicators.compute(db, 1, month, at(2026, 9, 30, 18))
    for key, value in values.items():
        snap["items"][key]["value"] = value
    meeting = ChainMeeting(chain_id=1, month=month, held_at=at(2026, 9, 30), indicators=snap,
                           created_at=at(2026, 9, 30, 18), created_by="t")  # fmt: skip
    db.add(meeting)
    db.flush()
    return meeting


def test_recorded_snapshot_wins_over_computed(db: Session, world: None) -> None:
    meeting = _record(db, "2026-09", members=42, revenue=123_456_789)
    out = trends.series(db, 1, "2026-10", 3, NOW)
    assert (out["from"], out["to"], out["months"]) == ("2026-08", "2026-10", 3)
    assert [p["month"] for p in out["points"]] == ["2026-08", "2026-09", "2026-10"]
    assert [p["source"] for p in out["points"]] == ["computed", "recorded", "computed"]
    sep = out["points"][1]
    assert sep["meeting_id"] == meeting.id
    assert sep["computed_at"] == at(2026, 9, 30, 18).isoformat()
    assert sep["values"]["members"] == 42 and sep["values"]["revenue"] == 123_456_789
    assert out["points"][0]["computed_at"] == NOW.isoformat()
    members = out["indicators"]["members"]
    assert [p["value"] for p in members] == [3, 42, 4]
    assert [p["source"] for p in members] == ["computed", "recorded", "computed"]
    revenue = out["indicators"]["revenue"]
    assert revenue[1]["freshness"] == "2026-05-20"  # each point keeps its freshness
    assert out["indicators"]["growth"][0]["value"] == "0.250000"  # the exact decimal string
    assert list(out["indicators"]) == list(indicators.ORDER)


def test_as_of_each_month_end(db: Session, world: None) -> None:
    out = trends.series(db, 1, "2026-10", 2, NOW)
    sep, octo = out["points"]
    assert sep["as_of"] == "2026-09-30T23:59:59+08:00"
    assert sep["values"]["members"] == 3  # E4 was accepted on 5 October: not in September
    assert octo["values"]["members"] == 4
    assert sep["values"]["revenue"] == 150_000  # E2's 2026 figure came out on 15 October
    assert octo["values"]["revenue"] == 100_000 + 999_999 + 7_000_000


def test_missing_is_none_never_zero(db: Session, world: None) -> None:
    out = trends.series(db, 1, "2026-04", 2, NOW)  # before any member was accepted (May)
    for p in out["points"]:
        assert p["values"]["members"] == 0  # a real count of none
        for key in ("output_value", "revenue", "tax", "growth", "key_projects"):
            assert p["values"][key] is None, key
    other = trends.series(db, 2, "2026-10", 12, NOW)  # chain 2: a member without figures
    assert all(p["value"] is None for p in other["indicators"]["revenue"])
    assert all(p["value"] == 1 for p in other["indicators"]["members"][-5:])


def test_bad_input(db: Session, world: None) -> None:
    cases = [
        ("2026-13", 12, "to", "to: '2026-13' is not a month; write it as YYYY-MM, e.g. 2026-09"),
        ("", 12, "to", "to: '' is not a month; write it as YYYY-MM, e.g. 2026-09"),
        ("2026-11", 12, "to", "to: 2026-11 is after the current month (2026-10, "
                              "Asia/Shanghai); trends stop at the current month"),
        ("2026-10", 0, "months", "months: '0' must be a whole number of months from 1 to 36"),
        ("2026-10", 37, "months", "months: '37' must be a whole number of months from 1 to 36"),
        ("2026-10", "x", "months", "months: 'x' must be a whole number of months from 1 to 36"),
        ("2026-10", "-1", "months", "months: '-1' must be a whole number of months from 1 to 36"),
    ]  # fmt: skip
    for to, months, field, message in cases:
        with pytest.raises(InvalidInput) as err:
            trends.series(db, 1, to, months, NOW)  # type: ignore[arg-type]
        assert (err.value.field, err.value.message) == (field, message)
    with pytest.raises(NotFound):
        trends.series(db, 999, "2026-10", 12, NOW)
    assert len(trends.series(db, 1, "2026-10", 36, NOW)["points"]) == 36
    assert trends.window("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


def test_line_chart_keeps_gaps() -> None:
    svg = charts.line(["2026-01", "2026-02", "2026-03"], [("营业收入", [1.0, None, 3.0])],
                      unit="万元")  # fmt: skip
    root = ET.fromstring(svg)
    dots = [c for c in root.iter(f"{SVG}circle") if "dot" in (c.get("class") or "")]
    assert len(dots) == 2  # the missing month has no point (and no zero)
    assert "营业收入" in "".join(root.itertext())
    empty = charts.line(["2026-01"], [("x", [None])], no_data="无数据")
    assert "无数据" in empty


# --------------------------------------------------------------------------- page and API


@pytest.fixture
def users(db: Session) -> dict[str, dict[str, str]]:
    build_world(db)
    return make_users(db)


def _svgs(body: str) -> list[str]:
    out = []
    rest = body
    while "<svg" in rest:
        start = rest.index("<svg")
        end = rest.index("</svg>", start) + len("</svg>")
        out.append(rest[start:end])
        rest = rest[end:]
    return out


def test_page_in_both_languages(client: Any, db: Session, users: Any) -> None:
    _record(db, "2026-09", members=42)
    db.commit()
    client.cookies.set("highland_session", users["leader"]["cookie"])
    r = client.get("/chains/1/trends?to=2026-10&months=3")
    assert r.status_code == 200, r.text
    svgs = _svgs(r.text)
    assert len(svgs) == 4
    texts = ["".join(ET.fromstring(s).itertext()) for s in svgs]
    assert "链上企业" in texts[0] and "新增企业" in texts[0]
    assert "营业收入" in texts[1] and "税收" in texts[1] and "万元" in texts[1]
    assert "营收增速" in texts[2] and "超期诉求" in texts[3]
    body = r.text
    assert 'data-month="2026-09" data-source="recorded"' in body
    assert 'data-month="2026-08" data-source="computed"' in body
    row = body[body.index('data-month="2026-09"') :]
    row = row[: row.index("</tr>")]
    assert 'data-indicator="members" data-value="42"' in row and "调度记录" in row
    assert 'title="1,500.00 元">1,500 元<' in row and "2026-05-20" in row  # exact on hover
    assert 'data-indicator="revenue" data-value="150000"' in row
    assert "指标趋势" in body and "2026-08 至 2026-10，共 3 个月" in body
    client.cookies.set("highland_lang", "en")
    en = client.get("/chains/1/trends?to=2026-10&months=3")
    assert en.status_code == 200
    texts = ["".join(ET.fromstring(s).itertext()) for s in _svgs(en.text)]
    assert "Members" in texts[0] and "Revenue" in texts[1] and "10k yuan" in texts[1]
    assert "Revenue growth" in texts[2] and "Overdue demands" in texts[3]
    assert "Indicator trends" in en.text and ">recorded<" in en.text


def test_page_shows_gaps(client: Any, db: Session, users: Any) -> None:
    client.cookies.set("highland_session", users["leader"]["cookie"])
    r = client.get("/chains/1/trends?to=2026-05&months=2")
    assert r.status_code == 200
    row = r.text[r.text.index('data-month="2026-04"') :]
    row = row[: row.index("</tr>")]
    assert 'data-indicator="revenue" data-value=""' in row and "无数据" in row
    assert 'data-indicator="members" data-value="0"' in row
    assert "无数据（折线在此中断，不按 0 计）：" in r.text and "营业收入：2026-04" in r.text
    client.cookies.set("highland_lang", "en")
    en = client.get("/chains/1/trends?to=2026-05&months=2").text
    assert "No data (the line breaks there, never drawn as 0): " in en
    assert "Revenue: 2026-04; Tax: 2026-04" in en and ">no data<" in en


@pytest.fixture(
    params=[
        # The first hours of a year in Beijing are still the last day of the old one in UTC.
        ("2027-01-01 07:00", "2027-01", "2026-02", "2026-01"),
        ("2026-12-31 23:59", "2026-12", "2026-01", "2025-12"),
        ("2027-01-04 10:00", "2027-01", "2026-02", "2026-01"),
    ],
    ids=["new-year-morning", "new-year-eve", "first-monday"],
)
def turn(request: pytest.FixtureRequest, clock_at: Any) -> tuple[str, str, str]:
    """The clock at the turn of a year (set before the users' sessions are opened)."""
    moment, last, first, before = request.param
    clock_at(moment)
    return last, first, before


def test_page_default_window(turn: tuple[str, str, str], client: Any, users: Any) -> None:
    """Twelve months to the current month in Beijing, across the turn of the year."""
    last, first, before = turn
    client.cookies.set("highland_session", users["leader"]["cookie"])
    r = client.get("/chains/1/trends")
    assert r.status_code == 200
    assert indicators.current_month() == last
    assert f'data-month="{last}"' in r.text and f'data-month="{first}"' in r.text
    assert f'data-month="{before}"' not in r.text
    assert trends.window(last, 12)[0] == first
    nxt = trends.shift(last, 1)
    late = client.get(f"/chains/1/trends?to={nxt}")
    assert late.status_code == 422 and nxt in late.text


def test_page_and_api_bad_input(client: Any, db: Session, users: Any) -> None:
    now = indicators.current_month()
    later = trends.shift(now, 1)
    # (query, field, the API's detail, the page's text in Chinese from the catalogue)
    cases = [
        ("to=2026-9", "to", "to: '2026-9' is not a month; write it as YYYY-MM, e.g. 2026-09",
         "月份“2026-9”无效，请按 YYYY-MM 填写。"),
        ("to=soon&months=3", "to",
         "to: 'soon' is not a month; write it as YYYY-MM, e.g. 2026-09",
         "月份“soon”无效，请按 YYYY-MM 填写。"),
        (f"to={later}", "to", f"to: {later} is after the current month ({now}, "
                              "Asia/Shanghai); trends stop at the current month",
         f"截止月份 {later} 晚于本月（北京时间 {now}），趋势只统计到本月。"),
        ("months=40", "months", "months: '40' must be a whole number of months from 1 to 36",
         "月数“40”无效，应为 1 至 36 的整数。"),
        ("to=2026-10&months=1.5", "months",
         "months: '1.5' must be a whole number of months from 1 to 36",
         "月数“1.5”无效，应为 1 至 36 的整数。"),
    ]  # fmt: skip
    client.cookies.set("highland_session", users["leader"]["cookie"])
    for query, field, _, shown in cases:
        r = client.get(f"/chains/1/trends?{query}")
        assert r.status_code == 422, query
        assert f'data-field="{field}"' in r.text and shown in r.text, query
        assert "<svg" not in r.text.split('id="trend-error"')[1]
    assert client.get("/chains/999/trends").status_code == 404
    client.cookies.clear()
    head = {"authorization": f"Bearer {users['handler']['token']}"}
    for query, field, message, _ in cases:
        r = client.get(f"/api/v1/chains/1/trends?{query}", headers=head)
        assert r.status_code == 422, query
        assert r.json()["detail"] == message and r.json()["field"] == field
    assert r.json()["code"] in ("practice.month_invalid", "trends.months", "trends.after_current")
    r = client.get("/api/v1/chains/999/trends?to=2026-10", headers=head)
    assert r.status_code == 404 and r.json()["detail"] == "no chain 999"


def test_api_series(client: Any, db: Session, users: Any) -> None:
    _record(db, "2026-09", members=42)
    db.commit()
    head = {"authorization": f"Bearer {users['handler']['token']}"}
    r = client.get("/api/v1/chains/1/trends?to=2026-10&months=2", headers=head)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [p["source"] for p in out["points"]] == ["recorded", "computed"]
    assert [p["value"] for p in out["indicators"]["members"]] == [42, 4]
    assert out["indicators"]["revenue"][0] == {"month": "2026-09", "value": 150_000,
                                               "freshness": "2026-05-20",
                                               "source": "recorded"}  # fmt: skip
    assert out["indicators"]["key_projects"][1]["value"] is None
    assert out["indicators"]["growth"][0]["value"] == "0.250000"


def test_readers_only(client: Any, db: Session, users: Any) -> None:
    assert client.get("/chains/1/trends", follow_redirects=False).status_code in (302, 303)
    assert client.get("/api/v1/chains/1/trends").status_code == 401
    for role in ("handler", "chain_head", "chain_team", "analyst"):
        client.cookies.set("highland_session", users[role]["cookie"])
        assert client.get("/chains/1/trends?to=2026-10&months=2").status_code == 200, role
