"""Search, filters, scoping, portrait and export through the API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from highland.enterprises.imports import run_import
from highland.platform.identity import service as identity
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc


@pytest.fixture
def loaded(sessions, db):  # type: ignore[no-untyped-def]
    rows = [
        ent_row(1, name="南京微盟软件科技有限公司", district_code="320115"),
        ent_row(
            2,
            name="南京芯联集成电路有限公司",
            district_code="320113",
            industry_code="3973",
            qualifications="little_giant@2024-01-01/2026-12-31",
        ),
        ent_row(
            3,
            name="江苏远景新能源汽车有限公司",
            district_code="320115",
            industry_code="3612",
            ownership="foreign",
            country="DE",
            qualifications="",
        ),
        ent_row(4, name="Nanjing 50%_Test Ltd", district_code="320106"),
    ]
    run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv")
    fins = [
        fin_row(1, y, revenue=str(v))
        for y, v in ((2021, "10000000"), (2022, "11000000"), (2023, "13000000"), (2024, "16000000"))
    ]
    fins.append(fin_row(2, 2024, employees="5", rd_staff="1"))
    run_import(sessions, ACTOR, "financials", to_csv(fins, FIN_HEADER), "f.csv")
    admin = identity.create_user(db, ACTOR, username="adm", password="password-1", role="admin")
    firm = identity.create_user(
        db,
        ACTOR,
        username="firm",
        password="password-1",
        role="enterprise",
        enterprise_id=_id(db, uscc(2)),
    )
    tokens = {
        "admin": identity.create_token(db, ACTOR, admin.username),
        "firm": identity.create_token(db, ACTOR, firm.username),
    }
    db.commit()
    return tokens


def _id(db: Any, code: str) -> int:
    from sqlalchemy import select

    from highland.enterprises.models import Enterprise

    return db.scalar(select(Enterprise.id).where(Enterprise.uscc == code))


def _get(client: Any, token: str, url: str, **params: Any) -> Any:
    return client.get(url, params=params, headers={"authorization": f"Bearer {token}"})


def _names(resp: Any) -> set[str]:
    assert resp.status_code == 200, resp.text
    return {i["name"] for i in resp.json()["items"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "微盟"}, {"南京微盟软件科技有限公司"}),
        ({"q": "集成电"}, {"南京芯联集成电路有限公司"}),
        ({"q": "盟集"}, set()),  # both pieces exist, but not together
        ({"q": uscc(3)[:17]}, {"江苏远景新能源汽车有限公司"}),
        ({"q": "50%_t"}, {"Nanjing 50%_Test Ltd"}),  # LIKE wildcards are literal
        ({"district": "320115"}, {"南京微盟软件科技有限公司", "江苏远景新能源汽车有限公司"}),
        ({"section": "c"}, {"南京芯联集成电路有限公司", "江苏远景新能源汽车有限公司"}),
        ({"division": "36"}, {"江苏远景新能源汽车有限公司"}),
        ({"qualification": "little_giant"}, {"南京芯联集成电路有限公司"}),
        ({"ownership": "foreign"}, {"江苏远景新能源汽车有限公司"}),
        ({"size_class": "micro"}, {"南京芯联集成电路有限公司"}),
        ({"q": "南京", "district": "320115"}, {"南京微盟软件科技有限公司"}),
    ],
)
def test_search_and_filters(client, loaded, params, expected) -> None:  # type: ignore[no-untyped-def]
    assert _names(_get(client, loaded["admin"], "/api/v1/enterprises", **params)) == expected


def test_enterprise_user_sees_only_itself(client, loaded) -> None:  # type: ignore[no-untyped-def]
    got = _get(client, loaded["firm"], "/api/v1/enterprises")
    assert _names(got) == {"南京芯联集成电路有限公司"} and got.json()["total"] == 1
    assert _get(client, loaded["firm"], f"/api/v1/enterprises/{uscc(1)}").status_code == 404
    assert _get(client, loaded["firm"], f"/api/v1/enterprises/{uscc(2)}").status_code == 200


def test_portrait_as_of_and_explanations(client, loaded) -> None:  # type: ignore[no-untyped-def]
    r = _get(client, loaded["admin"], f"/api/v1/enterprises/{uscc(1)}", as_of="2025-06-30")
    body = r.json()
    assert body["figures_year"] == 2024
    p = body["portrait"]
    assert p["revenue_growth"]["value"] == "0.230769"
    assert p["size_class"]["value"] == "medium" and "employees" in p["size_class"]["inputs"]
    assert p["age_years"]["value"] == 10
    assert body["figures"][0]["revenue"] == "10000000.00"
    assert body["figures"][0]["output_value"] is None  # missing, not zero
    early = _get(client, loaded["admin"], f"/api/v1/enterprises/{uscc(1)}", as_of="2022-01-01")
    ep = early.json()
    assert ep["figures_year"] == 2021
    assert ep["portrait"]["revenue_growth"]["value"] is None
    assert ep["portrait"]["revenue_cagr_3y"]["value"] is None


@pytest.mark.parametrize(
    ("url", "params", "status", "needle"),
    [
        ("/api/v1/enterprises/{u}", {"as_of": "2025-02-30"}, 422, "as_of"),
        ("/api/v1/enterprises/91320115MA1XXXXX0X", {}, 404, "no enterprise"),
        ("/api/v1/enterprises", {"size_class": "giant"}, 422, "size_class"),
        ("/api/v1/enterprises", {"per_page": "9999"}, 422, "per_page"),
        ("/api/v1/enterprises/export", {"format": "pdf"}, 422, "csv or xlsx"),
        ("/api/v1/enterprises/export", {"headers": "english"}, 422, "zh or codes"),
    ],
)
def test_bad_requests_say_what(client, loaded, url, params, status, needle) -> None:  # type: ignore[no-untyped-def]
    r = _get(client, loaded["admin"], url.replace("{u}", uscc(1)), **params)
    assert r.status_code == status and needle in r.text


def test_export_csv_and_xlsx_follow_filters(client, loaded) -> None:  # type: ignore[no-untyped-def]
    r = _get(client, loaded["admin"], "/api/v1/enterprises/export", format="csv", district="320115")
    text = r.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("统一社会信用代码,企业名称,英文名称,行政区划代码,所属区名称")
    assert len(lines) == 3
    r = _get(client, loaded["admin"], "/api/v1/enterprises/export", format="csv",
             district="320115", headers="codes")  # fmt: skip
    lines = r.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("uscc,name,name_en") and len(lines) == 3
    r = _get(client, loaded["admin"], "/api/v1/enterprises/export", format="xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.max_row == 5
    r = _get(client, loaded["firm"], "/api/v1/enterprises/export")
    assert r.status_code == 403


def test_api_import_refusal_and_success(client, loaded) -> None:  # type: ignore[no-untyped-def]
    auth = {"authorization": f"Bearer {loaded['admin']}"}
    bad = to_csv([ent_row(8), ent_row(9, industry_code="C99")], ENT_HEADER)
    r = client.post(
        "/api/v1/imports/enterprises", headers=auth, files={"file": ("e.csv", bad, "text/csv")}
    )
    assert r.status_code == 422
    body = r.json()
    assert body["written"] is False and body["errors"][0]["row"] == 3
    r = client.post(
        "/api/v1/imports/enterprises",
        headers=auth,
        data={"skip_invalid": "true"},
        files={"file": ("e.csv", bad, "text/csv")},
    )
    assert r.status_code == 200 and r.json()["created"] == 1
    r = client.post(
        "/api/v1/imports/enterprises",
        headers=auth,
        files={"file": ("e.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel")},
    )
    assert r.status_code == 422 and ".xlsx" in r.json()["detail"]


def test_openapi_documents_the_api(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/openapi.json").json()
    assert "/api/v1/enterprises" in spec["paths"] and "/api/v1/imports/enterprises" in spec["paths"]
    assert client.get("/docs").status_code == 200
