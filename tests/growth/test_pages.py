"""The list page by category with filters and exits, its CSV, and an enterprise's history:
staff see the lists; an enterprise sees only its own history."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import delete

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
    assert own.text.count("瞪羚企业") == 2 and "nanjing-2024" in own.text
    assert client.get(f"/enterprises/{uscc(2)}/growth").status_code == 404
    assert client.get("/growth").status_code == 403
    assert client.get("/growth/export.csv").status_code == 403
    client.cookies.set("highland_session", world["users"]["handler"])
    assert client.get("/growth").status_code == 403
