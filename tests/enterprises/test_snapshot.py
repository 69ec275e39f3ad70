"""The registry snapshot equals the one-enterprise portrait, row for row, on both databases."""

from __future__ import annotations

import hashlib
import itertools
import random
from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises import demo, imports, recognition_frame, service, snapshot
from highland.enterprises.models import Enterprise, Financial, Qualification
from highland.enterprises.portrait import (
    classify_size,
    lifecycle_rules_from_mapping,
    recognition,
    size_row_for,
)
from highland.enterprises.portrait.numbers import _root_growth, _round_ratio
from highland.enterprises.snapshot import (
    PORTRAIT_SCHEMA,
    portrait_frame,
    portrait_values,
    row_values,
)
from highland.platform.identity.permissions import Principal, Role
from tests.conftest import ACTOR
from tests.enterprises.test_size_sql import INDUSTRIES, near_bounds
from tests.factories import uscc

ADMIN = Principal(0, "tester", Role.admin)
# Two as_of dates in different years: figures_year 2024 and 2023; 28 Feb is before a 29 Feb.
AS_OF = (date(2025, 6, 30), date(2024, 2, 28))
SOFTWARE = ("I", "65", "6513")
SIZE_INPUTS = ("employees", "revenue", "total_assets")
CUBE_128 = 128**3  # (129/128)^3 and (127/128)^3 put the CAGR exactly on a rounding tie


def add(
    db: Session,
    n: int,
    figures: dict[int, dict[str, int | None]] | None = None,
    quals: tuple[tuple[Any, ...], ...] = (),
    industry: tuple[str, str, str] = SOFTWARE,
    founded: date = date(2015, 6, 1),
    **attrs: Any,
) -> str:
    """Add an enterprise with its figures and qualifications straight through the models."""
    section, division, code = industry
    ent = Enterprise(
        uscc=uscc(n),
        name=f"南京快照测试{n}号有限公司",
        industry_code=code,
        industry_section=section,
        industry_division=division,
        founded_on=founded,
        **{"district_code": "320115", "ownership": "private", "listed": False, **attrs},
    )
    ent.qualifications = [
        Qualification(code=q[0], valid_from=q[1], valid_to=q[2], level=q[3] if q[3:] else None)
        for q in quals
    ]
    db.add(ent)
    db.flush()
    for year, values in (figures or {}).items():
        db.add(Financial(enterprise_id=ent.id, year=year, source="statistics", **values))
    db.flush()
    return ent.uscc


def revenues(**by_year: int | None) -> dict[int, dict[str, int | None]]:
    """Figures rows with only revenue, keyed y2021=… → 2021."""
    return {int(k[1:]): {"revenue": v} for k, v in by_year.items()}


def add_edge_cases(db: Session) -> dict[str, str]:
    """Hand-made enterprises at every edge the portrait distinguishes; name → uscc."""
    full = {"revenue": 12_000_000_00, "employees": 150, "rd_spend": 960_000_00, "rd_staff": 30}
    full |= {"tax_paid": 600_000_50, "invention_patents": 4, "total_assets": 2 * 10**9}
    return {
        "no_figures": add(db, 1, quals=(("high_tech", None, None),)),
        "only_current_year": add(db, 2, {2025: full}),
        "empty_row": add(db, 3, {2024: {}, 2023: {}}),
        "revenue_zero": add(db, 4, revenues(y2021=50, y2023=100, y2024=0)),
        "base_zero": add(db, 5, revenues(y2020=7, y2021=0, y2022=9, y2023=0, y2024=5)),
        # Money is never negative after import, but the portrait's rules cover it all the same.
        "negative": add(
            db, 6, revenues(y2021=5, y2023=10) | {2024: {"revenue": -8, "rd_spend": 3}}
        ),
        "decline": add(db, 20, revenues(y2021=1000, y2023=800, y2024=700)),
        "tie_up": add(db, 7, revenues(y2020=1, y2021=CUBE_128, y2023=129**3, y2024=129**3)),
        "tie_down": add(db, 8, revenues(y2021=CUBE_128, y2024=127**3, y2020=127**3)),
        "rd_tie": add(
            db,
            9,
            {
                2024: {"revenue": 2_000_000, "rd_spend": 1},
                2023: {"revenue": 2_000_000, "rd_spend": 3},
            },
        ),
        "growth_tie": add(db, 21, revenues(y2022=4_000_000, y2023=2_000_000, y2024=1_999_999)),
        "gap": add(db, 10, revenues(y2018=1, y2020=300, y2021=100, y2024=250)),
        "huge": add(
            db,
            11,
            {
                2024: {"revenue": 1, "rd_spend": 9 * 10**12, "total_assets": 10**17},
                2023: {"revenue": 10**17, "rd_spend": 10**17, "valuation_usd": 10**17},
                2021: {"revenue": 1, "last_round_usd": 5},
                2020: {"revenue": 1},
            },
        ),
        "founded_later": add(db, 12, full_years(full), founded=date(2025, 3, 1)),
        "leap_day": add(db, 13, full_years(full), founded=date(2020, 2, 29), listed=None),
        "qualifications": add(
            db,
            14,
            quals=(
                ("tech_sme", date(2025, 1, 1), None),  # not yet valid in 2024
                ("srdi", None, date(2023, 12, 31)),  # expired
                ("high_tech", date(2022, 1, 1), date(2025, 6, 30)),  # valid to the day
                ("little_giant", date(2024, 2, 28), date(2024, 2, 28)),  # one day only
                ("innovative_sme", None, None),
            ),
            listed=True,
            ownership="foreign",
            country="DE",
        ),
        "missing_revenue": add(
            db, 15, {2024: {"employees": 5, "total_assets": 10**8}, 2023: {"revenue": 10}}
        ),
        "real_estate": add(db, 16, full_years(full), industry=("K", "70", "701")),
        "property": add(db, 17, full_years(full), industry=("K", "70", "7020")),
        "manufacturer": add(
            db, 18, full_years(full | {"output_value": 3 * 10**9}), industry=("C", "39", "3973")
        ),
        "no_ownership": add(db, 19, revenues(y2023=10, y2024=12), ownership=None),
        # District and zone: a 江北新区 firm in 浦口区, and a row whose district is not known.
        "jiangbei": add(db, 22, revenues(y2024=5), district_code="320111", zone_code="320100-JBXQ"),
        "district_not_given": add(db, 23, revenues(y2024=5), district_code=None),
        **add_recognition_cases(db),
    }


# A firm that meets the 科技型中小企业 score's top marks exactly: 30 % S&T staff, 6 % R&D.
RECOGNISED = {
    "revenue": 10**9, "employees": 100, "rd_spend": 6 * 10**7, "rd_staff": 20,
    "main_revenue": 9 * 10**8, "hightech_revenue": 7 * 10**8, "tech_staff": 30,
    "ip_class1": 0, "ip_class2": 4, "equity_raised": 0,
}  # fmt: skip


def main_revenues(m0: int | None, m1: int | None, m2: int | None) -> dict[int, dict[str, Any]]:
    """Figures of 2022–2024 with main business revenue m2, m1, m0 and revenue 10**18."""
    return {2024 - k: {"main_revenue": m, "revenue": 10**18} for k, m in enumerate((m0, m1, m2))}


def add_recognition_cases(db: Session) -> dict[str, str]:
    """Enterprises at the edges of the recognition criteria; name → uscc."""
    r = RECOGNISED
    full = {
        2024: r | {"equity_raised": 5 * 10**7},
        2023: r | {"main_revenue": 8 * 10**8, "rd_spend": 3 * 10**7},
        2022: r | {"main_revenue": 6 * 10**8, "equity_raised": 10**8, "revenue": 5 * 10**8},
    }
    quals = (
        ("srdi", None, None, "provincial"),
        ("little_giant", date(2023, 1, 1), date(2024, 12, 31), "national"),
        ("high_tech", None, None, None),  # level not stated: not in qualification_levels
        ("tech_sme", date(2025, 7, 1), None, "national"),  # not yet valid
    )
    below = {"revenue": 10**6, "employees": 10**6, "rd_spend": 59_999, "tech_staff": 299_999,
             "ip_class1": 0, "ip_class2": 3}  # fmt: skip
    return {
        "rec_full": add(db, 50, full, quals=quals, niche_since=2016),
        "rec_below": add(db, 51, {2024: below}),
        # 0.2999995 rounds to 0.300000: the score reads the share as held, as rules do.
        "rec_rounds_up": add(db, 52, {2024: below | {"employees": 10**7, "tech_staff": 2_999_995,
                                                   "ip_class1": 2, "ip_class2": 0}}),
        "rec_ip2_missing": add(db, 53, {2024: r | {"ip_class1": 1, "ip_class2": None}}),
        "rec_no_employees": add(db, 54, {2024: r | {"employees": 0, "tech_staff": 0,
                                                    "rd_staff": 0}}),  # fmt: skip
        "rec_young": add(
            db,
            55,
            {2024: r, 2023: r | {"revenue": 5 * 10**8, "rd_spend": 10**6}},
            founded=date(2023, 5, 1),
        ),
        "rec_equity_gap": add(
            db, 56, {2024: r, 2023: r | {"equity_raised": None}, 2022: r | {"equity_raised": 5}}
        ),
        "rec_equity_zero": add(db, 57, {2024: r, 2023: r, 2022: r}),
        "rec_base_zero": add(db, 58, main_revenues(5, 3, 0)),
        "rec_halving": add(db, 59, main_revenues(100, 200, 400)),
        "rec_tie_up": add(db, 60, main_revenues(10**6 + 1, 10**6, 10**6)),
        "rec_tie_down": add(db, 61, main_revenues(10**6 - 1, 10**6, 10**6)),
        "rec_beyond": add(db, 62, main_revenues(10**17, 10**6, 10**6)),
        "rec_huge_growth": add(db, 63, main_revenues(10**17 - 1, 1, 1)),
        "rec_niche_this_year": add(db, 64, niche_since=2025),
        "rec_revenue_zero": add(
            db,
            65,
            {2024: r | {"revenue": 0, "main_revenue": 0, "hightech_revenue": 0}, 2023: r, 2022: r},
        ),
        "rec_revenue_gap": add(db, 66, {2024: r, 2022: r}),
    }


def full_years(row: dict[str, int | None]) -> dict[int, dict[str, int | None]]:
    """The same figures for 2020 to 2024, revenue growing 10 % a year."""
    return {
        year: row | {"revenue": (row["revenue"] or 0) * 11**i // 10**i}
        for i, year in enumerate(range(2020, 2025))
    }


def import_demo(sessions: sessionmaker[Session], n: int = 250, seed: int = 7) -> None:
    """Realistic firms from the demo generator, through the importer like `highland demo`."""
    ents, figs = demo.generate(n, seed)
    sha = hashlib.sha256(f"snapshot:{n}:{seed}".encode()).hexdigest()
    with sessions.begin() as s:
        res = imports.import_enterprise_frame(
            s, ACTOR, ents, "demo-enterprises", "generated", sha256=sha, synthetic=True
        )
        assert not res.errors, res.errors[:3]
    with sessions.begin() as s:
        res = imports.import_financial_frame(
            s, ACTOR, figs, "demo-financials", "generated", sha256=sha
        )
        assert not res.errors, res.errors[:3]


def assert_matches_portrait(db: Session, frame: pl.DataFrame, as_of: date) -> None:
    """Every row equals the one-enterprise portrait and portrait_values."""
    assert dict(frame.schema) == PORTRAIT_SCHEMA
    assert frame["uscc"].to_list() == sorted(frame["uscc"].to_list())
    for row in frame.iter_rows(named=True):
        expected = row_values(service.portrait(db, ADMIN, row["uscc"], as_of), as_of)
        assert row == expected
        assert portrait_values(db, row["uscc"], as_of) == expected


@pytest.fixture
def edge(db: Session) -> dict[str, str]:
    """The hand-made enterprises."""
    return add_edge_cases(db)


def test_frame_equals_portrait_on_demo_and_edge_cases(
    sessions: sessionmaker[Session], db: Session, edge: dict[str, str]
) -> None:
    db.commit()
    import_demo(sessions)
    for as_of in AS_OF:
        frame = portrait_frame(db, as_of)
        assert frame.height == 250 + len(edge)
        assert_matches_portrait(db, frame, as_of)
        # The demo gives every stage and size class, so the comparison covers them all.
        assert frame["lifecycle_stage"].n_unique() == 5
        assert frame["size_class"].n_unique() == 5
        # ... and recognition pools with content, and firms that lack the data.
        for name in ("tech_sme_score", "rd_intensity_3y", "main_revenue_growth_2y",
                     "equity_raised_3y", "niche_years"):  # fmt: skip
            assert 0 < frame[name].null_count() < frame.height, name
        assert (frame["tech_sme_score"] >= 60).sum() > 5
        assert (frame["hightech_revenue_share"] >= 600_000).sum() > 5
        assert (frame["qualification_levels"].list.len() > 0).sum() > 5


def test_edge_case_values(db: Session, edge: dict[str, str]) -> None:
    """The representation, spelled out for the cases the equality test can only assume."""
    rows = {r["uscc"]: r for r in portrait_frame(db, AS_OF[0]).iter_rows(named=True)}
    at = {name: rows[code] for name, code in edge.items()}
    assert all(at["no_figures"][n] is None for n in (*snapshot.FIGURES, *snapshot.RATIOS))
    assert at["no_figures"]["qualifications"] == ["high_tech"]
    assert at["no_figures"]["figures_year"] is None
    assert at["only_current_year"]["figures_year"] is None
    assert at["only_current_year"]["revenue"] is None
    assert at["empty_row"]["figures_year"] == 2024
    assert at["empty_row"]["qualifications"] == []
    assert at["revenue_zero"]["rd_intensity"] is None
    assert at["revenue_zero"]["revenue_growth"] == -1_000_000
    assert at["revenue_zero"]["revenue_cagr_3y"] == -1_000_000
    assert at["base_zero"]["revenue_growth"] is None
    assert at["base_zero"]["revenue_cagr_3y"] is None
    assert at["negative"]["revenue_growth"] == -1_800_000
    assert at["negative"]["rd_intensity"] == -375_000
    assert at["negative"]["revenue_cagr_3y"] is None
    assert at["decline"]["revenue_growth"] == -125_000
    assert at["decline"]["revenue_cagr_3y"] == -112_096
    assert at["tie_up"]["revenue_cagr_3y"] == 7_813
    assert at["tie_down"]["revenue_cagr_3y"] == -7_813
    assert at["rd_tie"]["rd_intensity"] == 1  # 0.0000005 rounds half-up
    assert at["growth_tie"]["revenue_growth"] == -1  # -0.0000005 rounds away from zero
    assert at["gap"]["revenue_growth"] is None
    assert at["gap"]["revenue_cagr_3y"] == 357_209  # 2.5 ** (1/3) - 1
    assert at["huge"]["rd_intensity"] == 9 * 10**18
    assert at["huge"]["revenue_growth"] == -1_000_000
    assert at["founded_later"]["age_years"] == 0
    assert at["leap_day"]["age_years"] == 5
    assert at["leap_day"]["listed"] is None
    assert at["qualifications"]["qualifications"] == [
        "high_tech",
        "innovative_sme",
        "tech_sme",
    ]
    # A zone is its code; no zone is the known empty value ""; a district not given is missing.
    assert (at["jiangbei"]["district"], at["jiangbei"]["zone"]) == ("320111", "320100-JBXQ")
    assert at["no_figures"]["zone"] == ""
    assert at["district_not_given"]["district"] is None
    earlier = {r["uscc"]: r for r in portrait_frame(db, AS_OF[1]).iter_rows(named=True)}
    assert earlier[edge["founded_later"]]["age_years"] is None
    assert earlier[edge["founded_later"]]["lifecycle_stage"] is None
    assert earlier[edge["leap_day"]]["age_years"] == 3
    assert earlier[edge["qualifications"]]["qualifications"] == [
        "high_tech",
        "innovative_sme",
        "little_giant",
    ]
    assert earlier[edge["huge"]]["revenue_cagr_3y"] == 464_157_883_361  # 10**17 ** (1/3) - 1
    assert earlier[edge["rd_tie"]]["rd_intensity"] == 2
    assert earlier[edge["growth_tie"]]["revenue_growth"] == -500_000
    assert earlier[edge["gap"]]["revenue_growth"] == -666_667
    assert earlier[edge["gap"]]["revenue_cagr_3y"] == 3_641_589


def test_recognition_values(db: Session, edge: dict[str, str]) -> None:
    """The recognition fields, spelled out at their edges (the equality test checks both
    paths agree; this checks what they agree on)."""
    rows = {r["uscc"]: r for r in portrait_frame(db, AS_OF[0]).iter_rows(named=True)}
    at = {name: rows[code] for name, code in edge.items()}
    full = at["rec_full"]
    assert (full["main_revenue"], full["hightech_revenue"], full["tech_staff"]) == (
        9 * 10**8, 7 * 10**8, 30)  # fmt: skip
    assert (full["ip_class1"], full["ip_class2"]) == (0, 4)
    assert full["tech_staff_share"] == 300_000 and full["rd_staff_share"] == 200_000
    assert full["hightech_revenue_share"] == 700_000 and full["main_revenue_share"] == 900_000
    assert full["rd_intensity_3y"] == 60_000  # (6 + 3 + 6) / (100 + 100 + 50)
    assert full["rd_intensity_min_2y"] == 30_000
    assert full["rd_spend_2y"] == 9 * 10**7
    assert full["equity_raised_2y"] == 5 * 10**7 and full["equity_raised_3y"] == 15 * 10**7
    assert full["main_revenue_growth_2y"] == 229_167  # (1/8 + 1/3) / 2
    assert full["niche_years"] == 9
    assert full["tech_sme_score"] == 20 + 50 + 24
    assert full["qualification_levels"] == ["srdi:provincial"]
    assert at["rec_below"]["tech_sme_score"] == 16 + 40 + 18
    assert at["rec_rounds_up"]["tech_staff_share"] == 300_000
    assert at["rec_rounds_up"]["tech_sme_score"] == 20 + 40 + 30
    assert at["rec_ip2_missing"]["tech_sme_score"] is None
    no_staff = at["rec_no_employees"]
    assert no_staff["tech_staff_share"] is None and no_staff["rd_staff_share"] is None
    assert no_staff["tech_sme_score"] is None and no_staff["tech_staff"] == 0
    assert at["rec_young"]["rd_intensity_3y"] == 40_667  # two years: 61 / 1500
    assert at["rec_equity_gap"]["equity_raised_2y"] is None
    assert at["rec_equity_gap"]["equity_raised_3y"] is None
    assert at["rec_equity_zero"]["equity_raised_3y"] == 0  # known zeros, not missing
    assert at["rec_base_zero"]["main_revenue_growth_2y"] is None
    assert at["rec_halving"]["main_revenue_growth_2y"] == -500_000
    assert at["rec_tie_up"]["main_revenue_growth_2y"] == 1
    assert at["rec_tie_down"]["main_revenue_growth_2y"] == -1
    assert at["rec_beyond"]["main_revenue_growth_2y"] is None
    assert at["rec_huge_growth"]["main_revenue_growth_2y"] == 2**63 - 1
    assert at["rec_niche_this_year"]["niche_years"] == 0
    assert at["no_figures"]["niche_years"] is None
    zero = at["rec_revenue_zero"]
    assert zero["main_revenue_share"] is None and zero["hightech_revenue_share"] is None
    assert zero["rd_intensity_min_2y"] is None and zero["rd_intensity_3y"] == 90_000
    gap = at["rec_revenue_gap"]
    assert gap["rd_intensity_3y"] is None and gap["rd_intensity_min_2y"] is None
    assert gap["rd_spend_2y"] is None
    assert at["no_figures"]["qualification_levels"] == []
    earlier = {r["uscc"]: r for r in portrait_frame(db, AS_OF[1]).iter_rows(named=True)}
    assert earlier[edge["rec_full"]]["qualification_levels"] == [
        "little_giant:national", "srdi:provincial"]  # fmt: skip
    assert earlier[edge["rec_young"]]["rd_intensity_3y"] == 2_000  # its one year: 2023
    assert earlier[edge["rec_niche_this_year"]]["niche_years"] is None  # not yet begun
    assert earlier[edge["rec_full"]]["niche_years"] == 8


def test_custom_lifecycle_rules(
    sessions: sessionmaker[Session],
    db: Session,
    edge: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every operator, thresholds between two millionths, and no 'otherwise' rule."""
    rules = lifecycle_rules_from_mapping(
        {
            "rules": [
                {"stage": "startup", "field": "age_years", "op": "<", "value": 2.5},
                {"stage": "growth", "field": "revenue_growth", "op": "<=", "value": -0.0000005},
                {"stage": "expansion", "field": "revenue_cagr_3y", "op": ">", "value": 0.0078125},
                {"stage": "mature", "field": "rd_intensity", "op": ">=", "value": 0.0000005},
            ]
        }
    )
    monkeypatch.setattr(service, "_rules", rules)
    db.commit()
    import_demo(sessions, 150, seed=3)
    stages = set()
    for as_of in AS_OF:
        frame = portrait_frame(db, as_of)
        assert_matches_portrait(db, frame, as_of)
        stages |= set(frame["lifecycle_stage"])
    assert stages == {None, "startup", "growth", "expansion", "mature"}
    # The ties sit exactly on the rounded values the thresholds fall between.
    rows = {r["uscc"]: r for r in portrait_frame(db, AS_OF[0]).iter_rows(named=True)}
    assert rows[edge["growth_tie"]]["lifecycle_stage"] == "growth"
    assert rows[edge["tie_up"]]["lifecycle_stage"] == "expansion"
    assert rows[edge["founded_later"]]["lifecycle_stage"] == "startup"


def test_usccs_and_chunks(
    db: Session, edge: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = portrait_frame(db, AS_OF[0])
    monkeypatch.setattr(snapshot, "CHUNK", 3)
    monkeypatch.setattr(snapshot, "USCC_CHUNK", 2)
    assert portrait_frame(db, AS_OF[0]).equals(whole)
    wanted = [edge["gap"], edge["no_figures"], uscc(999), edge["huge"], edge["gap"]]
    some = portrait_frame(db, AS_OF[0], usccs=wanted)
    assert some.equals(whole.filter(pl.col("uscc").is_in(wanted)))
    assert some.height == 3
    empty = portrait_frame(db, AS_OF[0], usccs=[])
    assert empty.height == 0 and dict(empty.schema) == PORTRAIT_SCHEMA
    assert portrait_values(db, uscc(999), AS_OF[0]) is None


def test_empty_registry(db: Session) -> None:
    frame = portrait_frame(db, AS_OF[0])
    assert frame.height == 0 and dict(frame.schema) == PORTRAIT_SCHEMA


def test_pending_changes_are_seen(db: Session) -> None:
    code = add(db, 40, revenues(y2023=10, y2024=11))
    eid = db.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
    db.add(Financial(enterprise_id=eid, year=2021, revenue=5, source="statistics"))
    assert portrait_frame(db, AS_OF[0])["revenue_cagr_3y"].to_list() == [300_591]


def test_ratio_beyond_int64_is_held_at_the_limit_in_both_paths(db: Session) -> None:
    code = add(db, 41, {2024: {"revenue": 1, "rd_spend": 10**17}})
    frame = portrait_frame(db, AS_OF[0])
    assert frame["rd_intensity"].to_list() == [2**63 - 1]
    values = portrait_values(db, code, AS_OF[0])
    assert values is not None and values["rd_intensity"] == 2**63 - 1


def test_integer_arithmetic_matches_portrait() -> None:
    """Ratios and cube roots over every magnitude up to Int64, and exact ties, agree to the unit."""
    rng = random.Random(20240601)
    top = 2**63 - 1

    def any_int(low: int) -> int:
        return rng.randint(low, 10 ** rng.randint(0, 18)) if rng.random() < 0.9 else top

    pairs = [(any_int(0), any_int(1)) for _ in range(3000)]
    # (h / 2e6) ** 3 exactly: the root lands on a half-millionth, a rounding tie when h is odd.
    pairs += [(h**3, 8 * 10**18) for h in (rng.randrange(1, 2_097_151, 2) for _ in range(500))]
    pairs += [(k**3, m**3) for k, m in ((129, 128), (127, 128), (2_097_151, 2_097_150))]
    # n / d = odd / 2e6: a tie in millionths, of either sign.
    ratio_ties = [(rng.randrange(-(10**12), 10**12) * 2 + 1, 2_000_000) for _ in range(500)]
    ratios = (
        pairs + ratio_ties + [(-n, d) for n, d in pairs[:500]] + [(n, -d) for n, d in ratio_ties]
    )
    frame = pl.DataFrame(ratios, schema={"n": pl.Int64, "d": pl.Int64}, orient="row")
    got = frame.select(snapshot._round_ratio(pl.col("n"), pl.col("d"))).to_series().to_list()
    assert got == [int(_round_ratio(n, d) * 1_000_000) for n, d in ratios]
    roots = pl.DataFrame(
        pairs, schema={"revenue": pl.Int64, "base3_revenue": pl.Int64}, orient="row"
    )
    got = snapshot._with_cagr(roots.lazy()).collect()["revenue_cagr_3y"].to_list()
    assert got == [int(_root_growth(end, base, 3) * 1_000_000) for end, base in pairs]


def test_size_class_matches_portrait_at_every_bound() -> None:
    """The Polars size classification agrees with classify_size, NULLs and bounds included."""
    industries = [*INDUSTRIES, ("Z", "99", "7"), ("K", "70", "70100"), ("C", "51", "7020")]
    rows: list[tuple[object, ...]] = []
    for section, division, code in industries:
        row = size_row_for(section, division, code)
        choices: list[list[int | None]] = [
            [None, *near_bounds(n, [row])] if n in row.inputs else [None, 0] for n in SIZE_INPUTS
        ]
        rows += [(section, division, code, *values) for values in itertools.product(*choices)]
    names = ("industry_section", "industry_division", "industry")
    schema = {**dict.fromkeys(names, pl.String), **dict.fromkeys(SIZE_INPUTS, pl.Int64)}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    got = frame.select(snapshot._size_class()).to_series().to_list()
    assert got == [classify_size(*r) for r in rows]  # type: ignore[arg-type]
    assert set(got) == {"large", "medium", "small", "micro", None}


def test_main_revenue_growth_arithmetic_matches_portrait() -> None:
    """The digit-by-digit growth agrees with the exact one over every magnitude an import
    gives, ties of either sign included."""
    rng = random.Random(20261207)
    limit = recognition.GROWTH_LIMIT

    def any_int(low: int) -> int:
        return rng.randint(low, min(limit - 1, 10 ** rng.randint(0, 17)))

    triples = [(any_int(0), any_int(1), any_int(1)) for _ in range(3000)]
    triples += [(m + d, m, m) for m in (10**6, 2 * 10**6) for d in (-1, 1, -3, 3)]
    triples += [(-any_int(0), any_int(1), any_int(1)) for _ in range(300)]
    frame = pl.DataFrame(
        triples,
        schema={"main_revenue": pl.Int64, "base1_main_revenue": pl.Int64,
                "base2_main_revenue": pl.Int64},
        orient="row",
    )  # fmt: skip
    got = recognition_frame._with_growth(frame.lazy()).collect()["main_revenue_growth_2y"]
    expected = [int(recognition.mean_growth_2y(*t) * 1_000_000) for t in triples]
    assert got.to_list() == expected


def test_tech_sme_points_follow_the_2022_table() -> None:
    """国科发政〔2022〕67号 附件: every bound of the three indicators."""
    staff = [(300_000, 20), (299_999, 16), (250_000, 16), (200_000, 12), (150_000, 8),
             (100_000, 4), (99_999, 0)]  # fmt: skip
    rd = [(60_000, 50), (59_999, 40), (50_000, 40), (40_000, 30), (30_000, 20), (20_000, 10),
          (19_999, 0)]  # fmt: skip
    for share, points in staff:
        assert recognition.tech_sme_points(share, 0, 0, 0) == points
    for ratio, points in rd:
        assert recognition.tech_sme_points(0, ratio, 0, 0) == points
    ip = {(1, 0): 30, (5, 9): 30, (0, 9): 24, (0, 4): 24, (0, 3): 18, (0, 2): 12, (0, 1): 6}
    for (ip1, ip2), points in (ip | {(0, 0): 0}).items():
        assert recognition.tech_sme_points(0, 0, ip1, ip2) == points
