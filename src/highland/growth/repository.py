"""All SQL of the high-growth lists: the yearly series frame the rule sets read (from the
registry's published tables), and the lists and their lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl
from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.growth.models import GrowthEntry, GrowthList
from highland.growth.scope import ENTRIES
from highland.platform.identity.permissions import Principal


def data_years(session: Session) -> tuple[int, int] | None:
    """The first and last year of the registry's yearly figures (None when there are none)."""
    fin = registry.financials()
    first, last = session.execute(select(func.min(fin.c.year), func.max(fin.c.year))).one()
    return None if first is None else (int(first), int(last))


def registry_frame(session: Session) -> pl.DataFrame:
    """Every enterprise: uscc, enterprise_id, founded_on, listed, district, zone."""
    reg = registry.registry()
    rows = session.execute(
        select(
            reg.c.uscc,
            reg.c.id,
            reg.c.founded_on,
            reg.c.listed,
            reg.c.district_code,
            reg.c.zone_code,
        ).order_by(reg.c.uscc)  # fmt: skip
    ).all()
    schema = {"uscc": pl.String, "enterprise_id": pl.Int64, "founded_on": pl.Date,
              "listed": pl.Boolean, "district_code": pl.String, "zone_code": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def series_frame(session: Session, figures: Sequence[str], first: int, last: int) -> pl.DataFrame:
    """enterprise_id, year and the named yearly figures of the years first … last."""
    fin = registry.financials()
    cols = [fin.c[name] for name in figures]
    rows = session.execute(
        select(fin.c.enterprise_id, fin.c.year, *cols).where(fin.c.year.between(first, last))
    ).all()
    schema = {"enterprise_id": pl.Int64, "year": pl.Int64} | {n: pl.Int64 for n in figures}
    return pl.DataFrame(rows, schema=schema, orient="row")


def published(session: Session, ruleset_id: str, year: int) -> GrowthList | None:
    """The list published for a rule set and year."""
    stmt = select(GrowthList).where(GrowthList.ruleset_id == ruleset_id, GrowthList.year == year)
    return session.scalars(stmt).first()


def previous(session: Session, ruleset_id: str, year: int) -> GrowthList | None:
    """The newest list of a rule set before a year."""
    stmt = (
        select(GrowthList)
        .where(GrowthList.ruleset_id == ruleset_id, GrowthList.year < year)
        .order_by(GrowthList.year.desc())
    )
    return session.scalars(stmt).first()


def listed_frame(session: Session, list_id: int) -> pl.DataFrame:
    """uscc and category of the firms a list holds (not its exits)."""
    rows = session.execute(
        select(GrowthEntry.uscc, GrowthEntry.category).where(
            GrowthEntry.list_id == list_id, GrowthEntry.movement != "exited"
        )
    ).all()
    return pl.DataFrame(rows, schema={"uscc": pl.String, "previous": pl.String}, orient="row")


def add_list(session: Session, row: GrowthList, lines: pl.DataFrame) -> GrowthList:
    """Store a list and its lines (one multi-row INSERT)."""
    session.add(row)
    session.flush()
    if lines.height:
        values = lines.with_columns(pl.lit(row.id).alias("list_id")).to_dicts()
        session.execute(insert(GrowthEntry), values)
    return row


def entries(session: Session, principal: Principal, list_id: int) -> list[GrowthEntry]:
    """The lines of a list the principal may see, by category and uscc."""
    stmt = ENTRIES.select(principal).where(GrowthEntry.list_id == list_id)
    return list(session.scalars(stmt.order_by(GrowthEntry.category, GrowthEntry.uscc)))


History = list[tuple[GrowthList, GrowthEntry]]


def history(session: Session, principal: Principal, uscc: str) -> History:
    """An enterprise's lines in every list, newest year first (within the principal's scope)."""
    stmt = (
        select(GrowthList, GrowthEntry)
        .join(GrowthEntry, GrowthEntry.list_id == GrowthList.id)
        .where(GrowthEntry.uscc == uscc, ENTRIES.condition(principal))
        .order_by(GrowthList.year.desc(), GrowthList.ruleset_id)
    )
    return [(a, b) for a, b in session.execute(stmt).tuples()]


def lists(session: Session) -> list[GrowthList]:
    """Every published list, newest first."""
    stmt = select(GrowthList).order_by(GrowthList.year.desc(), GrowthList.ruleset_id)
    return list(session.scalars(stmt))


Line = tuple[GrowthEntry, str | None, str | None, str | None, str | None, str | None]


def lines(
    session: Session,
    principal: Principal,
    list_id: int,
    district: str | None = None,
    industry: str | None = None,
    zone: str | None = None,
) -> list[Line]:
    """A list's lines the principal may see, with each firm's name, English name, district,
    industry section and zone (None once it is gone from the registry); by district, industry
    section or zone when given; by category, movement and uscc."""
    reg = registry.registry()
    stmt = (
        select(
            GrowthEntry, reg.c.name, reg.c.name_en, reg.c.district_code, reg.c.industry_section,
            reg.c.zone_code,
        )  # fmt: skip
        .outerjoin(reg, reg.c.id == GrowthEntry.enterprise_id)
        .where(GrowthEntry.list_id == list_id, ENTRIES.condition(principal))
        .order_by(GrowthEntry.category, GrowthEntry.movement, GrowthEntry.uscc)
    )
    if district:
        stmt = stmt.where(reg.c.district_code == district)
    if industry:
        stmt = stmt.where(reg.c.industry_section == industry)
    if zone:
        stmt = stmt.where(reg.c.zone_code == zone)
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in session.execute(stmt).all()]


# The city's own rounds (南京市发展和改革委员会): rule sets named `nanjing-<round>`. A support
# policy's `growth_category` reads the newest of their lists valid at its date.
CITY_RULESETS = "nanjing-"


def category_source(as_of: date) -> registry.CategorySource:
    """The firms' categories on the city's list valid at a date — a list stands for its year,
    so the list of the date's year; the newest round when several are published — for the
    portrait's `growth_category` (a firm on no such list has none)."""
    valid = (
        select(GrowthList.id)
        .where(GrowthList.year == as_of.year, GrowthList.ruleset_id.like(f"{CITY_RULESETS}%"))
        .order_by(GrowthList.ruleset_id.desc(), GrowthList.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    e = GrowthEntry.__table__
    return registry.CategorySource(
        source=e,
        where=and_(e.c.list_id == valid, e.c.movement != "exited",
                   e.c.enterprise_id.is_not(None)),  # fmt: skip
        enterprise_id=e.c.enterprise_id,
        category=e.c.category,
    )


FirmFigures = tuple[date | None, bool | None, dict[str, dict[int, int | None]]]


def firm_figures(session: Session, uscc: str, figures: Sequence[str], first: int,
                 last: int) -> FirmFigures | None:  # fmt: skip
    """One firm's founding date, listed flag and the named figures of the years first … last
    ({figure: {year: value}}); None when the registry does not hold it."""
    reg, fin = registry.registry(), registry.financials()
    row = session.execute(
        select(reg.c.id, reg.c.founded_on, reg.c.listed).where(reg.c.uscc == uscc)
    ).first()
    if row is None:
        return None
    series: dict[str, dict[int, int | None]] = {f: {} for f in figures}
    if figures:
        stmt = select(fin.c.year, *(fin.c[f] for f in figures)).where(
            fin.c.enterprise_id == row.id, fin.c.year.between(first, last)
        )
        for year, *values in session.execute(stmt).all():
            for f, v in zip(figures, values, strict=True):
                series[f][int(year)] = v
    return row.founded_on, row.listed, series


Money = tuple[int | None, int | None]


def figures_of_year(session: Session, ids: Sequence[int], year: int) -> dict[int, Money]:
    """revenue (fen) and valuation (US cents) of these enterprises in one year, by id."""
    fin = registry.financials()
    out: dict[int, Money] = {}
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), 5_000):
        stmt = select(fin.c.enterprise_id, fin.c.revenue, fin.c.valuation_usd).where(
            fin.c.year == year, fin.c.enterprise_id.in_(wanted[i : i + 5_000])
        )
        out.update({int(e): (r, v) for e, r, v in session.execute(stmt).all()})
    return out


def firm_names(session: Session) -> pl.DataFrame:
    """Every enterprise: uscc, name, name_en, industry_section (the pool's lines and filter)."""
    reg = registry.registry()
    rows = session.execute(
        select(reg.c.uscc, reg.c.name, reg.c.name_en, reg.c.industry_section)
    ).all()
    schema = {"uscc": pl.String, "name": pl.String, "name_en": pl.String,
              "industry_section": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")
