"""Policy pages: the library and uploads, a policy and who qualifies, exports, what-if, an
enterprise's policies, packages, runs and replay — in Chinese and English."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity import service as identity
from highland.policies import service
from highland.policies.models import MatchRun, PolicyVersion
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

AS_OF = "2026-06-30"
POLICY = "jn-2025-rd-subsidy"  # Jiangning: intensity >= 4%, R&D spend >= ¥500,000; 12%
QUAL = "high_tech@2025-01-01/2027-12-31"
MONEY_72K = (
    '<span class="money" title="72,000.00 元">7.2 万元</span>'  # kit.numbers, exact on hover
)
NEAR_ZH = "研发投入强度 3.5%，需达到 4%：还需增加研发费用 10.0 万元"  # ¥99,990 in 万元
NEAR_EN = "R&D intensity 3.5%, needs 4%: 10.0 × 10k yuan more R&D spend"
NEW_POLICY = """\
id: test-2026-award
title: 测试奖励
title_en: Test award
issuer: 测试局
level: municipal
effective: 2026-01-01
benefit:
  type: award
  amount: "50000"
eligibility:
  all:
    - {field: employees, op: ">=", value: 100, cite: 第一条}
"""


@pytest.fixture
def world(client, sessions, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Three Jiangning software firms as of mid-2026, the demo library, an analyst signed in.

    1: intensity 3.5% (R&D ¥700,000 of ¥20M revenue): one criterion away from POLICY.
    2: intensity 6% (¥600,000 of ¥10M): eligible for POLICY, ¥72,000.
    3: no figures: POLICY is unknown for it.
    """
    ents = [ent_row(n, qualifications=QUAL) for n in (1, 2, 3)]
    run_import(sessions, ACTOR, "enterprises", to_csv(ents, ENT_HEADER), "e.csv")
    figs = [
        fin_row(1, 2025, revenue="20000000.00", rd_spend="700000.00"),
        fin_row(2, 2025, revenue="10000000.00", rd_spend="600000.00"),
    ]
    run_import(sessions, ACTOR, "financials", to_csv(figs, FIN_HEADER), "f.csv")
    service.load_demo_library(db, ACTOR)
    own = db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(2)))
    users = {}
    for role in ("analyst", "enterprise", "leader"):
        extra = {"enterprise_id": own} if role == "enterprise" else {}
        user = identity.create_user(
            db, ACTOR, username=f"p_{role}", password="password-1", role=role, **extra
        )
        token, csrf = identity.open_session(db, user, 1)
        users[role] = {"cookie": token, "csrf": csrf}
    db.commit()
    client.cookies.set("highland_session", users["analyst"]["cookie"])
    return {"users": users, "csrf": users["analyst"]["csrf"]}


def _as(client: Any, world: dict[str, Any], role: str) -> str:
    client.cookies.set("highland_session", world["users"][role]["cookie"])
    return str(world["users"][role]["csrf"])


def _english(client: Any) -> None:
    client.cookies.set("highland_lang", "en")


def _versions(db: Any, policy_id: str) -> int:
    return len(db.scalars(select(PolicyVersion).where(PolicyVersion.policy_id == policy_id)).all())


# --------------------------------------------------------------------------- library


def test_library_in_both_languages_and_filters(client: Any, world: dict[str, Any]) -> None:
    page = client.get("/policies")
    assert page.status_code == 200
    assert "政策库" in page.text and "江宁区企业研发投入补助" in page.text
    assert "免申即享" in page.text and 'href="/policies/jn-2025-rd-subsidy"' in page.text
    assert 'id="upload-form"' in page.text  # an analyst may load rules
    district = client.get("/policies", params={"level": "district"})
    assert "江宁区企业研发投入补助" in district.text and "企业研发费用补助" not in district.text
    package = client.get("/policies", params={"package": "jn-2025-industry"})
    assert "江宁区企业研发投入补助" in package.text and "外资研发中心奖励" not in package.text
    _english(client)
    english = client.get("/policies")
    assert (
        "Policy library" in english.text and "Jiangning R&amp;D investment subsidy" in english.text
    )
    assert "No application needed" in english.text
    assert client.get("/policies", params={"level": "galactic"}).status_code == 422


def test_upload_with_errors_shows_lines_and_stores_nothing(
    client: Any, world: dict[str, Any], db: Any
) -> None:
    broken = NEW_POLICY.replace("employees", "headcount").replace('">="', '"~"')
    resp = client.post("/policies", data={"yaml": broken, "csrf_token": world["csrf"]})
    assert resp.status_code == 422
    assert "未保存任何内容" in resp.text
    assert "pasted.yaml:12:" in resp.text and "headcount" in resp.text
    assert "test-2026-award" in resp.text  # the text is shown again, not lost
    assert _versions(db, "test-2026-award") == 0
    empty = client.post("/policies", data={"yaml": "  ", "csrf_token": world["csrf"]})
    assert empty.status_code == 422 and "pasted.yaml:1:" in empty.text


def test_upload_stores_then_versions(client: Any, world: dict[str, Any], db: Any) -> None:
    resp = client.post("/policies", data={"yaml": NEW_POLICY, "csrf_token": world["csrf"]})
    assert resp.status_code == 200, resp.text[:500]
    assert "已保存：新增 1 项，新版本 0 项，未变 0 项。" in resp.text
    again = client.post(
        "/policies",
        data={"csrf_token": world["csrf"]},
        files={"file": ("award.yaml", NEW_POLICY.encode(), "application/x-yaml")},
    )
    assert "新增 0 项，新版本 0 项，未变 1 项" in again.text
    changed = NEW_POLICY.replace("value: 100", "value: 80")
    client.post("/policies", data={"yaml": changed, "csrf_token": world["csrf"]})
    assert _versions(db, "test-2026-award") == 2
    page = client.get("/policies/test-2026-award", params={"as_of": AS_OF})
    assert page.status_code == 200 and "v2" in page.text and "v1" in page.text
    assert "从业人员不低于 80 人" in page.text and "第一条" in page.text


def test_upload_needs_write_and_csrf(client: Any, world: dict[str, Any]) -> None:
    csrf = _as(client, world, "leader")
    assert 'id="upload-form"' not in client.get("/policies").text
    resp = client.post("/policies", data={"yaml": NEW_POLICY, "csrf_token": csrf})
    assert resp.status_code == 403
    _as(client, world, "analyst")
    assert client.post("/policies", data={"yaml": NEW_POLICY}).status_code == 403


# --------------------------------------------------------------------------- one policy


def test_policy_page_shows_rule_and_who_qualifies(client: Any, world: dict[str, Any]) -> None:
    page = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})
    assert page.status_code == 200
    text = page.text
    assert "江宁区企业研发投入补助" in text and "江宁政发〔2025〕8号（示例）" in text
    assert "同时满足以下全部条件" in text and "第五条第一款" in text
    assert "研发投入强度不低于 4%" in text and "所在区为江宁区" in text
    assert "研发费用的 12%，最高 100 万元" in text  # the amount as a sentence
    # the excluded policy by its title; its id, the formula and the source behind the toggle
    assert '<a href="/policies/nj-2025-rd-subsidy">' in text
    source = text.split('id="rule-source"')[1]
    assert "<code>nj-2025-rd-subsidy</code>" in source
    assert "min(rd_spend * 0.12, 1000000)" in source and "id: jn-2025-rd-subsidy" in source
    assert "min(rd_spend" not in text.split('id="what-if"')[0]  # nor above the what-if
    counts = {k: _metric(text, k) for k in ("eligible", "unknown", "near", "ineligible")}
    assert counts == {"eligible": "1", "unknown": "1", "near": "1", "ineligible": "1"}
    assert '<div class="value" id="total-cost">' + MONEY_72K + "</div>" in text
    assert uscc(2) in text and uscc(1) not in text  # the eligible tab by default
    assert "数据快照生成于" in text and 'id="refresh"' in text
    near = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF, "status": "near"})
    assert uscc(1) in near.text and uscc(2) not in near.text
    assert "研发投入强度不低于 4%" in near.text.split('id="who-table"')[1]
    unknown = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF, "status": "unknown"})
    assert uscc(3) in unknown.text and "研发投入强度" in unknown.text.split('id="who-table"')[1]
    _english(client)
    english = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})
    assert "Who qualifies" in english.text and "All of" in english.text
    assert "R&amp;D intensity at least 4%" in english.text and "Jiangning R&amp;D" in english.text
    assert "12% of R&amp;D spend, at most ¥1,000,000" in english.text


def _metric(text: str, key: str) -> str:
    part = text.split(f'data-count="{key}"')[1]
    return part.split('<div class="value">')[1].split("</div>")[0]


def test_policy_page_out_of_force_and_bad_requests(client: Any, world: dict[str, Any]) -> None:
    early = client.get(f"/policies/{POLICY}", params={"as_of": "2024-01-01"})
    assert early.status_code == 200 and "该政策在 2024-01-01 不在有效期内" in early.text
    assert client.get("/policies/no-such-policy").status_code == 404
    assert client.get(f"/policies/{POLICY}", params={"status": "maybe"}).status_code == 422
    assert client.get(f"/policies/{POLICY}", params={"as_of": "2026-13-01"}).status_code == 422


def test_enterprise_user_sees_the_rule_but_not_who_qualifies(
    client: Any, world: dict[str, Any]
) -> None:
    _as(client, world, "enterprise")
    page = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})
    assert page.status_code == 200 and "研发投入强度不低于 4%" in page.text
    assert 'id="who"' not in page.text and 'id="what-if"' not in page.text
    # no rule source for an enterprise: neither the toggle, the formula nor the policy id
    assert 'id="rule-source"' not in page.text and "min(rd_spend" not in page.text
    assert "jn-2025-rd-subsidy</code>" not in page.text and "id: jn-2025" not in page.text
    assert client.get(f"/policies/{POLICY}/export.csv").status_code == 403


def test_rule_source_is_for_analysts_only(client: Any, world: dict[str, Any]) -> None:
    """The rule as written (policy id, fields, operators, formula, YAML) sits behind a closed
    规则原文 toggle for those who write rules; everyone else reads sentences."""
    page = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})  # an analyst
    toggle = page.text.split('<details id="rule-source">')[1].split("</details>")[0]
    assert "<summary>规则原文</summary>" in toggle
    assert "<code>rd_intensity &gt;= 0.04</code>" in toggle
    assert "<code>district == 320115</code>" in toggle
    assert '<code id="policy-id">jn-2025-rd-subsidy</code>' in toggle
    for role in ("leader", "enterprise"):
        _as(client, world, role)
        other = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})
        assert other.status_code == 200 and "研发投入强度不低于 4%" in other.text
        assert 'id="rule-source"' not in other.text and "rd_intensity &gt;=" not in other.text
        assert "<code>jn-2025-rd-subsidy</code>" not in client.get("/policies").text
    _as(client, world, "analyst")
    assert '<code class="muted">jn-2025-rd-subsidy</code>' in client.get("/policies").text
    _english(client)
    english = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})
    assert "<summary>Rule source</summary>" in english.text


def test_tab_counts_say_that_they_overlap(client: Any, world: dict[str, Any]) -> None:
    page = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})
    note = page.text.split('id="tabs-note">')[1].split("</p>")[0]
    assert "共 3 家企业：符合 1 家，待补数据 1 家，不符合 1 家。" in note
    assert "“差一项”的 1 家" in note and "也计入“不符合”" in note
    _english(client)
    english = client.get(f"/policies/{POLICY}", params={"as_of": AS_OF})
    assert "3 enterprises: 1 eligible, 1 need data, 1 not eligible" in english.text


def test_exports_csv_and_xlsx(client: Any, world: dict[str, Any]) -> None:
    resp = client.get(f"/policies/{POLICY}/export.csv", params={"as_of": AS_OF, "headers": "codes"})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = resp.headers["content-disposition"]
    assert disposition == f'attachment; filename="policy-{POLICY}-{AS_OF}-all.csv"'
    assert resp.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert [r["uscc"] for r in rows] == [uscc(1), uscc(2), uscc(3)]
    by = {r["uscc"]: r for r in rows}
    assert by[uscc(2)]["status"] == "eligible" and by[uscc(2)]["amount"] == "72000.00"
    assert by[uscc(2)]["name"] == "南京测试2号软件科技有限公司"
    assert by[uscc(1)]["failed"] == "rd_intensity >= 0.04" and by[uscc(1)]["amount"] == ""
    assert by[uscc(1)]["near"] == "rd_intensity >= 0.04"
    assert by[uscc(3)]["status"] == "unknown" and by[uscc(3)]["missing"] == "rd_spend;rd_intensity"
    eligible = client.get(
        f"/policies/{POLICY}/export.xlsx",
        params={"as_of": AS_OF, "status": "eligible", "headers": "codes"},
    )
    assert eligible.status_code == 200
    assert eligible.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert eligible.headers["content-disposition"].endswith(f'-{AS_OF}-eligible.xlsx"')
    sheet = load_workbook(io.BytesIO(eligible.content)).active
    assert sheet is not None
    values = list(sheet.values)
    assert values[0] == ("uscc", "name", "status", "amount", "failed", "missing", "near")
    assert len(values) == 2 and values[1][0] == uscc(2) and values[1][3] == 72000
    chinese = client.get(f"/policies/{POLICY}/export.xlsx", params={"as_of": AS_OF})
    values = list(load_workbook(io.BytesIO(chinese.content)).active.values)  # type: ignore[union-attr]
    assert values[0][:5] == ("统一社会信用代码", "企业名称", "结果代码", "结果", "金额（元）")
    by = {v[0]: v for v in values[1:]}
    assert by[uscc(2)][2:5] == ("eligible", "符合", 72000)
    assert by[uscc(1)][5:7] == ("rd_intensity >= 0.04", "研发投入强度不低于 4%")
    bad = client.get(f"/policies/{POLICY}/export.csv", params={"as_of": AS_OF, "headers": "x"})
    assert bad.status_code == 422 and "headers 参数“x”无效" in bad.text


def test_refresh_rebuilds_the_snapshot_and_comes_back(client: Any, world: dict[str, Any]) -> None:
    resp = client.post(
        f"/policies/{POLICY}/refresh",
        data={"as_of": AS_OF, "status": "near", "csrf_token": world["csrf"]},
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == f"/policies/{POLICY}?as_of={AS_OF}&status=near#who"


def test_what_if_shows_the_change_and_saves_nothing(
    client: Any, world: dict[str, Any], db: Any
) -> None:
    source = service.get_version(db, POLICY).source
    lowered = source.replace("value: 0.04,", "value: 0.035,")
    assert lowered != source
    resp = client.post(
        f"/policies/{POLICY}/what-if",
        data={"rule": lowered, "as_of": AS_OF, "csrf_token": world["csrf"]},
    )
    assert resp.status_code == 200, resp.text[:800]
    row = resp.text.split('data-row="eligible"')[1].split("</tr>")[0]
    assert '<td class="num">1</td><td class="num">2</td>' in row and "+1" in row
    cost = resp.text.split('data-row="amount"')[1].split("</tr>")[0]
    assert (
        MONEY_72K in cost
        and ">15.6 万元<" in cost
        and '+<span class="money" title="84,000.00 元">8.4 万元' in cost
    )
    assert _versions(db, POLICY) == 1
    broken = lowered.replace("field: rd_spend", "field: rd_money")
    bad = client.post(
        f"/policies/{POLICY}/what-if",
        data={"rule": broken, "as_of": AS_OF, "csrf_token": world["csrf"]},
    )
    assert bad.status_code == 422
    assert f"{POLICY}（修改稿）:" in bad.text and "rd_money" in bad.text
    assert "rd_money" in bad.text.split('id="rule"')[1]  # the edited text is kept
    _english(client)
    english = client.post(
        f"/policies/{POLICY}/what-if",
        data={"rule": lowered, "as_of": AS_OF, "csrf_token": world["csrf"]},
    )
    assert "Before and after" in english.text and "nothing was saved" in english.text


# --------------------------------------------------------------------------- one enterprise


def test_enterprise_page_near_miss_sentence_and_amount(client: Any, world: dict[str, Any]) -> None:
    page = client.get(f"/enterprises/{uscc(1)}/policies", params={"as_of": AS_OF})
    assert page.status_code == 200
    card = page.text.split(f'data-policy="{POLICY}"')[1].split('class="card policy-card')[0]
    assert NEAR_ZH in card and "符合后可获 8.4 万元" in card
    assert "3.5%" in card and "研发投入强度不低于 4%" in card and "✗ 不满足" in card
    assert "rd_intensity" not in card  # the rule as written is for analysts, on the policy page
    assert "仅差一项" not in card  # the numeric gap says more than "one criterion away"
    order = page.text.index('id="eligible"'), page.text.index('id="unknown"')
    assert order[0] < order[1] < page.text.index('id="ineligible"')
    _english(client)
    english = client.get(f"/enterprises/{uscc(1)}/policies", params={"as_of": AS_OF})
    assert html.escape(NEAR_EN) in english.text and "Would receive 8.4 × 10k yuan" in english.text


def test_enterprise_page_conditions_are_no_advice(client: Any, world: dict[str, Any]) -> None:
    """A Jiangning firm and a Software Valley policy: out of scope, not "one criterion away"."""
    page = client.get(f"/enterprises/{uscc(2)}/policies", params={"as_of": AS_OF})
    valley = "yht-2025-software-rd-staff"
    card = page.text.split(f'data-policy="{valley}"')[1].split('class="card policy-card')[0]
    assert "不在适用范围：所在区为雨花台区" in card and 'class="near"' not in card
    assert "符合后可获" not in card  # no amount dangled before a firm of another district
    assert '<span class="badge condition"' in card and "rd_staff" not in card
    nearly = page.text.split('id="nearly"')[1].split("</div>")[0]
    assert valley not in nearly and "所在区" not in nearly
    _english(client)
    english = client.get(f"/enterprises/{uscc(2)}/policies", params={"as_of": AS_OF})
    assert "Outside the scope of the policy: District is Yuhuatai" in english.text


def test_enterprise_page_total_and_missing(client: Any, world: dict[str, Any]) -> None:
    two = client.get(f"/enterprises/{uscc(2)}/policies", params={"as_of": AS_OF})
    card = two.text.split(f'data-policy="{POLICY}"')[1].split('class="card policy-card')[0]
    assert "status-eligible" in two.text.split(f'data-policy="{POLICY}"')[0][-200:]
    assert MONEY_72K in card
    total = two.text.split('id="total">')[1].split("</div>")[0]
    assert total.startswith('<span class="money" title="') and ">0.0 万元<" not in total
    assert 'id="package-totals"' in two.text
    three = client.get(f"/enterprises/{uscc(3)}/policies", params={"as_of": AS_OF})
    card = three.text.split(f'data-policy="{POLICY}"')[1].split('class="card policy-card')[0]
    assert "请补充数据：研发费用、研发投入强度" in card and "—" in card
    assert (
        '<div class="value" id="total"><span class="money" title="0.00 元">0.0 万元</span></div>'
        in three.text
    )


def test_enterprise_page_scope(client: Any, world: dict[str, Any]) -> None:
    _as(client, world, "enterprise")
    own = client.get(f"/enterprises/{uscc(2)}/policies", params={"as_of": AS_OF})
    assert own.status_code == 200 and "南京测试2号软件科技有限公司" in own.text
    other = client.get(f"/enterprises/{uscc(1)}/policies", params={"as_of": AS_OF})
    assert other.status_code == 404 and "南京测试1号" not in other.text
    portrait = client.get(f"/enterprises/{uscc(2)}")
    assert f'href="/enterprises/{uscc(2)}/policies' in portrait.text


# --------------------------------------------------------------------------- packages and runs


def test_package_pages(client: Any, world: dict[str, Any]) -> None:
    listing = client.get("/policy-packages")
    assert (
        listing.status_code == 200
        and "江宁区推动科技创新和产业高质量发展若干政策（示例）" in listing.text
    )
    page = client.get("/policy-packages/jn-2025-industry", params={"as_of": AS_OF})
    assert page.status_code == 200 and ">200.0 万元<" in page.text
    assert "江宁区企业研发投入补助" in page.text
    enterprises = page.text.split('id="reach-enterprises">')[1].split("</div>")[0]
    assert enterprises == "2"  # firms 1 and 2 are eligible for some Jiangning policy
    _english(client)
    english = client.get("/policy-packages/jn-2025-industry", params={"as_of": AS_OF})
    assert "Reach" in english.text and "Policies in the package" in english.text
    assert client.get("/policy-packages/none-such").status_code == 404


def test_run_and_replay(client: Any, world: dict[str, Any], db: Any) -> None:
    resp = client.post("/policy-runs", data={"as_of": AS_OF, "csrf_token": world["csrf"]})
    assert resp.status_code == 303
    run_id = db.scalar(select(MatchRun.id).order_by(MatchRun.id.desc()))
    assert resp.headers["location"] == f"/policy-runs/{run_id}"
    listing = client.get("/policy-runs")
    assert f'href="/policy-runs/{run_id}"' in listing.text and 'id="run-now"' in listing.text
    run = client.get(f"/policy-runs/{run_id}")
    assert run.status_code == 200 and AS_OF in run.text and "v1" in run.text
    assert 'id="snapshot-sha"' in run.text
    replay = client.get(f"/policy-runs/{run_id}/replay")
    assert "✓ 复算结果与原批次完全一致" in replay.text
    rows = client.get(f"/policy-runs/{run_id}/replay", params={"policy": POLICY})
    table = rows.text.split('id="replay-table"')[1]
    assert all(uscc(n) in table for n in (1, 2, 3)) and MONEY_72K in table
    _english(client)
    english = client.get(f"/policy-runs/{run_id}/replay")
    assert "Replayed exactly" in english.text
    assert client.get(f"/policy-runs/{run_id}/replay", params={"policy": "x"}).status_code == 404
    assert client.get("/policy-runs/99999").status_code == 404


def test_runs_need_the_right_roles(client: Any, world: dict[str, Any]) -> None:
    csrf = _as(client, world, "leader")
    assert client.get("/policy-runs").status_code == 200
    assert client.post("/policy-runs", data={"csrf_token": csrf}).status_code == 403
    _as(client, world, "enterprise")
    assert client.get("/policy-runs").status_code == 403


def test_policy_page_shows_the_issuer_and_the_body_that_runs_it(
    client: Any, world: dict[str, Any]
) -> None:
    """发文单位 and 主管部门 apart: a 宁委发 document is issued by the Party committee and the
    city government, and run by a bureau; a file that names no authority says so."""
    page = client.get("/policies/nj-2025-hightech-first", params={"as_of": AS_OF})
    text = page.text
    assert "<dt>发文单位</dt>" in text and "<dt>主管部门（执行单位）</dt>" in text
    assert '<dd lang="zh-CN" id="policy-issuer">中共南京市委 南京市人民政府</dd>' in text
    assert '<dd lang="zh-CN" id="policy-authority">南京市科学技术局</dd>' in text
    cit = client.get("/policies/nat-2008-hightech-cit", params={"as_of": AS_OF}).text
    assert "近三年研发费用占同期销售收入比例不低于 5%" in cit
    assert "科技人员占职工总数比例不低于 10%" in cit and "国科发火〔2016〕32号" in cit
    library = client.get("/policies").text
    assert "<th>发文单位 / 主管部门</th>" in library
    assert '中共南京市委 南京市人民政府<br><span class="muted">南京市科学技术局</span>' in library
    _english(client)
    english = client.get("/policies/nj-2025-hightech-first", params={"as_of": AS_OF}).text
    assert "<dt>Issued by</dt>" in english and "<dt>Administered by</dt>" in english
    cit = client.get("/policies/nat-2008-hightech-cit", params={"as_of": AS_OF}).text
    assert "R&amp;D spend over sales, last three accounting years at least 5%" in cit
    client.cookies.set("highland_lang", "zh-CN")
    resp = client.post("/policies", data={"yaml": NEW_POLICY, "csrf_token": world["csrf"]})
    assert resp.status_code == 200, resp.text[:500]
    page = client.get("/policies/test-2026-award", params={"as_of": AS_OF}).text
    unnamed = '<span class="muted">规则文件未注明</span></dd>'
    assert '<dd lang="zh-CN" id="policy-authority">' + unnamed in page
