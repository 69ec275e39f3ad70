"""The recognition rule sets at both sides of every boundary, through both evaluators.

Portraits are written in the integer representation (fen, millionths): a boundary's other side
is one fen or one millionth away. Each result is the plain evaluator's, checked against the
set-based one on a one-row frame.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from highland.policies.recognitions import catalogue
from highland.policies.rules.explain import evaluate
from highland.policies.rules.testcases import frame_of
from highland.policies.rules.vector import details

AS_OF = date(2026, 12, 7)
WAN = 1_000_000  # 1 万元 in fen
YI = 10_000 * WAN  # 1 亿元 in fen
PCT = 10_000  # 1% in millionths

BASE: dict[str, dict[str, Any]] = {
    "high-tech": {
        "age_years": 3, "ip_class1": 0, "ip_class2": 1, "tech_staff_share": 15 * PCT,
        "revenue": 3_000 * WAN, "rd_intensity_3y": 6 * PCT, "hightech_revenue_share": 70 * PCT,
    },
    "tech-sme": {
        "employees": 200, "revenue": YI, "total_assets": YI, "tech_sme_score": 70,
        "tech_staff_share": 20 * PCT, "qualifications": [], "qualification_levels": [],
    },
    "innovative-sme": {
        "size_class": "small", "qualifications": [], "qualification_levels": [],
        "equity_raised_3y": 600 * WAN,
    },
    "srdi-sme": {
        "size_class": "medium", "niche_years": 3, "rd_spend": 1_200 * WAN,
        "rd_intensity": 6 * PCT, "revenue": 2 * YI, "equity_raised_2y": 0,
        "rd_spend_2y": 2_200 * WAN,
    },
    "little-giant": {
        "qualifications": ["srdi"], "niche_years": 4, "main_revenue_share": 80 * PCT,
        "main_revenue_growth_2y": 10 * PCT, "revenue": 15_000 * WAN,
        "rd_intensity_min_2y": 4 * PCT, "ip_class1": 3, "equity_raised_2y": 0, "rd_spend_2y": 0,
        "rd_staff_share": 10 * PCT,
    },
}  # fmt: skip


def result(ruleset: str, **values: Any) -> tuple[str, list[str], list[str]]:
    """(status, near-miss labels, missing fields) of the base portrait changed by `values`."""
    compiled = catalogue.get(ruleset).compiled(AS_OF)
    portrait = {**BASE[ruleset], **values}
    plain = evaluate(compiled, portrait)
    row = details(frame_of(portrait), compiled, extra=("near",)).row(0, named=True)
    assert row["status"] == plain.status, (ruleset, values)
    near = [compiled.criteria[int(i)].label for i in row["near"].split(";") if i]
    assert near == [compiled.criteria[i].label for i in plain.near_miss]
    return plain.status, near, list(plain.missing)


def status(ruleset: str, **values: Any) -> str:
    return result(ruleset, **values)[0]


def test_every_rule_set_loads_cites_each_criterion_and_has_its_document() -> None:
    lib = catalogue.library()
    assert not lib.errors
    assert [rs.id for rs in catalogue.rulesets()] == list(catalogue.GRANTS)
    for rs in catalogue.rulesets():
        p = rs.policy
        assert p.document and p.article and p.issuer and p.effective and p.benefit.note
        assert all(c.predicate.cite for c in rs.compiled(AS_OF).criteria), rs.id
        assert status(rs.id) == "eligible", rs.id  # the base portraits pass


def test_an_unknown_rule_set_and_a_date_before_the_document() -> None:
    from highland.platform.errors import InvalidInput, NotFound

    with pytest.raises(NotFound) as nf:
        catalogue.get("gazelle")
    assert nf.value.code == "recognitions.no_ruleset"
    with pytest.raises(InvalidInput) as early:
        catalogue.get("srdi-sme").compiled(date(2022, 7, 31))
    assert early.value.code == "recognitions.not_in_force"


# --------------------------------------------------------------------------- 高新技术企业


@pytest.mark.parametrize(
    ("revenue", "intensity", "expected"),
    [
        (5_000 * WAN, 5 * PCT, "eligible"),  # 5,000万（含）: the 5% band
        (5_000 * WAN, 5 * PCT - 1, "ineligible"),
        (5_000 * WAN + 1, 4 * PCT, "eligible"),  # one fen more: the 4% band
        (5_000 * WAN + 1, 4 * PCT - 1, "ineligible"),
        (2 * YI, 4 * PCT, "eligible"),  # 2亿（含）: still 4%
        (2 * YI, 4 * PCT - 1, "ineligible"),
        (2 * YI + 1, 3 * PCT, "eligible"),  # above 2亿: 3%
        (2 * YI + 1, 3 * PCT - 1, "ineligible"),
    ],
)
def test_high_tech_rd_intensity_bands(revenue: int, intensity: int, expected: str) -> None:
    assert status("high-tech", revenue=revenue, rd_intensity_3y=intensity) == expected


def test_high_tech_other_boundaries() -> None:
    assert status("high-tech", age_years=1) == "eligible"
    assert status("high-tech", age_years=0) == "ineligible"
    assert status("high-tech", tech_staff_share=10 * PCT) == "eligible"
    assert status("high-tech", tech_staff_share=10 * PCT - 1) == "ineligible"
    assert status("high-tech", hightech_revenue_share=60 * PCT) == "eligible"
    assert status("high-tech", hightech_revenue_share=60 * PCT - 1) == "ineligible"
    assert status("high-tech", ip_class1=1, ip_class2=0) == "eligible"
    assert status("high-tech", ip_class1=0, ip_class2=0) == "ineligible"
    assert status("high-tech", ip_class1=None, ip_class2=1) == "eligible"  # one is enough


def test_high_tech_missing_data_is_unknown_never_a_failure() -> None:
    st, near, missing = result("high-tech", rd_intensity_3y=None)
    assert (st, near, missing) == ("unknown", [], ["rd_intensity_3y"])
    st, _, missing = result("high-tech", revenue=None)
    assert st == "unknown" and missing == ["revenue"]
    st, _, missing = result("high-tech", ip_class1=None, ip_class2=None)
    assert st == "unknown" and missing == ["ip_class1", "ip_class2"]


def test_high_tech_one_criterion_away_names_it() -> None:
    st, near, _ = result("high-tech", tech_staff_share=9 * PCT)
    assert st == "ineligible" and near == ["tech_staff_share >= 0.1"]
    st, near, _ = result("high-tech", age_years=0)  # a condition, never advice
    assert st == "ineligible" and near == []


# --------------------------------------------------------------------------- 科技型中小企业


def test_tech_sme_size_limits_are_inclusive() -> None:
    assert status("tech-sme", employees=500) == "eligible"
    assert status("tech-sme", employees=501) == "ineligible"
    assert status("tech-sme", revenue=2 * YI) == "eligible"
    assert status("tech-sme", revenue=2 * YI + 1) == "ineligible"
    assert status("tech-sme", total_assets=2 * YI) == "eligible"
    assert status("tech-sme", total_assets=2 * YI + 1) == "ineligible"


def test_tech_sme_score_and_the_direct_routes() -> None:
    assert status("tech-sme", tech_sme_score=60) == "eligible"
    assert status("tech-sme", tech_sme_score=59) == "ineligible"
    assert status("tech-sme", tech_staff_share=10 * PCT - 1) == "ineligible"  # 科技人员 0分
    assert status("tech-sme", tech_sme_score=59, qualifications=["high_tech"]) == "eligible"
    levels = ["tech_center:provincial"]
    assert status("tech-sme", tech_sme_score=59, qualification_levels=levels) == "eligible"
    municipal = ["tech_center:municipal"]  # below 省部级
    assert status("tech-sme", tech_sme_score=59, qualification_levels=municipal) == "ineligible"
    st, _, missing = result("tech-sme", tech_sme_score=None)
    assert st == "unknown" and missing == ["tech_sme_score"]
    assert status("tech-sme", tech_sme_score=None, qualifications=["high_tech"]) == "eligible"


# --------------------------------------------------------------------------- 创新型中小企业


def test_innovative_sme() -> None:
    assert status("innovative-sme", equity_raised_3y=500 * WAN) == "eligible"
    assert status("innovative-sme", equity_raised_3y=500 * WAN - 1) == "ineligible"
    assert status("innovative-sme", equity_raised_3y=0, qualifications=["high_tech"]) == "eligible"
    national = ["tech_center:national"]
    assert status("innovative-sme", equity_raised_3y=0, qualification_levels=national) == "eligible"
    assert status("innovative-sme", size_class="large") == "ineligible"
    assert status("innovative-sme", size_class="micro") == "eligible"
    assert status("innovative-sme", size_class=None) == "unknown"
    st, _, missing = result("innovative-sme", equity_raised_3y=None)
    assert st == "unknown" and missing == ["equity_raised_3y"]


# --------------------------------------------------------------------------- 专精特新中小企业


def test_srdi_sme_boundaries() -> None:
    assert status("srdi-sme", niche_years=2) == "eligible"
    assert status("srdi-sme", niche_years=1) == "ineligible"
    assert status("srdi-sme", rd_spend=100 * WAN) == "eligible"
    assert status("srdi-sme", rd_spend=100 * WAN - 1) == "ineligible"
    assert status("srdi-sme", rd_intensity=3 * PCT) == "eligible"
    assert status("srdi-sme", rd_intensity=3 * PCT - 1) == "ineligible"
    assert status("srdi-sme", size_class="large") == "ineligible"
    assert status("srdi-sme", size_class=None) == "unknown"


def test_srdi_sme_revenue_or_equity() -> None:
    assert status("srdi-sme", revenue=1_000 * WAN) == "eligible"
    assert status("srdi-sme", revenue=1_000 * WAN - 1) == "ineligible"
    small = 1_000 * WAN - 1
    assert status("srdi-sme", revenue=small, equity_raised_2y=2_000 * WAN) == "eligible"
    assert status("srdi-sme", revenue=small, equity_raised_2y=2_000 * WAN - 1) == "ineligible"


def test_srdi_sme_fourth_condition_routes() -> None:
    assert status("srdi-sme", rd_spend_2y=2_000 * WAN) == "eligible"  # mean 1,000万
    assert status("srdi-sme", rd_spend_2y=2_000 * WAN - 1) == "ineligible"
    low = 2_000 * WAN - 1
    assert status("srdi-sme", rd_spend_2y=low, equity_raised_2y=6_000 * WAN) == "eligible"
    assert status("srdi-sme", rd_spend_2y=low, equity_raised_2y=6_000 * WAN - 1) == "ineligible"
    st, _, missing = result("srdi-sme", rd_spend_2y=None, equity_raised_2y=None)
    assert st == "unknown" and missing == ["equity_raised_2y", "rd_spend_2y"]
    st, _, missing = result("srdi-sme", niche_years=None)
    assert st == "unknown" and missing == ["niche_years"]


# --------------------------------------------------------------------------- 小巨人


def test_little_giant_specialisation_and_output() -> None:
    assert status("little-giant", niche_years=3) == "eligible"
    assert status("little-giant", niche_years=2) == "ineligible"
    assert status("little-giant", main_revenue_share=70 * PCT) == "eligible"
    assert status("little-giant", main_revenue_share=70 * PCT - 1) == "ineligible"
    assert status("little-giant", main_revenue_growth_2y=5 * PCT) == "eligible"
    assert status("little-giant", main_revenue_growth_2y=5 * PCT - 1) == "ineligible"
    assert status("little-giant", ip_class1=2) == "eligible"
    assert status("little-giant", ip_class1=1) == "ineligible"
    st, near, _ = result("little-giant", qualifications=[])
    assert st == "ineligible" and near == ["qualifications contains srdi"]


@pytest.mark.parametrize(
    ("revenue", "intensity", "expected"),
    [
        (YI, 3 * PCT, "eligible"),  # 1亿元以上 includes 1亿: 3%
        (YI, 3 * PCT - 1, "ineligible"),
        (YI - 1, 6 * PCT, "eligible"),  # one fen under 1亿: the 6% band
        (YI - 1, 6 * PCT - 1, "ineligible"),
        (5_000 * WAN, 6 * PCT, "eligible"),  # 5,000万 itself is in the 6% band
        (5_000 * WAN - 1, 6 * PCT, "ineligible"),  # below: only the equity route
    ],
)
def test_little_giant_innovation_bands(revenue: int, intensity: int, expected: str) -> None:
    assert status("little-giant", revenue=revenue, rd_intensity_min_2y=intensity) == expected


def test_little_giant_equity_route_below_5000_wan() -> None:
    route = {
        "revenue": 5_000 * WAN - 1, "equity_raised_2y": 8_000 * WAN,
        "rd_spend_2y": 3_000 * WAN, "rd_staff_share": 50 * PCT,
    }  # fmt: skip
    assert status("little-giant", **route) == "eligible"
    for name in ("equity_raised_2y", "rd_spend_2y", "rd_staff_share"):
        assert status("little-giant", **{**route, name: route[name] - 1}) == "ineligible", name
    st, _, missing = result("little-giant", **{**route, "rd_staff_share": None})
    assert st == "unknown" and missing == ["rd_staff_share"]
