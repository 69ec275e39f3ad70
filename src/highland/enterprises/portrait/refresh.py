"""Set-based refresh of the portrait fields that lists filter on (size class)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session

from highland.enterprises.models import Enterprise, Financial
from highland.enterprises.portrait.size_sql import size_class_case
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import table_of
from highland.platform.kit.dates import today_local

BULK_ROWS = 100_000  # from this many changed rows (and half the registry) indexes are rebuilt
_meta = MetaData()
# The freshly computed values, so that only enterprises whose values change are rewritten:
# updating a row rewrites its entries in the size-class indexes even when nothing changes.
_NEW_SIZE = Table(
    "stage_size_class",
    _meta,
    Column("eid", Integer, primary_key=True),
    Column("figures_year", Integer),
    Column("size_class", String(8)),
    prefixes=["TEMPORARY"],
)


def refresh_size_classes(session: Session, enterprise_ids: Any | None = None) -> int:
    """Recompute figures_year and size_class from the latest year before this year.

    `enterprise_ids` is a SELECT of ids to refresh, or None for the whole registry; the
    number of enterprises refreshed is returned. The materialised value matches the portrait
    as of today; `highland portraits refresh` reruns it after New Year, when the year that
    counts moves on.
    """
    e = table_of(Enterprise)
    f = table_of(Financial)
    cutoff = today_local().year
    # Each enterprise's latest year before the cutoff, found once, then joined to its row.
    latest = select(f.c.enterprise_id.label("eid"), func.max(f.c.year).label("year")).where(
        f.c.year < cutoff
    )
    if enterprise_ids is not None:
        latest = latest.where(f.c.enterprise_id.in_(enterprise_ids))
    last = latest.group_by(f.c.enterprise_id).subquery("latest")
    f2 = f.alias("latest_f")
    size = size_class_case(
        e.c.industry_section,
        e.c.industry_division,
        e.c.industry_code,
        f2.c.employees,
        f2.c.revenue,
        f2.c.total_assets,
    )
    computed = select(
        e.c.id,
        last.c.year,
        # No figures before the cutoff: no size class (not what the CASE says of NULLs).
        case((f2.c.id.is_(None), null()), else_=size),
    ).select_from(
        e.outerjoin(last, last.c.eid == e.c.id).outerjoin(
            f2, and_(f2.c.enterprise_id == last.c.eid, f2.c.year == last.c.year)
        )
    )
    if enterprise_ids is not None:
        computed = computed.where(e.c.id.in_(enterprise_ids))
    new = _NEW_SIZE
    conn = session.connection()
    new.drop(conn, checkfirst=True)
    new.create(conn)
    session.execute(new.insert().from_select(["eid", "figures_year", "size_class"], computed))
    refreshed = session.execute(select(func.count()).select_from(new)).scalar_one()
    unchanged = exists().where(
        e.c.id == new.c.eid,
        e.c.figures_year.is_not_distinct_from(new.c.figures_year),
        e.c.size_class.is_not_distinct_from(new.c.size_class),
    )
    session.execute(delete(new).where(unchanged))
    changing = session.execute(select(func.count()).select_from(new)).scalar_one()
    registry = session.execute(select(func.count()).select_from(e)).scalar_one()
    # On SQLite, rewriting most of a large registry (the first import of its figures) is
    # cheaper with the size-class indexes built once afterwards than updated row by row.
    # (Not on PostgreSQL: dropping an index there locks the table against readers.)
    rebuild = [
        index
        for index in e.indexes
        if {"size_class", "figures_year"} & {c.name for c in index.columns}
    ]
    if not (conn.dialect.name == "sqlite" and changing >= BULK_ROWS and 2 * changing >= registry):
        rebuild = []
    for index in rebuild:
        index.drop(conn)

    def value(column: str) -> Any:
        return select(new.c[column]).where(new.c.eid == e.c.id).scalar_subquery()

    session.execute(
        update(e)
        .values(figures_year=value("figures_year"), size_class=value("size_class"))
        .where(e.c.id.in_(select(new.c.eid)))
    )
    for index in rebuild:
        index.create(conn)
    new.drop(conn)
    return int(refreshed)


def refresh_all(session: Session, actor: Actor) -> int:
    """Every enterprise's size class again (`highland portraits refresh`); audited with the
    number refreshed."""
    n = refresh_size_classes(session)
    record(session, actor, Change("refresh", "portraits", None, after={"enterprises": n}))
    return n
