"""A snapshot spliced from the changed enterprises equals a whole build, row for row, after
random writes, on both databases; changes no enterprise holds build it whole."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
from polars.testing import assert_frame_equal
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.enterprises.models import Enterprise, Financial, Qualification
from highland.policies.rules.vector import prepare
from highland.policies.service import snapshots
from tests.enterprises.test_snapshot import add

AS_OF = date(2025, 6, 30)


def _whole(db: Session) -> pl.DataFrame:
    return prepare(registry.portrait_frame(db, AS_OF).sort("uscc"))


def _fresh(db: Session) -> pl.DataFrame:
    snap = snapshots.snapshot_for(db, AS_OF, refresh=True)
    return snapshots.snapshot_frame(db, snap)


def _seed(db: Session, n: int, rng: random.Random) -> None:
    for i in range(n):
        figures = {
            y: {"revenue": rng.choice([None, rng.randrange(10**6, 10**10)]),
                "employees": rng.choice([None, rng.randrange(1, 900)]),
                "rd_spend": rng.randrange(0, 10**8)}
            for y in (2022, 2023, 2024) if rng.random() < 0.8
        }  # fmt: skip
        quals = (("high_tech", date(2023, 1, 1), date(2026, 1, 1)),) if i % 3 == 0 else ()
        add(db, 7000 + i, figures=figures, quals=quals)


def _write(db: Session, rng: random.Random, step: int) -> None:
    ids = list(db.scalars(select(Enterprise.id)))
    target = rng.choice(ids)
    kind = step % 5
    if kind == 0:
        db.execute(
            update(Financial)
            .where(Financial.enterprise_id == target)
            .values(revenue=rng.randrange(10**6, 10**10))
        )
    elif kind == 1:
        db.execute(delete(Qualification).where(Qualification.enterprise_id == target))
        code = rng.choice(["srdi", "little_giant", "tech_sme"])
        db.add(Qualification(enterprise_id=target, code=code, valid_from=date(2024, 1, 1)))
    elif kind == 2:
        add(
            db, 9000 + rng.randrange(10**6), figures={2024: {"revenue": 5 * 10**8, "employees": 40}}
        )
    elif kind == 3:
        db.execute(update(Enterprise).where(Enterprise.id == target).values(district_code="320102"))
    else:
        db.execute(delete(Financial).where(Financial.enterprise_id == target))
    db.flush()


def test_spliced_snapshots_equal_whole_builds(db: Session) -> None:
    rng = random.Random(18)
    _seed(db, 60, rng)
    first = snapshots.snapshot_for(db, AS_OF)
    assert first.base_id is None and first.change_seq == registry.change_seq(db)
    assert snapshots.snapshot_for(db, AS_OF, refresh=True).id == first.id  # nothing changed
    for step in range(10):
        for _ in range(rng.randrange(1, 4)):
            _write(db, rng, step)
        assert snapshots.snapshot_for(db, AS_OF).change_seq < registry.change_seq(db)  # kept
        snap = snapshots.snapshot_for(db, AS_OF, refresh=True)
        assert snap.base_id is not None, step  # spliced, not built whole
        assert_frame_equal(_fresh(db), _whole(db))
        # A reader with no frames in memory rebuilds the same frame from the stored splices.
        snapshots._frames.clear()
        assert_frame_equal(snapshots.snapshot_frame(db, snap), _whole(db))


def test_deleting_an_enterprise_builds_whole(db: Session) -> None:
    rng = random.Random(5)
    _seed(db, 10, rng)
    snapshots.snapshot_for(db, AS_OF)
    gone = db.scalars(select(Enterprise).limit(1)).one()
    db.delete(gone)
    db.flush()
    snap = snapshots.snapshot_for(db, AS_OF, refresh=True)
    assert snap.base_id is None
    assert_frame_equal(_fresh(db), _whole(db))


def test_changed_since_names_the_enterprises_written(db: Session) -> None:
    rng = random.Random(7)
    _seed(db, 5, rng)
    seq = registry.change_seq(db)
    ids = sorted(db.scalars(select(Enterprise.id)))
    db.execute(update(Financial).where(Financial.enterprise_id == ids[1]).values(revenue=1))
    db.add(Qualification(enterprise_id=ids[3], code="srdi", valid_from=None, valid_to=None))
    db.flush()
    assert registry.changed_since(db, seq) == sorted({ids[1], ids[3]})
    assert registry.changed_since(db, registry.change_seq(db)) == []
    assert registry.changed_since(db, seq, limit=1) is None  # too many: rebuild whole


def test_a_pruned_log_reads_everything_again(db: Session) -> None:
    rng = random.Random(9)
    _seed(db, 5, rng)
    old = registry.change_seq(db) - 3
    ids = sorted(db.scalars(select(Enterprise.id)))
    db.execute(update(Financial).where(Financial.enterprise_id == ids[0]).values(revenue=7))
    db.flush()
    newest = registry.change_seq(db)
    assert registry.changed_since(db, old) is not None
    assert registry.prune_changes(db, newest) > 0
    assert registry.changed_since(db, old) is None  # what changed in between is not known
    assert registry.changed_since(db, newest) == []  # the newest position is kept
