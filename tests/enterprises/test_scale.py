"""规上 / 限上: the statistical starting point per industry, on both sides of every threshold,
in the rule table and in the registry's SQL filter alike (real rows, SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from highland.enterprises import repository, scale
from highland.enterprises.models import Enterprise, Financial
from highland.platform.identity.permissions import Principal, Role

WAN = scale.WAN_FEN
# (section, 4-digit class, starting point in 万元; None: not judged from revenue)
CASES = [
    ("C", "3972", 2000), ("B", "0610", 2000), ("D", "4411", 2000),  # 规模以上工业
    ("F", "5191", 2000), ("F", "5212", 500),  # 限额以上批发业, 零售业
    ("H", "6110", 200), ("H", "6210", 200),  # 住宿业, 餐饮业
    ("G", "5430", 2000), ("I", "6513", 2000), ("N", "7721", 2000),  # 服务业 2000 万
    ("L", "7212", 1000), ("M", "7320", 1000), ("P", "8341", 1000),  # 1000 万
    ("O", "8011", 500), ("R", "8710", 500), ("Q", "8411", 500),  # 500 万
    ("K", "7020", 500), ("K", "7030", 500), ("K", "7040", 500), ("K", "7090", 500),
    ("K", "7010", None), ("E", "4710", None),  # by licence (开发经营, 有资质的建筑业)
    ("A", "0111", None), ("J", "6620", None), ("S", "9221", None), ("T", "9600", None),
]  # fmt: skip


@pytest.mark.parametrize(("section", "code", "wan"), CASES)
def test_both_sides_of_each_starting_point(section: str, code: str, wan: int | None) -> None:
    assert scale.threshold(section, code) == (None if wan is None else wan * WAN)
    if wan is None:
        assert scale.above(section, code, 10**15) is False  # never 规上, however large
    else:
        assert scale.above(section, code, wan * WAN) is True  # 及以上: the point itself counts
        assert scale.above(section, code, wan * WAN - 1) is False
    assert scale.above(section, code, None) is None  # missing is not zero


def test_the_registry_filter_agrees_with_the_table(db: Session) -> None:
    """Two firms per case, one at the starting point and one a fen below; the list's
    `scale=above` filter finds exactly those the table says are 规上."""
    expected: set[str] = set()
    for i, (section, code, wan) in enumerate(CASES):
        for j, revenue in enumerate(((wan or 10**9) * WAN, (wan or 10**9) * WAN - 1)):
            usc = f"9132011500000{i:03d}{j:02d}"
            ent = Enterprise(uscc=usc, name=f"企业{i}-{j}", district_code="320115",
                             industry_code=code, industry_section=section,
                             industry_division=code[:2], founded_on=date(2015, 1, 1),
                             figures_year=2025)  # fmt: skip
            db.add(ent)
            db.flush()
            db.add(Financial(enterprise_id=ent.id, year=2025, source="test", revenue=revenue))
            db.add(Financial(enterprise_id=ent.id, year=2024, source="test", revenue=10**15))
            if scale.above(section, code, revenue):
                expected.add(usc)
    db.flush()
    admin = Principal(user_id=0, username="t", role=Role.admin)
    found: set[Any] = {
        e.uscc
        for e in repository.list_page(
            db, admin, repository.EnterpriseFilter(scale="above"), 1, 200, 10_000
        ).items
    }
    assert found == expected and len(expected) == 20  # only the latest year counts
