"""The 12345 practice over the API and the pages: request types, extensions, callbacks and the
on-time rate over what fell due — every refusal with its code, in both languages, nothing
written."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.demands.models import Demand, DemandEvent
from highland.demands.practice.models import DemandCallback, DemandExtension
from highland.platform.identity import service as identity
from highland.platform.identity.models import User
from highland.platform.kit import clock
from tests.conftest import ACTOR
from tests.demands.world import T0, World, build


@pytest.fixture
def w(db: Session, sessions: Any) -> World:
    return build(db, sessions)


@pytest.fixture
def users(db: Session, w: World) -> dict[str, dict[str, str]]:
    """An API token and a browser session of each part."""
    specs: dict[str, dict[str, Any]] = {
        "admin": {"role": "admin"},
        "analyst": {"role": "analyst"},
        "owner_b": {"role": "enterprise", "enterprise_id": w.b.id},
        "land": {"role": "handler", "institution_code": "T-LAND"},
        "leader": {"role": "leader"},
    }
    out: dict[str, dict[str, str]] = {}
    for name, spec in specs.items():
        user = identity.create_user(
            db, ACTOR, username=f"p_{name}", password="password-123", **spec
        )
        token, csrf = identity.open_session(db, user, 1)
        out[name] = {"api": identity.create_token(db, ACTOR, user.username), "cookie": token,
                     "csrf": csrf}  # fmt: skip
    db.commit()
    return out


@pytest.fixture(autouse=True)
def fixed_clock() -> Any:
    """The world's calendar and deadlines are those of February 2026, whatever today is."""
    with clock.use(T0):
        yield


def h(users: dict[str, dict[str, str]], who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {users[who]['api']}"}


def written(db: Session) -> tuple[int, ...]:
    db.expire_all()
    return tuple(
        int(db.scalar(select(func.count()).select_from(t)) or 0)
        for t in (Demand, DemandEvent, DemandExtension, DemandCallback)
    ) + (int(db.scalar(select(func.sum(Demand.version))) or 0),)


def refused(db: Session, resp: Any, before: tuple[int, ...], status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    assert written(db) == before


def _demand(client: Any, users: Any, w: World, **over: Any) -> dict[str, Any]:
    body = {"enterprise": w.b.uscc, "category": "land", "title": "扩产用地", "description": "x",
            "dispatch": True, "request_type": "complaint"} | over  # fmt: skip
    resp = client.post("/api/v1/demands", json=body, headers=h(users, "analyst"))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_api_request_type_extension_and_callback(client: Any, db: Session, w: World, users: Any):  # type: ignore[no-untyped-def]
    before = written(db)
    resp = client.post(
        "/api/v1/demands",
        json={"enterprise": w.b.uscc, "category": "land", "title": "t", "description": "x",
              "request_type": "gripe"},
        headers=h(users, "analyst"),
    )  # fmt: skip
    refused(db, resp, before, 422, "practice.request_type_unknown")
    d = _demand(client, users, w)
    _demand(client, users, w, request_type=None)
    assert d["request_type"] == "complaint" and d["extension_days"] == 0
    listed = client.get("/api/v1/demands?request_type=complaint", headers=h(users, "analyst"))
    assert [i["id"] for i in listed.json()["items"]] == [d["id"]]
    none = client.get("/api/v1/demands?request_type=none", headers=h(users, "analyst")).json()
    assert none["total"] == 1 and none["items"][0]["request_type"] is None
    bad = client.get("/api/v1/demands?request_type=gripe", headers=h(users, "analyst"))
    assert bad.status_code == 422 and bad.json()["code"] == "practice.request_type_unknown"
    url = f"/api/v1/demands/{d['id']}"
    d = client.post(f"{url}/actions/accept", json={"version": d["version"]},
                    headers=h(users, "land")).json()  # fmt: skip
    ext = f"{url}/extensions"
    bad_days = (
        (0, "practice.extension_days_range"),
        (-1, "practice.extension_days_range"),
        ("abc", "practice.extension_days_invalid"),
        (1.5, "practice.extension_days_invalid"),
        (99, "practice.extension_days_range"),
    )
    for days, code in bad_days:
        before = written(db)
        resp = client.post(ext, json={"version": d["version"], "days": days, "reason": "r"},
                           headers=h(users, "land"))  # fmt: skip
        refused(db, resp, before, 422, code)
    resp = client.post(ext, json={"version": d["version"], "days": 3, "reason": "测绘未完成"},
                       headers=h(users, "land"))  # fmt: skip
    assert resp.status_code == 201 and resp.json()["state"] == "pending"
    req = resp.json()["id"]
    d = client.get(url, headers=h(users, "land")).json()
    before = written(db)
    resp = client.post(ext, json={"version": d["version"], "days": 2, "reason": "again"},
                       headers=h(users, "land"))  # fmt: skip
    refused(db, resp, before, 409, "practice.extension_pending")
    decision = f"{ext}/{req}/decision"
    for who in ("land", "owner_b"):
        before = written(db)
        resp = client.post(decision, json={"version": d["version"], "decision": "approve"},
                           headers=h(users, who))  # fmt: skip
        refused(db, resp, before, 403, "practice.extension_decide_forbidden")
    resp = client.post(decision, json={"version": d["version"], "decision": "approve"},
                       headers=h(users, "leader"))  # fmt: skip
    assert resp.status_code == 200 and resp.json()["state"] == "approved"
    d2 = client.get(url, headers=h(users, "land")).json()
    assert d2["extension_days"] == 3 and d2["resolution_due_original"] == d["resolution_due"]
    assert d2["resolution_due"] > d["resolution_due"]
    before = written(db)
    resp = client.post(decision, json={"version": d2["version"], "decision": "refuse",
                                       "reason": "x"}, headers=h(users, "analyst"))  # fmt: skip
    refused(db, resp, before, 409, "practice.extension_decided")
    # Callbacks: only after resolution; "satisfied" only when reached.
    cb = f"{url}/callbacks"
    before = written(db)
    refused(
        db,
        client.post(cb, json={"reached": True, "satisfied": True}, headers=h(users, "analyst")),
        before,
        409,
        "practice.callback_state",
    )
    client.post(f"{url}/actions/resolve", json={"version": d2["version"], "resolution": "已协调"},
                headers=h(users, "land"))  # fmt: skip
    before = written(db)
    refused(db, client.post(cb, json={"reached": False, "satisfied": True},
                            headers=h(users, "analyst")), before, 422,
            "practice.callback_satisfied_unreached")  # fmt: skip
    refused(
        db,
        client.post(cb, json={"reached": True, "satisfied": True}, headers=h(users, "leader")),
        before,
        403,
        "practice.callback_forbidden",
    )
    ok = client.post(cb, json={"reached": True, "satisfied": False, "note": "嫌慢"},
                     headers=h(users, "analyst"))  # fmt: skip
    assert ok.status_code == 201 and ok.json()["satisfied"] is False
    assert client.get(cb, headers=h(users, "owner_b")).status_code == 403
    assert [c["note"] for c in client.get(cb, headers=h(users, "leader")).json()] == ["嫌慢"]
    assert [e["state"] for e in client.get(ext, headers=h(users, "owner_b")).json()] == ["approved"]


def test_api_metrics_practice_section(client: Any, db: Session, w: World, users: Any):  # type: ignore[no-untyped-def]
    _demand(client, users, w)
    with clock.use(T0 + timedelta(days=60)):
        resp = client.get("/api/v1/demand-metrics?due_month=2026-03", headers=h(users, "leader"))
    assert resp.status_code == 200, resp.text
    p = resp.json()["practice"]
    # Land: 10 working days from Friday 13 February 2026 (Spring Festival between) → March.
    assert p["on_time_due"]["total"] == {"num": 0, "den": 1, "percent": 0.0}
    assert [r["type"] for r in p["by_type"]] == ["consult", "help", "complaint", "suggest"]
    assert "rating" in p["satisfaction_sources"] and "callback" in p["satisfaction_sources"]
    for query, code in (("due_month=2026-13", "practice.month_invalid"),
                        ("due_from=2026-03-31&due_to=2026-03-01", "practice.period_order"),
                        ("due_from=2026-3-x", "practice.date_invalid")):  # fmt: skip
        bad = client.get(f"/api/v1/demand-metrics?{query}", headers=h(users, "leader"))
        assert bad.status_code == 422 and bad.json()["code"] == code, bad.text


# ---------------------------------------------------------------- pages


def _as(client: Any, users: Any, who: str) -> str:
    client.cookies.set("highland_session", users[who]["cookie"])
    return str(users[who]["csrf"])


def test_pages_file_with_a_type_ask_decide_and_call(client: Any, db: Session, w: World, users: Any):  # type: ignore[no-untyped-def]
    csrf = _as(client, users, "analyst")
    form = {"enterprise": w.b.uscc, "category": "land", "title": "用地", "description": "x",
            "priority": "normal", "dispatch": "true", "csrf_token": csrf}  # fmt: skip
    before = written(db)
    resp = client.post("/demands/new", data=form)
    assert resp.status_code == 422 and "请选择诉求类型" in html.unescape(resp.text)
    assert written(db) == before
    resp = client.post("/demands/new", data=form | {"request_type": "suggest"})
    assert resp.status_code == 303
    demand_id = int(resp.headers["location"].split("/demands/")[1].split("?")[0])
    d = db.get(Demand, demand_id)
    assert d is not None and d.request_type == "suggest"
    page = html.unescape(client.get(f"/demands/{demand_id}").text)
    assert 'data-type="suggest"' in page and "建议" in page
    # The handler accepts, then asks for 0 days (refused, in Chinese), then 2.
    csrf = _as(client, users, "land")
    client.post(f"/demands/{demand_id}/actions/accept", data={"version": "1", "csrf_token": csrf})
    assert 'id="extension-ask"' in client.get(f"/demands/{demand_id}").text
    before = written(db)
    resp = client.post(
        f"/demands/{demand_id}/extensions",
        data={"version": "2", "days": "0", "reason": "r", "csrf_token": csrf},
    )
    assert resp.status_code == 422 and "每次延期须为 1 至 15 个工作日" in html.unescape(resp.text)
    assert written(db) == before
    resp = client.post(
        f"/demands/{demand_id}/extensions",
        data={"version": "2", "days": "2", "reason": "测绘", "csrf_token": csrf},
    )
    assert resp.status_code == 303
    req = db.scalar(select(DemandExtension.id).where(DemandExtension.demand_id == demand_id))
    # The handler may not decide; the leader sees the form and approves.
    before = written(db)
    resp = client.post(
        f"/demands/{demand_id}/extensions/{req}/decision",
        data={"version": "3", "decision": "approve", "csrf_token": csrf},
    )
    assert resp.status_code == 403 and "只有分派人员" in html.unescape(resp.text)
    assert written(db) == before
    csrf = _as(client, users, "leader")
    assert 'id="extension-decide"' in client.get(f"/demands/{demand_id}").text
    resp = client.post(
        f"/demands/{demand_id}/extensions/{req}/decision",
        data={"version": "3", "decision": "approve", "csrf_token": csrf},
    )
    assert resp.status_code == 303
    page = html.unescape(client.get(f"/demands/{demand_id}").text)
    assert "原期限" in page and "延期后期限" in page and "已延期 2 个工作日" in page
    client.cookies.set("highland_lang", "en")
    page = html.unescape(client.get(f"/demands/{demand_id}").text)
    assert "Extended deadline" in page and "Original deadline" in page
    client.cookies.delete("highland_lang")
    # Resolved: the analyst records callbacks; a bad combination is refused in words.
    csrf = _as(client, users, "land")
    client.post(f"/demands/{demand_id}/actions/resolve",
                data={"version": "4", "resolution": "已办", "csrf_token": csrf})  # fmt: skip
    csrf = _as(client, users, "analyst")
    before = written(db)
    resp = client.post(f"/demands/{demand_id}/callbacks",
                       data={"reached": "no", "satisfied": "yes", "csrf_token": csrf})  # fmt: skip
    assert resp.status_code == 422 and "未联系上企业" in html.unescape(resp.text)
    assert written(db) == before
    resp = client.post(f"/demands/{demand_id}/callbacks",
                       data={"reached": "yes", "satisfied": "yes", "note": "满意",
                             "csrf_token": csrf})  # fmt: skip
    assert resp.status_code == 303
    page = html.unescape(client.get(f"/demands/{demand_id}").text)
    assert 'data-reached="yes" data-satisfied="yes"' in page
    queue = html.unescape(client.get("/demands?request_type=suggest").text)
    assert f'data-demand="{demand_id}"' in queue
    assert f'data-demand="{demand_id}"' not in client.get("/demands?request_type=help").text
    # The enterprise does not see the callbacks.
    _as(client, users, "owner_b")
    assert 'id="callbacks"' not in client.get(f"/demands/{demand_id}").text


def test_metrics_page_period_and_both_satisfaction_sources(
    client: Any, db: Session, w: World, users: Any
):  # type: ignore[no-untyped-def]
    _demand(client, users, w)
    with clock.use(T0 + timedelta(days=60)):
        # A session opened then (the fixture's ones have expired by that day).
        leader = db.scalar(select(User).where(User.username == "p_leader"))
        token, _ = identity.open_session(db, leader, 1)
        db.commit()
        client.cookies.set("highland_session", token)
        page = html.unescape(client.get("/demand-metrics?due_month=2026-03").text)
        assert "按期办结率（到期口径）" in page and "0.0%" in page and "(0/1)" in page
        assert "满意度（企业评价）" in page and "满意率（回访）" in page
        assert 'id="by-type-table"' in page and "2026-03-01 – 2026-03-31" in page
        bad = client.get("/demand-metrics?due_month=2026-13")
        assert bad.status_code == 422 and "月份“2026-13”无效" in html.unescape(bad.text)


def test_urgent_tier_on_the_admin_page_and_the_api(client: Any, db: Session, w: World, users: Any):  # type: ignore[no-untyped-def]
    from highland.demands.models import DemandCategory

    csrf = _as(client, users, "admin")
    form = {"code": "land", "name": "土地", "name_en": "Land", "response_days": "1",
            "resolution_days": "10", "active": "true", "editing": "true",
            "csrf_token": csrf}  # fmt: skip
    resp = client.post("/admin/demand-categories", data=form | {"urgent_response_days": "0"})
    assert resp.status_code == 422
    assert "紧急档须同时填写响应时限和办结时限" in html.unescape(resp.text)
    resp = client.post(
        "/admin/demand-categories",
        data=form | {"urgent_response_days": "0", "urgent_resolution_days": "3"},
    )
    assert resp.status_code == 303
    db.expire_all()
    cat = db.get(DemandCategory, "land")
    assert cat is not None and (cat.urgent_response_days, cat.urgent_resolution_days) == (0, 3)
    page = html.unescape(client.get("/admin/demand-categories").text)
    assert "0 / 3 个工作日" in page
    api = client.get("/api/v1/demand-categories", headers=h(users, "analyst")).json()
    land = next(c for c in api if c["code"] == "land")
    assert (land["urgent_response_days"], land["urgent_resolution_days"]) == (0, 3)
    resp = client.put(
        "/api/v1/demand-categories/land",
        json={"name": "土地", "name_en": "Land", "response_days": 1, "resolution_days": 10,
              "urgent_response_days": 0, "urgent_resolution_days": 20},
        headers=h(users, "admin"),
    )  # fmt: skip
    assert resp.status_code == 422 and resp.json()["code"] == "practice.tier_slower"
    # An urgent demand of the category answers the same working day.
    d = _demand(client, users, w, priority="urgent")
    assert d["response_due"] == "2026-02-13T23:59:59+08:00"
