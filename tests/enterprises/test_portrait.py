"""Tests of the enterprise portrait: size table boundaries, missing inputs, ages, growth, stages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from highland.enterprises.portrait import (
    LIFECYCLE_STAGES,
    PORTRAIT_FIELDS,
    SIZE_CLASSES,
    SIZE_TABLE,
    EnterpriseFacts,
    LifecycleRules,
    LifecycleRulesError,
    YearFigures,
    classify_size,
    compute_portrait,
    lifecycle_rules_from_mapping,
    load_lifecycle_rules,
    size_row_for,
)

WAN = 1_000_000  # fen in 10,000 yuan (万元)

# The 2017 standard transcribed independently of the implementation: per tier
# (employees, revenue 万元, total assets 万元), None where the industry does not use it.
STANDARD: dict[str, tuple[tuple[int | None, int | None, int | None], ...]] = {
    "agriculture": ((None, 20000, None), (None, 500, None), (None, 50, None)),
    "industry": ((1000, 40000, None), (300, 2000, None), (20, 300, None)),
    "construction": ((None, 80000, 80000), (None, 6000, 5000), (None, 300, 300)),
    "wholesale": ((200, 40000, None), (20, 5000, None), (5, 1000, None)),
    "retail": ((300, 20000, None), (50, 500, None), (10, 100, None)),
    "transport": ((1000, 30000, None), (300, 3000, None), (20, 200, None)),
    "warehousing": ((200, 30000, None), (100, 1000, None), (20, 100, None)),
    "postal": ((1000, 30000, None), (300, 2000, None), (20, 100, None)),
    "accommodation": ((300, 10000, None), (100, 2000, None), (10, 100, None)),
    "catering": ((300, 10000, None), (100, 2000, None), (10, 100, None)),
    "information_transmission": ((2000, 100000, None), (100, 1000, None), (10, 100, None)),
    "software_it": ((300, 10000, None), (100, 1000, None), (10, 50, None)),
    "real_estate_development": ((None, 200000, 10000), (None, 1000, 5000), (None, 100, 2000)),
    "property_management": ((1000, 5000, None), (300, 1000, None), (100, 500, None)),
    "leasing_business": ((300, None, 120000), (100, None, 8000), (10, None, 100)),
    "other": ((300, None, None), (100, None, None), (10, None, None)),
}

# (section, division, code) -> row key, covering every row and the edges between rows.
ROUTING = [
    (("A", "01", "0111"), "agriculture"),
    (("A", "05", "051"), "agriculture"),
    (("B", "06", "0610"), "industry"),
    (("C", "39", "3911"), "industry"),
    (("D", "44", "4411"), "industry"),
    (("E", "47", "4710"), "construction"),
    (("F", "51", "5111"), "wholesale"),
    (("F", "52", "5211"), "retail"),
    (("G", "54", "5411"), "transport"),
    (("G", "58", "5810"), "transport"),
    (("G", "59", "5910"), "transport"),
    (("G", "59", "5920"), "warehousing"),
    (("G", "60", "6010"), "postal"),
    (("H", "61", "6110"), "accommodation"),
    (("H", "62", "6210"), "catering"),
    (("I", "63", "6311"), "information_transmission"),
    (("I", "64", "6421"), "information_transmission"),
    (("I", "65", "6513"), "software_it"),
    (("I", "65", "65"), "software_it"),
    (("K", "70", "7010"), "real_estate_development"),
    (("K", "70", "701"), "real_estate_development"),
    (("K", "70", "7020"), "property_management"),
    (("K", "70", "702"), "property_management"),
    (("K", "70", "70"), "other"),
    (("K", "70", "703"), "other"),
    (("L", "71", "7111"), "leasing_business"),
    (("L", "72", "7211"), "leasing_business"),
    (("M", "73", "7310"), "other"),
    (("O", "80", "8010"), "other"),
    (("Q", "85", "8510"), "other"),
]

SAMPLE_INDUSTRY = {key: industry for industry, key in reversed(ROUTING)}
NAMES = ("employees", "revenue", "total_assets")
LOWER = {"large": "medium", "medium": "small", "small": "micro"}


def tier_values(key: str, tier: int, scale: int = 1) -> dict[str, int | None]:
    """Inputs exactly at a tier's bounds (money in fen), None for indicators it does not use."""
    bounds = STANDARD[key][tier]
    units = (1, WAN, WAN)
    return {
        name: None if bound is None else bound * unit * scale
        for name, bound, unit in zip(NAMES, bounds, units, strict=True)
    }


def classify(key: str, values: dict[str, int | None]) -> str | None:
    """classify_size for the sample industry of a row."""
    employees, revenue, assets = (values.get(name) for name in NAMES)
    return classify_size(*SAMPLE_INDUSTRY[key], employees, revenue, assets)


ROW_TIERS = [(key, tier) for key in STANDARD for tier in range(3)]


# --------------------------------------------------------------------------- the table itself


def test_size_table_transcribes_the_2017_standard() -> None:
    table = {
        row.key: tuple((t.employees, t.revenue_10k, t.assets_10k) for t in row.tiers)
        for row in SIZE_TABLE
    }
    assert table == STANDARD
    assert all(tuple(t.size for t in row.tiers) == SIZE_CLASSES[:3] for row in SIZE_TABLE)


@pytest.mark.parametrize(("industry", "key"), ROUTING)
def test_industries_route_to_the_most_specific_row(industry: tuple[str, str, str], key: str):
    assert size_row_for(*industry).key == key


def test_every_row_has_a_sample_industry() -> None:
    assert set(SAMPLE_INDUSTRY) == set(STANDARD)


# --------------------------------------------------------------------------- every boundary


@pytest.mark.parametrize(("key", "tier"), ROW_TIERS)
def test_exactly_at_the_bounds_is_that_tier(key: str, tier: int) -> None:
    assert classify(key, tier_values(key, tier)) == SIZE_CLASSES[tier]


@pytest.mark.parametrize(("key", "tier"), ROW_TIERS)
def test_one_unit_below_any_bound_falls_a_tier(key: str, tier: int) -> None:
    for name, bound in tier_values(key, tier).items():
        if bound is None:
            continue
        values = tier_values(key, tier) | {name: bound - 1}  # one employee or one fen
        assert classify(key, values) == LOWER[SIZE_CLASSES[tier]], name


@pytest.mark.parametrize(("key", "tier"), ROW_TIERS)
def test_one_bound_met_and_the_other_not_falls_a_tier(key: str, tier: int) -> None:
    at_tier = tier_values(key, tier)
    used = [name for name, bound in at_tier.items() if bound is not None]
    below = tier_values(key, tier + 1) if tier < 2 else {n: 0 for n in NAMES}
    for name in used:
        # The other indicators far above the large bounds: the weakest one still decides.
        values = {n: None if v is None else v * 10 for n, v in tier_values(key, 0).items()}
        assert classify(key, values | {name: at_tier[name]}) == SIZE_CLASSES[tier]
        if len(used) > 1:
            assert classify(key, at_tier | {name: below[name]}) == LOWER[SIZE_CLASSES[tier]]


@pytest.mark.parametrize("key", STANDARD)
def test_unused_indicators_are_ignored(key: str) -> None:
    values = tier_values(key, 1)
    for name, bound in values.items():
        if bound is None:
            for other in (0, -1, 10**15):
                assert classify(key, values | {name: other}) == "medium"


def test_the_brief_example_and_its_explanation() -> None:
    facts = EnterpriseFacts(date(2010, 1, 1), "3411", "C", "34")
    figures = [YearFigures(2023, employees=350, revenue=2500 * WAN)]
    size = compute_portrait(facts, figures, date(2024, 5, 1)).fields["size_class"]
    assert size.value == "medium"
    assert size.rule_key == "size_class.industry"
    assert size.missing == []
    assert "large needs employees ≥ 1000 and revenue ≥ 40000 (10k yuan)" in size.rule
    assert "result medium because employees 350 ≥ 300 and revenue 2500 ≥ 2000" in size.rule
    assert "employees 350 < 1000" in size.rule
    assert size.inputs == {
        "figures_year": 2023,
        "industry_section": "C",
        "industry_division": "34",
        "industry_code": "3411",
        "employees": 350,
        "revenue": 2500 * WAN,
    }


def test_fen_are_shown_exactly_in_10k_yuan() -> None:
    facts = EnterpriseFacts(date(2010, 1, 1), "3411", "C", "34")
    figures = [YearFigures(2023, employees=350, revenue=2000 * WAN - 1)]
    size = compute_portrait(facts, figures, date(2024, 5, 1)).fields["size_class"]
    assert size.value == "small"
    assert "revenue 1999.999999 < 2000 (10k yuan)" in size.rule


# --------------------------------------------------------------------------- missing inputs


@pytest.mark.parametrize("key", STANDARD)
def test_all_inputs_missing_leaves_the_class_missing(key: str) -> None:
    assert classify(key, dict.fromkeys(NAMES)) is None


@pytest.mark.parametrize(
    ("key", "values", "expected"),
    [
        # Known inputs already below the small floor decide micro on their own.
        ("industry", {"employees": 3, "revenue": None}, "micro"),
        ("industry", {"employees": None, "revenue": 299 * WAN}, "micro"),
        ("construction", {"revenue": None, "total_assets": 300 * WAN - 1}, "micro"),
        ("leasing_business", {"employees": 9, "total_assets": None}, "micro"),
        # Otherwise a missing input leaves it open, whether the known one is high or low.
        ("industry", {"employees": 500, "revenue": None}, None),
        ("industry", {"employees": 5000, "revenue": None}, None),
        ("industry", {"employees": 20, "revenue": None}, None),
        ("industry", {"employees": None, "revenue": 50000 * WAN}, None),
        ("real_estate_development", {"revenue": 300000 * WAN, "total_assets": None}, None),
        ("agriculture", {"revenue": None}, None),
        ("other", {"employees": None}, None),
    ],
)
def test_missing_inputs(key: str, values: dict[str, int | None], expected: str | None) -> None:
    assert classify(key, dict.fromkeys(NAMES) | values) == expected


def test_missing_employees_names_the_input() -> None:
    facts = EnterpriseFacts(date(2010, 1, 1), "3411", "C", "34")
    figures = [YearFigures(2023, employees=500)]
    size = compute_portrait(facts, figures, date(2024, 5, 1)).fields["size_class"]
    assert size.value is None
    assert size.missing == ["revenue"]
    assert size.inputs["revenue"] is None


def test_micro_decided_despite_a_missing_input_says_so() -> None:
    facts = EnterpriseFacts(date(2010, 1, 1), "3411", "C", "34")
    figures = [YearFigures(2023, employees=3)]
    size = compute_portrait(facts, figures, date(2024, 5, 1)).fields["size_class"]
    assert size.value == "micro"
    assert size.missing == []
    assert "employees 3 < 20 (small)" in size.rule
    assert "revenue missing but not needed" in size.rule


def test_no_figures_at_all() -> None:
    facts = EnterpriseFacts(date(2010, 1, 1), "6513", "I", "65")
    portrait = compute_portrait(facts, [YearFigures(2024, revenue=1)], date(2024, 5, 1))
    assert portrait.figures_year is None
    size = portrait.fields["size_class"]
    assert size.value is None
    assert size.missing == ["figures_year", "employees", "revenue"]
    for name in ("rd_intensity", "revenue_growth", "revenue_cagr_3y"):
        derived = portrait.fields[name]
        assert derived.value is None
        assert derived.missing[0] == "figures_year"


# --------------------------------------------------------------------------- real estate


@pytest.mark.parametrize(
    ("code", "values", "expected"),
    [
        ("7010", (None, 200000, 10000), "large"),
        ("701", (None, 200000, 10000), "large"),
        ("7010", (None, 200000, 9999), "medium"),
        ("7010", (None, 99, 100000), "micro"),
        # A 2-digit code cannot tell development from management, so the catch-all applies.
        ("70", (300, 200000, 10000), "large"),
        ("70", (299, 200000, 10000), "medium"),
        ("7020", (1000, 5000, None), "large"),
        ("702", (1000, 4999, None), "medium"),
        ("7020", (99, 100000, None), "micro"),
        ("7030", (99, 100000, None), "small"),  # 房地产中介服务 uses the catch-all row
        ("7040", (99, 100000, None), None),  # 自有房地产经营活动: not covered by the standard
    ],
)
def test_real_estate_classes(
    code: str, values: tuple[int | None, int | None, int | None], expected: str | None
) -> None:
    employees, revenue, assets = values
    result = classify_size(
        "K",
        "70",
        code,
        employees,
        None if revenue is None else revenue * WAN,
        None if assets is None else assets * WAN,
    )
    assert result == expected


# --------------------------------------------------------------------------- age


def age(founded: date, as_of: date) -> object:
    """age_years of a firm founded on `founded`, as of `as_of`."""
    facts = EnterpriseFacts(founded, "6513", "I", "65")
    return compute_portrait(facts, [], as_of).fields["age_years"].value


@pytest.mark.parametrize(
    ("founded", "as_of", "expected"),
    [
        (date(2020, 6, 15), date(2020, 6, 15), 0),
        (date(2020, 6, 15), date(2021, 6, 14), 0),
        (date(2020, 6, 15), date(2021, 6, 15), 1),
        (date(2020, 6, 15), date(2023, 6, 14), 2),
        (date(2020, 6, 15), date(2023, 6, 15), 3),
        (date(2020, 12, 31), date(2021, 1, 1), 0),
        (date(2020, 2, 29), date(2021, 2, 28), 0),
        (date(2020, 2, 29), date(2021, 3, 1), 1),
        (date(2020, 2, 29), date(2024, 2, 28), 3),
        (date(2020, 2, 29), date(2024, 2, 29), 4),
        (date(2019, 2, 28), date(2020, 2, 28), 1),
        (date(2019, 3, 1), date(2020, 2, 29), 0),
    ],
)
def test_age_counts_completed_years(founded: date, as_of: date, expected: int) -> None:
    assert age(founded, as_of) == expected


def test_founded_after_as_of_is_missing() -> None:
    facts = EnterpriseFacts(date(2025, 1, 2), "6513", "I", "65")
    derived = compute_portrait(facts, [], date(2025, 1, 1)).fields["age_years"]
    assert derived.value is None
    assert "after as_of" in derived.rule
    assert derived.inputs == {"founded_on": date(2025, 1, 2), "as_of": date(2025, 1, 1)}


# --------------------------------------------------------------------------- ratios and growth

FACTS = EnterpriseFacts(date(2000, 1, 1), "6513", "I", "65")


def fields_for(figures: list[YearFigures], as_of: date = date(2024, 3, 1)) -> dict[str, object]:
    """The derived values of FACTS with these figures."""
    portrait = compute_portrait(FACTS, figures, as_of)
    return {name: d.value for name, d in portrait.fields.items()}


def test_rd_intensity() -> None:
    portrait = compute_portrait(
        FACTS, [YearFigures(2023, revenue=3 * WAN, rd_spend=WAN)], date(2024, 3, 1)
    )
    derived = portrait.fields["rd_intensity"]
    assert derived.value == Decimal("0.333333")
    assert str(derived.value) == "0.333333"
    assert derived.inputs == {"figures_year": 2023, "rd_spend": WAN, "revenue": 3 * WAN}


@pytest.mark.parametrize(
    ("revenue", "rd_spend", "missing"),
    [(None, 5, ["revenue"]), (5, None, ["rd_spend"]), (0, 5, []), (None, None, None)],
)
def test_rd_intensity_missing_or_undefined(
    revenue: int | None, rd_spend: int | None, missing: list[str] | None
) -> None:
    portrait = compute_portrait(
        FACTS, [YearFigures(2023, revenue=revenue, rd_spend=rd_spend)], date(2024, 3, 1)
    )
    derived = portrait.fields["rd_intensity"]
    assert derived.value is None
    assert derived.missing == (missing if missing is not None else ["rd_spend", "revenue"])


def test_revenue_growth() -> None:
    values = fields_for([YearFigures(2022, revenue=4 * WAN), YearFigures(2023, revenue=5 * WAN)])
    assert values["revenue_growth"] == Decimal("0.250000")


@pytest.mark.parametrize(
    ("end", "base", "expected"),
    [
        (2_000_001, 2_000_000, Decimal("0.000001")),  # +0.0000005 rounds half away from zero
        (1_999_999, 2_000_000, Decimal("-0.000001")),  # -0.0000005 likewise
        (2, 3, Decimal("-0.333333")),
        (0, 3, Decimal("-1.000000")),
        (-3, 3, Decimal("-2.000000")),
    ],
)
def test_revenue_growth_rounding(end: int, base: int, expected: Decimal) -> None:
    values = fields_for([YearFigures(2022, revenue=base), YearFigures(2023, revenue=end)])
    assert values["revenue_growth"] == expected


@pytest.mark.parametrize(
    ("figures", "missing"),
    [
        ([YearFigures(2023, revenue=5)], ["base_revenue"]),
        ([YearFigures(2021, revenue=4), YearFigures(2023, revenue=5)], ["base_revenue"]),
        ([YearFigures(2022), YearFigures(2023, revenue=5)], ["base_revenue"]),
        ([YearFigures(2022, revenue=4), YearFigures(2023)], ["revenue"]),
        ([YearFigures(2022, revenue=0), YearFigures(2023, revenue=5)], []),
        ([YearFigures(2022, revenue=-4), YearFigures(2023, revenue=5)], []),
    ],
)
def test_revenue_growth_missing_or_undefined(
    figures: list[YearFigures], missing: list[str]
) -> None:
    derived = compute_portrait(FACTS, figures, date(2024, 3, 1)).fields["revenue_growth"]
    assert derived.value is None
    assert derived.missing == missing
    if not missing:
        assert "undefined because base_revenue" in derived.rule


def test_revenue_cagr() -> None:
    figures = [YearFigures(2020, revenue=WAN), YearFigures(2023, revenue=1_728_000)]
    assert fields_for(figures)["revenue_cagr_3y"] == Decimal("0.200000")
    figures = [YearFigures(2020, revenue=8 * WAN), YearFigures(2023, revenue=WAN)]
    assert fields_for(figures)["revenue_cagr_3y"] == Decimal("-0.500000")
    figures = [YearFigures(2020, revenue=WAN), YearFigures(2023, revenue=0)]
    assert fields_for(figures)["revenue_cagr_3y"] == Decimal("-1.000000")


@pytest.mark.parametrize(
    ("end", "base", "expected"),
    [
        # (129/128)**3: the root is exactly 1.0078125, a tie that rounds away from zero.
        (2_146_689, 2_097_152, Decimal("0.007813")),
        (2_146_688, 2_097_152, Decimal("0.007812")),
        # (127/128)**3: exactly 0.9921875, a tie below zero growth.
        (2_048_383, 2_097_152, Decimal("-0.007813")),
        (2_048_384, 2_097_152, Decimal("-0.007812")),
    ],
)
def test_revenue_cagr_ties_are_exact(end: int, base: int, expected: Decimal) -> None:
    figures = [YearFigures(2020, revenue=base), YearFigures(2023, revenue=end)]
    assert fields_for(figures)["revenue_cagr_3y"] == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10**14), st.integers(0, 10**14))
def test_revenue_cagr_agrees_with_high_precision(base: int, end: int) -> None:
    with localcontext() as ctx:
        ctx.prec = 80
        exact = (Decimal(end) / Decimal(base)) ** (Decimal(1) / Decimal(3)) - 1
        scaled = exact * 1_000_000
        frac = abs(scaled) - int(abs(scaled))
        if abs(frac - Decimal("0.5")) < Decimal("1e-50"):
            return  # an exact tie; covered by test_revenue_cagr_ties_are_exact
        expected = exact.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    figures = [YearFigures(2020, revenue=base), YearFigures(2023, revenue=end)]
    assert fields_for(figures)["revenue_cagr_3y"] == expected


@pytest.mark.parametrize(
    ("figures", "missing"),
    [
        ([YearFigures(2023, revenue=5)], ["base_revenue"]),
        ([YearFigures(2021, revenue=5), YearFigures(2023, revenue=5)], ["base_revenue"]),
        ([YearFigures(2020), YearFigures(2023, revenue=5)], ["base_revenue"]),
        ([YearFigures(2020, revenue=5), YearFigures(2023)], ["revenue"]),
        ([YearFigures(2020, revenue=0), YearFigures(2023, revenue=5)], []),
        ([YearFigures(2020, revenue=-1), YearFigures(2023, revenue=5)], []),
        ([YearFigures(2020, revenue=5), YearFigures(2023, revenue=-1)], []),
    ],
)
def test_revenue_cagr_missing_or_undefined(figures: list[YearFigures], missing: list[str]) -> None:
    derived = compute_portrait(FACTS, figures, date(2024, 3, 1)).fields["revenue_cagr_3y"]
    assert derived.value is None
    assert derived.missing == missing
    assert derived.inputs["base_year"] == 2020


# --------------------------------------------------------------------------- figures year


@pytest.mark.parametrize(
    ("years", "as_of", "expected"),
    [
        ([2022, 2023, 2024], date(2024, 1, 1), 2023),
        ([2022, 2023, 2024], date(2024, 12, 31), 2023),
        ([2022, 2023, 2024], date(2025, 1, 1), 2024),
        ([2019, 2024], date(2024, 6, 1), 2019),
        ([2024, 2025], date(2024, 6, 1), None),
        ([], date(2024, 6, 1), None),
    ],
)
def test_figures_year_is_the_latest_year_before_as_of_year(
    years: list[int], as_of: date, expected: int | None
) -> None:
    figures = [YearFigures(y, revenue=y * WAN) for y in years]
    portrait = compute_portrait(FACTS, figures, as_of)
    assert portrait.figures_year == expected
    assert portrait.fields["size_class"].inputs["figures_year"] == expected


def test_figures_year_counts_an_empty_row_and_growth_follows_it() -> None:
    figures = [YearFigures(2022, revenue=4 * WAN), YearFigures(2023)]
    portrait = compute_portrait(FACTS, figures, date(2024, 3, 1))
    assert portrait.figures_year == 2023
    assert portrait.fields["revenue_growth"].missing == ["revenue"]


def test_gap_years_make_growth_missing_not_zero() -> None:
    figures = [YearFigures(2019, revenue=WAN), YearFigures(2021, revenue=WAN)]
    portrait = compute_portrait(FACTS, figures, date(2024, 3, 1))
    assert portrait.figures_year == 2021
    assert portrait.fields["revenue_growth"].value is None
    assert portrait.fields["revenue_growth"].inputs["base_year"] == 2020


def test_duplicate_years_are_refused() -> None:
    with pytest.raises(ValueError, match="2023"):
        compute_portrait(FACTS, [YearFigures(2023), YearFigures(2023)], date(2024, 3, 1))


def test_portrait_has_exactly_the_documented_fields() -> None:
    portrait = compute_portrait(FACTS, [], date(2024, 3, 1))
    assert tuple(portrait.fields) == PORTRAIT_FIELDS
    assert all(name == d.name for name, d in portrait.fields.items())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            YearFigures,
            year=st.integers(2015, 2025),
            revenue=st.none() | st.integers(-10, 10**12),
            rd_spend=st.none() | st.integers(0, 10**10),
            employees=st.none() | st.integers(0, 5000),
        ),
        unique_by=lambda f: f.year,
        max_size=8,
    ),
    st.dates(date(2010, 1, 1), date(2030, 1, 1)),
)
def test_a_missing_input_never_yields_a_value(figures: list[YearFigures], as_of: date) -> None:
    portrait = compute_portrait(FACTS, figures, as_of)
    for derived in portrait.fields.values():
        if derived.missing:
            assert derived.value is None
            assert all(derived.inputs.get(name) is None for name in derived.missing)


# --------------------------------------------------------------------------- lifecycle


def stage_of(founded: date, base: int | None, end: int | None) -> tuple[object, list[str]]:
    """Default lifecycle stage as of 2024-03-01 with revenue `base` in 2020 and `end` in 2023."""
    facts = replace(FACTS, founded_on=founded)
    figures = [YearFigures(2020, revenue=base), YearFigures(2023, revenue=end)]
    derived = compute_portrait(facts, figures, date(2024, 3, 1)).fields["lifecycle_stage"]
    return derived.value, derived.missing


@pytest.mark.parametrize(
    ("founded", "base", "end", "expected"),
    [
        (date(2021, 3, 2), None, None, ("startup", [])),  # age 2: no growth figures needed
        (date(2021, 3, 1), None, None, (None, ["revenue_cagr_3y"])),  # age 3
        (date(2021, 3, 1), WAN, 1_728_000, ("growth", [])),  # exactly 20 %
        (date(2021, 3, 1), WAN, 1_727_990, ("expansion", [])),  # 19.9998 % after rounding
        (date(2021, 3, 1), WAN, 1_157_625, ("expansion", [])),  # exactly 5 %
        (date(2021, 3, 1), WAN, 1_157_600, ("mature", [])),  # 4.9992 %
        (date(2000, 1, 1), WAN, WAN, ("mature", [])),
        (date(2000, 1, 1), 0, WAN, (None, ["revenue_cagr_3y"])),  # CAGR undefined
        (date(2025, 1, 1), WAN, WAN, (None, ["age_years"])),  # founded after as_of
    ],
)
def test_default_lifecycle_stages(
    founded: date, base: int | None, end: int | None, expected: tuple[object, list[str]]
) -> None:
    assert stage_of(founded, base, end) == expected


def test_lifecycle_explanation() -> None:
    facts = replace(FACTS, founded_on=date(2015, 1, 1))
    figures = [YearFigures(2020, revenue=WAN), YearFigures(2023, revenue=2 * WAN)]
    derived = compute_portrait(facts, figures, date(2024, 3, 1)).fields["lifecycle_stage"]
    assert derived.value == "growth"
    assert derived.rule_key == "lifecycle_stage.growth"
    assert derived.inputs == {
        "figures_year": 2023,
        "age_years": 9,
        "revenue_cagr_3y": Decimal("0.259921"),
    }
    assert "not age_years 9 < 3" in derived.rule
    assert "revenue_cagr_3y 0.259921 ≥ 0.2" in derived.rule


def test_default_rules_file() -> None:
    rules = load_lifecycle_rules()
    assert [r.describe() for r in rules.rules] == [
        "startup if age_years < 3",
        "growth if revenue_cagr_3y ≥ 0.2",
        "expansion if revenue_cagr_3y ≥ 0.05",
        "otherwise mature",
    ]
    assert {r.stage for r in rules.rules} == set(LIFECYCLE_STAGES)


def test_custom_rules_and_no_match() -> None:
    rules = lifecycle_rules_from_mapping(
        {"rules": [{"stage": "growth", "field": "rd_intensity", "op": ">", "value": 0.05}]}
    )
    figures = [YearFigures(2023, revenue=100, rd_spend=6)]
    derived = compute_portrait(FACTS, figures, date(2024, 3, 1), rules).fields["lifecycle_stage"]
    assert derived.value == "growth"
    figures = [YearFigures(2023, revenue=100, rd_spend=5)]
    derived = compute_portrait(FACTS, figures, date(2024, 3, 1), rules).fields["lifecycle_stage"]
    assert derived.value is None
    assert derived.missing == []
    assert derived.rule_key == "lifecycle_stage.undecided"
    assert "no rule matched" in derived.rule


def write_rules(tmp_path: Path, text: str) -> Path:
    """A rules file with this YAML text."""
    path = tmp_path / "lifecycle.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_load_from_a_file(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        "rules:\n"
        "  - {stage: startup, field: age_years, op: '<=', value: 1}\n"
        "  - {stage: mature, otherwise: true}\n",
    )
    rules = load_lifecycle_rules(path)
    assert isinstance(rules, LifecycleRules)
    assert rules.source == str(path)
    assert rules.rules[0].value == Decimal("1")


GOOD = {"stage": "growth", "field": "revenue_cagr_3y", "op": ">=", "value": 0.2}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([GOOD], "single key 'rules'"),
        ({"rules": [GOOD], "extra": 1}, "single key 'rules'"),
        ({"rules": []}, "non-empty list"),
        ({"rules": "growth"}, "non-empty list"),
        ({"rules": ["growth"]}, "expected a mapping"),
        ({"rules": [GOOD | {"stage": "decline"}]}, "unknown stage 'decline'"),
        ({"rules": [GOOD | {"field": "revenue"}]}, "unknown field 'revenue'"),
        ({"rules": [GOOD | {"field": "size_class"}]}, "unknown field 'size_class'"),
        ({"rules": [GOOD | {"op": "=="}]}, "bad op '=='"),
        ({"rules": [GOOD | {"op": "≥"}]}, "bad op"),
        ({"rules": [GOOD | {"value": "0.2"}]}, "finite number"),
        ({"rules": [GOOD | {"value": True}]}, "finite number"),
        ({"rules": [GOOD | {"value": None}]}, "finite number"),
        ({"rules": [GOOD | {"value": float("nan")}]}, "finite number"),
        ({"rules": [{"stage": "growth", "field": "age_years", "op": "<"}]}, "keys must be"),
        ({"rules": [GOOD | {"note": "x"}]}, "keys must be"),
        ({"rules": [{"stage": "mature", "otherwise": False}]}, "'otherwise' must be true"),
        ({"rules": [{"stage": "mature", "otherwise": True, "field": "x"}]}, "keys must be"),
        (
            {"rules": [{"stage": "mature", "otherwise": True}, GOOD]},
            "only the last rule",
        ),
    ],
)
def test_invalid_rules_are_refused(data: object, message: str) -> None:
    with pytest.raises(LifecycleRulesError, match=message):
        lifecycle_rules_from_mapping(data)


def test_error_names_the_file_and_rule(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        "rules:\n"
        "  - {stage: startup, field: age_years, op: '<', value: 3}\n"
        "  - {stage: growth, field: revenue_cagr_3y, op: '=>', value: 0.2}\n",
    )
    with pytest.raises(LifecycleRulesError, match=r"lifecycle\.yaml: rule 2: bad op '=>'"):
        load_lifecycle_rules(path)


def test_unquoted_op_is_a_yaml_error(tmp_path: Path) -> None:
    path = write_rules(tmp_path, "rules:\n  - stage: growth\n    op: >=\n")
    with pytest.raises(LifecycleRulesError, match="not valid YAML"):
        load_lifecycle_rules(path)


def test_rules_error_is_a_value_error() -> None:
    assert issubclass(LifecycleRulesError, ValueError)


# --------------------------------------------------------------------------- input validation


@pytest.mark.parametrize(
    ("code", "section", "division"),
    [
        ("6513", "U", "65"),
        ("6513", "I", "6"),
        ("6513", "C", "65"),
        ("65131", "I", "65"),
        ("6", "I", "65"),
        ("6613", "I", "65"),
        ("65a3", "I", "65"),
    ],
)
def test_bad_industry_codes_are_refused(code: str, section: str, division: str) -> None:
    with pytest.raises(ValueError):
        EnterpriseFacts(date(2020, 1, 1), code, section, division)


@pytest.mark.parametrize("value", [1.5, Decimal(1), True, "100"])
def test_figures_must_be_integers(value: object) -> None:
    with pytest.raises(TypeError):
        YearFigures(2023, revenue=value)  # type: ignore[arg-type]
