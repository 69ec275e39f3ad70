"""District and functional zone: the zone list an administrator edits (page and API, audited,
bad input refused with nothing written), the zone column of imports and exports, the registry's
zone filter and "district not given", and the portrait showing both."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import func, select

from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise, Region
from highland.platform.audit.models import AuditEntry
from tests.chains.users import make_users
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc

HEADER = [*ENT_HEADER, "zone_code"]


@pytest.fixture
def users(db: Any) -> dict[str, dict[str, str]]:
    return make_users(db)


def _api(client: Any, users: Any, role: str = "admin") -> dict[str, str]:
    client.cookies.clear()
    return {"authorization": f"Bearer {users[role]['token']}"}


def _page(client: Any, users: Any, role: str = "admin") -> str:
    client.cookies.clear()
    client.cookies.set("highland_session", users[role]["cookie"])
    return users[role]["csrf"]


def _zones(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(Region).where(Region.kind == "zone"))


def _audits(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "zone"))  # fmt: skip


# --------------------------------------------------------------------------- the zone list


def test_admin_adds_renames_sets_level_and_removes_a_zone_by_api(
    client: Any, db: Any, users: Any
) -> None:
    h = _api(client, users)
    body = {"code": "320100-HXGY", "name_zh": "南京化学工业园", "name_en": "Chemical Park",
            "level": "provincial"}  # fmt: skip
    made = client.post("/api/v1/zones", json=body, headers=h)
    assert made.status_code == 201, made.text
    assert made.json() | {} == body | {"kind": "zone", "enterprises": 0}
    changed = client.put("/api/v1/zones/320100-HXGY", headers=h,
                         json={"name_zh": "江北新材料科技园", "name_en": "New Materials Park",
                               "level": "national"})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["name_zh"] == "江北新材料科技园"
    assert changed.json()["level"] == "national"
    regions = client.get("/api/v1/regions", headers=_api(client, users, "handler")).json()
    kinds = {r["code"]: (r["kind"], r["level"]) for r in regions}
    assert kinds["320111"] == ("district", None)
    assert kinds["320100-HXGY"] == ("zone", "national")
    assert kinds["320100-JBXQ"] == ("zone", "national")
    assert client.delete("/api/v1/zones/320100-HXGY", headers=h).status_code == 204
    assert db.get(Region, "320100-HXGY") is None
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "zone")
                         .order_by(AuditEntry.seq)).all()  # fmt: skip
    assert actions == ["create", "update", "delete"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"code": "320100-JBXQ", "name_zh": "江北", "name_en": "Jiangbei"}, 409, "zone.duplicate"),
        ({"code": "320111", "name_zh": "浦口", "name_en": "Pukou"}, 422,
         "zone.code_district_shaped"),
        ({"code": "320199", "name_zh": "某区", "name_en": "Some"}, 422,
         "zone.code_district_shaped"),
        ({"code": "320100-X", "name_zh": " ", "name_en": "Park"}, 422, "zone.name_empty"),
        ({"code": "320100-X", "name_zh": "园区", "name_en": ""}, 422, "zone.name_empty"),
        ({"code": "", "name_zh": "园区", "name_en": "Park"}, 422, "zone.code_empty"),
        ({"code": "320100 X", "name_zh": "园区", "name_en": "Park"}, 422, "zone.code_bad"),
        ({"code": "320100-X", "name_zh": "园区", "name_en": "Park", "level": "county"}, 422,
         "zone.bad_level"),
    ],
)  # fmt: skip
def test_bad_zones_are_refused_and_nothing_is_written(
    client: Any, db: Any, users: Any, body: dict[str, str], status: int, code: str
) -> None:
    zones, audits = _zones(db), _audits(db)
    resp = client.post("/api/v1/zones", json=body, headers=_api(client, users))
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    assert (_zones(db), _audits(db)) == (zones, audits)


def test_a_zone_in_use_cannot_be_removed(client: Any, db: Any, users: Any, sessions: Any) -> None:
    row = ent_row(1, district_code="320111", zone_code="320100-JBXQ")
    res = run_import(sessions, ACTOR, "enterprises", to_csv([row], HEADER), "e.csv")
    assert not res.errors, res.errors
    resp = client.delete("/api/v1/zones/320100-JBXQ", headers=_api(client, users))
    assert resp.status_code == 409 and resp.json()["code"] == "zone.in_use"
    assert db.get(Region, "320100-JBXQ") is not None
    csrf = _page(client, users)
    page = client.post("/admin/zones/320100-JBXQ/delete", data={"csrf_token": csrf})
    assert page.status_code == 409 and "该功能区仍有 1 家企业，不能删除" in page.text
    listed = client.get("/admin/zones").text
    row_html = listed[listed.index('data-code="320100-JBXQ"'):]
    assert "江北新区" in row_html[: row_html.index("</tr>")]


def test_zone_page_adds_and_edits_in_both_languages(client: Any, db: Any, users: Any) -> None:
    csrf = _page(client, users)
    page = client.get("/admin/zones")
    assert page.status_code == 200 and "功能区与园区" in page.text and "国家级" in page.text
    form = {"csrf_token": csrf, "code": "320100-QHL", "name_zh": "麒麟科技创新园",
            "name_en": "Qilin Innovation Park", "level": "municipal"}  # fmt: skip
    saved = client.post("/admin/zones", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/admin/zones?")
    assert "已保存：麒麟科技创新园" in client.get(saved.headers["location"]).text
    edit = client.get("/admin/zones", params={"edit": "320100-QHL"}).text
    assert 'value="麒麟科技创新园"' in edit and "readonly" in edit
    renamed = client.post("/admin/zones", data=form | {"name_zh": "麒麟科创园", "editing": "true"},
                          follow_redirects=False)  # fmt: skip
    assert renamed.status_code == 303
    assert db.get(Region, "320100-QHL").name_zh == "麒麟科创园"
    # A bad form shows the error in the reader's language and writes nothing.
    client.cookies.set("highland_lang", "en")
    bad = client.post("/admin/zones", data=form | {"code": "320101", "name_zh": "x"})
    assert bad.status_code == 422
    assert "the shape of a GB/T 2260 district code" in bad.text
    assert db.get(Region, "320101") is None
    assert client.get("/admin/zones", params={"edit": "320111"}).status_code == 404


def test_only_admins_edit_zones(client: Any, users: Any) -> None:
    assert client.get("/api/v1/zones", headers=_api(client, users, "analyst")).status_code == 403
    _page(client, users, "analyst")
    assert client.get("/admin/zones").status_code == 403


# --------------------------------------------------------------------------- imports


def test_import_reads_zone_by_code_or_name_and_refuses_a_zone_as_district(
    sessions: Any, db: Any
) -> None:
    rows = [
        ent_row(1, district_code="320111", zone_code="320100-JBXQ"),
        ent_row(2, district_code="六合区", zone_code="江北新区"),
        ent_row(3, district_code="Jiangning", zone_code="jiangning economic and technological "
                "development zone"),  # fmt: skip
        ent_row(4, district_code="320115", zone_code=""),
    ]
    res = run_import(sessions, ACTOR, "enterprises", to_csv(rows, HEADER), "e.csv")
    assert not res.errors, res.errors
    got = {e.uscc: (e.district_code, e.zone_code) for e in db.scalars(select(Enterprise))}
    assert got == {
        uscc(1): ("320111", "320100-JBXQ"),
        uscc(2): ("320116", "320100-JBXQ"),
        uscc(3): ("320115", "320100-JNKQ"),
        uscc(4): ("320115", None),
    }


@pytest.mark.parametrize(
    ("over", "column", "message"),
    [
        ({"district_code": "320100-JBXQ"}, "district_code",
         "a functional zone, not a district: put it in the zone column"),
        ({"district_code": "江北新区"}, "district_code", "a functional zone, not a district"),
        ({"zone_code": "320111"}, "zone_code", "a district, not a zone"),
        ({"zone_code": "江东新区"}, "zone_code", "unknown zone"),
    ],
)  # fmt: skip
def test_bad_places_are_row_errors_and_nothing_is_written(
    sessions: Any, db: Any, over: dict[str, str], column: str, message: str
) -> None:
    rows = [ent_row(1, zone_code=""), ent_row(2, **{"zone_code": "", **over})]
    res = run_import(sessions, ACTOR, "enterprises", to_csv(rows, HEADER), "e.csv")
    assert [(e["row"], e["column"]) for e in res.errors] == [(3, column)]
    assert res.errors[0]["error"].startswith(message)
    assert db.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_chinese_headers_for_the_zone(sessions: Any, db: Any) -> None:
    for header in ("功能区", "园区", "所属功能区"):
        data = f"统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期,{header}\n"
        data += f"{uscc(7)},南京园区企业有限公司,320114,6513,2018-01-02,中国（南京）软件谷\n"
        res = run_import(sessions, ACTOR, "enterprises", data.encode(), "z.csv")
        assert not res.errors, (header, res.errors)
        assert db.scalar(select(Enterprise.zone_code)) == "320100-RJG"


# --------------------------------------------------------------------------- list and export


@pytest.fixture
def placed(sessions: Any, db: Any) -> None:
    rows = [ent_row(1, district_code="320111", zone_code="320100-JBXQ"),
            ent_row(2, district_code="320115", zone_code="")]  # fmt: skip
    assert not run_import(sessions, ACTOR, "enterprises", to_csv(rows, HEADER), "e.csv").errors
    db.add(Enterprise(uscc=uscc(3), name="南京旧数据有限公司", district_code=None,
                      zone_code="320100-JBXQ", industry_code="6513", industry_section="I",
                      industry_division="65",
                      founded_on=__import__("datetime").date(2016, 1, 1)))  # fmt: skip
    db.commit()


def test_list_filters_by_zone_and_district_not_given(client: Any, users: Any, placed: None) -> None:
    h = _api(client, users, "leader")

    def found(**params: str) -> set[str]:
        items = client.get("/api/v1/enterprises", params=params, headers=h).json()["items"]
        return {i["uscc"] for i in items}

    assert found(zone="320100-JBXQ") == {uscc(1), uscc(3)}
    assert found(zone="none") == {uscc(2)}
    assert found(district="320111") == {uscc(1)}
    assert found(district="none") == {uscc(3)}
    item = client.get("/api/v1/enterprises", params={"district": "none"}, headers=h).json()
    assert item["items"][0]["district_code"] is None
    assert item["items"][0]["zone_code"] == "320100-JBXQ"
    _page(client, users, "leader")
    page = client.get("/enterprises", params={"district": "none"}).text
    assert 'data-district="none"' in page and "未填" in page and "江北新区" in page
    portrait = client.get(f"/enterprises/{uscc(1)}").text
    district = portrait[portrait.index('id="district"'):]
    zone = portrait[portrait.index('id="zone"'):]
    assert "浦口区" in district[: district.index("</dd>")]
    assert "江北新区" in zone[: zone.index("</dd>")]
    old = client.get(f"/enterprises/{uscc(3)}").text
    assert "未填" in old[old.index('id="district"'):][:200]
    client.cookies.set("highland_lang", "en")
    english = client.get(f"/enterprises/{uscc(3)}").text
    assert "Not given" in english[english.index('id="district"'):][:200]


def test_exports_carry_the_zone_beside_the_district(
    client: Any, users: Any, placed: None
) -> None:
    h = _api(client, users, "leader")
    zh = client.get("/api/v1/enterprises/export", params={"zone": "320100-JBXQ"}, headers=h)
    rows = list(csv.DictReader(io.StringIO(zh.text.lstrip("\ufeff"))))
    head = list(rows[0])
    assert head[3:8] == ["行政区划代码", "所属区名称", "功能区代码", "功能区名称", "行业代码"]
    by = {r["统一社会信用代码"]: r for r in rows}
    assert (by[uscc(1)]["所属区名称"], by[uscc(1)]["功能区名称"]) == ("浦口区", "江北新区")
    assert (by[uscc(3)]["行政区划代码"], by[uscc(3)]["所属区名称"]) == ("", "未填")
    codes = client.get("/api/v1/enterprises/export", params={"headers": "codes"}, headers=h)
    rows = list(csv.DictReader(io.StringIO(codes.text.lstrip("\ufeff"))))
    assert {r["uscc"]: r["zone_code"] for r in rows} == {
        uscc(1): "320100-JBXQ", uscc(2): "", uscc(3): "320100-JBXQ"}  # fmt: skip
