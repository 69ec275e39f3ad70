"""After committed writes, the chain figures are rebuilt from the rows kept in memory with
only the changed enterprises read again — and equal a build from every row, on both
databases; a change no enterprise holds (a chain) reads everything again."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from highland.chains import figure_sums, figures, inputs
from highland.chains.models import Chain, EnterpriseSegment
from highland.enterprises.models import Enterprise, Financial
from highland.enterprises.service import seed_regions
from highland.platform.db import session_factory
from highland.platform.kit.industry import parse_industry
from highland.schema import upgrade
from tests.chains.analytics_world import YEAR, build
from tests.factories import uscc
from tests.pg import PG_URL, fresh_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL: HIGHLAND_TEST_DATABASE_URL is not set")
    with fresh_engine(request.param, tmp_path, "highland_cliffs_figures") as engine:
        yield engine


def _write(s: Session, rng: random.Random, chain_id: int, step: int) -> None:
    ids = list(s.scalars(select(Enterprise.id)))
    target = rng.choice(ids)
    kind = step % 5
    if kind == 0:
        values = {"revenue": rng.randrange(1, 10**6), "employees": rng.randrange(1, 900)}
        s.execute(update(Financial).where(Financial.enterprise_id == target).values(**values))
    elif kind == 1:
        year = rng.choice([YEAR - 1, YEAR - 2, YEAR - 3])
        if s.scalar(select(Financial.id).where(Financial.enterprise_id == target,
                                               Financial.year == year)) is None:  # fmt: skip
            s.add(Financial(enterprise_id=target, year=year, revenue=rng.randrange(1, 10**6),
                            employees=None, source="statistics"))  # fmt: skip
    elif kind == 2:
        s.execute(update(Enterprise).where(Enterprise.id == target)
                  .values(district_code=rng.choice(["320102", "320106", "320115"])))  # fmt: skip
    elif kind == 3:
        s.execute(update(EnterpriseSegment).where(EnterpriseSegment.enterprise_id == target)
                  .values(status=rng.choice(["accepted", "rejected"])))  # fmt: skip
    else:
        code = rng.choice(["6520", "3973", "3562"])
        ind = parse_industry(code)
        e = Enterprise(uscc=uscc(50_000 + rng.randrange(10**6)), name="新企业",
                       district_code="320115", industry_code=code,
                       industry_section=ind.section, industry_division=ind.division,
                       founded_on=date(2020, 1, 1))  # fmt: skip
        s.add(e)
        s.flush()
        s.add(Financial(enterprise_id=e.id, year=YEAR, revenue=rng.randrange(1, 10**6),
                        employees=rng.randrange(1, 50), source="statistics"))  # fmt: skip
        s.add(EnterpriseSegment(enterprise_id=e.id, chain_id=chain_id, segment_code="fab",
                                evidence="manual", confidence=100, status="accepted"))  # fmt: skip


def _same_as_whole(s: Session, got: figures.Figures, load: Any) -> None:
    rows = load(s)  # every row read again
    assert_frame_equal(got.cells, figures.cells_from(rows.enterprises, rows.financials))
    whole = figures.figures_from(rows.links, figures.closure(s), rows.financials)
    assert_frame_equal(got.chains, whole)


def test_incremental_figures_equal_a_whole_build(
    own_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = own_database
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        seed_regions(s, "320100")
        chain = build(s)["chain"].id
        s.commit()
    figures._cache.clear()
    inputs.clear()
    with factory() as s:
        figures.current(s)  # reads every row once, and keeps them
    whole_reads: list[int] = []
    real = inputs.load

    def counted(session: Session) -> inputs.Rows:
        whole_reads.append(1)
        return real(session)

    monkeypatch.setattr(inputs, "load", counted)
    rng = random.Random(18)
    for step in range(12):
        with factory() as s:
            for _ in range(rng.randrange(1, 4)):
                _write(s, rng, chain, step)
            s.commit()
        with factory() as s:
            got = figures.current(s)
            _same_as_whole(s, got, real)
    assert whole_reads == []  # every rebuild read only the changed enterprises
    builds: list[int] = []
    real_build = figure_sums.Sums.build
    monkeypatch.setattr(figure_sums.Sums, "build", staticmethod(
        lambda *a: builds.append(1) or real_build(*a)))  # fmt: skip
    with factory() as s:  # another reader (the monthly indicators) reads the change first
        _write(s, rng, chain, 0)
        _write(s, rng, chain, 4)
        s.commit()
    with factory() as s:
        key = inputs.db_key(s, figures.generations(s).get("instance", 0))
        inputs.current(s, key, committed=lambda _: True)
        _same_as_whole(s, figures.current(s), real)
    assert builds == [] and whole_reads == []  # the sums followed the change
    with factory() as s:  # the largest firm of every group shrinks: each group computed again
        for eid in set(figures.current(s).chains["largest_id"].drop_nulls().to_list()):
            s.execute(update(Financial).where(Financial.enterprise_id == eid).values(revenue=1))
        s.commit()
    with factory() as s:
        _same_as_whole(s, figures.current(s), real)
    assert whole_reads == []
    with factory() as s:  # a chain's change touches every member: everything is read again
        s.execute(update(Chain).where(Chain.id == chain).values(name_en="IC"))
        _write(s, rng, chain, 4)  # a new member: the figures are stale
        s.commit()
    with factory() as s:
        got = figures.current(s)
        _same_as_whole(s, got, real)
    assert whole_reads == [1]
