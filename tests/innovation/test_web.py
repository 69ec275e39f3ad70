"""The innovation pages and API: the front page with its charts, a register, the import's row
report in the page's language, the pipeline page with its line and exports, a project's
actions (an error in the reader's language, nothing written), the API's codes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from highland.innovation.models import CoopProject
from highland.innovation.registry import service as registry
from highland.platform.identity import service as identity
from tests.conftest import ACTOR
from tests.innovation.world import NOW, World, build, project_data


@pytest.fixture
def w(sessions: sessionmaker[Session], db: Session) -> World:
    world = build(sessions, db)
    db.commit()
    return world


@pytest.fixture
def users(db: Session, w: World) -> dict[str, dict[str, str]]:
    out = {}
    for role, extra in (
        ("admin", {}),
        ("leader", {}),
        ("enterprise", {"enterprise_id": w.b.id}),
        ("handler", {"institution_code": "320115-KJJ"}),
    ):
        user = identity.create_user(
            db, ACTOR, username=f"i_{role}", password="password-1", role=role, **extra
        )
        cookie, csrf = identity.open_session(db, user, 1)
        out[role] = {
            "cookie": cookie,
            "csrf": csrf,
            "token": identity.create_token(db, ACTOR, user.username),
        }
    db.commit()
    return out


def _as(client: Any, user: dict[str, str], lang: str = "zh-CN") -> Any:
    client.cookies.clear()
    client.cookies.set("highland_session", user["cookie"])
    client.cookies.set("highland_lang", lang)
    return client


def _project(db: Session, w: World, **over: str) -> CoopProject:
    p: CoopProject = registry.add(db, ACTOR, "projects", project_data(w.a.uscc, **over), now=NOW)
    db.commit()
    return p


def test_the_front_page_draws_its_charts(client: Any, db: Session, w: World, users: Any) -> None:
    _project(db, w)
    r = _as(client, users["leader"]).get("/innovation")
    assert r.status_code == 200
    for chart in ("chart-funnel", "chart-country", "chart-chain"):
        assert f'id="{chart}"' in r.text
    assert (
        "慕尼黑" in r.text and "签约 1 个" in r.text and "<script" not in r.text.split("<main")[-1]
    )
    r = _as(client, users["leader"], "en").get("/innovation")
    assert "Munich 2024: 1 signed, 0 started, 0 stalled" in r.text


def test_a_refused_import_shows_its_rows_in_the_readers_language(
    client: Any, db: Session, w: World, users: Any
) -> None:
    bad = "名称,国家代码,城市\n中心甲,ZZ,某地\n".encode()
    c = _as(client, users["admin"], "en")
    r = c.post(
        "/innovation/imports",
        data={"kind": "centres", "csrf_token": users["admin"]["csrf"]},
        files={"file": ("c.csv", bad, "text/csv")},
    )
    assert r.status_code == 422
    assert "not an ISO 3166-1 two-letter country code" in r.text and 'data-row="2"' in r.text
    c = _as(client, users["admin"])
    r = c.post(
        "/innovation/imports",
        data={"kind": "centres", "csrf_token": users["admin"]["csrf"]},
        files={"file": ("c.csv", bad, "text/csv")},
    )
    assert "不是 ISO 3166-1 两位国家代码" in r.text
    ok = "名称,国家代码,城市\n中心甲,de,柏林\n".encode()
    r = c.post(
        "/innovation/imports",
        data={"kind": "centres", "csrf_token": users["admin"]["csrf"]},
        files={"file": ("c.csv", ok, "text/csv")},
    )
    assert r.status_code == 200 and "已导入 1 行" in r.text
    r = c.get("/innovation/registers/centres")
    assert r.status_code == 200 and "中心甲" in r.text


def test_the_pipeline_page_filters_and_exports(
    client: Any, db: Session, w: World, users: Any
) -> None:
    _project(db, w)
    _project(db, w, title="法国项目", partner="赛峰", partner_country="FR", event="")
    c = _as(client, users["leader"])
    r = c.get("/innovation/pipeline?event=munich-2024")
    assert r.status_code == 200 and "功率半导体联合研发" in r.text and "法国项目" not in r.text
    assert _as(client, users["leader"]).get("/innovation/pipeline?country=ZZ").status_code == 422
    r = c.get("/innovation/pipeline/export.xlsx?country=FR")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert (
        ws is not None and ws.cell(1, 1).value == "项目名称" and ws.cell(2, 1).value == "法国项目"
    )
    assert ws.max_row == 2
    r = c.get("/innovation/registers/events/export.csv")
    assert r.status_code == 200 and "编号" in r.content.decode("utf-8-sig").splitlines()[0]


def test_a_project_action_from_the_page(client: Any, db: Session, w: World, users: Any) -> None:
    p = _project(db, w)
    c = _as(client, users["handler"], "en")
    form = {"csrf_token": users["handler"]["csrf"], "version": str(p.version), "on": "2024-05-01"}
    r = c.post(f"/innovation/projects/{p.id}/actions/register", data=form)
    assert r.status_code == 422 and "before the project was signed (2024-06-12)" in r.text
    r = c.post(f"/innovation/projects/{p.id}/actions/start", data=form)
    assert r.status_code == 409 and "stages go signed" in r.text
    form["on"] = "2024-09-02"
    r = c.post(f"/innovation/projects/{p.id}/actions/register", data=form)
    assert r.status_code == 303
    r = c.get(r.headers["location"])
    assert 'data-state="registered"' in r.text


def test_enterprises_see_only_their_projects(
    client: Any, db: Session, w: World, users: Any
) -> None:
    p = _project(db, w)  # A's project; the enterprise user is B's
    c = _as(client, users["enterprise"])
    assert c.get(f"/innovation/projects/{p.id}").status_code == 404
    r = c.get("/innovation/pipeline")
    assert r.status_code == 200 and "功率半导体联合研发" not in r.text
    headers = {"authorization": f"Bearer {users['enterprise']['token']}"}
    client.cookies.clear()
    assert client.get(f"/api/v1/innovation/projects/{p.id}", headers=headers).status_code == 404


def test_the_api_adds_acts_and_refuses_with_codes(
    client: Any, db: Session, w: World, users: Any
) -> None:
    client.cookies.clear()
    h = {"authorization": f"Bearer {users['admin']['token']}"}
    body = project_data(w.a.uscc, amount="", amount_minor=500_000_00, currency="CNY")
    r = client.post("/api/v1/innovation/registers/projects", json=body, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = client.post(
        "/api/v1/innovation/registers/projects",
        json=project_data(w.a.uscc, currency="XYZ"),
        headers=h,
    )
    assert r.status_code == 422 and r.json()["code"] == "innovation.bad_currency"
    r = client.post(
        f"/api/v1/innovation/projects/{pid}/actions/register",
        json={"version": 1, "on": "2024-07-01"},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["state"] == "registered"
    r = client.get("/api/v1/innovation/pipeline?event=munich-2024", headers=h)
    assert r.json()["events"][0]["funnel"]["signed"] == 1
    r = client.get("/api/v1/innovation/registers/platforms", headers=h)
    assert r.json()[0]["kind"] == "national_tic"
    sheet = b"code,name,kind,start_on,end_on,country\nx,y,party,2024-01-01,2024-01-02,DE\n"
    r = client.post(
        "/api/v1/innovation/registers/events/import",
        headers=h,
        files={"file": ("e.csv", sheet, "text/csv")},
    )
    assert r.status_code == 422 and r.json()["errors"]


def test_a_register_row_added_from_its_form(client: Any, db: Session, w: World, users: Any) -> None:
    from sqlalchemy import func, select

    from highland.innovation.models import OverseasCentre

    c = _as(client, users["admin"])
    form = {"csrf_token": users["admin"]["csrf"], "name": "南京-罗马协同创新中心", "country": "XX",
            "city": "罗马"}  # fmt: skip
    r = c.post("/innovation/registers/centres", data=form)
    assert r.status_code == 422 and "不是 ISO 3166-1 两位国家代码" in r.text
    assert 'value="南京-罗马协同创新中心"' in r.text  # the form keeps what was typed
    assert db.scalar(select(func.count()).select_from(OverseasCentre)) == 0
    r = c.post("/innovation/registers/centres", data={**form, "country": "IT"})
    assert r.status_code == 303
    assert "南京-罗马协同创新中心" in c.get(r.headers["location"]).text
    form = {"csrf_token": users["admin"]["csrf"], **project_data(w.a.uscc, currency="")}
    r = c.post("/innovation/registers/projects", data=form)
    assert r.status_code == 422 and "币种" in r.text
    r = c.post("/innovation/registers/projects", data={**form, "currency": "EUR"})
    assert r.status_code == 303 and r.headers["location"].startswith("/innovation/projects/")
    assert _as(client, users["leader"]).get("/innovation/registers/centres").status_code == 200
    assert "add-form" not in _as(client, users["leader"]).get("/innovation/registers/centres").text
