"""Open311 GeoReport v2: every endpoint in JSON and XML, filters, window and cap, the
confidential fields, errors in the spec's format, POST with API keys, an independent client."""

from __future__ import annotations

import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from highland.demands.apikeys import service as apikeys
from highland.demands.models import Attachment, Demand, DemandEvent
from highland.demands.reference import load_reference
from highland.demands.service import DemandInput, file_demand
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.audit.models import AuditEntry
from highland.platform.db import utcnow
from highland.platform.identity.permissions import Principal, Role
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc

REF = """
categories:
  - {code: land, name: 用地保障, name_en: Land, description: 用地与规划, response_days: 2,
     resolution_days: 10}
  - {code: finance, name: 融资服务, name_en: Finance, response_days: 1, resolution_days: 5}
  - {code: old, name: 旧类别, name_en: Old, response_days: 1, resolution_days: 5, active: false}
institutions:
  - {code: 320115-ZRZY, name: 江宁区自然资源和规划局, name_en: Jiangning Natural Resources}
routing:
  - {category: land, lead: 320115-ZRZY}
  - {category: finance, lead: 320115-ZRZY}
"""
STAFF = Principal(user_id=1, username="staff", role=Role.analyst, channel="api")
FORMATS = ("json", "xml")
# Confidential values planted in a public demand; no public answer may contain any of them.
SECRETS = {
    "contact_name": "保密联系人",
    "contact_phone": "13912345678",
    "contact_email": "secret.person@example.com",
    "feedback": "FEEDBACK-SECRET-TEXT",
    "resolution": "RESOLUTION-INTERNAL-TEXT",
}


@pytest.fixture
def world(sessions: sessionmaker[Session], db: Session) -> dict[str, Any]:
    """Two enterprises, three categories (one inactive), an institution and an API key."""
    rows = [ent_row(1), ent_row(2)]
    run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv")
    load_reference(db, ACTOR, REF, "ref.yaml")
    _, key = apikeys.create_key(db, ACTOR, "hotline")
    db.commit()
    return {"key": key, "a": uscc(1), "b": uscc(2)}


def demand(db: Session, ent: str, category: str = "land", *, public: bool = True,
           ago: timedelta = timedelta(hours=1), **cols: Any) -> Demand:  # fmt: skip
    """A demand filed by staff `ago` before now, with projection columns overridden."""
    now = utcnow() - ago
    data = DemandInput(enterprise=ent, category=category, title="标题", description="诉求描述",
                       public=public)  # fmt: skip
    d = file_demand(db, STAFF, ACTOR, data, now=now)
    for k, v in cols.items():
        setattr(d, k, v)
    db.commit()
    return d


def get(client: TestClient, path: str, fmt: str = "json", **params: str) -> Any:
    return client.get(f"/open311/v2/{path}.{fmt}", params=params)


def body(resp: Any, fmt: str) -> Any:
    """The answer as JSON, or as the parsed XML root."""
    if fmt == "json":
        assert resp.headers["content-type"].startswith("application/json")
        return resp.json()
    assert resp.headers["content-type"].startswith("text/xml")
    assert resp.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(resp.content)


def errors(resp: Any, fmt: str, status: int) -> list[str]:
    """Check the spec's error format; return the descriptions."""
    assert resp.status_code == status, resp.text
    b = body(resp, fmt)
    if fmt == "json":
        assert all(e["code"] == status for e in b)
        return [e["description"] for e in b]
    assert b.tag == "errors" and all(e.tag == "error" for e in b)
    assert all(e.findtext("code") == str(status) for e in b)
    return [e.findtext("description") or "" for e in b]


def ids(resp: Any, fmt: str) -> list[int]:
    b = body(resp, fmt)
    if fmt == "json":
        return [r["service_request_id"] for r in b]
    assert b.tag == "service_requests"
    return [int(r.findtext("service_request_id") or 0) for r in b.iter("request")]


def counts(db: Session) -> tuple[int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(Demand)) or 0,
        db.scalar(select(func.count()).select_from(DemandEvent)) or 0,
    )


# ---------------------------------------------------------------- discovery and services


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client: TestClient, fmt: str) -> None:
    resp = get(client, "discovery", fmt)
    assert resp.status_code == 200
    b = body(resp, fmt)
    if fmt == "json":
        (ep,) = b["endpoints"]
        assert b["changeset"] and b["contact"] and b["key_service"]
        assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert ep["url"] == "http://127.0.0.1:8000/open311/v2" and ep["type"] == "production"
        assert ep["formats"] == ["text/xml", "application/json"]
    else:
        assert b.tag == "discovery" and b.findtext("key_service")
        ep = b.find("endpoints/endpoint")
        assert ep is not None and ep.findtext("url") == "http://127.0.0.1:8000/open311/v2"
        assert [f.text for f in ep.iter("format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services(client: TestClient, world: dict[str, Any], fmt: str) -> None:
    b = body(get(client, "services", fmt), fmt)
    en = body(get(client, "services", fmt, locale="en"), fmt)
    if fmt == "json":
        assert [s["service_code"] for s in b] == ["finance", "land"]  # not the inactive one
        land = b[1]
        assert land["service_name"] == "用地保障" and land["description"] == "用地与规划"
        assert land["metadata"] is True and land["type"] == "realtime"
        assert land["group"] and "Land" in land["keywords"]
        assert en[1]["service_name"] == "Land"
    else:
        assert b.tag == "services"
        assert [s.findtext("service_code") for s in b.iter("service")] == ["finance", "land"]
        assert b.find("service/metadata").text == "true"  # type: ignore[union-attr]
        assert [s.findtext("service_name") for s in en.iter("service")] == ["Finance", "Land"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client: TestClient, world: dict[str, Any], fmt: str) -> None:
    resp = get(client, "services/land", fmt)
    assert resp.status_code == 200
    b = body(resp, fmt)
    if fmt == "json":
        assert b["service_code"] == "land"
        assert [a["code"] for a in b["attributes"]] == ["uscc", "title", "priority", "request_type"]
        assert b["attributes"][0]["required"] is True
        assert [v["key"] for v in b["attributes"][2]["values"]] == [
            "low", "normal", "high", "urgent"
        ]  # fmt: skip
    else:
        assert b.tag == "service_definition" and b.findtext("service_code") == "land"
        assert [a.findtext("code") for a in b.iter("attribute")] == [
            "uscc",
            "title",
            "priority",
            "request_type",
        ]
    for code in ("nope", "old"):
        (msg,) = errors(get(client, f"services/{code}", fmt), fmt, 404)
        assert msg == f"service_code: no service '{code}'"


# ---------------------------------------------------------------- reading requests


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_fields_and_status(
    client: TestClient, db: Session, world: dict[str, Any], fmt: str
) -> None:
    due = datetime.fromisoformat("2026-12-10T15:59:59+00:00")
    new = demand(db, world["a"], lat="31.95", lon="118.84", address="江宁区秣陵街道1号")
    resolved = demand(db, world["a"], state="resolved", institution_code="320115-ZRZY",
                      resolution_due=due, ago=timedelta(hours=2))  # fmt: skip
    confirmed = demand(db, world["b"], "finance", state="confirmed", open=False,
                       institution_code="320115-ZRZY", ago=timedelta(hours=3))  # fmt: skip
    withdrawn = demand(db, world["b"], state="withdrawn", open=False, ago=timedelta(hours=4))
    private = demand(db, world["a"], public=False)
    resp = get(client, "requests", fmt)
    assert resp.status_code == 200
    assert ids(resp, fmt) == [new.id, resolved.id, confirmed.id, withdrawn.id]  # newest first
    assert private.id not in ids(resp, fmt)
    b = body(resp, fmt)
    if fmt == "xml":
        r = b.find("request")
        assert r is not None
        assert r.findtext("lat") == "31.95" and r.findtext("status") == "open"
        assert r.find("zipcode") is not None and r.findtext("zipcode") == ""
        return
    one, two, three, four = b
    assert set(one) == {
        "service_request_id", "status", "status_notes", "service_name", "service_code",
        "description", "agency_responsible", "service_notice", "requested_datetime",
        "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
        "long", "media_url",
    }  # fmt: skip
    assert one["status"] == "open" and one["status_notes"] == "已提交，待分派"
    assert one["lat"] == 31.95 and one["long"] == 118.84 and one["address"] == "江宁区秣陵街道1号"
    assert one["agency_responsible"] is None and one["expected_datetime"] is None
    assert one["requested_datetime"].endswith("+08:00")
    assert datetime.fromisoformat(one["requested_datetime"]) == new.created_at.replace(
        microsecond=0
    )
    assert one["service_name"] == "用地保障" and one["description"] == "诉求描述"
    assert "2 个工作日内响应" in one["service_notice"]
    # Resolved but not yet confirmed by the enterprise is still open.
    assert two["status"] == "open" and two["expected_datetime"] == "2026-12-10T23:59:59+08:00"
    assert two["status_notes"] == "已办结，待企业确认 · 江宁区自然资源和规划局"
    assert two["agency_responsible"] == "江宁区自然资源和规划局"
    assert three["status"] == "closed" and four["status"] == "closed"
    en = get(client, "requests", fmt, locale="en").json()
    assert en[1]["agency_responsible"] == "Jiangning Natural Resources"
    assert en[1]["service_name"] == "Land" and en[1]["status_notes"].startswith("resolved")


@pytest.mark.parametrize("fmt", FORMATS)
def test_filters(client: TestClient, db: Session, world: dict[str, Any], fmt: str) -> None:
    land = demand(db, world["a"], ago=timedelta(days=1))
    fin = demand(db, world["a"], "finance", ago=timedelta(days=2))
    done = demand(db, world["b"], state="confirmed", open=False, ago=timedelta(days=40))
    old = demand(db, world["b"], ago=timedelta(days=100))
    private = demand(db, world["b"], public=False)

    def q(**p: str) -> list[int]:
        resp = get(client, "requests", fmt, **p)
        assert resp.status_code == 200, resp.text
        return ids(resp, fmt)

    assert q() == [land.id, fin.id, done.id]  # the last 90 days
    assert q(service_code="finance") == [fin.id]
    assert q(service_code="finance,land") == [land.id, fin.id, done.id]
    assert q(status="closed") == [done.id]
    assert q(status="open") == [land.id, fin.id]
    assert q(status="open,closed") == [land.id, fin.id, done.id]
    # service_request_id overrides every other filter (the window too), never the privacy.
    wanted = f"{old.id},{fin.id},{private.id},999999"
    assert q(service_request_id=wanted, status="closed", service_code="land") == [fin.id, old.id]
    start = (utcnow() - timedelta(days=120)).isoformat()
    end = (utcnow() - timedelta(days=35)).isoformat()
    assert q(start_date=start, end_date=end) == [done.id, old.id]
    assert q(start_date=start) == [done.id, old.id]  # start + 90 days
    assert q(end_date=end) == [done.id, old.id]  # end - 90 days
    z = (utcnow() - timedelta(days=1, hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert q(start_date=z) == [land.id]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "yesterday"}, "start_date: 'yesterday' is not a W3C date-time"),
        ({"end_date": "2026-13-01"}, "end_date: '2026-13-01' is not a W3C date-time"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "start_date, end_date: may not span more than 90 days",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "start_date: is after end_date",
        ),
        ({"status": "open,pending"}, "status: 'pending' is not open or closed"),
        ({"service_code": "land,potholes"}, "service_code: no service 'potholes'"),
        ({"service_request_id": "1,two"}, "service_request_id: '1,two' is not a comma-separated"),
    ],
)
def test_bad_filters(
    client: TestClient, world: dict[str, Any], fmt: str, params: dict[str, str], message: str
) -> None:
    (msg,) = errors(get(client, "requests", fmt, **params), fmt, 400)
    assert msg.startswith(message)


def test_at_most_1000_newest_first(client: TestClient, db: Session, world: dict[str, Any]) -> None:
    ent_id = db.scalar(select(Enterprise.id).where(Enterprise.uscc == world["a"]))
    now = utcnow()
    db.execute(
        insert(Demand),
        [
            {"enterprise_id": ent_id, "category_code": "land", "title": f"t{i}",
             "description": f"d{i}", "source": "open311", "public": True, "state": "submitted",
             "open": True, "created_by": "bulk", "created_at": now - timedelta(minutes=i),
             "updated_at": now - timedelta(minutes=i), "tags": [], "co_handlers": []}
            for i in range(1001)
        ],
    )  # fmt: skip
    db.commit()
    got = client.get("/open311/v2/requests.json").json()
    assert len(got) == 1000
    assert [r["description"] for r in got[:2]] == ["d0", "d1"] and got[-1]["description"] == "d999"
    assert len(ids(client.get("/open311/v2/requests.xml"), "xml")) == 1000


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request(client: TestClient, db: Session, world: dict[str, Any], fmt: str) -> None:
    d = demand(db, world["a"], ago=timedelta(days=300))  # outside the window: still served
    private = demand(db, world["a"], public=False)
    resp = get(client, f"requests/{d.id}", fmt)
    assert resp.status_code == 200 and ids(resp, fmt) == [d.id]
    if fmt == "json":
        assert isinstance(resp.json(), list) and len(resp.json()) == 1
    for missing in (str(private.id), "999999", "abc", "1" * 12):
        (msg,) = errors(get(client, f"requests/{missing}", fmt), fmt, 404)
        assert msg == f"service_request_id: no request '{missing}'"


def test_confidential_fields_never_appear(
    client: TestClient, db: Session, world: dict[str, Any]
) -> None:
    d = demand(db, world["a"], state="confirmed", open=False, rating=1, verdict="partly",
               institution_code="320115-ZRZY", **SECRETS)  # fmt: skip
    db.add(Attachment(demand_id=d.id, filename="SECRET-ATTACHMENT.pdf", content_type="x/y",
                      size=1, sha256="0" * 64, data=b"x", created_by="t"))  # fmt: skip
    db.add(DemandEvent(demand_id=d.id, seq=2, at=utcnow(), actor="INTERNAL-ACTOR-NAME",
                       action="wait", to_state="waiting",
                       data={"note": "INTERNAL-NOTE-SECRET"}))  # fmt: skip
    db.commit()
    secrets = [*SECRETS.values(), world["a"], "SECRET-ATTACHMENT", "INTERNAL-NOTE-SECRET",
               "INTERNAL-ACTOR-NAME", "partly", "rating", "feedback", "staff"]  # fmt: skip
    token = client.post(
        "/open311/v2/requests.json",
        data={"api_key": world["key"], "service_code": "land", "attribute[uscc]": world["b"],
              "description": "公开的描述", "email": "poster@example.com", "phone": "02588888888",
              "first_name": "三", "last_name": "张"},
    ).json()[0]["token"]  # fmt: skip
    secrets += ["poster@example.com", "02588888888", "张三", world["b"]]
    seen = 0
    for fmt in FORMATS:
        for path in ("requests", f"requests/{d.id}", "services", "services/land", "discovery",
                     f"tokens/{token}"):  # fmt: skip
            for params in ({}, {"locale": "en"}, {"service_request_id": str(d.id)}):
                resp = get(client, path, fmt, **params)
                assert resp.status_code == 200
                text = resp.content.decode()
                seen += str(d.id) in text
                for s in secrets:
                    assert s not in text, (s, path, fmt)
    assert seen >= 12


# ---------------------------------------------------------------- filing requests


def post(client: TestClient, fmt: str = "json", **form: str) -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", data=form)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_files_a_public_submitted_demand(
    client: TestClient, db: Session, world: dict[str, Any], fmt: str
) -> None:
    before = counts(db)
    resp = post(client, fmt, api_key=world["key"], service_code="finance",
                description="需要一笔流动资金贷款。\n第二行", lat="31.9536", long="118.8402",
                address_string="江宁区某路 8 号", email="cfo@example.com", phone="025-8888 8888",
                first_name="Li", last_name="Ming", jurisdiction_id="nanjing",
                media_url="https://example.com/x.png", **{"attribute[uscc]": world["a"].lower(),
                "attribute[priority]": "high"})  # fmt: skip
    assert resp.status_code == 201, resp.text
    b = body(resp, fmt)
    if fmt == "json":
        (item,) = b
        assert set(item) == {"service_request_id", "token", "service_notice", "account_id"}
        rid, token = item["service_request_id"], item["token"]
        assert item["account_id"] is None and "5 个工作日内办结" in item["service_notice"]
    else:
        assert b.tag == "service_requests"
        rid, token = int(b.findtext("request/service_request_id") or 0), b.findtext("request/token")
    assert counts(db) == (before[0] + 1, before[1] + 1)
    d = db.get(Demand, rid)
    assert d is not None and d.token == token and len(token or "") == 32
    assert (d.source, d.public, d.state, d.priority) == ("open311", True, "submitted", "high")
    assert d.created_by == "open311:hotline" and d.institution_code is None
    assert d.title == "需要一笔流动资金贷款。" and d.description.endswith("第二行")
    assert (d.lat, d.lon, d.address) == ("31.9536", "118.8402", "江宁区某路 8 号")
    assert (d.contact_name, d.contact_email, d.contact_phone) == (
        "Li Ming", "cfo@example.com", "025-8888 8888"
    )  # fmt: skip
    (event,) = db.scalars(select(DemandEvent).where(DemandEvent.demand_id == rid))
    assert (event.actor, event.actor_role, event.action) == ("open311:hotline", "analyst", "submit")
    # The audit log has it too, through the Open311 channel.
    (entry,) = db.scalars(select(AuditEntry).where(AuditEntry.entity == "demand",
                                                   AuditEntry.entity_key == str(rid)))  # fmt: skip
    assert (entry.actor, entry.channel, entry.action) == ("open311:hotline", "open311", "submit")
    # Readable at once, and its token resolves.
    assert ids(get(client, f"requests/{rid}", fmt), fmt) == [rid]
    resp = get(client, f"tokens/{token}", fmt)
    if fmt == "json":
        assert resp.json() == [{"service_request_id": rid, "token": token}]
    else:
        assert body(resp, fmt).findtext("request/service_request_id") == str(rid)


def test_post_multipart_and_minimal(client: TestClient, db: Session, world: dict[str, Any]) -> None:
    resp = client.post(
        "/open311/v2/requests.json",
        files={"api_key": (None, world["key"]), "service_code": (None, "land"),
               "attribute[uscc]": (None, world["b"]), "description": (None, "只有描述"),
               "attribute[title]": (None, "自定标题")},
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    d = db.get(Demand, resp.json()[0]["service_request_id"])
    assert d is not None and d.title == "自定标题" and d.lat is None and d.address is None
    assert d.priority == "normal" and d.contact_name is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_needs_a_live_key(
    client: TestClient, db: Session, world: dict[str, Any], fmt: str
) -> None:
    good = {"service_code": "land", "attribute[uscc]": world["a"], "description": "x"}
    before = counts(db)
    assert errors(post(client, fmt, **good), fmt, 403) == ["api_key: is required"]
    assert errors(post(client, fmt, api_key="o311_wrong", **good), fmt, 403) == [
        "api_key: unknown or revoked key"
    ]
    apikeys.revoke(db, ACTOR, "hotline")
    db.commit()
    assert errors(post(client, fmt, api_key=world["key"], **good), fmt, 403) == [
        "api_key: unknown or revoked key"
    ]
    assert counts(db) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"service_code": ""}, "service_code: is required"),
        ({"service_code": "potholes"}, "service_code: no service 'potholes'"),
        ({"service_code": "old"}, "service_code: no service 'old'"),
        ({"attribute[uscc]": ""}, "attribute[uscc]: the enterprise's USCC is required"),
        ({"attribute[uscc]": "91320115MA1XXXXX0X"}, "attribute[uscc]: no enterprise with USCC"),
        ({"description": "  "}, "description: is required"),
        ({"description": "长" * 4001}, "description: at most 4000 characters (got 4001)"),
        ({"attribute[title]": "t" * 201}, "attribute[title]: at most 200 characters"),
        ({"attribute[priority]": "asap"}, "attribute[priority]: 'asap' is not one of low, normal"),
        ({"attribute[colour]": "red"}, "attribute[colour]: unknown attribute"),
        ({"lat": "north", "long": "118.8"}, "lat: 'north' is not a number between -90 and 90"),
        ({"lat": "31.9", "long": "200"}, "long: '200' is not a number between -180 and 180"),
        ({"lat": "nan", "long": "1"}, "lat: 'nan' is not a number"),
        ({"lat": "31.9"}, "lat, long: give both or neither"),
        ({"email": "not-an-address"}, "email: 'not-an-address' is not an e-mail address"),
        ({"phone": "call me"}, "phone: 'call me' is not a phone number"),
        ({"address_string": "路" * 301}, "address_string: at most 300 characters"),
        ({"first_name": "n" * 51}, "first_name: at most 50 characters"),
    ],
)
def test_malformed_posts_write_nothing(
    client: TestClient, db: Session, world: dict[str, Any], change: dict[str, str], message: str
) -> None:
    form = {"api_key": world["key"], "service_code": "land", "attribute[uscc]": world["a"],
            "description": "描述", **change}  # fmt: skip
    before = counts(db)
    for fmt in FORMATS:
        msgs = errors(post(client, fmt, **form), fmt, 400)
        assert len(msgs) == 1 and msgs[0].startswith(message), msgs
    assert counts(db) == before


def test_every_problem_is_listed_and_bodies_must_be_forms(
    client: TestClient, db: Session, world: dict[str, Any]
) -> None:
    before = counts(db)
    msgs = errors(post(client, api_key=world["key"], service_code="x", lat="1"), "json", 400)
    assert [m.split(":")[0] for m in msgs] == [
        "service_code", "attribute[uscc]", "description", "lat, long"
    ]  # fmt: skip
    resp = client.post("/open311/v2/requests.json", json={"api_key": world["key"]})
    assert errors(resp, "json", 400) == [
        "body: send application/x-www-form-urlencoded or multipart/form-data, not "
        "'application/json'"
    ]
    resp = client.post(
        "/open311/v2/requests.xml",
        data={"api_key": world["key"], "service_code": "land", "attribute[uscc]": world["a"],
              "description": "x"},
        files={"media": ("a.png", b"\x89PNG", "image/png")},
    )  # fmt: skip
    assert errors(resp, "xml", 400) == [
        "media: files are not accepted over Open311 (send media_url)"
    ]
    assert counts(db) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_tokens_paths_and_formats(
    client: TestClient, world: dict[str, Any], fmt: str
) -> None:
    (msg,) = errors(get(client, "tokens/nope", fmt), fmt, 404)
    assert msg == "token: no request with token 'nope'"
    (msg,) = errors(get(client, "nothing", fmt), fmt, 404)
    assert msg == f"no Open311 endpoint at /open311/v2/nothing.{fmt}"
    resp = client.post(f"/open311/v2/services.{fmt}")
    assert errors(resp, fmt, 405) == ["POST is not allowed here; use GET"]
    assert resp.headers["allow"] == "GET"
    resp = client.get("/open311/v2/services.yaml")
    assert errors(resp, "json", 404) == ["format: '.yaml' is not served; use .json or .xml"]


# ---------------------------------------------------------------- an independent client


@pytest.fixture
def live(app: Any) -> Iterator[str]:
    """The test's app (and its rolled-back transaction) behind a real uvicorn on 127.0.0.1."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/open311/v2"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_georeport_client(live: str, db: Session, world: dict[str, Any]) -> None:
    """PyPI's `georeport` reads our services and requests in both formats; it cannot POST,
    so filing and discovery go through `requests`, as a client would."""
    import requests
    from georeport import GeoReport

    resp = requests.post(
        f"{live}/requests.json",
        data={"api_key": world["key"], "service_code": "land", "attribute[uscc]": world["a"],
              "description": "经由独立客户端提交", "lat": "31.95", "long": "118.84"},
        timeout=10,
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    rid = resp.json()[0]["service_request_id"]
    disc = requests.get(f"{live}/discovery.json", timeout=10).json()
    assert disc["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    for fmt in FORMATS:
        c = GeoReport(live, output_format=fmt)
        services = c.get_service_list()
        assert [s["service_code"] for s in services] == ["finance", "land"]
        definition = c.get_service_definition("land")
        assert definition["service_code"] == "land"
        reqs = c.get_service_requests(service_code="land", status="open")
        if isinstance(reqs, dict):  # xmltodict: one element is a mapping, not a list
            reqs = [reqs]
        assert [int(r["service_request_id"]) for r in reqs] == [rid]
        one = c.get_service_request(str(rid))
        assert int(one["service_request_id"]) == rid and one["description"] == "经由独立客户端提交"
        assert float(one["lat"]) == 31.95 and one["status"] == "open"
    with pytest.raises(requests.HTTPError):
        GeoReport(live).get_service_definition("nope")


@pytest.mark.clock_at("2027-01-04 10:00")
def test_default_window_spans_the_turn_of_the_year(
    client: TestClient, db: Session, world: dict[str, Any]
) -> None:
    """The last 90 days from the first Monday of a year reach back into October."""
    inside = demand(db, world["a"], ago=timedelta(days=89, hours=23))
    demand(db, world["a"], ago=timedelta(days=90, hours=1))
    new_year = demand(db, world["b"], ago=timedelta(days=3, hours=3))  # 2027-01-01 07:00 Beijing
    assert ids(get(client, "requests"), "json") == [new_year.id, inside.id]
