"""Growth rule sets: the shipped ones load; boundaries as the texts say (≥ vs >); missing
years are unknown; bad rule text is refused with a code; the two evaluators agree."""

from __future__ import annotations

import random
from datetime import date

import pytest

from highland.growth.rules import frame, loader, reference
from highland.growth.rules.loader import RuleSetError, read_ruleset
from highland.growth.rules.reference import Firm
from tests.growth.helpers import firm, frame_of

WAN = 10_000 * 100  # ¥1万 in fen
USD = 100  # cents


def _one(ruleset_id: str, f: Firm, year: int = 2024) -> dict[str, str]:
    rs = loader.load(ruleset_id)
    row = frame.classify(frame_of([f], rs, year), rs, year).row(0, named=True)
    plain = reference.classify(rs, f, year)
    assert tuple(row[c] for c in ("uscc", "category", "status", "near_miss", "failed",
                                  "missing")) == plain  # fmt: skip
    return row


def test_the_shipped_rule_sets_load() -> None:
    ids = {rs: loader.load(rs) for rs in loader.built_in()}
    assert set(ids) == {"nanjing-2024", "gei", "oecd-hge-10", "oecd-hge-20"}
    assert [c.id for c in ids["nanjing-2024"].categories] == ["unicorn", "cultivated-unicorn",
                                                              "gazelle"]  # fmt: skip
    assert ids["nanjing-2024"].figures_year(2024) == 2023


def _gazelle(base: int, growth: tuple[int, int, int], section: str = "G") -> Firm:
    """Revenue from 2020 (base) to 2023 by the given values; listed, so that the unicorn
    categories (unlisted firms) are decided without a valuation."""
    values = {2020: base, 2021: growth[0], 2022: growth[1], 2023: growth[2]}
    return firm(section=section, listed=True, revenue=values)


def test_services_gazelle_boundaries() -> None:
    base = 500 * WAN  # exactly ¥500万 in the base year: ≥ holds
    # (27/8)^(1/3) = 1.5: a CAGR of exactly 50 % holds (≥).
    row = _one("nanjing-2024", _gazelle(base, (base * 9 // 8, base * 18 // 8, base * 27 // 8)))
    assert (row["category"], row["status"]) == ("gazelle", "eligible")
    # One fen short of 50 %: fails, and it is the near miss of the gazelle.
    row = _one("nanjing-2024", _gazelle(base, (base * 9 // 8, base * 18 // 8, base * 27 // 8 - 1)))
    assert (row["status"], row["near_miss"]) == ("ineligible", "gazelle")
    assert row["failed"] == "cagr(revenue, 3y) >= 0.5"
    # One fen under ¥500万 in the base year.
    low = base - 1
    row = _one("nanjing-2024", _gazelle(low, (low * 2, low * 3, low * 4)))
    assert row["status"] == "ineligible"
    assert row["failed"] == "value(revenue, -3y) >= 5000000"


def test_growth_must_be_positive_in_each_year() -> None:
    base = 600 * WAN
    # Strong CAGR, but flat in the middle year: positive growth fails in that year.
    row = _one("nanjing-2024", _gazelle(base, (base * 3, base * 3, base * 4)))
    assert row["status"] == "ineligible"
    assert row["failed"] == "growth_each(revenue, 3y) > 0"


def test_manufacturing_gazelle_threshold() -> None:
    base = 300 * WAN  # 1.2^3 = 1.728
    ok = _gazelle(base, (base * 11 // 10, base * 14 // 10, base * 1728 // 1000), section="C")
    assert _one("nanjing-2024", ok)["status"] == "eligible"
    # The services threshold would not hold for it; an industry outside both is no gazelle.
    other = _gazelle(base, (base * 2, base * 3, base * 4), section="E")
    row = _one("nanjing-2024", other)
    assert (row["status"], row["near_miss"]) == ("ineligible", "")


def test_missing_year_is_unknown_not_zero() -> None:
    base = 600 * WAN
    f = firm(revenue={2020: base, 2021: None, 2022: base * 3, 2023: base * 4}, listed=True)
    row = _one("nanjing-2024", f)
    assert (row["category"], row["status"]) == ("gazelle", "unknown")
    assert "growth_each(revenue, 3y) > 0" in row["missing"]
    # A known failing year decides even with another year missing.
    f.figures["revenue"][2022] = base // 2
    f.figures["revenue"][2023] = base // 3
    assert _one("nanjing-2024", f)["status"] == "ineligible"


def test_unicorn_strictly_above_a_billion_in_nanjing_at_least_in_gei() -> None:
    billion = 1_000_000_000 * USD
    f = firm(
        valuation_usd={2023: billion}, last_round_usd={2023: 10 * USD}, founded=date(2016, 1, 1)
    )
    row = _one("nanjing-2024", f)  # > US$1 bn: exactly one billion is a cultivated unicorn
    assert (row["category"], row["status"]) == ("cultivated-unicorn", "eligible")
    row = _one("gei", f, year=2023)  # ≥ US$1 bn, aged 7 at the end of 2023
    assert (row["category"], row["status"]) == ("unicorn", "eligible")
    f.listed = True
    assert _one("gei", f, year=2023)["status"] == "ineligible"
    # Founded 2013-12-31: ten full years at 2023-12-31 (≤ 10 holds); a day later not yet 10.
    old = firm(valuation_usd={2023: billion}, last_round_usd={2023: 1}, founded=date(2012, 12, 31))
    assert _one("gei", old, year=2023)["status"] == "ineligible"
    old.founded_on = date(2013, 12, 31)
    assert _one("gei", old, year=2023)["status"] == "eligible"


def test_gei_potential_unicorn_ages() -> None:
    f = firm(valuation_usd={2023: 100_000_000 * USD}, last_round_usd={2023: 1},
             founded=date(2018, 12, 31))  # exactly 5 at the reference date  # fmt: skip
    assert _one("gei", f, 2023)["category"] == "potential-unicorn"
    f.founded_on = date(2017, 12, 31)  # 6: needs US$500 m
    row = _one("gei", f, 2023)
    assert row["status"] == "ineligible"


def test_oecd_growth_is_strictly_above_the_threshold() -> None:
    # 1000 → 1331 over three years is exactly 10 % a year: not above 10 %.
    flat = {2020: 100, 2023: 100}
    f = firm(employees={2020: 1000, 2023: 1331}, revenue=flat, founded=date(2000, 1, 1))
    assert _one("oecd-hge-10", f, 2023)["status"] == "ineligible"
    f.figures["employees"][2023] = 1332
    row = _one("oecd-hge-10", f, 2023)
    assert (row["category"], row["status"]) == ("hge-employment", "eligible")
    # Ten employees at the start is enough; nine is not.
    small = firm(employees={2020: 10, 2023: 20}, revenue=flat, founded=date(2019, 6, 1))
    assert _one("oecd-hge-20", small, 2023)["category"] == "gazelle-employment"
    small.figures["employees"][2020] = 9
    assert _one("oecd-hge-20", small, 2023)["status"] == "ineligible"


BAD = """
id: bad-set
title: t
title_en: t
issuer: i
document: d
dated: 2024-01-01
precedence: [a]
categories:
  - id: a
    title: A
    title_en: A
    eligibility:
      all:
        - {CRITERION}
"""


@pytest.mark.parametrize(
    ("criterion", "code"),
    [
        ("{fn: median, of: revenue, years: 3, op: '>', value: 0}", "growth.unknown_function"),
        ("{fn: cagr, of: profit, years: 3, op: '>', value: 0}", "growth.unknown_series"),
        ("{field: profit, op: '>', value: 0}", "rules.unknown_field"),
        ("{fn: cagr, of: revenue, years: 0, op: '>', value: 0}", "growth.bad_window"),
        ("{fn: cagr, of: revenue, years: 30, op: '>', value: 0}", "growth.bad_window"),
        ("{fn: cagr, of: revenue, back: 3, op: '>', value: 0}", "growth.window_key"),
        ("{fn: cagr, of: revenue, years: 3, op: in, value: 0}", "growth.bad_op"),
        ("{fn: cagr, of: revenue, years: 3, op: '>', value: -1}", "growth.bad_rate"),
        (
            "{fn: cagr, of: revenue, years: 20, op: '>', value: 0.123456789}",
            "growth.threshold_too_fine",
        ),
        ("{fn: listed, op: '>', value: true}", "growth.bad_listed"),
        ("{fn: value, of: revenue, op: '>', value: lots}", "growth.bad_value"),
    ],
)
def test_bad_rule_text_is_refused_with_its_code(criterion: str, code: str) -> None:
    with pytest.raises(RuleSetError) as info:
        read_ruleset(BAD.replace("{CRITERION}", criterion), "bad.yaml")
    problems = info.value.problems
    assert [p.code for p in problems] == [code], problems
    assert problems[0].line == 15 and problems[0].path == "bad.yaml"


def test_precedence_must_name_every_category_once() -> None:
    text = BAD.replace("{CRITERION}", "{fn: age, op: '<', value: 3}")
    with pytest.raises(RuleSetError) as info:
        read_ruleset(text.replace("precedence: [a]", "precedence: [a, b]"), "p.yaml")
    assert [p.code for p in info.value.problems] == ["growth.unknown_precedence"]
    with pytest.raises(RuleSetError) as info:
        read_ruleset(text.replace("precedence: [a]", "precedence: []"), "p.yaml")
    assert [p.code for p in info.value.problems] == ["growth.precedence_incomplete"]


def _random_firm(rng: random.Random, i: int, first: int, last: int) -> Firm:
    def series(scale: int) -> dict[int, int | None]:
        value = rng.choice([0, 1, 7, 10, 8 * scale, 300 * scale, 500 * scale, 10**6 * scale])
        out: dict[int, int | None] = {}
        for y in range(first, last + 1):
            out[y] = None if rng.random() < 0.08 else value
            step = rng.choice([(1, 1), (3, 2), (9, 8), (11, 10), (6, 5), (1, 2), (0, 1), (-1, 1)])
            value = value * step[0] // step[1] + rng.choice([0, 0, 1, -1])
        return out

    return Firm(
        f"F{i:05d}",
        None if rng.random() < 0.03 else date(rng.randint(2008, 2023), rng.randint(1, 12), 28),
        rng.choice([False, False, True, None]),
        {
            "revenue": series(WAN),
            "employees": series(1),
            "valuation_usd": series(10**6 * USD),
            "last_round_usd": series(USD),
        },
        {"industry_section": rng.choice(["C", "G", "I", "E", None])},
    )


@pytest.mark.parametrize("ruleset_id", ["nanjing-2024", "gei", "oecd-hge-10", "oecd-hge-20"])
def test_the_two_evaluators_agree_on_a_generated_registry(ruleset_id: str) -> None:
    rng = random.Random(16)
    rs = loader.load(ruleset_id)
    year = 2024
    fy = rs.figures_year(year)
    firms = [_random_firm(rng, i, fy - rs.reach, fy) for i in range(1500)]
    got = frame.classify(frame_of(firms, rs, year), rs, year)
    plain = [reference.classify(rs, f, year) for f in firms]
    assert (
        got.select("uscc", "category", "status", "near_miss", "failed", "missing").rows() == plain
    )
    statuses = {s for _, _, s, *_ in plain}
    assert statuses == {"eligible", "ineligible", "unknown"}


def test_an_open_category_is_shown_with_the_near_miss_beside_it() -> None:
    base = 500 * WAN  # unlisted, no valuation on record: the unicorn tests stay open
    f = _gazelle(base, (base * 9 // 8, base * 18 // 8, base * 27 // 8 - 1))
    f.listed = False
    row = _one("nanjing-2024", f)
    assert (row["category"], row["status"], row["near_miss"]) == ("unicorn", "unknown", "gazelle")
    assert row["missing"] == "latest(valuation_usd, 2y) > 1000000000"
    assert row["failed"] == "cagr(revenue, 3y) >= 0.5"
