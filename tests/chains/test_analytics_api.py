"""The analytics API and page: numbers, uploads (all or nothing), permissions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from highland.chains.models import Prospect, ReferenceFigure
from highland.platform.identity import service as identity
from tests.chains.analytics_world import YEAR, build
from tests.conftest import ACTOR


@pytest.fixture
def users(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    out: dict[str, Any] = {}
    for role in ("admin", "analyst", "leader", "chain_head", "enterprise"):
        extra: dict[str, Any] = {"chain_id": 1} if role == "chain_head" else {}
        if role == "enterprise":
            continue
        user = identity.create_user(
            db, ACTOR, username=f"an_{role}", password="password-123", role=role, **extra
        )
        token, csrf = identity.open_session(db, user, 1)
        out[role] = {
            "api": {"authorization": f"Bearer {identity.create_token(db, ACTOR, user.username)}"},
            "cookie": token,
            "csrf": csrf,
        }
    db.commit()
    return out


def test_get_analytics(client, db, users) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    db.commit()
    url = f"/api/v1/chains/{w['chain'].id}/analytics"
    resp = client.get(url, headers=users["leader"]["api"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["year"] == YEAR and body["lq"]["lq_exact"] == "30/19"
    assert [g["segment"] for g in body["gaps"]] == ["equip", "test", "fab"]
    assert body["gaps"][0]["prospects"][0]["name"] == "P1"
    assert body["concentration"]["hhi"] == "4600.0"
    # Another chain than the chain head's own: reading is allowed.
    assert client.get(url, headers=users["chain_head"]["api"]).status_code == 200
    assert client.get(url + "?measure=profit", headers=users["leader"]["api"]).status_code == 422
    assert client.get(url + "?region=CN", headers=users["leader"]["api"]).json()["lq"]["lq"] is None
    assert (
        client.get("/api/v1/chains/99999/analytics", headers=users["leader"]["api"]).status_code
        == 404
    )
    assert client.get(url).status_code == 401


def test_page(client, db, users) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    db.commit()
    client.cookies.set("highland_session", users["leader"]["cookie"])
    resp = client.get(f"/chains/{w['chain'].id}/analytics")
    assert resp.status_code == 200, resp.text[:500]
    html = resp.text
    assert "1.579" in html and 'id="method-lq"' in html and 'data-segment="equip"' in html
    assert "P1" in html and "4600.0" in html
    assert 'id="figures-at"' in html and "本地汇总数据生成于" in html
    client.cookies.set("highland_lang", "en")
    english = client.get(f"/chains/{w['chain'].id}/analytics").text
    assert "Location quotient" in english and "Local figures built" in english
    assert client.get(f"/chains/{w['chain'].id}/analytics?year=x").status_code == 422


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return int(db.scalar(select(func.count()).select_from(model)))


def test_upload_reference(client, db, users) -> None:  # type: ignore[no-untyped-def]
    good = b"region,year,industry_code,measure,value,source\n320000,2024,*,employment,10,t\n"
    files = {"file": ("r.csv", good, "text/csv")}
    resp = client.post(
        "/api/v1/chain-reference-figures", files=files, headers=users["analyst"]["api"]
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["created"] == 1
    bad = good + b"320000,2024,9912,employment,-1,t\n"
    resp = client.post(
        "/api/v1/chain-reference-figures",
        files={"file": ("r.csv", bad.replace(b",10,", b",11,"), "text/csv")},
        headers=users["analyst"]["api"],
    )
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "industry_code"), (3, "value")]
    assert db.scalar(select(ReferenceFigure.value)) == 10  # the good row was not updated
    resp = client.post(
        "/api/v1/chain-reference-figures", files=files, headers=users["leader"]["api"]
    )
    assert resp.status_code == 403


def test_upload_prospects(client, db, users) -> None:  # type: ignore[no-untyped-def]
    good = "name,region,industry_code,revenue,source\n甲,上海,3562,100.00,t\n".encode()
    headers = users["admin"]["api"]
    resp = client.post("/api/v1/chain-prospects", files={"file": ("p.csv", good)}, headers=headers)
    assert resp.status_code == 200 and resp.json() == {"created": 1, "updated": 0}
    bad = good + "乙,上海,3562,-5,t\n".encode()
    resp = client.post("/api/v1/chain-prospects", files={"file": ("p.csv", bad)}, headers=headers)
    assert resp.status_code == 422 and resp.json()["errors"][0]["column"] == "revenue"
    assert _count(db, Prospect) == 1
    resp = client.post(
        "/api/v1/chain-prospects",
        files={"file": ("p.csv", good)},
        headers=users["chain_head"]["api"],
    )
    assert resp.status_code == 403


def test_cli_summary(db) -> None:  # type: ignore[no-untyped-def]
    from highland.chains.analytics import service as analytics
    from highland.chains.analytics.cli import summary_lines

    w = build(db)
    lines = summary_lines(analytics.analyse(db, w["chain"].id))
    assert lines[1] == "LQ 1.579 (specialised)"
    assert lines[-3].startswith("gap 1: equip score 2.000 → P1 (90)")
