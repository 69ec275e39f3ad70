"""Publishing yearly lists: entries, kept and changed categories, exits with their reasons
(criterion failed, listed, moved away, closed, data missing); bad years refused with nothing
stored; a published year is kept and replays."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from highland.enterprises.models import Enterprise, Financial
from highland.growth import repository, service
from highland.growth.models import GrowthEntry, GrowthList
from highland.platform.audit.service import Actor
from highland.platform.errors import Conflict, InvalidInput
from tests.factories import uscc

ACTOR = Actor("test", None, "cli")
WAN = 1_000_000  # ¥1万 in fen
USD = 100


def _firm(db: Session, n: int, section: str, code: str, revenue: dict[int, int | None],
          valuation: int | None = None, listed: bool = False) -> Enterprise:  # fmt: skip
    e = Enterprise(uscc=uscc(n), name=f"测试企业{n}", district_code="320115", industry_code=code,
                   industry_section=section, industry_division=code[:2],
                   founded_on=date(2015, 6, 1), listed=listed)  # fmt: skip
    db.add(e)
    db.flush()
    for year, value in revenue.items():
        db.add(Financial(enterprise_id=e.id, year=year, source="test", revenue=value,
                         valuation_usd=valuation if year >= 2022 else None))  # fmt: skip
    return e


def _rising(base: int, ratio: tuple[int, int], years: range) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    value = base
    for y in years:
        out[y] = value
        value = value * ratio[0] // ratio[1]
    return out


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    """Figures 2020–2024: two gazelles, a manufacturing gazelle, a unicorn, a cultivated
    unicorn, a firm that qualifies for nothing."""
    years = range(2020, 2025)
    firms = {
        "gazelle": _firm(db, 1, "I", "6513", _rising(600 * WAN, (3, 2), years)),
        "gazelle2": _firm(db, 2, "I", "6513", _rising(600 * WAN, (3, 2), years)),
        "mfg": _firm(db, 3, "C", "3972", _rising(400 * WAN, (5, 4), years)),
        "unicorn": _firm(db, 4, "I", "6513", _rising(WAN, (1, 1), years), 2 * 10**9 * USD),
        "cultivated": _firm(db, 5, "C", "3972", _rising(WAN, (1, 1), years), 6 * 10**7 * USD),
        "flat": _firm(db, 6, "I", "6513", _rising(600 * WAN, (1, 1), years), 0),
        "gone": _firm(db, 7, "I", "6513", _rising(600 * WAN, (3, 2), years)),
        "ipo": _firm(db, 8, "I", "6513", _rising(600 * WAN, (3, 2), years)),
    }
    db.flush()
    return firms


def _lines(db: Session, row: GrowthList) -> dict[str, tuple[str, str, str | None, str | None]]:
    entries = db.scalars(select(GrowthEntry).where(GrowthEntry.list_id == row.id))
    return {e.uscc: (e.category, e.movement, e.reason, e.detail) for e in entries}


def test_a_published_list_holds_one_category_per_firm(db: Session, world: dict[str, Any]) -> None:
    rs = service.ruleset("nanjing-2024")
    done = service.publish(db, rs, 2024, ACTOR)
    lines = _lines(db, done.list)
    assert {u: c for u, (c, m, _, _) in lines.items()} == {
        uscc(1): "gazelle", uscc(2): "gazelle", uscc(3): "gazelle", uscc(4): "unicorn",
        uscc(5): "cultivated-unicorn", uscc(7): "gazelle", uscc(8): "gazelle",
    }  # fmt: skip
    assert {m for _, m, _, _ in lines.values()} == {"new"}
    assert (done.list.listed, done.list.entered, done.list.exited) == (7, 7, 0)
    assert done.list.figures_year == 2023 and done.previous_year is None
    assert "gazelle" in done.list.ruleset_source
    with pytest.raises(Conflict) as info:
        service.publish(db, rs, 2024, ACTOR)
    assert info.value.code == "growth.already_published"
    stored, digest = service.replay(db, "nanjing-2024", 2024)
    assert digest == stored.digest


def test_exits_say_why(db: Session, world: dict[str, Any]) -> None:
    rs = service.ruleset("nanjing-2024")
    service.publish(db, rs, 2024, ACTOR)
    f: dict[str, Enterprise] = world
    # 2024 figures: the first gazelle shrinks, the second's are missing; the unicorn lists;
    # the manufacturing gazelle leaves the city; another is struck off the registry.
    fin = {e.uscc: {x.year: x for x in db.scalars(select(Financial).where(
        Financial.enterprise_id == e.id))} for e in f.values()}  # fmt: skip
    fin[uscc(1)][2024].revenue = 100 * WAN
    fin[uscc(2)][2024].revenue = None
    f["unicorn"].listed = True
    f["ipo"].listed = True  # a gazelle need not be unlisted: it stays
    f["mfg"].district_code = None
    db.execute(delete(Financial).where(Financial.enterprise_id == f["gone"].id))
    db.execute(delete(Enterprise).where(Enterprise.id == f["gone"].id))
    # The cultivated unicorn's valuation passes a billion dollars: it changes category.
    fin[uscc(5)][2024].valuation_usd = 2 * 10**9 * USD
    db.flush()
    done = service.publish(db, rs, 2025, ACTOR)
    lines = _lines(db, done.list)
    assert lines[uscc(1)] == ("gazelle", "exited", "criterion_failed",
                              "growth_each(revenue, 3y) > 0;cagr(revenue, 3y) >= 0.5")  # fmt: skip
    assert lines[uscc(2)][:3] == ("gazelle", "exited", "data_missing")
    assert "growth_each(revenue, 3y) > 0" in str(lines[uscc(2)][3])
    assert lines[uscc(4)][:3] == ("unicorn", "exited", "listed")
    assert lines[uscc(3)][:3] == ("gazelle", "exited", "moved_away")
    assert lines[uscc(7)][:3] == ("gazelle", "exited", "closed")
    assert lines[uscc(5)][:2] == ("unicorn", "changed")
    assert lines[uscc(8)][:2] == ("gazelle", "kept")
    assert (done.previous_year, done.list.exited, done.list.listed) == (2024, 5, 2)


def test_a_year_the_registry_has_no_figures_for_is_refused(db: Session, world: dict[str, Any]
                                                           ) -> None:  # fmt: skip
    rs = service.ruleset("nanjing-2024")
    with pytest.raises(InvalidInput) as info:
        service.publish(db, rs, 2030, ACTOR)
    assert info.value.code == "growth.year_not_in_data"
    assert info.value.params == {"year": 2030, "figures_year": 2029, "first": 2020, "last": 2024}
    assert repository.published(db, "nanjing-2024", 2030) is None


def test_a_window_reaching_before_the_figures_is_refused(db: Session, world: dict[str, Any]
                                                         ) -> None:  # fmt: skip
    rs = service.ruleset("nanjing-2024")
    with pytest.raises(InvalidInput) as info:
        service.publish(db, rs, 2022, ACTOR)  # figures of 2021, base year 2018
    assert info.value.code == "growth.window_beyond_data"
    assert info.value.params["needed"] == 2018 and info.value.params["first"] == 2020
    assert repository.lists(db) == []


def test_an_unknown_rule_set_is_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as info:
        service.ruleset("nanjing-2099")
    assert info.value.code == "growth.unknown_ruleset"


def test_an_empty_registry_has_no_year(db: Session) -> None:
    with pytest.raises(InvalidInput) as info:
        service.classify(db, service.ruleset("gei"), 2024)
    assert info.value.code == "growth.year_not_in_data"


def test_the_demo_publishes_every_year_the_figures_allow_once(
    db: Session, world: dict[str, Any]
) -> None:
    from highland.growth.demo import publish_demo_lists

    assert publish_demo_lists(db, ACTOR) == 2 + 3 + 2 + 2
    got = {(r.ruleset_id, r.year) for r in repository.lists(db)}
    assert {y for r, y in got if r == "nanjing-2024"} == {2024, 2025}
    assert {y for r, y in got if r == "gei"} == {2022, 2023, 2024}
    assert {y for r, y in got if r == "oecd-hge-10"} == {2023, 2024}
    assert publish_demo_lists(db, ACTOR) == 0
