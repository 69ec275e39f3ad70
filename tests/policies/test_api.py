"""The policy API: check and load rules, an enterprise's policies, who qualifies, exports,
what-if, packages, official runs and replay."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from highland.enterprises import snapshot
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity import service as identity
from highland.platform.kit.dates import parse_date
from highland.policies import service
from highland.policies.models import PolicyVersion
from highland.policies.rules.explain import evaluate
from highland.policies.rules.model import compile_policy
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

AS_OF = "2025-06-30"
YAML = {"content-type": "application/yaml"}

PACKAGE = """\
kind: package
id: t-pkg
title: 测试政策包
title_en: Test package
cap: 350000
"""
RD = """\
id: t-rd
title: 研发投入补助（测试）
title_en: R&D subsidy (test)
issuer: 测试区人民政府
authority: 测试科技局
level: district
document: 测试〔2025〕1号
article: 第二条
effective: 2025-01-01
package: t-pkg
no_application: true
benefit:
  type: subsidy
  amount: "min(rd_spend * 0.1, 500000)"
  rounding: yuan
eligibility:
  all:
    - {field: district, op: "==", value: "320115"}
    - {field: rd_intensity, op: ">=", value: 0.04, cite: 第二条第一款}
    - {field: revenue, op: ">=", value: 5000000}
"""
AWARD = """\
id: t-award
title: 高企奖励（测试）
issuer: 测试科技局
level: municipal
effective: 2025-01-01
package: t-pkg
benefit: {type: award, amount: "300000"}
eligibility:
  all:
    - {field: qualifications, op: contains, value: high_tech}
    - {field: tax_paid, op: ">", value: 0}
excludes: [t-rd]
"""
STAFF = """\
id: t-staff
title: 研发人才补贴（测试）
issuer: 测试人社局
level: municipal
effective: 2025-01-01
package: t-pkg
benefit: {type: subsidy, amount: "rd_staff * 3000"}
eligibility:
  all:
    - {field: rd_staff, op: ">=", value: 20}
"""
LIBRARY = "---\n".join([PACKAGE, RD, AWARD, STAFF])


def _fin(n: int, revenue: str, rd: str, staff: str) -> dict[str, str]:
    return fin_row(n, 2024, revenue=revenue, rd_spend=rd, rd_staff=staff)


@pytest.fixture
def world(sessions, db):  # type: ignore[no-untyped-def]
    """Five enterprises, the test library, and tokens for several roles.

    1: R&D intensity 8 %, high-tech: eligible for all three (t-rd excluded, package capped).
    2: intensity 3.5 %: t-rd is one criterion away (¥49,995 more R&D spend).
    3: no figures: unknown.  4: another district, no qualification.  5: few R&D staff.
    """
    ents = [ent_row(1), ent_row(2), ent_row(3), ent_row(4, district_code="320106",
            qualifications=""), ent_row(5)]  # fmt: skip
    run_import(sessions, ACTOR, "enterprises", to_csv(ents, ENT_HEADER), "e.csv")
    fins = [
        _fin(1, "12000000.00", "960000.00", "30"),
        _fin(2, "10000000.00", "350000.00", "30"),
        _fin(4, "12000000.00", "960000.00", "30"),
        _fin(5, "6000000.00", "300000.00", "10"),
    ]
    run_import(sessions, ACTOR, "financials", to_csv(fins, FIN_HEADER), "f.csv")
    service.store(db, service.check_text(db, LIBRARY), ACTOR)
    firm_id = db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(2)))
    tokens = {}
    for role in ("admin", "analyst", "leader", "enterprise", "handler"):
        extra = {"enterprise_id": firm_id} if role == "enterprise" else {}
        if role == "handler":
            extra = {"institution_code": "320115-ZRZY"}
        user = identity.create_user(
            db, ACTOR, username=f"p_{role}", password="password-123", role=role, **extra
        )
        tokens[role] = identity.create_token(db, ACTOR, user.username)
    db.commit()
    return tokens


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _get(client: Any, token: str, url: str, **params: Any) -> Any:
    return client.get(url, params=params, headers=_auth(token))


def _ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text[:800]
    return resp.json()


def _post_yaml(client: Any, token: str, url: str, text: str, **headers: str) -> Any:
    return client.post(url, content=text.encode(), headers={**_auth(token), **YAML, **headers})


def _line(text: str, needle: str) -> int:
    """The 1-based line of the first line containing needle."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


# --------------------------------------------------------------------------- check and load


BROKEN = """\
id: b-one
title: 错误示例
issuer: 测试局
level: district
effective: 2025-13-01
benefit: {type: subsidy, amount: "min(rd_spend * , 5)"}
eligibility:
  all:
    - {field: revenu, op: ">=", value: 1}
    - {field: district, op: ">=", value: "320115"}
    - {field: revenue, op: "=>", value: 1}
---
id: b-two
title: 第二条
issuer: 测试局
level: district
effective: 2025-01-01
benefit: {type: award}
eligibility: {field: revenue, op: ">", value: 0}
excludes: [nope]
---
id: b-two
title: 重复
issuer: 测试局
level: district
effective: 2025-01-01
benefit: {type: award}
eligibility: {field: revenue, op: ">", value: 0}
"""


def test_check_reports_every_error_with_its_line(client, world) -> None:  # type: ignore[no-untyped-def]
    body = _ok(_post_yaml(client, world["analyst"], "/api/v1/policies/check", BROKEN))
    assert body["ok"] is False
    got = {(e["line"], e["message"].split(":")[0][:30]) for e in body["errors"]}
    messages = " | ".join(f"{e['line']}: {e['message']}" for e in body["errors"])
    expected = [
        (_line(BROKEN, "2025-13-01"), "is not a date"),
        (_line(BROKEN, "rd_spend * ,"), "benefit.amount"),
        (_line(BROKEN, "revenu,"), "unknown field 'revenu'"),
        (_line(BROKEN, 'district, op: ">="'), "needs a number field"),
        (_line(BROKEN, '"=>"'), "unknown operator '=>'"),
        (_line(BROKEN, "title: 重复") - 1, "duplicate id 'b-two'"),
        (_line(BROKEN, "id: b-two"), "excludes 'nope', which names no policy"),
    ]
    for line, needle in expected:
        assert any(e["line"] == line and needle in e["message"] for e in body["errors"]), (
            f"no error {needle!r} at line {line}: {messages}"
        )
    assert got and all(e["path"] == "upload.yaml" for e in body["errors"])
    # Nothing was stored by a check, even of good text.
    body = _ok(_post_yaml(client, world["analyst"], "/api/v1/policies/check", RD))
    assert body == {"ok": True, "errors": [], "policies": ["t-rd"], "packages": [],
                    "test_cases": 0}  # fmt: skip


def test_check_accepts_text_plain_and_json(client, world) -> None:  # type: ignore[no-untyped-def]
    plain = {**_auth(world["admin"]), "content-type": "text/plain; charset=utf-8"}
    r = client.post("/api/v1/policies/check", content=PACKAGE.encode(), headers=plain)
    assert _ok(r)["packages"] == ["t-pkg"]
    r = client.post("/api/v1/policies/check", json={"yaml": STAFF}, headers=_auth(world["admin"]))
    assert _ok(r)["policies"] == ["t-staff"]


def test_load_versions_and_keeps_history(client, db, world) -> None:  # type: ignore[no-untyped-def]
    token = world["analyst"]
    new = RD.replace("id: t-rd", "id: t-rd2").replace("excludes", "#")
    body = _ok(_post_yaml(client, token, "/api/v1/policies", LIBRARY + "---\n" + new), 201)
    assert body == {"created": ["t-rd2"], "updated": [],
                    "unchanged": ["t-pkg", "t-rd", "t-award", "t-staff"]}  # fmt: skip
    changed = RD.replace("value: 0.04", "value: 0.03")
    assert _ok(_post_yaml(client, token, "/api/v1/policies", changed), 201)["updated"] == ["t-rd"]
    detail = _ok(_get(client, token, "/api/v1/policies/t-rd"))
    assert detail["version"] == 2 and "value: 0.03" in detail["source"]
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][0]["created_by"] == "p_analyst"
    assert detail["criteria"][1] == {"index": 1, "label": "rd_intensity >= 0.03",
                                     "field": "rd_intensity", "op": ">=",
                                     "cite": "第二条第一款", "fixed": False}  # fmt: skip
    assert detail["amount"] == "min(rd_spend * 0.1, 500000)" and detail["article"] == "第二条"
    old = _ok(_get(client, token, "/api/v1/policies/t-rd/versions/1"))
    assert old["version"] == 1 and "value: 0.04" in old["source"]
    assert old["criteria"][1]["label"] == "rd_intensity >= 0.04"
    # Loading the same text again changes nothing.
    assert _ok(_post_yaml(client, token, "/api/v1/policies", changed), 201)["unchanged"] == ["t-rd"]
    assert db.scalar(select(func.count()).select_from(PolicyVersion)) == 5


def test_load_refuses_any_error_and_stores_nothing(client, db, world) -> None:  # type: ignore[no-untyped-def]
    before = db.scalar(select(func.count()).select_from(PolicyVersion))
    good = RD.replace("id: t-rd", "id: t-fine")
    r = _post_yaml(client, world["analyst"], "/api/v1/policies", good + "---\n" + BROKEN)
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "yaml" and "nothing was stored" in body["detail"]
    assert len(body["errors"]) >= 7 and all(e["line"] > 0 for e in body["errors"])
    assert db.scalar(select(func.count()).select_from(PolicyVersion)) == before
    assert _get(client, world["analyst"], "/api/v1/policies/t-fine").status_code == 404


def test_library_list_filters(client, world) -> None:  # type: ignore[no-untyped-def]
    rows = _ok(_get(client, world["enterprise"], "/api/v1/policies", as_of=AS_OF))
    assert [r["id"] for r in rows] == ["t-award", "t-rd", "t-staff"]
    rd = rows[1]
    # 发文单位 and 主管部门 apart; a file without `authority` gives null
    assert (rd["issuer"], rd["authority"]) == ("测试区人民政府", "测试科技局")
    assert (rows[0]["issuer"], rows[0]["authority"]) == ("测试科技局", None)
    assert rd["in_force"] is True and rd["package"] == "t-pkg" and rd["no_application"] is True
    assert rd["effective"] == "2025-01-01" and rd["expires"] is None
    early = _ok(_get(client, world["enterprise"], "/api/v1/policies", as_of="2024-12-31"))
    assert not any(r["in_force"] for r in early)
    district = _ok(_get(client, world["enterprise"], "/api/v1/policies", level="district"))
    assert [r["id"] for r in district] == ["t-rd"]
    packages = _ok(_get(client, world["enterprise"], "/api/v1/policy-packages"))
    assert packages == [{"id": "t-pkg", "version": 1, "title": "测试政策包",
                         "title_en": "Test package", "issuer": None, "document": None,
                         "cap_fen": 35000000, "cap": "350000.00",
                         "policies": ["t-award", "t-rd", "t-staff"]}]  # fmt: skip


# --------------------------------------------------------------------------- one enterprise


def test_enterprise_policies_explain_stacking_and_cap(client, world) -> None:  # type: ignore[no-untyped-def]
    body = _ok(_get(client, world["admin"], f"/api/v1/enterprises/{uscc(1)}/policies",
                    as_of=AS_OF))  # fmt: skip
    by = {p["policy_id"]: p for p in body["policies"]}
    assert [p["policy_id"] for p in body["policies"]] == ["t-award", "t-rd", "t-staff"]
    assert by["t-rd"]["status"] == "eligible" and by["t-rd"]["amount"] == "96000.00"
    assert by["t-rd"]["amount_fen"] == 9_600_000
    assert by["t-rd"]["kept"] is False and by["t-rd"]["excluded_by"] == "t-award"
    assert by["t-award"]["kept"] is True and by["t-staff"]["amount"] == "90000.00"
    crit = by["t-rd"]["criteria"][1]
    assert crit == {"index": 1, "label": "rd_intensity >= 0.04", "field": "rd_intensity",
                    "op": ">=", "threshold": "0.04", "value": "0.08", "outcome": True,
                    "passed": True, "cite": "第二条第一款", "gap": None,
                    "fixed": False}  # fmt: skip
    assert by["t-rd"]["criteria"][2]["value"] == "12000000.00"
    # 300,000 + 90,000 kept in t-pkg, capped at 350,000; t-rd's 96,000 is excluded.
    assert body["packages"] == [{"package_id": "t-pkg", "kept_fen": 39_000_000,
                                 "cap_fen": 35_000_000, "total_fen": 35_000_000,
                                 "total": "350000.00", "amount_unknown": 0}]  # fmt: skip
    assert body["total_fen"] == 35_000_000 and body["total"] == "350000.00"


def test_enterprise_near_miss_with_rd_spend_hint(client, world) -> None:  # type: ignore[no-untyped-def]
    body = _ok(_get(client, world["enterprise"], f"/api/v1/enterprises/{uscc(2)}/policies",
                    as_of=AS_OF))  # fmt: skip
    rd = next(p for p in body["policies"] if p["policy_id"] == "t-rd")
    assert rd["status"] == "ineligible" and rd["amount"] is None and rd["kept"] is None
    assert rd["failed"] == ["rd_intensity >= 0.04"] and rd["near_miss"] == ["rd_intensity >= 0.04"]
    assert rd["potential_amount"] == "35000.00"
    crit = rd["criteria"][1]
    assert crit["value"] == "0.035" and crit["passed"] is False
    # 3.5 % needs 4 %: rd_spend must reach 399,995 (rounding half up to 0.040000), 49,995 more.
    assert crit["gap"] == {"field": "rd_intensity", "shortfall": "0.005", "via_field": "rd_spend",
                           "via_amount": "49995.00"}  # fmt: skip


def test_enterprise_unknown_names_missing_fields(client, world) -> None:  # type: ignore[no-untyped-def]
    body = _ok(_get(client, world["admin"], f"/api/v1/enterprises/{uscc(3)}/policies",
                    as_of=AS_OF))  # fmt: skip
    by = {p["policy_id"]: p for p in body["policies"]}
    assert {p["status"] for p in body["policies"]} == {"unknown"}
    assert by["t-rd"]["missing"] == ["revenue", "rd_intensity"]
    assert by["t-award"]["missing"] == ["tax_paid"]
    assert by["t-rd"]["criteria"][1]["value"] is None
    assert by["t-rd"]["criteria"][1]["outcome"] is None
    assert body["total_fen"] == 0 and body["packages"] == []


def test_enterprise_scoping_and_bad_input(client, world) -> None:  # type: ignore[no-untyped-def]
    firm = world["enterprise"]
    assert _get(client, firm, f"/api/v1/enterprises/{uscc(1)}/policies").status_code == 404
    assert _get(client, firm, f"/api/v1/enterprises/{uscc(2).lower()}/policies").status_code == 200
    r = _get(client, world["admin"], "/api/v1/enterprises/91320115MA1XXXXX0X/policies")
    assert r.status_code == 404 and r.json()["field"] == "uscc"
    r = _get(client, firm, f"/api/v1/enterprises/{uscc(2)}/policies", as_of="2025-02-30")
    assert r.status_code == 422 and r.json()["field"] == "as_of"


# --------------------------------------------------------------------------- who qualifies


def _direct(db: Any, policy_id: str, as_of: str) -> dict[str, str]:
    """Each enterprise's status by the plain evaluator, one enterprise at a time."""
    when = parse_date(as_of)
    compiled = compile_policy(service.parse_version(service.get_version(db, policy_id)), when)  # type: ignore[arg-type]
    out = {}
    for code in db.scalars(select(Enterprise.uscc)):
        values = snapshot.portrait_values(db, code, when)
        out[code] = evaluate(compiled, values).status
    return out


def test_who_qualifies_counts_match_a_direct_computation(client, db, world) -> None:  # type: ignore[no-untyped-def]
    direct = _direct(db, "t-rd", AS_OF)
    body = _ok(_get(client, world["leader"], "/api/v1/policies/t-rd/matches", as_of=AS_OF,
                    status="all"))  # fmt: skip
    counts = body["counts"]
    for status in ("eligible", "unknown", "ineligible"):
        assert counts[status] == sum(1 for s in direct.values() if s == status), status
    assert counts == {"eligible": 2, "unknown": 1, "ineligible": 2, "near": 1,
                      "amount_fen": 12_600_000, "amount": "126000.00"}  # fmt: skip
    assert {i["uscc"]: i["status"] for i in body["items"]} == direct
    assert body["snapshot"]["rows"] == 5 and body["policy"]["id"] == "t-rd"
    items = {i["uscc"]: i for i in body["items"]}
    assert items[uscc(1)]["name"] == "南京测试1号软件科技有限公司"
    assert items[uscc(1)]["amount"] == "96000.00"
    assert items[uscc(3)]["missing"] == ["revenue", "rd_intensity"]
    assert items[uscc(4)]["failed"] == ["district == 320115"]
    # the district is a condition an enterprise cannot change: never "one criterion away"
    assert items[uscc(4)]["near"] == []
    policy = _ok(_get(client, world["leader"], "/api/v1/policies/t-rd", as_of=AS_OF))
    fixed = {c["field"]: c["fixed"] for c in policy["criteria"]}
    assert fixed["district"] is True and fixed["rd_intensity"] is False


@pytest.mark.parametrize(
    ("status", "expected"),
    [("eligible", [1, 5]), ("unknown", [3]), ("near", [2]), ("ineligible", [2, 4])],
)
def test_who_qualifies_status_filters(client, world, status, expected) -> None:  # type: ignore[no-untyped-def]
    body = _ok(_get(client, world["analyst"], "/api/v1/policies/t-rd/matches", as_of=AS_OF,
                    status=status))  # fmt: skip
    assert sorted(i["uscc"] for i in body["items"]) == sorted(uscc(n) for n in expected)
    assert body["total"] == len(expected)


def test_who_qualifies_pages(client, world) -> None:  # type: ignore[no-untyped-def]
    seen = []
    for page in (1, 2, 3):
        body = _ok(_get(client, world["analyst"], "/api/v1/policies/t-rd/matches", as_of=AS_OF,
                        status="all", per_page=2, page=page))  # fmt: skip
        assert body["total"] == 5 and body["page"] == page and body["per_page"] == 2
        seen += [i["uscc"] for i in body["items"]]
    assert seen == sorted(uscc(n) for n in range(1, 6))
    body = _ok(_get(client, world["analyst"], "/api/v1/policies/t-rd/matches", as_of=AS_OF,
                    status="all", per_page=2, page=4))  # fmt: skip
    assert body["items"] == [] and body["total"] == 5


def test_snapshot_is_reused_until_refreshed(client, sessions, world) -> None:  # type: ignore[no-untyped-def]
    url, token = "/api/v1/policies/t-staff/matches", world["analyst"]
    first = _ok(_get(client, token, url, as_of=AS_OF))
    assert first["counts"]["eligible"] == 3
    # Enterprise 5 hires R&D staff: the snapshot of the date keeps the old figures until refreshed.
    run_import(sessions, ACTOR, "financials",
               to_csv([_fin(5, "6000000.00", "300000.00", "25")], FIN_HEADER), "f.csv")  # fmt: skip
    again = _ok(_get(client, token, url, as_of=AS_OF))
    assert again["snapshot"]["id"] == first["snapshot"]["id"] and again["counts"]["eligible"] == 3
    fresh = _ok(_get(client, token, url, as_of=AS_OF, refresh="true"))
    assert fresh["snapshot"]["id"] != first["snapshot"]["id"]
    assert fresh["counts"]["eligible"] == 4


def test_export_csv_and_xlsx(client, world) -> None:  # type: ignore[no-untyped-def]
    url, token = "/api/v1/policies/t-rd/matches/export", world["leader"]
    r = _get(client, token, url, format="csv", as_of=AS_OF, headers="codes")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["uscc", "name", "status", "amount", "failed", "missing", "near"]
    by = {row[0]: row for row in rows[1:]}
    assert len(by) == 5
    assert by[uscc(1)][1:4] == ["南京测试1号软件科技有限公司", "eligible", "96000.00"]
    assert by[uscc(3)][3:] == ["", "", "revenue;rd_intensity", ""]
    r = _get(client, token, url, format="csv", as_of=AS_OF, status="eligible")
    assert len(r.content.decode("utf-8-sig").strip().splitlines()) == 3
    r = _get(client, token, url, format="xlsx", as_of=AS_OF, status="near", headers="codes")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == ("uscc", "name", "status", "amount", "failed", "missing", "near")
    assert sorted(v[0] for v in values[1:]) == [uscc(2)]  # not 4: only its district differs
    assert all(v[6] for v in values[1:])  # the criterion that alone keeps each one out
    r = _get(client, token, url, format="xlsx", as_of=AS_OF, status="eligible", headers="codes")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    amounts = {row[0]: row[3] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(amounts[uscc(5)])) == Decimal("30000")


def test_export_in_chinese_by_default(client, world) -> None:  # type: ignore[no-untyped-def]
    url, token = "/api/v1/policies/t-rd/matches/export", world["leader"]
    r = _get(client, token, url, format="csv", as_of=AS_OF)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["统一社会信用代码", "企业名称", "结果代码", "结果", "金额（元）"]
    by = {row[0]: row for row in rows[1:]}
    assert by[uscc(1)][2:5] == ["eligible", "符合", "96000.00"]  # the code beside its words
    assert by[uscc(3)][7:9] == ["revenue;rd_intensity", "营业收入；研发投入强度"]
    r = _get(client, token, url, format="xlsx", as_of=AS_OF, status="near")
    values = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert values[0][9:] == ("仅差此项代码", "仅差此项")
    assert all(v[9] and v[10] and v[10] != v[9] for v in values[1:])  # the words of the code
    bad = _get(client, token, url, format="csv", as_of=AS_OF, headers="english")
    assert bad.status_code == 422 and bad.json()["field"] == "headers"
    assert "zh or codes" in bad.json()["detail"]


def test_xlsx_refuses_more_rows_than_a_sheet_holds(client, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from highland.enterprises import service as enterprise_service

    monkeypatch.setattr(enterprise_service, "XLSX_MAX_ROWS", 4)
    r = _get(client, world["admin"], "/api/v1/policies/t-rd/matches/export", format="xlsx",
             as_of=AS_OF)  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "format" and "CSV" in r.json()["detail"]


# --------------------------------------------------------------------------- what-if


def test_what_if_lowering_a_threshold(client, world) -> None:  # type: ignore[no-untyped-def]
    token = world["leader"]
    source = _ok(_get(client, token, "/api/v1/policies/t-rd"))["source"]
    edited = source.replace("value: 0.04", "value: 0.03")
    r = client.post("/api/v1/policies/t-rd/what-if", json={"as_of": AS_OF, "yaml": edited},
                    headers=_auth(token))  # fmt: skip
    body = _ok(r)
    assert body["before"]["eligible"] == 2 and body["after"]["eligible"] == 3
    assert body["before"]["amount"] == "126000.00" and body["after"]["amount"] == "161000.00"
    assert body["delta"] == {"eligible": 1, "unknown": 0, "near_miss": -1,
                             "amount_fen": 3_500_000, "amount": "35000.00"}  # fmt: skip
    # Nothing was stored.
    assert _ok(_get(client, token, "/api/v1/policies/t-rd"))["version"] == 1


def test_what_if_by_criterion_value_and_amount(client, world) -> None:  # type: ignore[no-untyped-def]
    token = world["leader"]
    payload = {"as_of": AS_OF, "thresholds": {"1": "0.03"}}
    r = client.post("/api/v1/policies/t-rd/what-if", json=payload, headers=_auth(token))
    body = _ok(r)
    assert body["before"]["eligible"] == 2 and body["after"]["eligible"] == 3
    assert body["delta"]["amount"] == "35000.00"
    r = client.post("/api/v1/policies/t-rd/what-if",
                    json={"as_of": AS_OF, "amount": "100000"}, headers=_auth(token))  # fmt: skip
    body = _ok(r)
    assert body["after"]["eligible"] == 2 and body["after"]["amount"] == "200000.00"
    for payload, message in (
        ({"thresholds": {"1": '"0.03"'}}, "criterion 2 (rd_intensity >=)"),
        ({"thresholds": {"7": "1"}}, "criterion 8 does not exist"),
        ({"amount": "rd_spend *"}, "amount: column"),
        ({"yaml": RD, "amount": "1"}, "either yaml"),
    ):
        r = client.post("/api/v1/policies/t-rd/what-if", json={"as_of": AS_OF, **payload},
                        headers=_auth(token))  # fmt: skip
        assert r.status_code == 422 and message in r.json()["detail"], r.json()
    assert _ok(_get(client, token, "/api/v1/policies/t-rd"))["version"] == 1


def test_what_if_errors_have_lines(client, world) -> None:  # type: ignore[no-untyped-def]
    token = world["analyst"]
    bad = RD.replace("field: revenue", "field: turnover")
    r = client.post("/api/v1/policies/t-rd/what-if", json={"as_of": AS_OF, "yaml": bad},
                    headers=_auth(token))  # fmt: skip
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "yaml"
    assert body["errors"][0]["line"] == _line(bad, "turnover")
    assert "unknown field 'turnover'" in body["errors"][0]["message"]
    other = RD.replace("id: t-rd", "id: t-other")
    r = client.post("/api/v1/policies/t-rd/what-if", json={"yaml": other}, headers=_auth(token))
    assert r.status_code == 422 and r.json()["field"] == "yaml" and "t-rd" in r.json()["detail"]
    r = client.post("/api/v1/policies/t-rd/what-if", json={"as_of": "2024-01-01", "yaml": RD},
                    headers=_auth(token))  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "as_of"


# --------------------------------------------------------------------------- packages


def test_package_reach_applies_exclusions_and_cap(client, world) -> None:  # type: ignore[no-untyped-def]
    body = _ok(_get(client, world["leader"], "/api/v1/policy-packages/t-pkg", as_of=AS_OF))
    members = {m["policy_id"]: m for m in body["members"]}
    assert members["t-rd"]["counts"]["eligible"] == 2
    assert members["t-award"]["counts"]["eligible"] == 3  # 1, 2, 5 (4 has no high-tech)
    assert members["t-staff"]["counts"]["eligible"] == 3  # 1, 2, 4
    # Enterprises 1, 2, 4 and 5 each qualify for at least one policy of the package.
    # 1 and 2: 300,000 + 90,000 capped at 350,000; 4: 90,000; 5: 300,000 (t-rd excluded).
    assert body["reach"] == {"enterprises": 4, "total_fen": 109_000_000,
                             "total": "1090000.00", "amount_unknown": 0}  # fmt: skip
    assert body["cap"] == "350000.00" and body["snapshot"]["rows"] == 5
    r = _get(client, world["leader"], "/api/v1/policy-packages/nope")
    assert r.status_code == 404


# --------------------------------------------------------------------------- runs and replay


def test_runs_and_replay_keep_the_old_results(client, world) -> None:  # type: ignore[no-untyped-def]
    token = world["analyst"]
    run = _ok(client.post("/api/v1/policy-runs", json={"as_of": AS_OF}, headers=_auth(token)),
              201)  # fmt: skip
    assert run["enterprises"] == 5 and run["policies"] == 3 and len(run["result_sha256"]) == 64
    assert run["as_of"] == AS_OF and run["actor"] == "p_analyst" and run["finished_at"]
    listed = _ok(_get(client, world["leader"], "/api/v1/policy-runs"))
    assert [r["id"] for r in listed] == [run["id"]]
    detail = _ok(_get(client, world["leader"], f"/api/v1/policy-runs/{run['id']}"))
    counts = {c["policy_id"]: c for c in detail["counts"]}
    assert counts["t-rd"]["eligible"] == 2 and counts["t-rd"]["amount"] == "126000.00"
    assert counts["t-rd"]["version"] == 1
    url = f"/api/v1/policy-runs/{run['id']}/replay"
    rep = _ok(_get(client, token, url, policy="t-rd", status="eligible"))
    assert rep["verified"] is True and rep["digest"] == run["result_sha256"]
    assert sorted(i["uscc"] for i in rep["items"]) == [uscc(1), uscc(5)]
    # A new version of t-rd does not change what the run replays.
    changed = RD.replace("value: 0.04", "value: 0.03")
    assert _ok(_post_yaml(client, token, "/api/v1/policies", changed), 201)["updated"] == ["t-rd"]
    now = _ok(_get(client, token, "/api/v1/policies/t-rd/matches", as_of=AS_OF))
    assert now["total"] == 3
    rep = _ok(_get(client, token, url, policy="t-rd", status="eligible"))
    assert rep["verified"] is True and rep["total"] == 2
    everything = _ok(_get(client, token, url, per_page=500))
    assert everything["total"] == 15 and everything["verified"] is True
    second = _ok(client.post("/api/v1/policy-runs", json={"as_of": AS_OF}, headers=_auth(token)),
                 201)  # fmt: skip
    assert second["result_sha256"] != run["result_sha256"]
    assert second["snapshot_sha256"] == run["snapshot_sha256"]
    assert [r["id"] for r in _ok(_get(client, token, "/api/v1/policy-runs"))] == [
        second["id"], run["id"]]  # fmt: skip


def test_run_without_body_uses_today(client, world) -> None:  # type: ignore[no-untyped-def]
    from highland.platform.kit.dates import today_local

    r = client.post("/api/v1/policy-runs", headers=_auth(world["admin"]))
    assert _ok(r, 201)["as_of"] == today_local().isoformat()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "field"),
    [
        ("GET", "/api/v1/policies", {"params": {"as_of": "2025-02-30"}}, 422, "as_of"),
        ("GET", "/api/v1/policies", {"params": {"level": "galactic"}}, 422, "level"),
        ("GET", "/api/v1/policies", {"params": {"package": "nope"}}, 422, "package"),
        ("GET", "/api/v1/policies/nope", {}, 404, None),
        ("GET", "/api/v1/policies/t-rd/versions/9", {}, 404, None),
        ("GET", "/api/v1/policies/t-rd/versions/x", {}, 422, "version"),
        ("GET", "/api/v1/policies/t-rd/matches", {"params": {"status": "maybe"}}, 422, "status"),
        ("GET", "/api/v1/policies/t-rd/matches", {"params": {"per_page": 501}}, 422, "per_page"),
        ("GET", "/api/v1/policies/t-rd/matches", {"params": {"page": 0}}, 422, "page"),
        ("GET", "/api/v1/policies/t-rd/matches", {"params": {"as_of": "2024-12-31"}}, 422, "as_of"),
        ("GET", "/api/v1/policies/t-rd/matches", {"params": {"as_of": "soon"}}, 422, "as_of"),
        ("GET", "/api/v1/policies/nope/matches", {}, 404, None),
        (
            "GET",
            "/api/v1/policies/t-rd/matches/export",
            {"params": {"format": "pdf"}},
            422,
            "format",
        ),
        ("POST", "/api/v1/policies/check", {"content": b"", "headers": YAML}, 422, "yaml"),
        (
            "POST",
            "/api/v1/policies/check",
            {"content": b"# only a comment\n", "headers": YAML},
            200,
            None,
        ),
        ("POST", "/api/v1/policies", {"content": b"  \n", "headers": YAML}, 422, "yaml"),
        (
            "POST",
            "/api/v1/policies",
            {"content": b"id: x", "headers": {"content-type": "application/pdf"}},
            415,
            "content-type",
        ),
        (
            "POST",
            "/api/v1/policies",
            {"content": b"{nope", "headers": {"content-type": "application/json"}},
            422,
            "body",
        ),
        ("POST", "/api/v1/policies", {"json": {"text": "id: x"}}, 422, "yaml"),
        ("POST", "/api/v1/policies", {"content": b"\xff\xfe", "headers": YAML}, 422, "body"),
        ("POST", "/api/v1/policies/t-rd/what-if", {"json": {"as_of": AS_OF}}, 422, "yaml"),
        (
            "POST",
            "/api/v1/policies/t-rd/what-if",
            {"content": b"{", "headers": {"content-type": "application/json"}},
            422,
            "body",
        ),
        ("POST", "/api/v1/policies/t-rd/what-if", {"json": {"yaml": ""}}, 422, "yaml"),
        ("POST", "/api/v1/policies/nope/what-if", {"json": {"yaml": RD}}, 404, None),
        ("POST", "/api/v1/policy-runs", {"json": {"as_of": "2025-13-01"}}, 422, "as_of"),
        ("GET", "/api/v1/policy-runs/999999", {}, 404, None),
        ("GET", "/api/v1/policy-runs/x", {}, 422, "run_id"),
        ("GET", "/api/v1/policy-runs", {"params": {"limit": 0}}, 422, "limit"),
        ("GET", "/api/v1/policy-packages/t-pkg", {"params": {"as_of": "x"}}, 422, "as_of"),
    ],
)
def test_bad_input_names_the_field(client, db, world, method, url, kwargs, status, field
                                   ) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    before = db.scalar(select(func.count()).select_from(PolicyVersion))
    kwargs = {**kwargs, "headers": {**_auth(world["admin"]), **kwargs.get("headers", {})}}
    r = client.request(method, url, **kwargs)
    assert r.status_code == status, r.text[:500]
    body = r.json()
    if field is not None:
        fields = {body.get("field")} | {e.get("field") for e in body.get("errors", [])}
        assert field in fields, body
    if status == 200:
        assert body["ok"] is False and "no policy or package" in body["errors"][0]["message"]
    assert db.scalar(select(func.count()).select_from(PolicyVersion)) == before


def test_replay_bad_input(client, world) -> None:  # type: ignore[no-untyped-def]
    token = world["admin"]
    run = _ok(client.post("/api/v1/policy-runs", json={"as_of": AS_OF}, headers=_auth(token)),
              201)  # fmt: skip
    url = f"/api/v1/policy-runs/{run['id']}/replay"
    assert _get(client, token, url, policy="nope").status_code == 404
    r = _get(client, token, url, status="near")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"


def test_permissions_of_writes(client, world) -> None:  # type: ignore[no-untyped-def]
    assert _post_yaml(client, world["leader"], "/api/v1/policies", RD).status_code == 403
    assert _post_yaml(client, world["leader"], "/api/v1/policies/check", RD).status_code == 403
    r = client.post("/api/v1/policy-runs", json={}, headers=_auth(world["leader"]))
    assert r.status_code == 403
    r = _get(client, world["handler"], "/api/v1/policies/t-rd/matches", as_of=AS_OF)
    assert r.status_code == 403
    assert _get(client, world["handler"], "/api/v1/policies/t-rd").status_code == 200


def test_cookie_posts_need_the_csrf_token(client, db, world) -> None:  # type: ignore[no-untyped-def]
    from highland.platform.identity.models import User

    analyst = db.scalar(select(User).where(User.username == "p_analyst"))
    cookie, csrf = identity.open_session(db, analyst, 1)
    db.commit()
    client.cookies.set("highland_session", cookie)
    r = client.post("/api/v1/policies/check", content=RD.encode(), headers=YAML)
    assert r.status_code == 403
    r = client.post("/api/v1/policies/check", content=RD.encode(),
                    headers={**YAML, "x-csrf-token": csrf})  # fmt: skip
    assert _ok(r)["ok"] is True
    client.cookies.clear()


def test_openapi_lists_the_policy_api(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/policies/{policy_id}/matches" in paths
    body = paths["/api/v1/policies"]["post"]["requestBody"]["content"]
    assert {"application/yaml", "application/json"} <= set(body)
    json.dumps(paths)  # serialisable
