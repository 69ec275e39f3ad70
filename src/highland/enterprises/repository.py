"""Every query on the registry; rows outside the caller's scope are never returned."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session, selectinload

from highland.enterprises.models import Enterprise, Financial, NameGram, Qualification, Region
from highland.errors import InvalidInput, NotFound
from highland.identity.permissions import Principal, Role

USCC_PREFIX = re.compile(r"^(?=.*\d)[0-9A-HJ-NP-RTUWXY]{2,18}$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SIZE_VALUES = ("large", "medium", "small", "micro")


@dataclass(frozen=True)
class EnterpriseFilter:
    """The filters a list, an API query and an export share."""

    q: str | None = None
    district: str | None = None
    section: str | None = None
    division: str | None = None
    size_class: str | None = None
    qualification: str | None = None
    ownership: str | None = None

    def cleaned(self) -> EnterpriseFilter:
        """Drop empty values and check the closed ones."""
        values = {f.name: (getattr(self, f.name) or "").strip() or None for f in fields(self)}
        if values["size_class"] and values["size_class"] not in SIZE_VALUES:
            raise InvalidInput(
                f"size_class must be one of {', '.join(SIZE_VALUES)}", field="size_class"
            )
        if values["section"]:
            values["section"] = values["section"].upper()
        return EnterpriseFilter(**values)

    def as_query(self) -> dict[str, str]:
        """Return the non-empty filters, for links and exports."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name))}


def scoped(principal: Principal) -> Select[Any]:
    """Enterprises the principal may see: an enterprise account sees only itself."""
    stmt = select(Enterprise)
    if principal.role is Role.enterprise:
        stmt = stmt.where(Enterprise.id == (principal.enterprise_id or -1))
    return stmt


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def grams_of(text: str) -> list[str]:
    """The distinct two-character pieces of a lower-cased text, as the index stores them."""
    low = text.lower()
    out = []
    for i in range(len(low) - 1):
        g = low[i : i + 2]
        if g.strip() == g and len(g.strip()) == 2 and g not in out:
            out.append(g)
    return out


def _rarest_gram(session: Session, grams: list[str], probe: int = 20_000) -> str:
    """Pick the gram with the fewest postings (counted up to a cap) to drive the search."""
    best, best_n = grams[0], None
    for g in grams:
        n = session.execute(
            select(func.count()).select_from(
                select(NameGram.enterprise_id).where(NameGram.gram == g).limit(probe).subquery()
            )
        ).scalar_one()
        if best_n is None or n < best_n:
            best, best_n = g, n
        if n == 0:
            break
    return best


def apply_filter(session: Session, stmt: Select[Any], flt: EnterpriseFilter) -> Select[Any]:
    """Add the filter's conditions to a statement over Enterprise."""
    e = Enterprise
    if flt.district:
        stmt = stmt.where(e.district_code == flt.district)
    if flt.section:
        stmt = stmt.where(e.industry_section == flt.section)
    if flt.division:
        stmt = stmt.where(e.industry_division == flt.division)
    if flt.size_class:
        stmt = stmt.where(e.size_class == flt.size_class)
    if flt.ownership:
        stmt = stmt.where(e.ownership == flt.ownership)
    if flt.qualification:
        stmt = stmt.where(
            exists().where(
                and_(Qualification.enterprise_id == e.id, Qualification.code == flt.qualification)
            )
        )
    if flt.q:
        stmt = _apply_search(session, stmt, flt.q)
    return stmt


def _apply_search(session: Session, stmt: Select[Any], q: str) -> Select[Any]:
    q = q.strip()
    upper = q.upper()
    if USCC_PREFIX.match(upper):
        return stmt.where(Enterprise.uscc >= upper, Enterprise.uscc <= upper + "~")
    pattern = f"%{_like_escape(q.lower())}%"
    grams = grams_of(q)
    if CJK.search(q) and grams:
        # Drive by the rarest two-character piece through the index, then confirm the whole
        # substring on the name: exact results without scanning the registry.
        gram = _rarest_gram(session, grams)
        stmt = stmt.join(NameGram, NameGram.enterprise_id == Enterprise.id).where(
            NameGram.gram == gram
        )
        return stmt.where(func.lower(Enterprise.name).like(pattern, escape="\\"))
    return stmt.where(
        func.lower(Enterprise.name).like(pattern, escape="\\")
        | func.lower(Enterprise.name_en).like(pattern, escape="\\")
    )


@dataclass
class Page:
    """One page of a list."""

    items: list[Enterprise]
    total: int
    capped: bool
    page: int
    per_page: int


def list_page(
    session: Session,
    principal: Principal,
    flt: EnterpriseFilter,
    page: int = 1,
    per_page: int = 50,
    count_cap: int = 10_000,
) -> Page:
    """Return a page of the filtered list and its count (capped, to stay fast at scale)."""
    if page < 1 or per_page < 1 or per_page > 500:
        raise InvalidInput("page must be ≥ 1 and per_page 1–500", field="page")
    base = apply_filter(session, scoped(principal), flt)
    items = list(
        session.scalars(base.order_by(Enterprise.id).limit(per_page).offset((page - 1) * per_page))
    )
    ids = base.with_only_columns(Enterprise.id).limit(count_cap + 1).subquery()
    total = session.execute(select(func.count()).select_from(ids)).scalar_one()
    return Page(items, min(total, count_cap), total > count_cap, page, per_page)


def get_by_uscc(session: Session, principal: Principal, uscc: str) -> Enterprise:
    """Return an enterprise in scope, else NotFound (never say whether it exists)."""
    ent = session.scalars(
        scoped(principal)
        .where(Enterprise.uscc == uscc.strip().upper())
        .options(selectinload(Enterprise.qualifications))
    ).first()
    if ent is None:
        raise NotFound(f"no enterprise with USCC '{uscc}'", field="uscc")
    return ent


def figures_of(session: Session, enterprise_id: int) -> list[Financial]:
    """Return an enterprise's yearly figures, oldest first."""
    return list(
        session.scalars(
            select(Financial)
            .where(Financial.enterprise_id == enterprise_id)
            .order_by(Financial.year)
        )
    )


def iter_filtered(
    session: Session, principal: Principal, flt: EnterpriseFilter, chunk: int = 5000
) -> Iterator[Enterprise]:
    """Yield every enterprise of the filter, in id order, in chunks (exports)."""
    base = apply_filter(session, scoped(principal), flt).options(
        selectinload(Enterprise.qualifications)
    )
    last = 0
    while True:
        rows = list(
            session.scalars(base.where(Enterprise.id > last).order_by(Enterprise.id).limit(chunk))
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def regions(session: Session) -> list[Region]:
    """Return the districts and custom regions, districts first."""
    return list(session.scalars(select(Region).order_by(Region.kind, Region.code)))


def count_all(session: Session) -> int:
    """Return the number of enterprises in the registry."""
    return session.execute(select(func.count()).select_from(Enterprise)).scalar_one()
