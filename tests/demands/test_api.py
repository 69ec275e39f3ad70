"""The demands REST API: filing, actions with versions, attachments, reference data, meetings,
the calendar, scope and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from highland.demands.models import Attachment, Demand, DemandEvent, RoutingRule
from highland.platform.identity import service as identity
from highland.platform.institutions.models import Institution
from tests.conftest import ACTOR
from tests.demands.world import World, build


@pytest.fixture
def w(db, sessions) -> World:  # type: ignore[no-untyped-def]
    return build(db, sessions)


@pytest.fixture
def tokens(db, w: World) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out: dict[str, str] = {}
    specs: dict[str, dict[str, Any]] = {
        "admin": {"role": "admin"},
        "analyst": {"role": "analyst"},
        "owner_a": {"role": "enterprise", "enterprise_id": w.a.id},
        "owner_b": {"role": "enterprise", "enterprise_id": w.b.id},
        "land": {"role": "handler", "institution_code": "T-LAND"},
        "hr": {"role": "handler", "institution_code": "T-HR"},
        "leader": {"role": "leader"},
    }
    for name, spec in specs.items():
        identity.create_user(db, ACTOR, username=f"api_{name}", password="password-123", **spec)
        out[name] = identity.create_token(db, ACTOR, f"api_{name}")
    db.commit()
    return out


def h(token: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **extra}


def body(w: World, **over: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "enterprise": w.b.uscc,
        "category": "land",
        "title": "扩产用地指标",
        "description": "需新增工业用地约 30 亩。",
        "priority": "high",
        "tags": ["早餐会"],
    }
    b.update(over)
    return b


def counts(db: Any) -> tuple[int, int, int]:
    return (
        db.scalar(select(func.count()).select_from(Demand)),
        db.scalar(select(func.count()).select_from(DemandEvent)),
        db.scalar(select(func.count()).select_from(Attachment)),
    )


def test_file_dispatch_accept_resolve_confirm(client, w: World, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/demands", json=body(w, dispatch=True), headers=h(tokens["analyst"]))
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["state"] == "dispatched" and d["institution"] == "T-LAND"
    assert d["resolution_due"].endswith("Z") or "+" in d["resolution_due"]
    url = f"/api/v1/demands/{d['id']}"
    got = client.get(url, headers=h(tokens["land"])).json()
    assert got["actions"] == ["accept", "return"]
    r = client.post(
        f"{url}/actions/accept", json={"version": got["version"]}, headers=h(tokens["land"])
    )
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    # If-Match instead of a version in the body.
    r = client.post(
        f"{url}/actions/resolve",
        json={"resolution": "已协调"},
        headers=h(tokens["land"], **{"if-match": f'"{r.json()["version"]}"'}),
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{url}/actions/confirm",
        json={"version": r.json()["version"], "verdict": "solved", "rating": 4},
        headers=h(tokens["owner_b"]),
    )
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    events = client.get(f"{url}/events", headers=h(tokens["owner_b"])).json()
    assert [e["action"] for e in events] == ["submit", "dispatch", "accept", "resolve", "confirm"]


def test_stale_version_is_409_and_changes_nothing(client, db, w: World, tokens) -> None:  # type: ignore[no-untyped-def]
    d = client.post(
        "/api/v1/demands", json=body(w, dispatch=True), headers=h(tokens["analyst"])
    ).json()
    url = f"/api/v1/demands/{d['id']}/actions"
    first = client.post(f"{url}/accept", json={"version": d["version"]}, headers=h(tokens["land"]))
    assert first.status_code == 200
    before = counts(db)
    second = client.post(
        f"{url}/return", json={"version": d["version"], "reason": "x"}, headers=h(tokens["land"])
    )
    assert second.status_code == 409
    assert "has changed since you loaded it" in second.json()["detail"]
    assert second.json()["field"] == "version"
    # A code and parameters for clients; the message in the client's language.
    assert second.json()["code"] == "demand.stale"
    assert second.json()["params"]["yours"] == d["version"]
    assert "您看到的是第" in second.json()["message"]
    english = client.post(
        f"{url}/return",
        json={"version": d["version"], "reason": "x"},
        headers=h(tokens["land"], **{"accept-language": "en-GB,en"}),
    )
    assert (
        english.status_code == 409
        and "has changed since you opened it" in english.json()["message"]
    )
    assert counts(db) == before


def test_enterprise_files_its_own_only(client, w: World, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/demands", json=body(w), headers=h(tokens["owner_b"]))
    assert r.status_code == 201 and r.json()["state"] == "submitted"
    r = client.post(
        "/api/v1/demands", json=body(w, enterprise=w.a.uscc), headers=h(tokens["owner_b"])
    )
    assert r.status_code == 422 and "only for your own enterprise" in r.json()["detail"]
    r = client.post("/api/v1/demands", json=body(w, dispatch=True), headers=h(tokens["owner_b"]))
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("over", "status", "words"),
    [
        ({"category": "nope"}, 422, "unknown category 'nope'"),
        ({"enterprise": "91320115MA00000000"}, 422, "no enterprise with USCC"),
        ({"priority": "now"}, 422, "priority"),
        ({"title": ""}, 422, "title: is required"),
        ({"colour": "red"}, 422, "colour"),
        ({"chain_id": "x"}, 422, "chain_id"),
    ],
)
def test_bad_bodies_say_what_and_write_nothing(client, db, w, tokens, over, status, words) -> None:  # type: ignore[no-untyped-def]
    before = counts(db)
    r = client.post("/api/v1/demands", json=body(w, **over), headers=h(tokens["analyst"]))
    assert r.status_code == status, r.text
    assert words in r.text
    assert counts(db) == before


def test_malformed_json_is_422(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/demands",
        content=b"{not json",
        headers=h(tokens["analyst"], **{"content-type": "application/json"}),
    )
    assert r.status_code == 422 and "malformed JSON" in r.text


def test_illegal_transition_and_unknown_action(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    d = client.post(
        "/api/v1/demands", json=body(w, dispatch=True), headers=h(tokens["analyst"])
    ).json()
    url = f"/api/v1/demands/{d['id']}/actions"
    before = counts(db)
    r = client.post(
        f"{url}/resolve",
        json={"version": d["version"], "resolution": "x"},
        headers=h(tokens["land"]),
    )
    assert r.status_code == 409 and "cannot resolve a demand that is dispatched" in r.text
    r = client.post(f"{url}/close", json={"version": d["version"]}, headers=h(tokens["land"]))
    assert r.status_code == 422 and "unknown action 'close'" in r.text
    r = client.post(f"{url}/accept", json={}, headers=h(tokens["land"], **{"if-match": "abc"}))
    assert r.status_code == 422 and "If-Match" in r.text
    assert counts(db) == before


def test_scope_is_404(client, w, tokens) -> None:  # type: ignore[no-untyped-def]
    d = client.post(
        "/api/v1/demands", json=body(w, dispatch=True), headers=h(tokens["analyst"])
    ).json()
    for who in ("owner_a", "hr"):
        assert client.get(f"/api/v1/demands/{d['id']}", headers=h(tokens[who])).status_code == 404
        r = client.post(
            f"/api/v1/demands/{d['id']}/actions/accept", json={"version": 2}, headers=h(tokens[who])
        )
        assert r.status_code == 404
    listed = client.get("/api/v1/demands", headers=h(tokens["owner_a"])).json()
    assert listed["total"] == 0
    assert client.get("/api/v1/demands", headers=h(tokens["land"])).json()["total"] == 1


def test_attachments_upload_and_download(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    d = client.post("/api/v1/demands", json=body(w), headers=h(tokens["owner_b"])).json()
    url = f"/api/v1/demands/{d['id']}/attachments"
    pdf = b"%PDF-1.4 test"
    r = client.post(
        url, files=[("file", ("申请.pdf", pdf, "application/pdf"))], headers=h(tokens["owner_b"])
    )
    assert r.status_code == 201, r.text
    got = client.get(r.json()[0]["url"], headers=h(tokens["owner_b"]))
    assert got.content == pdf and got.headers["content-type"] == "application/pdf"
    before = counts(db)
    r = client.post(
        url,
        files=[
            ("file", ("ok.pdf", pdf, "application/pdf")),
            ("file", ("bad.exe", b"MZ", "application/octet-stream")),
        ],
        headers=h(tokens["owner_b"]),
    )
    assert r.status_code == 422 and "bad.exe" in r.json()["detail"]
    assert counts(db) == before
    assert client.get(got.url, headers=h(tokens["owner_a"])).status_code == 404


def test_reference_data_edited_by_admins(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.put(
        "/api/v1/institutions/T-NEW",
        json={"name": "新单位", "parent": "T-GOV"},
        headers=h(tokens["admin"]),
    )
    assert r.status_code == 200 and db.get(Institution, "T-NEW") is not None
    r = client.put(
        "/api/v1/institutions/T-GOV",
        json={"name": "x", "parent": "T-NEW"},
        headers=h(tokens["admin"]),
    )
    assert r.status_code == 422 and "cycle" in r.json()["detail"]
    r = client.put(
        "/api/v1/demand-routing",
        json={"category": "talent", "district": "320115", "lead": "T-NEW"},
        headers=h(tokens["admin"]),
    )
    assert r.status_code == 200
    r = client.put(
        "/api/v1/demand-routing",
        json={"category": "talent", "district": "320115", "lead": "T-NOPE"},
        headers=h(tokens["admin"]),
    )
    assert r.status_code == 422 and "'T-NOPE' is not a known institution" in r.text
    r = client.put(
        "/api/v1/demand-categories/land",
        json={"name": "土地", "name_en": "Land", "response_days": 3, "resolution_days": 2},
        headers=h(tokens["admin"]),
    )
    assert r.status_code == 422 and "cannot be longer" in r.text
    assert (
        client.put(
            "/api/v1/demand-routing",
            json={"category": "land", "lead": "T-GOV"},
            headers=h(tokens["analyst"]),
        ).status_code
        == 403
    )
    n = db.scalar(select(func.count()).select_from(RoutingRule))
    assert (
        client.delete(
            "/api/v1/demand-routing/talent/320115", headers=h(tokens["admin"])
        ).status_code
        == 204
    )
    assert db.scalar(select(func.count()).select_from(RoutingRule)) == n - 1
    assert len(client.get("/api/v1/demand-categories", headers=h(tokens["owner_b"])).json()) == 3


def test_meeting_with_batch_all_or_nothing(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    meeting = {
        "title": "区领导与重点工业企业早餐会",
        "held_at": "2026-03-02T07:30:00+08:00",
        "place": "区政府 3 号会议室",
        "leader": "区长",
        "attendees": [w.a.uscc],
        "demands": [body(w), body(w, enterprise=w.a.uscc, category="talent", title="人才公寓")],
        "dispatch": True,
    }
    r = client.post("/api/v1/demand-meetings", json=meeting, headers=h(tokens["analyst"]))
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["by_state"] == {"dispatched": 2}
    assert sorted(got["attendees"]) == sorted([w.a.uscc, w.b.uscc])
    board = client.get(f"/api/v1/demand-meetings/{got['id']}", headers=h(tokens["leader"])).json()
    assert [d["institution"] for d in board["demands"]] == ["T-LAND", "T-HR"]
    before = counts(db)
    bad = dict(meeting, demands=[body(w), body(w, category="nope"), body(w, title="")])
    r = client.post("/api/v1/demand-meetings", json=bad, headers=h(tokens["analyst"]))
    assert r.status_code == 422
    assert "row 2, category: unknown category 'nope'" in r.json()["detail"]
    assert "row 3, title: is required" in r.json()["detail"]
    assert counts(db) == before
    naive = dict(meeting, held_at="2026-03-02T07:30:00")
    r = client.post("/api/v1/demand-meetings", json=naive, headers=h(tokens["analyst"]))
    assert r.status_code == 422 and "time zone" in r.text


def test_calendar_deadline(client, tokens) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/v1/calendar/deadline",
        params={"from": "2026-09-30T10:00:00+08:00", "working_days": 5},
        headers=h(tokens["leader"]),
    )
    assert r.status_code == 200 and r.json()["deadline"] == "2026-10-13T23:59:59+08:00"
    assert r.json()["provisional"] is False and r.json()["provisional_year"] is None
    # A year without a notice: counted with the statutory days, and said to be provisional.
    r = client.get(
        "/api/v1/calendar/deadline",
        params={"from": "2026-12-28T10:00:00+08:00", "working_days": 10},
        headers=h(tokens["leader"]),
    )
    assert r.status_code == 200 and r.json()["deadline"] == "2027-01-12T23:59:59+08:00"
    assert r.json()["provisional"] is True and r.json()["provisional_year"] == 2027
    # Outside the years Highland counts in at all: refused with a code and its parameters.
    r = client.get(
        "/api/v1/calendar/deadline",
        params={"from": "2100-12-30T10:00:00+08:00", "working_days": 5},
        headers=h(tokens["leader"]),
    )
    assert r.status_code == 422 and "2101" in r.json()["detail"]
    assert r.json()["code"] == "calendar.unknown_year" and r.json()["params"]["year"] == 2101
    r = client.get(
        "/api/v1/calendar/deadline",
        params={"from": "soon", "working_days": 1},
        headers=h(tokens["leader"]),
    )
    assert r.status_code == 422 and "from" in r.text


def test_metrics_and_board_export(client, db, w, tokens) -> None:  # type: ignore[no-untyped-def]
    from io import BytesIO

    from openpyxl import load_workbook

    meeting = {
        "title": "早餐会", "held_at": "2026-03-02T07:30:00+08:00", "place": "区政府",
        "leader": "区长", "demands": [body(w)], "dispatch": True,
    }  # fmt: skip
    m = client.post("/api/v1/demand-meetings", json=meeting, headers=h(tokens["analyst"])).json()
    r = client.get(f"/api/v1/demand-meetings/{m['id']}/export.xlsx", headers=h(tokens["leader"]))
    assert r.status_code == 200
    sheet = load_workbook(BytesIO(r.content)).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "扩产用地指标" in text and "测试自然资源分局" in text
    got = client.get("/api/v1/demand-metrics", headers=h(tokens["leader"])).json()
    row = next(i for i in got["institutions"] if i["institution"] == "T-LAND")
    assert row["volume"] == 1 and row["ranked"] is False and row["rank"] is None
    assert row["satisfaction"] is None  # no ratings: missing, not zero
    assert client.get("/api/v1/demand-metrics", headers=h(tokens["land"])).status_code == 403
    bad = client.get(
        "/api/v1/demand-metrics",
        params={"start": "2026-03-01T00:00:00"},
        headers=h(tokens["leader"]),
    )
    assert bad.status_code == 422 and "start: give a time zone" in bad.text
    bad = client.get(
        "/api/v1/demand-metrics", params={"rank_by": "luck"}, headers=h(tokens["leader"])
    )
    assert bad.status_code == 422 and "rank_by" in bad.text
