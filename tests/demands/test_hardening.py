"""Issue 12 (findings 3, 4, 9) on demands: meetings an enterprise did not attend, attendees it
may not see, `public` only by staff, control and invisible characters refused, the board XLSX
inert and never 500, `%` and `_` taken literally in search."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from highland.demands.models import Demand
from tests.demands import test_api
from tests.demands.test_api import body, h
from tests.demands.world import World, build

tokens = test_api.tokens  # the fixture: API tokens of every role


@pytest.fixture
def w(db, sessions) -> World:  # type: ignore[no-untyped-def]
    return build(db, sessions)


def _meeting(client: Any, w: World, tokens: dict[str, str], **over: Any) -> dict[str, Any]:
    m = {
        "title": "早餐会", "held_at": "2026-03-02T07:30:00+08:00", "place": "区政府",
        "leader": "区长", "demands": [body(w)], "dispatch": True,
    }  # fmt: skip
    m.update(over)
    r = client.post("/api/v1/demand-meetings", json=m, headers=h(tokens["analyst"]))
    assert r.status_code == 201, r.text
    return r.json()


def _count(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(Demand))


def test_enterprise_files_only_into_a_meeting_it_attended(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    m = _meeting(client, w, tokens)  # B raised a demand there: B attended, A did not
    before = _count(db)
    mine_a = body(w, enterprise=w.a.uscc, meeting_id=m["id"])
    r = client.post("/api/v1/demands", json=mine_a, headers=h(tokens["owner_a"]))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "demand.meeting_not_attended" and r.json()["field"] == "meeting"
    # A meeting that does not exist answers the same (nothing told about other meetings).
    r = client.post(
        "/api/v1/demands", json=dict(mine_a, meeting_id=99_999), headers=h(tokens["owner_a"])
    )
    assert r.status_code == 422 and r.json()["code"] == "demand.meeting_not_attended"
    r = client.post(
        "/api/v1/demands", json=mine_a, headers=h(tokens["owner_a"], **{"accept-language": "zh"})
    )
    assert "贵企业未参加会议" in r.json()["message"]
    assert _count(db) == before
    r = client.post(
        "/api/v1/demands", json=body(w, meeting_id=m["id"]), headers=h(tokens["owner_b"])
    )
    assert r.status_code == 201, r.text
    assert db.get(Demand, r.json()["id"]).meeting_id == m["id"]


def test_enterprise_sees_only_itself_among_attendees(client, w, tokens) -> None:  # type: ignore[no-untyped-def]
    m = _meeting(client, w, tokens, attendees=[w.a.uscc])
    assert sorted(m["attendees"]) == sorted([w.a.uscc, w.b.uscc])
    got = client.get(f"/api/v1/demand-meetings/{m['id']}", headers=h(tokens["owner_a"]))
    assert got.status_code == 200 and got.json()["attendees"] == [w.a.uscc]
    got = client.get(f"/api/v1/demand-meetings/{m['id']}", headers=h(tokens["owner_b"]))
    assert got.json()["attendees"] == [w.b.uscc]
    staff = client.get(f"/api/v1/demand-meetings/{m['id']}", headers=h(tokens["leader"]))
    assert sorted(staff.json()["attendees"]) == sorted([w.a.uscc, w.b.uscc])


def test_only_staff_make_a_demand_public(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    before = _count(db)
    r = client.post("/api/v1/demands", json=body(w, public=True), headers=h(tokens["owner_b"]))
    assert r.status_code == 422 and r.json()["code"] == "demand.public_staff_only"
    assert r.json()["field"] == "public" and _count(db) == before
    r = client.post("/api/v1/demands", json=body(w, public=True), headers=h(tokens["analyst"]))
    assert r.status_code == 201, r.text
    assert db.get(Demand, r.json()["id"]).public is True


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"title": "扩产\x07用地"}, "text.control_char", "title"),
        ({"title": "扩产\n用地"}, "text.control_char", "title"),
        ({"title": "\u200b\u200d\u202e"}, "text.invisible", "title"),
        ({"description": "ok\x1b[2J"}, "text.control_char", "description"),
        ({"address": "某路\x00号"}, "text.control_char", "address"),
    ],
)
def test_control_and_invisible_text_refused(client, db, w, tokens, over, code, field) -> None:  # type: ignore[no-untyped-def]
    before = _count(db)
    r = client.post("/api/v1/demands", json=body(w, **over), headers=h(tokens["owner_b"]))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code and r.json()["field"] == field
    assert _count(db) == before


def test_multiline_description_still_welcome(client, w, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/demands",
        json=body(w, description="第一行\n第二行\r\n\t第三行"),
        headers=h(tokens["owner_b"]),
    )
    assert r.status_code == 201, r.text


def test_meeting_text_refused(client, w, tokens) -> None:  # type: ignore[no-untyped-def]
    m = {
        "title": "早餐会\x0b", "held_at": "2026-03-02T07:30:00+08:00", "place": "区政府",
        "leader": "区长", "demands": [body(w)],
    }  # fmt: skip
    r = client.post("/api/v1/demand-meetings", json=m, headers=h(tokens["analyst"]))
    assert r.status_code == 422 and r.json()["code"] == "text.control_char"


def test_board_xlsx_is_inert_and_survives_stored_control_characters(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    formula = '=HYPERLINK("http://evil.example/","点我")'
    m = _meeting(client, w, tokens, title="@SUM(1)", demands=[body(w, title=formula)])
    # A title stored before input was checked, with a control character XML cannot hold.
    r = client.post("/api/v1/demands", json=body(w, title="-1+2"), headers=h(tokens["analyst"]))
    db.execute(update(Demand).where(Demand.id == r.json()["id"]).values(
        meeting_id=m["id"], title="旧\x07标题"))  # fmt: skip
    db.flush()
    r = client.get(f"/api/v1/demand-meetings/{m['id']}/export.xlsx", headers=h(tokens["leader"]))
    assert r.status_code == 200, r.text[:300]
    wb = load_workbook(BytesIO(r.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    titles = {c.value: c.data_type for c in cells if c.column == 4}
    assert titles[formula] == "s" and titles["旧标题"] == "s"
    info = {row[0]: row[1] for row in wb["会议信息"].iter_rows(values_only=True)}
    assert info["会议"] == "@SUM(1)"
    page = client.get(f"/api/v1/demand-meetings/{m['id']}", headers=h(tokens["leader"]))
    assert page.status_code == 200


def test_search_takes_percent_and_underscore_literally(client, w, tokens) -> None:  # type: ignore[no-untyped-def]
    for title in ("完成率100%", "完成率1000", "a_b 用地", "axb 用地"):
        r = client.post("/api/v1/demands", json=body(w, title=title), headers=h(tokens["analyst"]))
        assert r.status_code == 201, r.text

    def found(q: str) -> list[str]:
        got = client.get("/api/v1/demands", params={"q": q}, headers=h(tokens["leader"]))
        assert got.status_code == 200, got.text
        return sorted(d["title"] for d in got.json()["items"])

    assert found("100%") == ["完成率100%"]
    assert found("a_b") == ["a_b 用地"]
    assert found("%") == ["完成率100%"]
    assert found("\\") == []


def test_action_text_with_a_control_character_refused(client, w, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/demands", json=body(w), headers=h(tokens["analyst"]))
    url = f"/api/v1/demands/{r.json()['id']}"
    r = client.post(
        f"{url}/actions/return",
        json={"version": 1, "reason": "不属实\x1b[2J"},
        headers=h(tokens["analyst"]),
    )
    assert r.status_code == 422 and r.json()["code"] == "text.control_char"
    assert r.json()["field"] == "reason"
    assert client.get(url, headers=h(tokens["analyst"])).json()["version"] == 1
