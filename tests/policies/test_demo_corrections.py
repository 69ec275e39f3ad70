"""The demo policies as the documents they cite say: each correction seen from both sides of
its condition, in both evaluators, and the issuer apart from the body that runs a policy."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from highland.policies.rules.explain import evaluate
from highland.policies.rules.fields import UNSOURCED_FIELDS
from highland.policies.rules.loader import load_library, portrait_from_human, read_text
from highland.policies.rules.model import compile_policy
from highland.policies.rules.testcases import frame_of
from highland.policies.rules.vector import details
from highland.policies.service import DEMO_LIBRARY

LIB = load_library([DEMO_LIBRARY])
AS_OF = date(2026, 6, 30)
CIT = "nat-2008-hightech-cit"
TSME = "nj-2025-tech-sme-award"
GROWTH = "nj-2025-output-growth"
# A recognised high-tech firm meeting every condition of 国科发火〔2016〕32号 第十一条 tested here.
HIGH_TECH = {
    "qualifications": ["high_tech"], "revenue": 30_000_000, "rd_intensity_3y": D("0.06"),
    "tech_staff_share": D("0.15"), "hightech_revenue_share": D("0.7"),
}  # fmt: skip
TECH_SME = {
    "district": "320111", "qualifications": ["tech_sme"], "employees": 85,
    "revenue": 32_000_000, "total_assets": 50_000_000, "tech_sme_score": 72,
}  # fmt: skip
INDUSTRIAL = {
    "district": "320117", "industry_section": "C", "output_value": 50_000_000,
    "revenue": 48_000_000, "revenue_growth": D("0.15"),
}  # fmt: skip


def _result(policy_id: str, portrait: dict[str, Any], drop: tuple[str, ...] = ()) -> Any:
    """The plain result; the set-based evaluator (on a frame without `drop`) must agree."""
    compiled = compile_policy(LIB.policies[policy_id], AS_OF)
    values = portrait_from_human(portrait)
    plain = evaluate(compiled, values)
    row = details(frame_of(values).drop(list(drop)), compiled).row(0, named=True)
    assert row["status"] == plain.status
    assert [s for s in row["missing"].split(";") if s] == list(plain.missing)
    assert row["amount_fen"] == plain.amount_fen
    return plain


# --------------------------------------------------------------------------- 15% income tax


def test_high_tech_tax_rate_asks_for_three_years_of_rd_not_one() -> None:
    # Main matched this firm on one year's R&D intensity; the rule is three years' R&D over
    # the same years' sales, which the portrait does not hold: missing data, never a fail.
    one_year = {"qualifications": ["high_tech"], "revenue": 30_000_000, "rd_intensity": D("0.06")}
    r = _result(CIT, one_year)
    assert r.status == "unknown"
    assert list(r.missing) == ["rd_intensity_3y", "tech_staff_share", "hightech_revenue_share"]
    assert _result(CIT, HIGH_TECH).status == "eligible"


@pytest.mark.parametrize(
    ("revenue", "ratio", "status"),
    [
        (50_000_000, D("0.0499"), "ineligible"),  # 5,000万 (含) and below: at least 5 %
        (50_000_000, D("0.05"), "eligible"),
        (50_000_001, D("0.0399"), "ineligible"),  # 5,000万–2亿 (含): at least 4 %
        (200_000_000, D("0.04"), "eligible"),
        (200_000_000, D("0.035"), "ineligible"),
        (200_000_001, D("0.03"), "eligible"),  # above 2亿: at least 3 %
        (200_000_001, D("0.0299"), "ineligible"),
    ],
)
def test_high_tech_rd_bands_by_latest_sales(revenue: int, ratio: str, status: str) -> None:
    assert _result(CIT, {**HIGH_TECH, "revenue": revenue, "rd_intensity_3y": ratio}).status == (
        status
    )


def test_high_tech_staff_and_product_revenue_shares() -> None:
    r = _result(CIT, {**HIGH_TECH, "tech_staff_share": D("0.0999")})
    assert r.status == "ineligible" and list(r.failed) == ["tech_staff_share >= 0.1"]
    assert _result(CIT, {**HIGH_TECH, "tech_staff_share": D("0.1")}).status == "eligible"
    r = _result(CIT, {**HIGH_TECH, "hightech_revenue_share": D("0.5999")})
    assert r.status == "ineligible" and list(r.failed) == ["hightech_revenue_share >= 0.6"]
    assert _result(CIT, {**HIGH_TECH, "hightech_revenue_share": D("0.6")}).status == "eligible"
    cites = {c.field: c.cite for c in LIB.policies[CIT].criteria}
    assert cites["tech_staff_share"] == "国科发火〔2016〕32号 第十一条第（三）项"
    assert cites["hightech_revenue_share"] == "国科发火〔2016〕32号 第十一条第（五）项"


def test_a_portrait_frame_without_the_new_fields_reads_them_as_missing() -> None:
    # The registry's frame has no columns for them: both evaluators say "missing data".
    r = _result(CIT, {"qualifications": ["high_tech"], "revenue": 30_000_000},
                drop=UNSOURCED_FIELDS)  # fmt: skip
    assert r.status == "unknown" and "rd_intensity_3y" in r.missing


# --------------------------------------------------------------------------- 科技型中小企业


def test_tech_sme_award_tests_total_assets_and_the_60_point_score() -> None:
    assert _result(TSME, TECH_SME).amount_fen == 3_000_000
    r = _result(TSME, {**TECH_SME, "total_assets": 200_000_001})
    assert r.status == "ineligible" and list(r.failed) == ["total_assets <= 200000000"]
    assert _result(TSME, {**TECH_SME, "total_assets": 200_000_000}).status == "eligible"
    r = _result(TSME, {**TECH_SME, "tech_sme_score": 59})
    assert r.status == "ineligible" and list(r.failed) == ["tech_sme_score >= 60"]
    assert _result(TSME, {**TECH_SME, "tech_sme_score": 60}).status == "eligible"
    no_score = {k: v for k, v in TECH_SME.items() if k != "tech_sme_score"}
    r = _result(TSME, no_score)
    assert r.status == "unknown" and list(r.missing) == ["tech_sme_score"]
    policy = LIB.policies[TSME]
    assert "国科发政〔2022〕67号" in (policy.benefit.note or "")
    assert {c.cite for c in policy.criteria if c.field in ("total_assets", "tech_sme_score")} == {
        "国科发政〔2022〕67号 第六条第（二）项", "国科发政〔2022〕67号 第六条第（五）项",
    }  # fmt: skip


# --------------------------------------------------------------------------- R&D deduction


def test_rd_deduction_cites_the_2023_announcement_and_the_2015_exclusions() -> None:
    p = LIB.policies["nat-2023-rd-super-deduction"]
    assert p.document == "财政部 税务总局公告2023年第7号"
    assert p.issuer == "财政部 税务总局"
    excluded = [c for c in p.criteria if c.field in ("industry_section", "industry_division")]
    assert len(excluded) == 2
    assert all(c.cite == "财税〔2015〕119号 第四条" for c in excluded)
    assert "财税〔2015〕119号" in (p.benefit.note or "")
    firm = {"rd_spend": 1_000_000, "industry_section": "C", "industry_division": "16"}
    assert _result(p.id, firm).status == "ineligible"  # tobacco
    assert _result(p.id, {**firm, "industry_division": "39"}).status == "eligible"


# --------------------------------------------------------------------------- 规上工业


def test_output_growth_award_is_for_industry_above_designated_size() -> None:
    # 规上工业: 主营业务收入 ≥ 2,000万元 in sections B, C and D, not output value in C only.
    assert _result(GROWTH, INDUSTRIAL).status == "eligible"
    for section in ("B", "D"):
        r = _result(GROWTH, {**INDUSTRIAL, "industry_section": section})
        assert r.status == "eligible" and r.amount_fen == 10_000_000
    assert _result(GROWTH, {**INDUSTRIAL, "industry_section": "E"}).status == "ineligible"
    big_output = {**INDUSTRIAL, "output_value": 25_000_000, "revenue": 19_999_999}
    r = _result(GROWTH, big_output)
    assert r.status == "ineligible" and list(r.failed) == ["revenue >= 20000000"]
    small_output = {**INDUSTRIAL, "output_value": 18_000_000, "revenue": 20_000_000}
    assert _result(GROWTH, small_output).status == "eligible"


# --------------------------------------------------------------------------- issuer, authority


ISSUERS = {
    "宁委发": "中共南京市委 南京市人民政府", "宁政发": "南京市人民政府",
    "苏政办发": "江苏省人民政府办公厅", "江宁政发": "南京市江宁区人民政府",
    "雨政发": "南京市雨花台区人民政府",
}  # fmt: skip


def test_the_issuer_is_the_body_that_issued_the_document() -> None:
    seen = set()
    for p in LIB.policies.values():
        prefix = (p.document or "").split("〔")[0]
        if prefix in ISSUERS:
            seen.add(prefix)
            assert p.issuer == ISSUERS[prefix], p.id
            assert p.authority and p.authority != p.issuer, p.id
            if p.package:
                assert LIB.packages[p.package].issuer == p.issuer, p.id
    assert seen == set(ISSUERS)
    assert LIB.policies["nj-2025-hightech-first"].authority == "南京市科学技术局"
    assert LIB.policies[CIT].authority == "国家税务总局"


def test_document_numbers_are_real_or_marked_illustrative() -> None:
    real = {"中华人民共和国企业所得税法", "财政部 税务总局公告2023年第7号"}
    for p in LIB.policies.values():
        assert p.document, p.id
        assert p.document in real or p.document.endswith("（示例）"), p.id
        assert not re.search(r"财税〔2023〕", p.document), p.id
    for pkg in LIB.packages.values():
        assert (pkg.document or "").endswith("（示例）"), pkg.id


# --------------------------------------------------------------------------- the loader


POLICY = """\
id: t-authority
title: 测试
issuer: 测试市人民政府
{authority}level: municipal
effective: 2025-01-01
benefit: {{type: qualification}}
eligibility:
  all:
    - {{field: revenue, op: ">", value: 0}}
"""


def test_rule_files_without_an_authority_still_load() -> None:
    lib = read_text(POLICY.format(authority=""), "p.yaml")
    assert lib.ok, lib.errors
    assert lib.policies["t-authority"].authority is None
    lib = read_text(POLICY.format(authority="authority: 测试市科学技术局\n"), "p.yaml")
    assert lib.ok, lib.errors
    assert lib.policies["t-authority"].authority == "测试市科学技术局"


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("authority: [测试局, 测试厅]\n", "rules.not_text"),
        ('authority: "  "\n', "rules.empty"),
        ("authority:\n", "rules.missing"),
        ("authority: {a: 1}\n", "rules.not_text"),
    ],
)
def test_a_bad_authority_is_a_coded_error_on_its_line(line: str, code: str) -> None:
    lib = read_text(POLICY.format(authority=line), "p.yaml")
    assert not lib.ok and "t-authority" not in lib.policies
    assert [(e.code, e.params.get("key")) for e in lib.errors] == [(code, "authority")]
    assert lib.errors[0].line in (1, 4)
