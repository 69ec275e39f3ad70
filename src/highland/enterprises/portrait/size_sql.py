"""The 2017 size classification as one SQL CASE expression, built from portrait.SIZE_TABLE.

Bulk reclassification then runs inside the database (SQLite or PostgreSQL) with exactly the
semantics of portrait.classify_size, including its handling of missing (NULL) inputs.
"""

from __future__ import annotations

from sqlalchemy import String, and_, case, func, literal, not_, null, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import SQLColumnExpression

from highland.enterprises.portrait import (
    OUT_OF_SCOPE,
    SINGLE_CLASS_GROUPS,
    SIZE_ROWS_BY_SPECIFICITY,
    IndustryMatcher,
    SizeRow,
    SizeTier,
)

_Indicators = dict[str, SQLColumnExpression[int | None]]


def _matches(
    matcher: IndustryMatcher,
    section: SQLColumnExpression[str],
    division: SQLColumnExpression[str],
    industry_code: SQLColumnExpression[str],
) -> ColumnElement[bool]:
    """SQL for IndustryMatcher.matches (classes resolved as portrait.industry_class does)."""
    if matcher.specificity == 0:
        return true()
    parts: list[ColumnElement[bool]] = []
    if matcher.sections:
        parts.append(section.in_(matcher.sections))
    if matcher.divisions:
        parts.append(division.in_(matcher.divisions))
    if matcher.classes:
        parts.append(func.substr(industry_code, 1, 4).in_(matcher.classes))
        groups = [g for g, cls in SINGLE_CLASS_GROUPS.items() if cls in matcher.classes]
        if groups:
            parts.append(industry_code.in_(groups))
    return or_(*parts)


def _tier_met(tier: SizeTier, indicators: _Indicators) -> ColumnElement[bool]:
    """All of a tier's bounds met; NULL when that is unknown, as SQL's AND is three-valued."""
    return and_(*(indicators[name] >= bound for name, bound in tier.bounds()))


def _row_case(row: SizeRow, indicators: _Indicators) -> ColumnElement[str | None]:
    """The size class within one row, mirroring portrait._decide_size.

    A tier is chosen only when every higher tier is known (NOT ... is TRUE) to fail, so a NULL
    higher tier leaves the result NULL; micro needs every tier known to fail, which one known
    indicator below the small floor already gives, whatever else is NULL.
    """
    met = [_tier_met(tier, indicators) for tier in row.tiers]
    whens = [
        (and_(*(not_(higher) for higher in met[:i]), met[i]), literal(tier.size, String()))
        for i, tier in enumerate(row.tiers)
    ]
    whens.append((and_(*(not_(m) for m in met)), literal("micro", String())))
    return case(*whens, else_=null())


def size_not_applicable(
    section: SQLColumnExpression[str],
    division: SQLColumnExpression[str],
    industry_code: SQLColumnExpression[str],
) -> ColumnElement[bool]:
    """SQL for portrait.not_applicable_reason(...) is not None: industries the 2017 standard
    does not cover (railway, financial, education, ...), whose size is not applicable."""
    return or_(*(_matches(x.matcher, section, division, industry_code) for x in OUT_OF_SCOPE))


def size_class_case(
    section: SQLColumnExpression[str],
    division: SQLColumnExpression[str],
    industry_code: SQLColumnExpression[str],
    employees: SQLColumnExpression[int | None],
    revenue: SQLColumnExpression[int | None],
    total_assets: SQLColumnExpression[int | None],
) -> ColumnElement[str | None]:
    """A CASE giving portrait.classify_size for every row; revenue and assets in fen.

    Industries out of the standard's scope come first and give NULL (not applicable)."""
    indicators: _Indicators = {
        "employees": employees,
        "revenue": revenue,
        "total_assets": total_assets,
    }
    # SIZE_ROWS_BY_SPECIFICITY ends with the single catch-all row (checked at import in
    # portrait), so it becomes the ELSE branch and the WHENs keep the most-specific-first order.
    *specific, fallback = SIZE_ROWS_BY_SPECIFICITY
    whens: list[tuple[ColumnElement[bool], ColumnElement[str | None]]] = [
        (size_not_applicable(section, division, industry_code), literal(None, String()))
    ]
    whens += [
        (_matches(row.matcher, section, division, industry_code), _row_case(row, indicators))
        for row in specific
    ]
    return case(*whens, else_=_row_case(fallback, indicators))
