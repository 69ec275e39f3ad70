"""The chains' monthly indicators computed in Polars over the kept registry rows equal the
SQL aggregates, on a random world, for several months (both databases); after random writes
the kept rows brought up to date give the same numbers again."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from highland.chains import indicator_frames, indicators, inputs
from highland.chains.models import Chain, EnterpriseSegment
from highland.enterprises.models import Enterprise, Financial
from highland.platform.kit.dates import CITY_TZ

MONTHS = ("2024-12", "2025-06", "2026-01", "2026-09")


def _world(db: Session, rng: random.Random, n: int = 80) -> list[int]:
    db.add_all([Chain(id=31, code="c31", name="链一"), Chain(id=32, code="c32", name="链二")])
    db.flush()
    ids = []
    for i in range(n):
        e = Enterprise(uscc=f"91320115MB{i:07d}Y"[:18], name=f"企业{i}", district_code="320115",
                       industry_code="3972", industry_section="C", industry_division="39",
                       founded_on=date(2015, 1, 1) + timedelta(rng.randrange(4200)))  # fmt: skip
        db.add(e)
        db.flush()
        ids.append(e.id)
        for year in range(2021, 2027):
            if rng.random() < 0.7:
                db.add(_fin(rng, e.id, year))
        for chain in (31, 32):
            if rng.random() < 0.6:
                _link(db, rng, e.id, chain, "design")
                if rng.random() < 0.3:
                    _link(db, rng, e.id, chain, "make")
    db.flush()
    return ids


def _fin(rng: random.Random, eid: int, year: int) -> Financial:
    def maybe() -> int | None:
        return rng.choice([None, rng.randrange(0, 10**9)])

    src = rng.choice([None, date(year + 1, 1, 1) + timedelta(days=rng.randrange(200))])
    return Financial(enterprise_id=eid, year=year, source="test", source_date=src,
                     revenue=maybe(), output_value=maybe(), tax_paid=maybe())  # fmt: skip


def _link(db: Session, rng: random.Random, eid: int, chain: int, seg: str) -> None:
    made = datetime(2024, 6, 1, tzinfo=CITY_TZ) + timedelta(hours=rng.randrange(20_000))
    decided = rng.choice([None, made + timedelta(hours=rng.randrange(2000))])
    db.add(EnterpriseSegment(enterprise_id=eid, chain_id=chain, segment_code=seg,
                             evidence="manual", confidence=90,
                             status=rng.choice(["accepted", "accepted", "suggested"]),
                             decided_at=decided, created_at=made))  # fmt: skip


def _same(db: Session, rows: inputs.Rows) -> None:
    for month in MONTHS:
        year, mon = indicators.parse_month(month)
        as_of = indicators.month_end(year, mon)
        sql = indicators._registry_items(db, [31, 32], as_of, year)
        frame = indicator_frames.registry_items(
            rows, [31, 32], as_of, year, indicators.month_start(as_of)
        )
        assert frame == sql, month
    last = frame[31]
    assert last["members"]["value"] > 10 and last["revenue"]["reported"] > 0  # not trivial
    assert last["growth"]["enterprises"] > 0 and last["new_members"]["value"] >= 0


def test_polars_indicators_equal_the_sql_aggregates(db: Session) -> None:
    rng = random.Random(18)
    ids = _world(db, rng)
    rows = inputs.load(db)
    _same(db, rows)
    for _ in range(15):  # random writes, then the kept rows brought up to date
        target = rng.choice(ids)
        kind = rng.randrange(4)
        if kind == 0:
            db.execute(update(Financial).where(Financial.enterprise_id == target)
                       .values(revenue=rng.randrange(1, 10**8)))  # fmt: skip
        elif kind == 1:
            db.execute(update(EnterpriseSegment).where(EnterpriseSegment.enterprise_id == target)
                       .values(status=rng.choice(["accepted", "rejected"])))  # fmt: skip
        elif kind == 2:
            db.execute(update(Enterprise).where(Enterprise.id == target)
                       .values(founded_on=date(2026, 1, 15)))  # fmt: skip
        else:
            years = set(db.scalars(select(Financial.year).where(Financial.enterprise_id == target)))
            free = [y for y in range(2019, 2027) if y not in years]
            if free:
                db.add(_fin(rng, target, rng.choice(free)))
        db.flush()
        fresh = inputs.refreshed(db, rows)
        assert fresh is not None
        rows = fresh
    _same(db, rows)
