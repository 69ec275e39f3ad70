"""The demo's docking data: illustrative achievements and needs (示例) over the demo chains,
loaded once; the needs find their achievements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from highland.chains.demo_data.chains import load_demo_chains
from highland.docking import matching, repository
from highland.docking.demo.generate import demo_achievements, demo_needs
from highland.docking.demo.service import ACHIEVEMENTS, NEEDS, load_demo
from highland.docking.models import Achievement, TechNeed
from highland.enterprises.imports import run_import
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv


def test_demo_loads_once_marked_illustrative(db: Any, sessions: Any) -> None:
    load_demo_chains(db, ACTOR)
    run_import(sessions, ACTOR, "enterprises", to_csv([ent_row(i) for i in range(1, 4)],
                                                      ENT_HEADER), "e.csv")  # fmt: skip
    assert load_demo(db, ACTOR, achievements=120, needs=12) == {"achievements": 120, "needs": 12}
    assert load_demo(db, ACTOR, achievements=120, needs=12) == {"achievements": 0, "needs": 0}
    assert all(a.illustrative for a in db.scalars(select(Achievement)))
    needs = list(db.scalars(select(TechNeed)))
    assert all(n.illustrative for n in needs)
    assert any(n.segment_code for n in needs)
    assert sum(bool(matching.for_need(db, n, 10)) for n in needs) >= 10
    assert repository.count_achievements(db) == 120


def test_demo_sizes_are_the_products() -> None:
    assert (ACHIEVEMENTS, NEEDS) == (2000, 300)
    refs = [a["ach_ref"] for a in demo_achievements(ACHIEVEMENTS)]
    assert len(set(refs)) == 2000 and sum(1 for _ in demo_needs(NEEDS)) == 300
