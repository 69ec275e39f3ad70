"""The aggregates the chain analytics read (chains.figures): equal to the direct SQL, kept
fresh by the generation triggers, stored only from a committed view, rebuilt after writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from highland.chains import figures
from highland.chains.analytics import measures
from highland.chains.analytics import service as analytics
from highland.chains.models import ChainFigure, EnterpriseSegment, FigureState, RegistryCell
from highland.enterprises.models import Enterprise, Financial
from highland.enterprises.service import seed_regions
from highland.platform.db import make_engine, session_factory
from highland.schema import upgrade
from tests.chains.analytics_world import YEAR, build
from tests.pg import PG_URL, fresh_engine

KEYS = ["industry_code", "district_code"]


def _same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    cols = ["industry_code", "district_code", "value", "known", "missing"]
    left = a.select(cols).sort(KEYS)
    right = b.select(cols).sort(KEYS)
    assert left.to_dicts() == right.to_dicts()


@pytest.mark.parametrize("measure", ["employment", "revenue_fen", "enterprises"])
@pytest.mark.parametrize("year", [YEAR, YEAR - 1])
def test_registry_cells_equal_the_sql_group_by(db: Session, measure: str, year: int) -> None:
    build(db)
    got = figures.current(db).local(measure, year)
    _same(got, measures.local_figures(db, measure, year))


def test_a_district_not_given_is_a_cell_of_its_own_and_no_district_lq(db: Session) -> None:
    """A NULL district (rows from before zones were kept apart) is the cell "": stored, equal to
    the direct SQL, counted in the city and in no district's LQ; the cells sum to the registry."""
    w = build(db)
    w["ents"][5].district_code = None
    w["ents"][1].zone_code = "320100-JNKQ"  # a zone changes no district cell
    db.flush()
    for measure in ("enterprises", "employment"):
        got = figures.current(db).local(measure, YEAR)
        _same(got, measures.local_figures(db, measure, YEAR))
    cells = figures.current(db).local("enterprises", YEAR)
    assert cells.filter(pl.col("district_code") == "")["value"].sum() == 1
    assert cells["value"].sum() == db.query(Enterprise).count()
    districts = [d["district"] for d in analytics.analyse(db, w["chain"].id)["districts"]]
    assert "" not in districts and None not in districts and "320115" in districts


def test_member_figures_by_segment_subtree_and_year(db: Session) -> None:
    w = build(db)
    chain = w["chain"].id
    f = figures.current(db)
    rows = {(r["segment_code"], r["year"]): r for r in f.chain(chain).to_dicts()}
    # Accepted: E1, E2, E5 in design; E3 in fab (E6 suggested, E1 rejected in fab).
    assert rows[("", 0)]["members"] == 4
    assert rows[("design", 0)]["members"] == 3 and rows[("fab", 0)]["members"] == 1
    assert ("equip", 0) not in rows  # no members: no row, read as 0
    whole = rows[("", YEAR)]
    assert (whole["members"], whole["revenue"], whole["revenue_squares"]) == (
        3, 1000, str(600**2 + 300**2 + 100**2)
    )  # fmt: skip
    assert whole["largest_id"] == w["ents"][1].id and whole["largest_revenue"] == 600
    assert measures.subtree_members(f, chain) == {"design": 3, "fab": 1}


def test_sub_segments_count_once_in_their_parent(db: Session) -> None:
    w = build(db)
    chain = w["chain"]
    from highland.chains.models import Segment

    # Put "fab" under "design": design's subtree now has E1, E2, E5 and E3 (E1 twice → once).
    db.execute(
        update(Segment)
        .where(Segment.version_id == chain.version_id, Segment.code == "fab")
        .values(parent_code="design")
    )
    db.execute(  # E1's rejected fab link becomes accepted: E1 is in design and in fab
        update(EnterpriseSegment)
        .where(EnterpriseSegment.segment_code == "fab", EnterpriseSegment.status == "rejected")
        .values(status="accepted")
    )
    db.flush()
    counts = measures.subtree_members(figures.current(db), chain.id)
    assert counts == {"design": 4, "fab": 2}


def test_writes_bump_the_generations(db: Session) -> None:
    w = build(db)
    before = figures.generations(db)
    e1 = w["ents"][1]
    db.execute(update(Enterprise).where(Enterprise.id == e1.id).values(name="renamed"))
    db.flush()
    assert figures.generations(db) == before  # a name does not change any figure
    db.execute(update(Enterprise).where(Enterprise.id == e1.id).values(district_code="320106"))
    after_move = figures.generations(db)
    assert after_move["registry"] > before["registry"]
    assert after_move["links"] == before["links"]
    db.execute(update(Financial).where(Financial.enterprise_id == e1.id).values(revenue=700))
    after_rev = figures.generations(db)
    assert after_rev["registry"] > after_move["registry"]
    assert after_rev["links"] > after_move["links"]  # a member's revenue feeds the chain figures
    db.execute(
        update(EnterpriseSegment)
        .where(EnterpriseSegment.status == "suggested")
        .values(status="accepted")
    )
    assert figures.generations(db)["links"] > after_rev["links"]


def test_analytics_follow_a_write_in_the_same_session(db: Session) -> None:
    w = build(db)
    chain = w["chain"].id
    first = analytics.analyse(db, chain)["concentration"]
    assert first["revenue_fen"] == 1000
    db.add(Financial(enterprise_id=w["ents"][3].id, year=YEAR - 1, revenue=5, source="x"))
    db.execute(
        update(Financial)
        .where(Financial.enterprise_id == w["ents"][3].id, Financial.year == YEAR)
        .values(revenue=1100)
    )
    db.flush()
    again = analytics.analyse(db, chain)["concentration"]
    assert again["revenue_fen"] == 2000 and again["largest"]["name"] == "E3"
    # 10,000 × (600² + 300² + 1,100²) / 2,000² = 4,150
    assert again["hhi_exact"] == "4150/1"


def test_uncommitted_figures_are_never_stored(db: Session) -> None:
    build(db)
    figures.current(db)
    engine = db.get_bind().engine
    with session_factory(engine)() as other:  # the committed state: no figures of this world
        stored = other.scalar(select(FigureState.built_from).where(FigureState.name == "links"))
        committed = figures.generations(other)["links"]
    assert stored is None or stored <= committed


def test_committed_flow_stores_reuses_and_rebuilds(tmp_path: Path) -> None:
    """On a database of its own (committed data): the first read builds and stores, the next
    reads the tables, a committed write makes the next read rebuild."""
    engine = make_engine(f"sqlite:///{tmp_path / 'figures.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        seed_regions(s, "320100")
        w = build(s)
        chain, e3 = w["chain"].id, w["ents"][3].id
        s.commit()
    with factory() as s:
        first = analytics.analyse(s, chain)
        assert first["concentration"]["revenue_fen"] == 1000
    with factory() as s:
        state = figures.state(s)
        assert state["registry"]["fresh"] and state["links"]["fresh"]
        assert s.scalar(select(RegistryCell.enterprises).where(RegistryCell.year == 0)) is not None
        assert s.query(ChainFigure).count() > 0
        figures._cache.clear()
        again = analytics.analyse(s, chain)  # from the tables
        assert again["concentration"] == first["concentration"]
        assert again["figures_built_at"] == first["figures_built_at"]
    with factory() as s:
        s.execute(update(Financial).where(Financial.enterprise_id == e3).values(revenue=1100))
        s.commit()
    with factory() as s:
        assert not figures.state(s)["links"]["fresh"]
        third = analytics.analyse(s, chain)
        assert third["concentration"]["revenue_fen"] == 2000
        assert third["figures_built_at"] != first["figures_built_at"]
    with factory() as s:
        assert figures.state(s)["links"]["fresh"]
    engine.dispose()


def test_one_long_session_builds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session that began before the figures were stored (it cannot see them: SQLite keeps
    its snapshot) still builds them once, not once per chain."""
    engine = make_engine(f"sqlite:///{tmp_path / 'long.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        seed_regions(s, "320100")
        chain = build(s)["chain"].id
        s.commit()
    calls = {"registry": 0, "links": 0}
    real = figures._build_part

    def counted(session: Session, name: str, key: Any) -> pl.DataFrame:
        calls[name] += 1
        return real(session, name, key)

    monkeypatch.setattr(figures, "_build_part", counted)
    with factory() as s:
        for _ in range(3):
            analytics.analyse(s, chain)
    assert calls == {"registry": 1, "links": 1}
    with factory() as s:  # a session with a write of its own builds for itself, every time
        s.execute(update(Financial).values(revenue=Financial.revenue + 1))
        analytics.analyse(s, chain)
        analytics.analyse(s, chain)
        s.rollback()
    assert calls == {"registry": 3, "links": 3}
    with factory() as s:  # back to the committed state: remembered
        analytics.analyse(s, chain)
    assert calls == {"registry": 3, "links": 3}
    engine.dispose()


def test_concurrent_readers_build_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four requests at once after a change: one builds, the others wait and reuse it."""
    import threading
    import time

    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        seed_regions(s, "320100")
        chain = build(s)["chain"].id
        s.commit()
    calls = []
    real = figures._build_part

    def slow(session: Session, name: str, key: Any) -> pl.DataFrame:
        if name == "registry":
            calls.append(1)
            time.sleep(0.3)  # long enough for the other readers to arrive
        return real(session, name, key)

    monkeypatch.setattr(figures, "_build_part", slow)
    results: list[str] = []

    def reader() -> None:
        with factory() as s:
            results.append(analytics.analyse(s, chain)["figures_built_at"])

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 4 and len(set(results)) == 1
    assert len(calls) == 1
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A database of its own, committed to (SQLite file; a throw-away PostgreSQL database
    when HIGHLAND_TEST_DATABASE_URL is set)."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL: HIGHLAND_TEST_DATABASE_URL is not set")
    with fresh_engine(request.param, tmp_path, "highland_figures") as engine:
        yield engine


def test_store_and_reuse_on_each_database(own_database: Any) -> None:
    """Committed data: built and stored once, read back by a fresh worker, rebuilt after a
    committed change — on SQLite and on PostgreSQL (advisory lock, lock timeout)."""
    engine = own_database
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        seed_regions(s, "320100")
        w = build(s)
        chain, e3 = w["chain"].id, w["ents"][3].id
        s.commit()
    with factory() as s:
        first = analytics.analyse(s, chain)
    with factory() as s:
        state = figures.state(s)
        assert state["registry"]["fresh"] and state["links"]["fresh"]
    figures._cache.clear()
    with factory() as s:
        assert analytics.analyse(s, chain)["figures_built_at"] == first["figures_built_at"]
        s.execute(update(Financial).where(Financial.enterprise_id == e3).values(revenue=1100))
        s.commit()
    with factory() as s:
        assert analytics.analyse(s, chain)["concentration"]["revenue_fen"] == 2000
    with factory() as s:
        assert figures.state(s)["links"]["fresh"]
