"""Every query on the registry; rows outside the caller's scope are never returned."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from highland.enterprises import scale
from highland.enterprises.models import (
    Enterprise,
    EnterpriseChange,
    Financial,
    ImportRun,
    NameGram,
    Qualification,
    Region,
)
from highland.enterprises.portrait.size_sql import size_not_applicable
from highland.enterprises.scope import ENTERPRISES
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.generations import DataGeneration
from highland.platform.identity.permissions import Principal

USCC_PREFIX = re.compile(r"^(?=.*\d)[0-9A-HJ-NP-RTUWXY]{2,18}$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The size filter: a class, or "not_applicable" for the industries the 2017 standard does not
# cover (a NULL size_class whatever the figures; a NULL size_class elsewhere is missing figures).
SIZE_NOT_APPLICABLE = "not_applicable"
SIZE_VALUES = ("large", "medium", "small", "micro", SIZE_NOT_APPLICABLE)
SCALE_VALUES = ("above",)
# The district and zone filters' value for "not given" (a NULL district: docs/portrait.md) and
# "in no zone"; region codes are digits or "<city>-<letters>", so it names no region.
PLACE_NONE = "none"


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
    scale: str | None = None  # "above": 规上 / 限上 (enterprises/scale.py)
    zone: str | None = None  # a zone's code, or PLACE_NONE

    def cleaned(self) -> EnterpriseFilter:
        """Drop empty values and check the closed ones."""
        values = {f.name: (getattr(self, f.name) or "").strip() or None for f in fields(self)}
        if values["size_class"] and values["size_class"] not in SIZE_VALUES:
            raise InvalidInput(
                f"size_class must be one of {', '.join(SIZE_VALUES)}",
                field="size_class",
                code="enterprises.bad_size_class",
                params={"value": values["size_class"][:40], "choices": ", ".join(SIZE_VALUES)},
            )
        if values["scale"] and values["scale"] not in SCALE_VALUES:
            raise InvalidInput(
                f"scale must be one of {', '.join(SCALE_VALUES)}",
                field="scale",
                code="enterprises.bad_scale",
                params={"value": values["scale"][:40]},
            )
        if values["section"]:
            values["section"] = values["section"].upper()
        return EnterpriseFilter(**values)

    def as_query(self) -> dict[str, str]:
        """Return the non-empty filters, for links and exports."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name))}


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


def _rarest_gram(session: Session, grams: list[str], probe: int = 20_000) -> tuple[str, int]:
    """Pick the gram with the fewest postings (counted up to a cap) to drive the search."""
    best, best_n = grams[0], probe
    for i, g in enumerate(grams):
        n = session.execute(
            select(func.count()).select_from(
                select(NameGram.enterprise_id).where(NameGram.gram == g).limit(probe).subquery()
            )
        ).scalar_one()
        if i == 0 or n < best_n:
            best, best_n = g, n
        if n == 0:
            break
    return best, best_n


def _search_gram(session: Session, q: str | None) -> tuple[str, int] | None:
    """The name-index piece (and its postings, capped) that a CJK name search is driven by."""
    if not q:
        return None
    q = q.strip()
    if USCC_PREFIX.match(q.upper()):
        return None
    grams = grams_of(q)
    if CJK.search(q) and grams:
        return _rarest_gram(session, grams)
    return None


class _unindexed(FunctionElement[Any]):
    """A column that SQLite must not drive a query by (unary +); the column elsewhere."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(_unindexed)
def _unindexed_default(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_unindexed, "sqlite")
def _unindexed_sqlite(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


def apply_filter(session: Session, stmt: Select[Any], flt: EnterpriseFilter) -> Select[Any]:
    """Add the filter's conditions to a statement over Enterprise."""
    found = _search_gram(session, flt.q)
    return _filtered(stmt, flt, gram=found[0] if found else None)[0]


def _filtered(
    stmt: Select[Any],
    flt: EnterpriseFilter,
    *,
    gram: str | None = None,
    in_id_order: bool = False,
    by_holders: bool = False,
) -> tuple[Select[Any], ColumnElement[Any]]:
    """The filtered statement and the column equal to Enterprise.id to order it by.

    The conditions are the same whatever the flags; the flags only shape the query so that
    SQLite (which keeps no statistics here) takes the right way through it:
    `in_id_order` has the enterprises walked in id order, their columns checked on the way,
    rather than a filter index read and sorted whole: far faster for a page of a filter that
    matches many enterprises. `by_holders` has the holders of the qualification, read in
    id order from the (code, enterprise) index, lead the query: best when they are few.
    """
    e = Enterprise

    def col(c: Any) -> Any:
        return _unindexed(c) if in_id_order or by_holders else c

    if flt.district == PLACE_NONE:
        stmt = stmt.where(col(e.district_code).is_(None))
    elif flt.district:
        stmt = stmt.where(col(e.district_code) == flt.district)
    if flt.zone == PLACE_NONE:
        stmt = stmt.where(col(e.zone_code).is_(None))
    elif flt.zone:
        stmt = stmt.where(col(e.zone_code) == flt.zone)
    if flt.section:
        stmt = stmt.where(col(e.industry_section) == flt.section)
    if flt.division:
        stmt = stmt.where(col(e.industry_division) == flt.division)
    if flt.size_class == SIZE_NOT_APPLICABLE:
        industry = (e.industry_section, e.industry_division, e.industry_code)
        stmt = stmt.where(size_not_applicable(*(col(c) for c in industry)))
    elif flt.size_class:
        stmt = stmt.where(col(e.size_class) == flt.size_class)
    if flt.ownership:
        stmt = stmt.where(col(e.ownership) == flt.ownership)
    if flt.scale:
        stmt = stmt.where(above_scale(e))
    order: ColumnElement[Any] = e.id  # type: ignore[assignment]
    if flt.qualification:
        held = Qualification.code == flt.qualification
        if by_holders:
            # (enterprise, code) is unique: the join repeats no enterprise.
            stmt = stmt.join(Qualification, and_(Qualification.enterprise_id == e.id, held))
            order = Qualification.enterprise_id  # type: ignore[assignment]
        else:
            # Checked per enterprise met (one probe of the unique (enterprise, code) index).
            stmt = stmt.where(exists().where(Qualification.enterprise_id == e.id, held))
    if flt.q:
        stmt, by_name = _apply_search(stmt, flt.q, col, gram)
        if not by_holders:
            order = by_name
    return stmt, order


def above_scale(e: Any) -> ColumnElement[bool]:
    """规上 / 限上: revenue in the enterprise's latest year of figures at or above its
    industry's starting point (`scale.THRESHOLDS`, one SQL CASE; industries not judged from
    revenue never match)."""
    f = Financial
    starting_point = case(
        *(
            (
                e.industry_section == t.prefix
                if t.prefix.isalpha()
                else e.industry_code.startswith(t.prefix),
                literal(t.fen, BigInteger),
            )
            for t in scale.THRESHOLDS
        ),
        else_=null(),
    )
    return exists().where(
        f.enterprise_id == e.id, f.year == e.figures_year, f.revenue >= starting_point
    )


HOLDERS_LEAD = 50_000  # up to this many holders, a qualification may lead the query


def _holders_lead(session: Session, flt: EnterpriseFilter, gram: tuple[str, int] | None) -> bool:
    """Whether the qualification's holders should lead the query (see _filtered).

    They do alone, and with other filters when they are fewer than HOLDERS_LEAD and than the
    postings of the name piece that would otherwise drive a name search.
    """
    if not flt.qualification:
        return False
    others = (
        flt.district, flt.section, flt.division, flt.size_class, flt.ownership, flt.q, flt.scale,
        flt.zone,
    )  # fmt: skip
    if not any(others):
        return True
    holders = select(Qualification.enterprise_id).where(Qualification.code == flt.qualification)
    counted = select(func.count()).select_from(holders.limit(HOLDERS_LEAD + 1).subquery())
    n = session.execute(counted).scalar_one()
    return n <= HOLDERS_LEAD and (gram is None or n <= gram[1])


def _apply_search(
    stmt: Select[Any], q: str, col: Any, gram: str | None
) -> tuple[Select[Any], ColumnElement[Any]]:
    q = q.strip()
    upper = q.upper()
    e_id: ColumnElement[Any] = Enterprise.id  # type: ignore[assignment]
    if USCC_PREFIX.match(upper):
        uscc = col(Enterprise.uscc)
        return stmt.where(uscc >= upper, uscc <= upper + "~"), e_id
    pattern = f"%{_like_escape(q.lower())}%"
    if gram is not None:
        # Drive by the rarest two-character piece through the index, then confirm the whole
        # substring on the name: exact results without scanning the registry. The postings
        # of a piece are stored in enterprise order: ordering by them needs no sort.
        stmt = stmt.join(NameGram, NameGram.enterprise_id == Enterprise.id).where(
            NameGram.gram == gram
        )
        order: ColumnElement[Any] = NameGram.enterprise_id  # type: ignore[assignment]
        return stmt.where(func.lower(Enterprise.name).like(pattern, escape="\\")), order
    return (
        stmt.where(
            func.lower(Enterprise.name).like(pattern, escape="\\")
            | func.lower(Enterprise.name_en).like(pattern, escape="\\")
        ),
        e_id,
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
        raise InvalidInput(
            "page must be ≥ 1 and per_page 1–500",
            field="page",
            code="enterprises.bad_page",
            params={"max": 500},
        )
    found = _search_gram(session, flt.q)
    gram = found[0] if found else None
    holders = _holders_lead(session, flt, found)
    base, order = _filtered(ENTERPRISES.select(principal), flt, gram=gram, by_holders=holders)
    # Counted first (through whatever index suits the filter, stopping after the cap): the
    # count tells how to fetch the page. When the filter matches more than the cap, walking
    # the enterprises in id order meets a page's rows early; otherwise the matching rows are
    # few enough to read through the index and sort.
    ids = base.with_only_columns(Enterprise.id).limit(count_cap + 1).subquery()
    total = session.execute(select(func.count()).select_from(ids)).scalar_one()
    if flt.qualification and not holders:
        # The page itself is found walking the holders in id order (a subset of the
        # enterprises, stored in id order): it stops at the page, and walks at most them all.
        base, order = _filtered(ENTERPRISES.select(principal), flt, gram=gram, by_holders=True)
    elif total > count_cap and not holders:
        # Many matches: walking the enterprises in id order meets the page early.
        base, order = _filtered(ENTERPRISES.select(principal), flt, gram=gram, in_id_order=True)
    offset = (page - 1) * per_page
    items = (
        list(
            session.scalars(
                base.order_by(order)
                .limit(per_page)
                .offset(offset)
                .options(selectinload(Enterprise.qualifications))
            )
        )
        if offset < total or total > count_cap
        else []
    )
    return Page(items, min(total, count_cap), total > count_cap, page, per_page)


def get_by_uscc(session: Session, principal: Principal, uscc: str) -> Enterprise:
    """Return an enterprise in scope, else NotFound (never say whether it exists)."""
    ent = session.scalars(
        ENTERPRISES.select(principal)
        .where(Enterprise.uscc == uscc.strip().upper())
        .options(selectinload(Enterprise.qualifications))
    ).first()
    if ent is None:
        raise NotFound(
            f"no enterprise with USCC '{uscc}'",
            field="uscc",
            code="enterprises.not_found",
            params={"uscc": uscc[:40]},
        )
    return ent


def id_by_uscc(session: Session, uscc: str) -> int | None:
    """The id of the enterprise with that USCC, or None (for administration: no scope)."""
    return session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc.strip().upper()))


def get_or_first(session: Session, enterprise_id: int | None) -> Enterprise | None:
    """The enterprise of that id, else the first one of the registry (None when empty)."""
    ent = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    return ent or session.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))


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
    base = apply_filter(session, ENTERPRISES.select(principal), flt).options(
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


def iter_figures(
    session: Session,
    principal: Principal,
    flt: EnterpriseFilter,
    years: tuple[int | None, int | None] = (None, None),
    chunk: int = 5000,
) -> Iterator[tuple[str, str, Financial]]:
    """Yield (USCC, name, figures) of the filter's enterprises, by enterprise then year, in
    chunks (the yearly-figures export); `years` bounds the year (both ends included)."""
    f = Financial
    # The registry's filter and scope apply to the enterprise each figures row is joined to.
    joined = select(Enterprise.uscc, Enterprise.name, f).join(f, f.enterprise_id == Enterprise.id)
    base = apply_filter(session, ENTERPRISES.apply(cast("Select[Any]", joined), principal), flt)
    first, last = years
    if first is not None:
        base = base.where(f.year >= first)
    if last is not None:
        base = base.where(f.year <= last)
    after = (0, 0)
    while True:
        page = base.where(
            (f.enterprise_id > after[0]) | ((f.enterprise_id == after[0]) & (f.year > after[1]))
        )
        rows = session.execute(page.order_by(f.enterprise_id, f.year).limit(chunk)).all()
        if not rows:
            return
        yield from ((uscc, name, fig) for uscc, name, fig in rows)
        after = (rows[-1][2].enterprise_id, rows[-1][2].year)
        session.expunge_all()


def regions(session: Session) -> list[Region]:
    """Return the districts and custom regions, districts first."""
    return list(session.scalars(select(Region).order_by(Region.kind, Region.code)))


def any_enterprise(session: Session) -> bool:
    """Whether the registry holds at least one enterprise (one index probe, at any size)."""
    return session.execute(select(Enterprise.id).limit(1)).first() is not None


def count_all(session: Session) -> int:
    """Return the number of enterprises in the registry."""
    return session.execute(select(func.count()).select_from(Enterprise)).scalar_one()


def holders_on(session: Session, code: str, day: date) -> set[str]:
    """The USCCs holding qualification `code` valid on `day` (the portrait's rule: from and
    to inclusive, a missing end open)."""
    q = Qualification
    stmt = (
        select(Enterprise.uscc)
        .join(q, q.enterprise_id == Enterprise.id)
        .where(q.code == code)
        .where(or_(q.valid_from.is_(None), q.valid_from <= day))
        .where(or_(q.valid_to.is_(None), q.valid_to >= day))
    )
    return set(session.scalars(stmt))


def holder_ids_sums(session: Session, code: str, day: date) -> tuple[int, int, int]:
    """(count, sum, sum of squares) of the ids of the enterprises holding `code` valid on
    `day`, read from the qualifications alone (no enterprise row is visited)."""
    q = Qualification
    e = q.enterprise_id
    n, s1, s2 = session.execute(
        select(func.count(), func.sum(e), func.sum(e * e)).where(q.code == code)
        .where(or_(q.valid_from.is_(None), q.valid_from <= day))
        .where(or_(q.valid_to.is_(None), q.valid_to >= day))
    ).one()  # fmt: skip
    return int(n or 0), int(s1 or 0), int(s2 or 0)


def registry_mark(session: Session) -> tuple[int, int] | None:
    """(database instance, registry generation): it moves with every enterprise inserted or
    deleted (None: no generations in this database)."""
    marks = dict(session.execute(
        select(DataGeneration.name, DataGeneration.value).where(
            DataGeneration.name.in_(("instance", "registry")))).all())  # fmt: skip
    if len(marks) != 2:
        return None
    return int(marks["instance"]), int(marks["registry"])


def names_by_uscc(
    session: Session, principal: Principal, usccs: list[str], chunk: int = 1000
) -> dict[str, tuple[str, str | None]]:
    """The (name, English name) of each enterprise in scope among the USCCs given."""
    out: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(usccs), chunk):
        part = usccs[start : start + chunk]
        stmt = (
            ENTERPRISES.select(principal)
            .with_only_columns(Enterprise.uscc, Enterprise.name, Enterprise.name_en)
            .where(Enterprise.uscc.in_(part))
        )
        for uscc, name, name_en in session.execute(stmt):
            out[uscc] = (name, name_en)
    return out


def count(session: Session, principal: Principal, flt: EnterpriseFilter) -> int:
    """How many enterprises in scope the filter matches, uncapped (the desks' figures, which
    link to the list of the same filter).

    For a caller who sees the whole registry, two counts are cheaper ways to the same number:
    a qualification's holders are counted on its (code, enterprise) index alone (one row per
    enterprise and code, each of an enterprise that exists); the registry's and the 规上
    count are kept per registry generation (`_per_generation`): at 1,000,000 firms the 规上
    count reads every enterprise's figures of its year (seconds)."""
    if ENTERPRISES.rules.get(principal.role) is None:
        if flt == EnterpriseFilter(qualification=flt.qualification) and flt.qualification:
            return int(session.execute(select(func.count()).where(
                Qualification.code == flt.qualification)).scalar_one())  # fmt: skip
        if flt in (EnterpriseFilter(), EnterpriseFilter(scale="above")):
            build = lambda: _count(session, principal, flt)  # noqa: E731
            return cast(int, _per_generation(session, ("count", flt.scale), build))
    return _count(session, principal, flt)


def _count(session: Session, principal: Principal, flt: EnterpriseFilter) -> int:
    found = _search_gram(session, flt.q)
    # A qualification's holders lead (read from the (code, enterprise) index), as the list's
    # pages do: far fewer rows than walking the registry and probing each enterprise.
    stmt, _ = _filtered(ENTERPRISES.select(principal), flt, gram=found[0] if found else None,
                        by_holders=bool(flt.qualification))  # fmt: skip
    ids = stmt.with_only_columns(Enterprise.id).subquery()
    return int(session.execute(select(func.count()).select_from(ids)).scalar_one())


def registry_freshness(session: Session) -> tuple[datetime | None, date | None, int | None]:
    """When the registry last changed (on the index of updated_at), the newest source date of
    a yearly figure and the newest year of figures (kept per registry generation: every write
    to the figures moves it)."""
    changed = session.scalar(select(func.max(Enterprise.updated_at)))

    def newest() -> tuple[date | None, int | None]:
        fresh, year = session.execute(
            select(func.max(Financial.source_date), func.max(Financial.year))
        ).one()
        return fresh, year

    fresh, year = _per_generation(session, ("newest figures",), newest)
    return changed, fresh, year


# Figures of the whole registry kept in this process per (database, registry generation): the
# database triggers add one to the "registry" generation on every insert and delete of an
# enterprise or a yearly figure, and on every change of the columns these figures read
# (industry, district, founding date; a figure's year, amounts and source date). A new
# generation is a new key, so a kept figure is never stale; old keys are dropped in bulk.
_KEPT: dict[tuple[Any, ...], Any] = {}
_KEPT_LOCK = threading.Lock()
_KEPT_MAX = 256


def _per_generation(session: Session, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    mark = registry_mark(session)
    if mark is None or session.new or session.dirty or session.deleted:
        return build()  # no generations yet, or the session's own writes are pending
    full = (*mark, *key)
    with _KEPT_LOCK:
        if full in _KEPT:
            return _KEPT[full]
    value = build()
    with _KEPT_LOCK:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        _KEPT[full] = value
    return value


def import_runs(session: Session, limit: int = 5) -> list[ImportRun]:
    """The newest import runs, newest first."""
    stmt = select(ImportRun).order_by(ImportRun.at.desc(), ImportRun.id.desc()).limit(limit)
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- the change log


def change_seq(session: Session) -> int:
    """The newest position of the enterprises' change log the session sees (0: none yet)."""
    return int(session.scalar(select(func.max(EnterpriseChange.id))) or 0)


def changed_since(session: Session, seq: int, limit: int) -> list[int] | None:
    """The ids of the enterprises changed after position `seq` of the change log, sorted;
    None when a change touched everything (or the log no longer reaches back to `seq`, or
    more than `limit` enterprises changed): then everything is to be read again."""
    pruned = session.scalar(select(DataGeneration.value).where(DataGeneration.name == PRUNED))
    if pruned is not None and seq + 1 < int(pruned):
        return None  # pruned past seq: what changed in between is not known any more
    c = EnterpriseChange.__table__.c
    whole = session.scalar(select(c.id).where(c.id > seq, c.enterprise_id.is_(None)).limit(1))
    if whole is not None:
        return None
    ids = session.scalars(
        select(c.enterprise_id).where(c.id > seq).distinct().limit(limit + 1)
    ).all()
    if len(ids) > limit:
        return None
    return sorted(int(i) for i in ids)


PRUNED = "changes.pruned"  # data_generation: the log's entries before it are gone


def prune_changes(session: Session, below: int) -> int:
    """Forget the log's entries before position `below` (the newest is always kept, so that
    the positions keep growing); how many were removed."""
    below = min(below, change_seq(session))
    if below <= 1:
        return 0
    result = session.execute(delete(EnterpriseChange).where(EnterpriseChange.id < below))
    row = session.get(DataGeneration, PRUNED)
    if row is None:
        session.add(DataGeneration(name=PRUNED, value=below))
    elif row.value < below:
        row.value = below
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
