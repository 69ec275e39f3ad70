"""All SQL of the white paper: a published list's lines with each firm's place, industry and
founding day; the yearly figures it totals; the chains its firms belong to."""

from __future__ import annotations

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains import public as chains
from highland.enterprises import public as registry
from highland.growth.models import GrowthEntry, GrowthList

LINE_SCHEMA = {
    "uscc": pl.String, "enterprise_id": pl.Int64, "category": pl.String,
    "movement": pl.String, "previous_category": pl.String, "reason": pl.String,
    "detail": pl.String, "name": pl.String, "name_en": pl.String, "district_code": pl.String,
    "zone_code": pl.String, "industry_section": pl.String, "founded_on": pl.Date,
}  # fmt: skip


def lists_of(session: Session, ruleset_id: str) -> list[GrowthList]:
    """Every published list of a rule set, oldest first."""
    stmt = select(GrowthList).where(GrowthList.ruleset_id == ruleset_id).order_by(GrowthList.year)
    return list(session.scalars(stmt))


def lines(session: Session, list_id: int) -> pl.DataFrame:
    """Every line of a list (listed firms and exits) with the firm's registry fields (null once
    it is gone from the registry)."""
    reg = registry.registry()
    e = GrowthEntry
    stmt = (
        select(
            e.uscc,
            e.enterprise_id,
            e.category,
            e.movement,
            e.previous_category,
            e.reason,
            e.detail,
            reg.c.name,
            reg.c.name_en,
            reg.c.district_code,
            reg.c.zone_code,
            reg.c.industry_section,
            reg.c.founded_on,
        )  # fmt: skip
        .outerjoin(reg, reg.c.id == e.enterprise_id)
        .where(e.list_id == list_id)
        .order_by(e.uscc)
    )
    return pl.DataFrame(session.execute(stmt).all(), schema=LINE_SCHEMA, orient="row")


def figures(session: Session, list_id: int, first: int, last: int) -> pl.DataFrame:
    """enterprise_id, year, revenue (fen) and valuation_usd (cents) of a list's firms, years
    first … last (null: not reported)."""
    fin = registry.financials()
    stmt = (
        select(fin.c.enterprise_id, fin.c.year, fin.c.revenue, fin.c.valuation_usd)
        .join(GrowthEntry, GrowthEntry.enterprise_id == fin.c.enterprise_id)
        .where(
            GrowthEntry.list_id == list_id,
            GrowthEntry.movement != "exited",
            fin.c.year.between(first, last),
        )  # fmt: skip
    )
    schema = {"enterprise_id": pl.Int64, "year": pl.Int64, "revenue": pl.Int64,
              "valuation_usd": pl.Int64}  # fmt: skip
    return pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")


def chain_members(session: Session, list_id: int) -> pl.DataFrame:
    """uscc and chain code of each accepted membership of a list's listed firms (a firm in two
    chains has two rows)."""
    m = chains.chain_memberships()
    stmt = (
        select(GrowthEntry.uscc, m.chain)
        .select_from(m.source)
        .join(GrowthEntry, GrowthEntry.enterprise_id == m.enterprise_id)
        .where(m.where, GrowthEntry.list_id == list_id, GrowthEntry.movement != "exited")
        .distinct()
    )
    schema = {"uscc": pl.String, "chain": pl.String}
    return pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")
