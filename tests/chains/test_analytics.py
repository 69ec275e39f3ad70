"""Chain analytics against hand-computed values (see tests/chains/analytics_world.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from highland.chains.analytics import measures
from highland.chains.analytics import service as analytics
from highland.platform.errors import InvalidInput, NotFound
from tests.chains.analytics_world import YEAR, build
from tests.chains.test_mapping import make_chain


def test_roll_up_and_prune() -> None:
    assert measures.prune({"65", "6520", "3973", "397"}) == ["397", "65"]
    measured, missing = measures.roll_up(["6520", "3973", "7452"], {"65", "3973"})
    assert measured == ["3973", "65"] and missing == ["7452"]


def test_quotient_and_display() -> None:
    assert measures.quotient(180, 380, 3000, 10000) == Fraction(30, 19)
    assert measures.quotient(0, 380, 2000, 10000) == 0  # a real zero
    assert measures.quotient(5, 0, 1, 1) is None  # undefined, not zero
    assert measures.quotient(None, 1, 1, 1) is None
    assert measures.show(Fraction(30, 19)) == "1.579"
    assert measures.show(Fraction(1, 2000)) == "0.001"  # half-up
    assert measures.show(None) is None


def test_top_quartile_ties() -> None:
    values = {"a": Fraction(3), "b": Fraction(3), "c": Fraction(1), "d": None, "e": Fraction(2)}
    assert measures.top_quartile(values) == {"a", "b"}  # ceil(4/4) = 1, tie included


def test_chain_segment_and_district_lq(db) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    a = analytics.analyse(db, w["chain"].id)
    assert a["year"] == YEAR and a["region"] == "320000"
    # Chain: codes roll up to 35, 3973, 65, 74; local 100+50+30 = 180 of 380 known;
    # reference 2000+200+500+300 = 3000 of 10000 → (180/380)/(3000/10000) = 30/19.
    lq = a["lq"]
    assert lq["lq_exact"] == "30/19" and lq["lq"] == "1.579"
    assert (lq["local"], lq["local_total"], lq["reference"], lq["reference_total"]) == (
        180, 380, 3000, 10000,
    )  # fmt: skip
    assert lq["codes"] == ["35", "3973", "65", "74"]
    assert lq["local_missing"] == 2  # E5 (no employees) and E6 (no yearly row): not zeros
    assert lq["tier"] == "specialised" and lq["eco_star"] is False
    seg = {s["segment"]: s for s in a["segments"]}
    assert seg["design"]["lq"]["lq_exact"] == "150/19"  # (150/380)/(500/10000), via 65
    assert seg["design"]["lq"]["eco_star"] is True
    assert seg["fab"]["lq"]["lq_exact"] == "75/19"
    # equip has no members: no LQ, whatever the registry holds in its class
    assert seg["equip"]["lq"]["lq"] is None and seg["equip"]["lq"]["tier"] is None
    assert seg["equip"]["lq"]["reason"] == "no_members"
    assert seg["design"]["members"] == 3 and seg["fab"]["members"] == 1
    # Districts vs. the city over the chain's own codes: 320115 150/150 vs 180/380 = 19/9;
    # 320106 30/230 → 19/69; 320102 has no figure at all → None (not 0).
    d = {x["district"]: x for x in a["districts"]}
    assert d["320115"]["lq_exact"] == "19/9" and d["320115"]["tier"] == "strong"
    assert d["320106"]["lq_exact"] == "19/69" and d["320106"]["tier"] == "below"
    assert d["320102"]["lq"] is None and d["320102"]["reason"]


def test_missing_reference_is_none_not_zero(db) -> None:  # type: ignore[no-untyped-def]
    w = build(db, reference=False)
    a = analytics.analyse(db, w["chain"].id)
    assert a["lq"]["lq"] is None and a["lq"]["reason"] == "no_reference_figures"
    assert all(s["lq"]["lq"] is None for s in a["segments"])
    # Without LQs, gaps come from member counts alone.
    assert [g["segment"] for g in a["gaps"]] == ["equip", "test", "fab"]
    assert a["gaps"][0]["lq_shortfall"] == "0.000"


def test_code_without_reference(db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from highland.chains.models import ReferenceFigure

    w = build(db)
    db.execute(delete(ReferenceFigure).where(ReferenceFigure.industry_code == "74"))
    a = analytics.analyse(db, w["chain"].id)
    assert a["lq"]["lq"] is None and "7452" in a["lq"]["reason"]
    seg = {s["segment"]: s for s in a["segments"]}
    assert seg["test"]["lq"]["lq"] is None and seg["design"]["lq"]["lq_exact"] == "150/19"


def test_concentration(db) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    c = analytics.analyse(db, w["chain"].id)["concentration"]
    # Accepted members E1, E2, E5, E3; revenue 600, 300, 100 (E5 missing): shares .6 .3 .1
    # → HHI = 3600 + 900 + 100 = 4600; the largest (E1) holds 3/5.
    assert (c["members"], c["members_with_revenue"], c["revenue_fen"]) == (4, 3, 1000)
    assert c["hhi_exact"] == "4600/1" and c["band"] == "high"
    assert c["largest"]["name"] == "E1" and c["largest"]["share_exact"] == "3/5"
    assert c["dependence"] == "high"
    assert measures.hhi_band(Fraction(1800)) == "moderate"
    assert measures.hhi_band(Fraction(999)) == "unconcentrated"
    assert measures.dependence_band(Fraction(2, 5)) == "elevated"


def test_gaps_ordering(db) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    gaps = analytics.analyse(db, w["chain"].id)["gaps"]
    # equip: bottleneck, 0 members (no LQ) → 2 × 1 = 2; test: 1 × 1 = 1;
    # fab: 1 member → 1 × (2/3 + 0); design: 3 members, LQ 7.9 → no gap.
    assert [(g["segment"], g["score_exact"]) for g in gaps] == [
        ("equip", "2/1"), ("test", "1/1"), ("fab", "2/3"),
    ]  # fmt: skip
    assert gaps[0]["weight"] == 2 and gaps[1]["weight"] == 1
    few = analytics.analyse(db, w["chain"].id, few=1)["gaps"]
    assert [g["segment"] for g in few] == ["equip", "test"]


def test_prospect_ranking(db) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    gaps = {g["segment"]: g for g in analytics.analyse(db, w["chain"].id)["gaps"]}
    ranked = gaps["equip"]["prospects"]
    # P1: code 30 + keywords 刻蚀, 刻蚀机 20 + revenue ≥ 10亿 20 + 1500 staff 10 + patents 10;
    # P4: code 30 + 200 staff 3 + 3 patents; P2 (3599) is in no class of the chain: its
    # division and its keyword 光刻 do not make it a prospect.
    assert [(p["name"], p["score"]) for p in ranked] == [("P1", 90), ("P4", 36)]
    points = {f["feature"]: f["points"] for f in ranked[0]["features"]}
    assert points == {"industry_code": 30, "keywords": 20, "revenue_fen": 20,
                      "employees": 10, "patents": 10}  # fmt: skip
    assert ranked[0]["features"][1]["value"] == ["刻蚀", "刻蚀机"]
    assert [p["name"] for p in gaps["test"]["prospects"]] == ["P5"]
    assert gaps["test"]["prospects"][0]["score"] == 52
    assert gaps["fab"]["prospects"] == []  # nothing in 3973 or with 晶圆


def test_revenue_measure_and_bad_input(db) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    a = analytics.analyse(db, w["chain"].id, measure="revenue_fen")
    assert a["lq"]["lq"] is None and a["lq"]["reason"] == "no_reference_figures"
    assert a["year"] == YEAR  # from the yearly figures when no reference exists
    with pytest.raises(InvalidInput):
        analytics.analyse(db, w["chain"].id, measure="profit")
    with pytest.raises(NotFound):
        analytics.analyse(db, 987654)


def test_a_gap_threshold_below_one_is_refused_with_its_code(db) -> None:  # type: ignore[no-untyped-def]
    from highland.platform.errors import InvalidInput
    from highland.platform.web.i18n import error_text

    with pytest.raises(InvalidInput) as caught:
        analytics.analyse(db, build(db)["chain"].id, few=0)
    assert caught.value.code == "analytics.few" and caught.value.field == "few"
    assert error_text("zh-CN", caught.value) == "缺口阈值须至少为 1（收到 0）。"


def test_prospects_come_from_the_own_chains_classes(db) -> None:  # type: ignore[no-untyped-def]
    w = build(db)
    # another chain lists 3562 too: a broad class now, a prospect in it needs a keyword
    make_chain(db, "other", [{"code": "m", "name": "m", "stream": "upstream",
                              "industry_codes": ["3562"], "keywords": []}])  # fmt: skip
    gaps = {g["segment"]: g for g in analytics.analyse(db, w["chain"].id)["gaps"]}
    assert [p["name"] for p in gaps["equip"]["prospects"]] == ["P1"]  # P4 has no keyword
    assert gaps["fab"]["prospects"] == []  # fab's class 3973: none there
