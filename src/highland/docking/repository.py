"""All of the docking domain's SQL: achievements, needs, docking records, their events and
the generation numbers that tell the matching index when to rebuild."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from highland.docking.models import Achievement, DockingEvent, DockingRecord, TechNeed
from highland.docking.scope import NEEDS, RECORDS
from highland.enterprises import public as enterprises
from highland.platform.errors import NotFound
from highland.platform.generations import DataGeneration
from highland.platform.identity.permissions import Principal
from highland.platform.pagination import Page, paginate

PER_PAGE = 50
GEN_ACHIEVEMENTS = "docking.achievements"
GEN_NEEDS = "docking.needs"


# ---------------------------------------------------------------- generations


def generation(session: Session, name: str) -> int:
    """The registry's change mark (0: never written)."""
    return int(session.scalar(select(DataGeneration.value).where(DataGeneration.name == name))
               or 0)  # fmt: skip


def bump(session: Session, name: str) -> None:
    """Mark a registry as changed: a random number, so that two writes rolled back and made
    again never leave the same mark (the index would be kept stale)."""
    value = secrets.randbits(62) or 1
    if session.get(DataGeneration, name) is None:
        session.add(DataGeneration(name=name, value=value))
    else:
        session.execute(
            update(DataGeneration).where(DataGeneration.name == name).values(value=value)
        )
    session.flush()


# ---------------------------------------------------------------- achievements


def achievements(
    session: Session, page: int, q: str | None = None, field: str | None = None
) -> Page[Achievement]:
    """Achievements, newest first, narrowed by words in the title or keywords and a field."""
    stmt = select(Achievement)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Achievement.title.like(like, escape="\\"),
                              Achievement.institution.like(like, escape="\\")))  # fmt: skip
    if field:
        stmt = stmt.where(Achievement.field == field)
    return paginate(session, stmt.order_by(Achievement.id.desc()), page, PER_PAGE)


def get_achievement(session: Session, achievement_id: int) -> Achievement:
    """One achievement, or 404."""
    row = session.get(Achievement, achievement_id)
    if row is None:
        raise NotFound(f"no achievement {achievement_id}", code="docking.no_achievement",
                       params={"id": achievement_id})  # fmt: skip
    return row


def achievements_by_id(session: Session, ids: Iterable[int]) -> dict[int, Achievement]:
    """The achievements with these ids, by id."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(Achievement).where(Achievement.id.in_(wanted)))}


def ids_by_ref(session: Session, refs: Sequence[str]) -> dict[str, int]:
    """The ids of the achievements with these refs, by ref."""
    out: dict[str, int] = {}
    for i in range(0, len(refs), 500):
        chunk = list(refs[i : i + 500])
        rows = session.execute(select(Achievement.ref, Achievement.id).where(
            Achievement.ref.in_(chunk)))  # fmt: skip
        out.update({r: n for r, n in rows})
    return out


def insert_achievements(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add achievements (one statement per thousand)."""
    for i in range(0, len(rows), 1000):
        session.execute(insert(Achievement), rows[i : i + 1000])


def update_achievements(session: Session, rows: list[dict[str, Any]]) -> None:
    """Overwrite achievements by id (each dict holds `id`)."""
    if rows:
        session.execute(update(Achievement), rows)


def achievement_docs(session: Session) -> Iterator[Any]:
    """Every achievement's indexed columns, by id."""
    a = Achievement
    stmt = select(a.id, a.terms, a.field, a.chain_id, a.segment_code)
    yield from session.execute(stmt.order_by(a.id)).yield_per(5000)


def export_rows(session: Session) -> Iterator[Achievement]:
    """Every achievement, by id, for an export."""
    yield from session.scalars(select(Achievement).order_by(Achievement.id)).yield_per(2000)


def count_achievements(session: Session) -> int:
    """How many achievements the registry holds."""
    return int(session.scalar(select(func.count()).select_from(Achievement)) or 0)


# ---------------------------------------------------------------- needs


def needs(session: Session, principal: Principal, page: int) -> Page[TechNeed]:
    """The needs the caller sees, newest first."""
    return paginate(session, NEEDS.select(principal).order_by(TechNeed.id.desc()), page, PER_PAGE)


def get_need(session: Session, principal: Principal, need_id: int) -> TechNeed:
    """One need the caller may see, or 404 (never saying whether it exists)."""
    row = NEEDS.get(session, principal, need_id)
    if row is None:
        raise NotFound(f"no need {need_id}", code="docking.no_need", params={"id": need_id})
    return row


def needs_by_id(session: Session, ids: Iterable[int]) -> dict[int, TechNeed]:
    """The needs with these ids, by id."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {n.id: n for n in session.scalars(select(TechNeed).where(TechNeed.id.in_(wanted)))}


def need_docs(session: Session) -> Iterator[Any]:
    """Every need's indexed columns, by id."""
    n = TechNeed
    stmt = select(n.id, n.terms, n.field, n.chain_id, n.segment_code)
    yield from session.execute(stmt.order_by(n.id)).yield_per(5000)


def count_needs(session: Session) -> int:
    """How many needs the registry holds."""
    return int(session.scalar(select(func.count()).select_from(TechNeed)) or 0)


# ---------------------------------------------------------------- docking records


def records(
    session: Session, principal: Principal, page: int, state: str | None = None
) -> Page[DockingRecord]:
    """The docking records the caller sees, latest change first."""
    stmt = RECORDS.select(principal)
    if state:
        stmt = stmt.where(DockingRecord.state == state)
    stmt = stmt.order_by(DockingRecord.updated_at.desc(), DockingRecord.id.desc())
    return paginate(session, stmt, page, PER_PAGE)


def get_record(session: Session, principal: Principal, record_id: int) -> DockingRecord:
    """One docking record the caller may see, or 404."""
    row = RECORDS.get(session, principal, record_id)
    if row is None:
        raise NotFound(f"no docking record {record_id}", code="docking.record.not_found",
                       params={"id": record_id})  # fmt: skip
    return row


def record_of_pair(session: Session, need_id: int, achievement_id: int) -> DockingRecord | None:
    """The record introducing this need to this achievement, if any."""
    return session.scalar(select(DockingRecord).where(
        DockingRecord.need_id == need_id, DockingRecord.achievement_id == achievement_id))


def records_of_need(session: Session, need_id: int) -> dict[int, DockingRecord]:
    """A need's records, by achievement id."""
    stmt = select(DockingRecord).where(DockingRecord.need_id == need_id)
    return {r.achievement_id: r for r in session.scalars(stmt)}


def records_of_achievement(session: Session, achievement_id: int) -> dict[int, DockingRecord]:
    """An achievement's records, by need id."""
    stmt = select(DockingRecord).where(DockingRecord.achievement_id == achievement_id)
    return {r.need_id: r for r in session.scalars(stmt)}


def events(session: Session, record_id: int) -> list[DockingEvent]:
    """A record's log, oldest first."""
    stmt = select(DockingEvent).where(DockingEvent.record_id == record_id)
    return list(session.scalars(stmt.order_by(DockingEvent.seq)))


def sample_usccs(session: Session, n: int) -> list[str]:
    """The USCCs of the registry's first n enterprises (the demo's needs are theirs)."""
    reg = enterprises.registry()
    return list(session.scalars(select(reg.c.uscc).order_by(reg.c.id).limit(n)))
