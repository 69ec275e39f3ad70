"""The queries behind the chain pictures: the leading firms' names and segments, and the
members and their output by district (one SQL GROUP BY). Missing revenue stays None."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from highland.chains.models import EnterpriseSegment, LeadingFirm
from highland.enterprises.public import financials, registry
from highland.platform.web.i18n import local_name


def _accepted(chain_id: int) -> Any:
    return select(EnterpriseSegment.enterprise_id).where(
        EnterpriseSegment.chain_id == chain_id, EnterpriseSegment.status == "accepted"
    )


def leading_names(db: Session, chain_id: int, lang: str = "zh-CN") -> dict[int, str]:
    """The chain's leading firms (链主): enterprise id → name in the reader's language."""
    reg = registry()
    rows = db.execute(
        select(reg.c.id, reg.c.name, reg.c.name_en)
        .join(LeadingFirm, LeadingFirm.enterprise_id == reg.c.id)
        .where(LeadingFirm.chain_id == chain_id)
        .order_by(LeadingFirm.marked_at, LeadingFirm.id)
    ).all()
    return {int(i): local_name(lang, n, en) for i, n, en in rows}


def segments_of(db: Session, chain_id: int, enterprise_ids: list[int]) -> dict[str, set[int]]:
    """segment code → the given enterprises accepted in it (a handful of rows)."""
    own: dict[str, set[int]] = defaultdict(set)
    if not enterprise_ids:
        return own
    for code, ent in db.execute(
        select(EnterpriseSegment.segment_code, EnterpriseSegment.enterprise_id).where(
            EnterpriseSegment.chain_id == chain_id,
            EnterpriseSegment.status == "accepted",
            EnterpriseSegment.enterprise_id.in_(enterprise_ids),
        )
    ):
        own[code].add(int(ent))
    return own


def by_district(
    db: Session, chain_id: int, year: int | None
) -> dict[str | None, tuple[int, int | None, int]]:
    """district code (None: not given) → (accepted members, sum of their known revenue in
    `year` or None, members with a revenue figure). Each member is in one group."""
    return _by_place(db, chain_id, year, "district_code")


def by_zone(
    db: Session, chain_id: int, year: int | None
) -> dict[str | None, tuple[int, int | None, int]]:
    """The same by functional zone or park (None: in no zone)."""
    return _by_place(db, chain_id, year, "zone_code")


def _by_place(
    db: Session, chain_id: int, year: int | None, column: str
) -> dict[str | None, tuple[int, int | None, int]]:
    """The members' groups by one place column, summed from the groups by both."""
    at = 0 if column == "district_code" else 1
    out: dict[str | None, tuple[int, int | None, int]] = {}
    for places, (n, s, k) in _by_places(db, chain_id, year).items():
        n0, s0, k0 = out.get(places[at], (0, None, 0))
        total = s0 if s is None else (s if s0 is None else s0 + s)
        out[places[at]] = (n0 + n, total, k0 + k)
    return out


def _by_places(
    db: Session, chain_id: int, year: int | None
) -> dict[tuple[str | None, str | None], tuple[int, int | None, int]]:
    """(district, zone) → (members, sum of known revenue or None, members with one): one
    walk over the members for both the district and the zone tables of a page (kept for
    the request's session; a chain of a 1,000,000-firm registry has 100,000s of members)."""
    key = ("chain members by place", chain_id, year)
    if key in db.info:
        return db.info[key]
    e, f = registry().c, financials()
    on = (f.c.enterprise_id == e.id) & (f.c.year == year) if year else false()
    stmt = (
        select(
            e.district_code,
            e.zone_code,
            func.count(func.distinct(e.id)),
            func.sum(f.c.revenue),
            func.count(f.c.revenue),
        )
        .select_from(registry())
        .outerjoin(f, on)
        .where(e.id.in_(_accepted(chain_id)))
        .group_by(e.district_code, e.zone_code)
    )
    rows = {
        (d, z): (int(n), None if s is None else int(s), int(k))
        for d, z, n, s, k in db.execute(stmt)
    }
    db.info[key] = rows
    return rows
