"""Indicators of a chain as of a month, checked by hand on a small world (missing figures,
late data, members decided after the month, demands of other chains)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.models import Chain, EnterpriseSegment
from highland.demands.models import Demand, DemandCategory, DemandEvent
from highland.enterprises.models import Enterprise, Financial
from highland.platform.errors import InvalidInput
from highland.platform.institutions.models import Institution
from highland.platform.kit.dates import CITY_TZ

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=CITY_TZ)


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    """A Shanghai time."""
    return datetime(y, m, d, h, 0, tzinfo=CITY_TZ)


@dataclass
class GovWorld:
    """Chain 1 (ic) with members E1–E4, chain 2 (nev) with E5; an institution."""

    chain: Chain
    other: Chain
    ents: dict[int, int]


def _ent(db: Session, n: int, founded: date) -> int:
    e = Enterprise(uscc=f"91320115MA{n:07d}X"[:18], name=f"企业{n}", district_code="320115",
                   industry_code="3972", industry_section="C", industry_division="39",
                   founded_on=founded)  # fmt: skip
    db.add(e)
    db.flush()
    return e.id


def _fin(db: Session, eid: int, year: int, src: date | None, **fig: int | None) -> None:
    db.add(Financial(enterprise_id=eid, year=year, source="test", source_date=src, **fig))


def build_world(db: Session) -> GovWorld:
    """The world of these tests (also used by the governance tests)."""
    chain = Chain(id=1, code="ic", name="集成电路", person_in_charge="张链长")
    other = Chain(id=2, code="nev", name="新能源汽车")
    db.add_all([chain, other])
    db.add(Institution(code="320115-ZRZY", name="区自然资源和规划分局"))
    db.flush()
    ents = {
        1: _ent(db, 1, date(2026, 3, 1)),  # new in 2026
        2: _ent(db, 2, date(2010, 5, 1)),
        3: _ent(db, 3, date(2026, 11, 1)),  # founded after September: not new for 2026-09
        4: _ent(db, 4, date(2020, 1, 1)),  # accepted only in October
        5: _ent(db, 5, date(2026, 2, 1)),  # the other chain's member
    }
    may = at(2026, 5, 1)
    links = [
        (1, 1, "design", "accepted", may), (1, 1, "make", "accepted", may),
        (2, 1, "design", "accepted", may), (2, 1, "make", "suggested", None),
        (3, 1, "pack", "accepted", may), (4, 1, "design", "accepted", at(2026, 10, 5)),
        (5, 1, "design", "rejected", may), (5, 2, "battery", "accepted", may),
    ]  # fmt: skip
    for n, cid, seg, status, decided in links:
        db.add(EnterpriseSegment(enterprise_id=ents[n], chain_id=cid, segment_code=seg,
                                 evidence="manual", confidence=100, status=status,
                                 decided_by="t" if decided else None, decided_at=decided,
                                 created_at=at(2026, 4, 1)))  # fmt: skip
    e1, e2, e4 = ents[1], ents[2], ents[4]
    _fin(db, e1, 2025, date(2026, 4, 30), revenue=100_000, output_value=200_000, tax_paid=10_000)
    _fin(db, e1, 2024, date(2025, 4, 30), revenue=80_000)
    _fin(db, e2, 2025, date(2026, 5, 20), revenue=50_000, output_value=None, tax_paid=5_000)
    _fin(db, e2, 2024, None, revenue=40_000)
    _fin(db, e2, 2026, date(2026, 10, 15), revenue=999_999)  # published after September
    _fin(db, e4, 2025, date(2026, 4, 1), revenue=7_000_000)  # not a member in September
    db.add(DemandCategory(code="land", name="土地", name_en="Land", response_days=1,
                          resolution_days=10))  # fmt: skip
    db.flush()
    demands: list[tuple[int, bool, datetime | None, datetime | None]] = [
        (1, True, at(2026, 9, 20), None),  # overdue: due before the month's end
        (1, True, at(2026, 10, 20), None),  # open, not overdue
        (1, True, at(2026, 10, 1), at(2026, 10, 2)),  # breached
        (1, False, at(2026, 9, 1), at(2026, 9, 2)),  # closed: not counted
        (2, True, at(2026, 9, 1), None),  # another chain
    ]
    for cid, is_open, due, breached in demands:
        demand = Demand(enterprise_id=e1, category_code="land", title="用地", description="x",
                        chain_id=cid, source="staff", created_by="t", open=is_open,
                        state="dispatched" if is_open else "confirmed", resolution_due=due,
                        breached_at=breached, created_at=at(2026, 8, 31))  # fmt: skip
        db.add(demand)
        db.flush()
        # Its log, which past months are counted from: filed and dispatched on 31 August and
        # 1 September, marked breached the day after its deadline, the closed one confirmed
        # on 15 September.
        log = [("file", None, "submitted", at(2026, 8, 31)),
               ("dispatch", "submitted", "dispatched", at(2026, 9, 1))]  # fmt: skip
        if breached is not None or (due is not None and due < at(2026, 9, 30)):
            log.append(("breach", "dispatched", "dispatched", breached or due + timedelta(days=1)))
        if not is_open:
            log.append(("confirm", "dispatched", "confirmed", at(2026, 9, 15)))
        for seq, (action, before, after, when) in enumerate(log, start=1):
            db.add(DemandEvent(demand_id=demand.id, seq=seq, at=when, actor="t", action=action,
                               from_state=before, to_state=after))  # fmt: skip
    db.flush()
    return GovWorld(chain, other, ents)


@pytest.fixture
def gw(db: Session) -> GovWorld:
    return build_world(db)


def test_indicators_by_hand(db: Session, gw: GovWorld) -> None:
    out = indicators.compute(db, 1, "2026-09", NOW)
    assert out["month"] == "2026-09"
    assert out["as_of"] == "2026-09-30T23:59:59+08:00"
    i: dict[str, Any] = out["items"]
    assert list(i) == list(indicators.ORDER)
    assert i["members"]["value"] == 3  # E1 (twice), E2, E3; E4 decided in October
    # joined in May (E1 founded in March): none joined or was founded in September
    assert i["new_members"] == {"value": 0, "month": "2026-09", "freshness": NOW.isoformat()}
    assert i["revenue"] == {"value": 150_000, "unit": "fen", "reported": 2, "missing": 1,
                            "years": [2025, 2025], "freshness": "2026-05-20"}  # fmt: skip
    assert i["output_value"] == {"value": 200_000, "unit": "fen", "reported": 1, "missing": 2,
                                 "years": [2025, 2025], "freshness": "2026-04-30"}  # fmt: skip
    assert i["tax"]["value"] == 15_000 and i["tax"]["missing"] == 1
    assert i["growth"] == {"value": "0.250000", "year": 2025, "enterprises": 2,
                           "current_fen": 150_000, "previous_fen": 120_000,
                           "freshness": "2026-05-20"}  # fmt: skip
    # September is over (NOW is 1 October): counted from the log as of 30 September. Open:
    # the three not confirmed; overdue: only the one marked breached by then (21 September) —
    # the third was breached on 2 October, after the month.
    assert i["open_demands"]["value"] == 3 and i["overdue_demands"]["value"] == 1
    assert i["open_demands"]["freshness"] == at(2026, 9, 21).isoformat()  # newest event
    assert i["key_projects"] == {"value": None, "available": False, "freshness": None}


def test_later_month_sees_later_data(db: Session, gw: GovWorld) -> None:
    i = indicators.compute(db, 1, "2026-10", NOW)["items"]
    assert i["members"]["value"] == 4  # E4 accepted on 5 October
    # E2's 2026 figure is published on 15 October; E4's revenue counts now.
    assert i["revenue"]["value"] == 100_000 + 999_999 + 7_000_000
    assert i["revenue"]["years"] == [2025, 2026] and i["revenue"]["freshness"] == "2026-10-15"
    # Growth: 2026 vs 2025 over E2 only (the one member with both years).
    assert i["growth"]["year"] == 2026 and i["growth"]["enterprises"] == 1
    assert i["growth"]["value"] == "18.999980"  # 999 999 / 50 000 - 1
    assert i["overdue_demands"]["value"] == 3  # due 20 October is before the end of October


def test_missing_stays_missing(db: Session, gw: GovWorld) -> None:
    i = indicators.compute(db, 2, "2026-09", NOW)["items"]
    assert i["members"]["value"] == 1 and i["new_members"]["value"] == 0  # E5 joined in May
    for key in ("revenue", "output_value", "tax"):
        assert i[key]["value"] is None and i[key]["reported"] == 0 and i[key]["missing"] == 1
        assert i[key]["freshness"] is None
    assert i["growth"]["value"] is None and i["growth"]["enterprises"] == 0
    assert i["open_demands"]["value"] == 1 and i["overdue_demands"]["value"] == 1
    # A month before any data: nothing, reported as zero members (a count) and missing sums.
    early = indicators.compute(db, 1, "2025-01", NOW)["items"]
    assert early["members"]["value"] == 0 and early["revenue"]["value"] is None


@pytest.mark.parametrize("bad", ["", "2026-13", "2026/09", "26-09", "2026-9", "1999-01"])
def test_bad_month(db: Session, gw: GovWorld, bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        indicators.compute(db, 1, bad, NOW)
    assert err.value.field == "month" and "YYYY-MM" in err.value.message


def test_registry_part_is_kept_while_the_data_is_unchanged(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """On a database of its own (committed data): the first computation keeps the registry
    part; the next reuses it (same numbers, demand counts counted again); a committed
    write to the links makes the next computation count again."""
    from sqlalchemy import func, select, update

    from highland.chains.models import ChainMonthFigure
    from highland.enterprises.service import seed_regions
    from highland.platform.db import make_engine, session_factory
    from highland.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        seed_regions(s, "320100")
        gw = build_world(s)
        s.commit()
    with factory() as s:
        first = indicators.compute(s, 1, "2026-09", NOW)
    with factory() as s:
        kept = s.scalars(select(ChainMonthFigure)).all()
        assert [(k.chain_id, k.month) for k in kept] == [(1, "2026-09")]
        assert kept[0].items["members"] == {"value": 3}
        stamp = kept[0].computed_at
        for demand in s.scalars(select(Demand).where(Demand.chain_id == 1, Demand.open)):
            seq = s.scalar(
                select(func.max(DemandEvent.seq)).where(DemandEvent.demand_id == demand.id)
            )
            s.add(DemandEvent(demand_id=demand.id, seq=(seq or 0) + 1, at=at(2026, 9, 29),
                              actor="t", action="withdraw", from_state="dispatched",
                              to_state="withdrawn"))  # fmt: skip
        s.commit()
    with factory() as s:
        second = indicators.compute(s, 1, "2026-09", NOW)
        assert second["items"]["members"] == first["items"]["members"]
        assert second["items"]["revenue"] == first["items"]["revenue"]
        assert second["items"]["open_demands"]["value"] == 0  # counted, never kept
        assert s.scalar(select(ChainMonthFigure.computed_at)) == stamp  # reused
        s.execute(
            update(EnterpriseSegment)
            .where(EnterpriseSegment.enterprise_id == gw.ents[4])
            .values(decided_at=at(2026, 9, 5))
        )
        s.commit()
    with factory() as s:
        third = indicators.compute(s, 1, "2026-09", NOW)
        assert third["items"]["members"]["value"] == 4  # E4 now accepted in September
        assert third["items"]["revenue"]["value"] == 150_000 + 7_000_000
    engine.dispose()


def test_a_session_with_its_own_writes_keeps_nothing(db: Session, gw: GovWorld) -> None:
    from sqlalchemy import select

    from highland.chains.models import ChainMonthFigure
    from highland.platform.db import session_factory

    indicators.compute(db, 1, "2026-09", NOW)
    with session_factory(db.get_bind().engine)() as other:
        assert other.scalar(select(ChainMonthFigure).where(ChainMonthFigure.chain_id == 1)) is None


def test_a_session_that_reads_then_writes_is_not_disturbed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Keeping the indicators waits for the end of the caller's transaction: on SQLite a
    commit by another connection in between would refuse the caller's later write."""
    from sqlalchemy import func, select

    from highland.chains.analytics import service as analytics
    from highland.chains.models import ChainMonthFigure
    from highland.enterprises.service import seed_regions
    from highland.platform.db import make_engine, session_factory
    from highland.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'rw.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        seed_regions(s, "320100")
        build_world(s)
        s.commit()
    with factory() as s:
        indicators.compute(s, 1, "2026-09", NOW)
        analytics.analyse(s, 1)
        s.add(Institution(code="320115-NEW", name="新单位"))
        s.commit()  # no "database is locked"
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(ChainMonthFigure)) == 1
        assert s.get(Institution, "320115-NEW") is not None
    engine.dispose()


def test_a_reopened_demand_is_overdue_only_if_breached_again(db: Session, gw: GovWorld) -> None:
    from sqlalchemy import func, select

    demand = db.scalars(
        select(Demand).where(Demand.chain_id == 1, Demand.resolution_due == at(2026, 10, 20))
    ).one()

    def log(action: str, before: str, to_state: str, when: datetime) -> None:
        seq = db.scalar(select(func.max(DemandEvent.seq)).where(DemandEvent.demand_id == demand.id))
        db.add(DemandEvent(demand_id=demand.id, seq=(seq or 0) + 1, at=when, actor="t",
                           action=action, from_state=before, to_state=to_state))  # fmt: skip
        db.flush()

    log("breach", "dispatched", "dispatched", at(2026, 9, 10))
    log("close", "resolved", "reopened", at(2026, 9, 12))  # "not solved": a fresh clock
    before = indicators.compute(db, 1, "2026-09", NOW)["items"]
    assert before["open_demands"]["value"] == 3 and before["overdue_demands"]["value"] == 1
    log("breach", "reopened", "reopened", at(2026, 9, 25))  # the sweep, while reopened
    after = indicators.compute(db, 1, "2026-09", NOW)["items"]
    assert after["overdue_demands"]["value"] == 2
    august = indicators.compute(db, 1, "2026-08", NOW)["items"]  # filed, nothing dispatched yet
    assert august["open_demands"]["value"] == 4 and august["overdue_demands"]["value"] == 0


def test_new_members_joined_or_founded_in_the_month(db: Session, gw: GovWorld) -> None:
    by_month = {m: indicators.compute(db, 1, m, NOW)["items"]["new_members"]["value"]
                for m in ("2026-03", "2026-04", "2026-05", "2026-06", "2026-10")}  # fmt: skip
    # May: E1, E2, E3 accepted; October: E4 accepted. E1 founded in March was no member then
    # (founded and joined later: counted when it joined); nothing in April or June.
    assert by_month == {"2026-03": 0, "2026-04": 0, "2026-05": 3, "2026-06": 0, "2026-10": 1}
    # a member founded in the month it is counted in, though it joined before
    db.execute(update(Enterprise).where(Enterprise.id == gw.ents[2])
               .values(founded_on=date(2026, 6, 15)))  # fmt: skip
    assert indicators.compute(db, 1, "2026-06", NOW)["items"]["new_members"]["value"] == 1


def test_demands_of_the_members_count_for_the_chain(db: Session, gw: GovWorld) -> None:
    before = indicators.compute(db, 1, "2026-09", NOW)["items"]["open_demands"]["value"]
    # E2 (a member of chain 1) files a demand for no chain; E5 (chain 2's) one too
    for n in (2, 5):
        db.add(Demand(enterprise_id=gw.ents[n], category_code="land", title="用地",
                      description="x", chain_id=None, source="staff", created_by="t",
                      open=True, state="dispatched", created_at=at(2026, 8, 31)))  # fmt: skip
    db.flush()
    now_items = indicators.compute(db, 1, "2026-10", NOW)["items"]
    assert now_items["open_demands"]["value"] == 3 + 1  # the open ones tagged 1, and E2's
    other = indicators.compute(db, 2, "2026-10", NOW)["items"]
    assert other["open_demands"]["value"] == 1 + 1  # the one tagged 2, and E5's
    assert indicators.compute(db, 1, "2026-09", NOW)["items"]["open_demands"]["value"] == before
