"""Explanations a person can act on: "one criterion away" only for what the enterprise can
change and only on the path that decides the result; criteria and amounts as sentences in the
page's language; conditions (district, industry, age, …) shown as conditions, never advice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from highland.policies.models import PolicyVersion
from highland.policies.present import Formatter
from highland.policies.rules.amount import parse_amount
from highland.policies.rules.explain import evaluate
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.loader import load_library, portrait_from_human
from highland.policies.rules.model import Policy, Value, compile_policy
from highland.policies.rules.vector import details, summarise
from highland.policies.sentences import predicate
from highland.policies.service import EnterpriseMatch

DEMO = Path(__file__).parents[2] / "src/highland/policies/demo"
AS_OF = date(2026, 6, 30)
REGIONS = {"320114": ("雨花台区", "Yuhuatai"), "320115": ("江宁区", "Jiangning")}
SOFTWARE_VALLEY = "yht-2025-software-rd-staff"  # all: district 320114, division 65, ≥ 20 R&D
# staff, any(high-tech, R&D intensity ≥ 6%)


@pytest.fixture(scope="module")
def policies() -> dict[str, Policy]:
    lib = load_library([DEMO])
    assert not lib.errors
    return dict(lib.policies)


def _firm(**changes: object) -> dict[str, object]:
    """A Jiangning software firm, high-tech, 30 R&D staff, R&D intensity 3% (human units)."""
    human: dict[str, object] = {
        "district": "320115", "industry_division": "65", "industry_section": "I",
        "rd_staff": 30, "qualifications": ["high_tech"], "rd_intensity": Decimal("0.03"),
        "rd_spend": Decimal("300000"), "revenue": Decimal("10000000"), "listed": False,
    }  # fmt: skip
    human.update(changes)
    return portrait_from_human(human)


def _frame(portraits: list[dict[str, object]]) -> pl.DataFrame:
    rows = [{"uscc": f"u{i}", **p} for i, p in enumerate(portraits)]
    schema: dict[str, pl.DataType] = {"uscc": pl.String()}
    for name, spec in FIELDS.items():
        schema[name] = (
            pl.List(pl.String()) if spec.kind == "set" else pl.Boolean() if spec.kind == "bool"
            else pl.String() if spec.kind == "code" else pl.Int64()
        )  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _version(p: Policy) -> PolicyVersion:
    return PolicyVersion(policy_id=p.id, version=1, title=p.title, title_en=p.title_en,
                         issuer=p.issuer, level=p.level, effective=p.effective)  # fmt: skip


# --------------------------------------------------------------------------- the decision path


def test_software_valley_or_case_one_gap_only_and_no_advice(policies) -> None:  # type: ignore[no-untyped-def]
    """The R&D-intensity criterion sits in an `any` already met by high-tech status: it is
    neither failed, nor a gap, nor a ✗; the district is a condition, so nothing is 差一项."""
    compiled = compile_policy(policies[SOFTWARE_VALLEY], AS_OF)
    result = evaluate(compiled, _firm())
    assert result.status == "ineligible"
    assert result.failed == ("district == 320114",)
    assert result.near_miss == ()  # the district is no advice
    card = Formatter("zh-CN", REGIONS).card(_version(policies[SOFTWARE_VALLEY]), result, None, {})
    assert card.near == []
    assert card.out_of_scope == ["所在区为雨花台区"]
    rows = {r.text: r for r in card.rows}
    district, intensity = rows["所在区为雨花台区"], rows["研发投入强度不低于 6%"]
    assert district.fixed and district.passed is False and not district.moot
    assert intensity.moot and intensity.gap is None and not intensity.fixed
    assert [r.text for r in card.rows if r.passed is False and not r.moot] == ["所在区为雨花台区"]
    english = Formatter("en", REGIONS).card(_version(policies[SOFTWARE_VALLEY]), result, None, {})
    assert english.out_of_scope == ["District is Yuhuatai"]


def test_software_valley_in_the_district_one_changeable_gap(policies) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_policy(policies[SOFTWARE_VALLEY], AS_OF)
    result = evaluate(compiled, _firm(district="320114", rd_staff=12))
    assert result.status == "ineligible"
    staff = next(i for i, c in enumerate(compiled.criteria) if c.field == "rd_staff")
    assert result.near_miss == (staff,)  # not the R&D intensity inside the met `any`
    card = Formatter("zh-CN", REGIONS).card(_version(policies[SOFTWARE_VALLEY]), result, None, {})
    assert card.near == ["研发人员 12，需达到 20：还差 8"] and card.out_of_scope == []
    # both district and R&D staff fail: the district puts it out of scope, nothing is advised
    both = evaluate(compiled, _firm(rd_staff=12))
    assert both.near_miss == () and set(both.failed) == {"district == 320114", "rd_staff >= 20"}


def test_set_based_near_misses_agree_and_skip_conditions(policies) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_policy(policies[SOFTWARE_VALLEY], AS_OF)
    firms = [
        _firm(),
        _firm(district="320114", rd_staff=12),
        _firm(rd_staff=12),
        _firm(district="320114", industry_division="64"),
        _firm(district="320114"),
    ]
    frame = _frame(firms)
    got = details(frame, compiled, extra=("near",))
    plain = [evaluate(compiled, f) for f in firms]
    for row, result in zip(got.iter_rows(named=True), plain, strict=True):
        assert row["status"] == result.status
        assert [int(i) for i in row["near"].split(";") if i] == list(result.near_miss)
    assert [r.status for r in plain] == ["ineligible"] * 4 + ["eligible"]
    assert [bool(r.near_miss) for r in plain] == [False, True, False, False, False]
    (summary,) = summarise(frame, [compiled])
    assert summary.near_miss == 1 and summary.ineligible == 4
    district = next(i for i, c in enumerate(compiled.criteria) if c.field == "district")
    assert summary.near_by_criterion[district] == 0


def test_district_only_policies_are_not_recommended(policies) -> None:  # type: ignore[no-untyped-def]
    """差一项即可享受 lists what the firm can act on, never a policy of another district."""
    fmt = Formatter("zh-CN", REGIONS)
    firm = _firm(district="320114", industry_division="65", revenue=Decimal("20000000"),
                 revenue_growth=Decimal("0.25"), rd_staff=12)  # fmt: skip
    picked = ["yht-2025-software-growth", SOFTWARE_VALLEY, "jn-2025-rd-subsidy"]
    results = [(_version(policies[i]), evaluate(compile_policy(policies[i], AS_OF), firm))
               for i in picked]  # fmt: skip
    by_id = {v.policy_id: r for v, r in results}
    assert by_id["yht-2025-software-growth"].status == "eligible"
    # Jiangning's subsidy: only the district (and division) keep a Yuhuatai firm out
    jn = by_id["jn-2025-rd-subsidy"]
    assert jn.status == "ineligible" and jn.near_miss == ()
    match = EnterpriseMatch("u", AS_OF, firm, results, {}, [], 0, 0)
    sections = fmt.sections(match)
    assert [c.policy.id for c in sections["nearly"]] == [SOFTWARE_VALLEY]
    jn_card = next(c for c in sections["ineligible"] if c.policy.id == "jn-2025-rd-subsidy")
    assert jn_card.near == [] and jn_card.out_of_scope[0] == "所在区为江宁区"


# --------------------------------------------------------------------------- sentences

CASES: list[tuple[str, str, Value, bool, str, str]] = [
    ("district", "==", "320114", False, "所在区为雨花台区", "District is Yuhuatai"),
    ("district", "!=", "320114", False, "所在区不为雨花台区", "District is not Yuhuatai"),
    ("district", "in", ("320114", "320115"), False,
     "所在区为雨花台区或江宁区", "District is Yuhuatai or Jiangning"),
    ("district", "in", ("320114",), False, "所在区为雨花台区", "District is Yuhuatai"),
    ("district", "not_in", ("320114", "320115"), False,
     "所在区不属于雨花台区、江宁区", "District is none of Yuhuatai, Jiangning"),
    ("rd_intensity", ">=", Decimal("0.06"), False,
     "研发投入强度不低于 6%", "R&D intensity at least 6%"),
    ("rd_intensity", ">", Decimal("0.06"), False, "研发投入强度高于 6%", "R&D intensity above 6%"),
    ("revenue", "<=", Decimal("200000000"), False, "营业收入不超过 2 亿元",
     "Revenue at most ¥200,000,000"),
    ("rd_spend", "<", Decimal("500000"), False, "研发费用低于 50 万元", "R&D spend below ¥500,000"),
    ("rd_spend", ">=", Decimal("3000"), False,
     "研发费用不低于 3,000 元", "R&D spend at least ¥3,000"),
    ("employees", "between", (Decimal(20), Decimal(300)), False,
     "从业人员在 20 人 至 300 人 之间", "Employees between 20 and 300"),
    ("age_years", "<=", Decimal(3), False, "成立年限不超过 3 年", "Age in years at most 3 years"),
    ("qualifications", "contains", "high_tech", False,
     "具有高新技术企业资质", "Holds High-tech enterprise status"),
    ("qualifications", "contains", ("high_tech", "srdi"), False,
     "具有高新技术企业和专精特新中小企业资质",
     "Holds High-tech enterprise and SRDI SME (specialised, refined, distinctive, innovative) "
     "status"),
    ("qualifications", "in", ("high_tech", "tech_sme"), False,
     "具有高新技术企业或科技型中小企业资质",
     "Holds High-tech enterprise or Technology-based SME status"),
    ("qualifications", "not_in", ("high_tech",), False,
     "不具有高新技术企业资质", "Holds none of: High-tech enterprise"),
    ("listed", "==", True, False, "已上市", "Listed"),
    ("listed", "==", False, False, "未上市", "Not listed"),
    ("last_round_usd", "exists", True, False,
     "已有最近一轮融资（美元）数据", "Last round (USD) is recorded"),
    ("last_round_usd", "exists", False, False,
     "尚无最近一轮融资（美元）数据", "Last round (USD) is not recorded"),
    ("ownership", "in", ("foreign", "hmt"), False,
     "登记注册类型为外商投资或港澳台投资",
     "Ownership is Foreign-funded or Hong Kong, Macao or Taiwan-funded"),
    ("size_class", "in", ("small", "micro"), False, "企业规模为小型或微型", None),
    ("chains", "contains", "ic", False, "所属产业链包括ic", "Chains include ic"),
    # under `not`: said the other way
    ("listed", "==", True, True, "未上市", "Not listed"),
    ("rd_intensity", ">=", Decimal("0.04"), True, "研发投入强度低于 4%", "R&D intensity below 4%"),
    ("qualifications", "contains", "high_tech", True,
     "不具有高新技术企业资质", "Holds none of: High-tech enterprise"),
    ("employees", "between", (Decimal(20), Decimal(300)), True,
     "从业人员不在 20 人 至 300 人 之间", "Employees not between 20 and 300"),
    ("district", "in", ("320114",), True, "所在区不为雨花台区", "District is not Yuhuatai"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "op", "value", "negated", "zh", "en"), CASES)
def test_criteria_read_as_sentences(name, op, value, negated, zh, en) -> None:  # type: ignore[no-untyped-def]
    assert predicate(Formatter("zh-CN", REGIONS), name, op, value, negated) == zh
    if en is not None:
        assert predicate(Formatter("en", REGIONS), name, op, value, negated) == en


def test_every_operator_has_a_sentence_without_codes() -> None:
    ops = {op for _, op, *_ in CASES}
    assert ops == {"==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "between",
                   "exists"}  # fmt: skip


@pytest.mark.parametrize(
    ("formula", "zh", "en"),
    [
        ("min(rd_spend * 0.1, 2000000)", "研发费用的 10%，最高 200 万元",
         "10% of R&D spend, at most ¥2,000,000"),
        ("200000", "20 万元", "¥200,000"),
        ("min(rd_staff * 3000, 300000)", "研发人员每人 3,000 元，最高 30 万元",
         "¥3,000 for each person (R&D staff), at most ¥300,000"),
        ("min(max(revenue * 0.005, 100000), 300000)", "营业收入的 0.5%，最低 10 万元，最高 30 万元",
         "0.5% of revenue, at least ¥100,000, at most ¥300,000"),
        ("min(revenue * revenue_growth / (1 + revenue_growth) * 0.02, 2000000)",
         "营业收入 × 营收增长率 ÷ (1 + 营收增长率)的 2%，最高 200 万元",
         "2% of revenue × revenue growth ÷ (1 + revenue growth), at most ¥2,000,000"),
        ("max(revenue - 50000000, 0) * 0.02", None, None),
        ("min(rd_spend, revenue, 100000)", "取 研发费用、营业收入、10 万元 中较小者",
         "The lesser of R&D spend, revenue, ¥100,000"),
    ],
)  # fmt: skip
def test_amount_formulas_read_as_sentences(formula: str, zh: str | None, en: str | None) -> None:
    expr = parse_amount(formula)
    got_zh = Formatter("zh-CN", REGIONS).amount_text(expr)
    got_en = Formatter("en", REGIONS).amount_text(expr)
    if zh is not None:
        assert got_zh == zh
    if en is not None:
        assert got_en == en
    for text in (got_zh, got_en):
        assert "*" not in text and "rd_" not in text and "min(" not in text
