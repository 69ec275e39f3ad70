"""Every enterprise's portrait as of a date as one Polars frame, equal to portrait.compute_portrait.

The policy engine matches rules against the whole registry at once, so the portrait is computed
set-based here: a few aggregate queries load the registry, and Polars derives the fields with
exact integer arithmetic. Ratios are integer millionths (int(value * 1_000_000) of the portrait's
Decimal), money integer fen, USD integer cents; missing is null, never 0.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import Integer, String, Text, and_, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from highland.enterprises import recognition_frame as recognition
from highland.enterprises import repository as repo
from highland.enterprises import service
from highland.enterprises.frame_math import i128 as _i128
from highland.enterprises.frame_math import round_ratio as _round_ratio
from highland.enterprises.memberships import category_source, membership_source
from highland.enterprises.models import Enterprise, Financial, Qualification
from highland.enterprises.portrait import (
    OUT_OF_SCOPE,
    SINGLE_CLASS_GROUPS,
    SIZE_ROWS_BY_SPECIFICITY,
    IndustryMatcher,
    SizeRow,
    compute_portrait,
)
from highland.enterprises.portrait.recognition import RECOGNITION_FIGURES
from highland.platform.db import table_of

_S, _I = pl.String(), pl.Int64()
_NO_MEMBERSHIPS: dict[str, pl.DataType] = {"id": _I, "chain": _S, "segment": _S}
_NO_CATEGORIES: dict[str, pl.DataType] = {"id": _I, "growth_category": _S}
PORTRAIT_SCHEMA: dict[str, pl.DataType] = {
    "uscc": _S, "district": _S, "industry": _S, "industry_section": _S, "industry_division": _S,
    "zone": _S,  # "" for a firm in no zone (known), never missing; district NULL is missing
    "age_years": _I, "ownership": _S, "country": _S, "listed": pl.Boolean(),
    "qualifications": pl.List(pl.String()), "size_class": _S, "revenue": _I, "output_value": _I,
    "tax_paid": _I, "employees": _I, "rd_spend": _I, "rd_staff": _I, "rd_intensity": _I,
    "invention_patents": _I, "total_assets": _I, "revenue_growth": _I, "revenue_cagr_3y": _I,
    "lifecycle_stage": _S, "valuation_usd": _I, "last_round_usd": _I, "figures_year": _I,
    "chains": pl.List(pl.String()), "segments": pl.List(pl.String()),
    **recognition.SCHEMA,
    "growth_category": _S,  # "" for a firm on no list (known), never missing
}  # fmt: skip
FIGURES = (
    "revenue", "output_value", "tax_paid", "employees", "rd_spend", "rd_staff",
    "invention_patents", "total_assets", "valuation_usd", "last_round_usd",
)  # fmt: skip
RATIOS = ("rd_intensity", "revenue_growth", "revenue_cagr_3y")

MILLION = 1_000_000
CHUNK = 100_000  # enterprise ids per query: bounds the JSON texts held at once
USCC_CHUNK = 5_000  # usccs per IN list, well under SQLite's and PostgreSQL's parameter limits
_INT64 = (-(2**63), 2**63 - 1)
_CLAMP = 2**100  # lifecycle thresholds beyond any Int64 value compare the same as this

Scope = Callable[[Any], ColumnElement[bool]]


# --------------------------------------------------------------------------- the one-row path


def row_values(
    view: service.PortraitView,
    as_of: date,
    memberships: tuple[list[str], list[str]] = ([], []),
    growth_category: str = "",
) -> dict[str, object]:
    """One enterprise's frame row from an already computed PortraitView.

    `memberships` are its chains and segments (memberships_of); none is an empty set.
    `growth_category` its category on the high-growth list valid at as_of ("" for none).
    """
    p, ent = view.portrait, view.enterprise
    if p.as_of != as_of:
        raise ValueError(f"the portrait is as of {p.as_of}, not {as_of}")
    figs = next((f for f in view.figures if f.year == p.figures_year), None)
    value = {name: d.value for name, d in p.fields.items()}
    row: dict[str, object] = {
        "uscc": ent.uscc,
        "district": ent.district_code,
        "zone": ent.zone_code or "",
        "industry": ent.industry_code,
        "industry_section": ent.industry_section,
        "industry_division": ent.industry_division,
        "ownership": ent.ownership,
        "country": ent.country,
        "listed": ent.listed,
        "qualifications": sorted(
            q.code
            for q in ent.qualifications
            if (q.valid_from is None or q.valid_from <= as_of)
            and (q.valid_to is None or q.valid_to >= as_of)
        ),
        **{name: getattr(figs, name) if figs else None for name in FIGURES},
        **{name: _millionths(value[name], ent.uscc, name) for name in RATIOS},
        "age_years": value["age_years"],
        "size_class": value["size_class"],
        "lifecycle_stage": value["lifecycle_stage"],
        "figures_year": p.figures_year,
        "chains": sorted(set(memberships[0])),
        "segments": sorted(set(memberships[1])),
        **_recognition_values(view, as_of),
        "growth_category": growth_category,
    }
    return {name: row[name] for name in PORTRAIT_SCHEMA}


def _recognition_values(view: service.PortraitView, as_of: date) -> dict[str, object]:
    """The recognition fields of one enterprise's row (recognition_frame.SCHEMA)."""
    p, ent = view.portrait, view.enterprise
    figs = next((f for f in view.figures if f.year == p.figures_year), None)
    out: dict[str, object] = {
        name: getattr(figs, name) if figs else None for name in RECOGNITION_FIGURES
    }
    for name in recognition.RATIO_FIELDS:
        out[name] = _millionths(p.fields[name].value, ent.uscc, name)
    for name in (*recognition.MONEY_SUMS, "niche_years", "tech_sme_score"):
        out[name] = p.fields[name].value
    out["qualification_levels"] = recognition.row_levels(ent.qualifications, as_of)
    return out


def memberships_of(session: Session, enterprise_id: int) -> tuple[list[str], list[str]]:
    """The chain codes and "chaincode/segmentcode" of an enterprise's accepted memberships
    (chains not retired); both lists sorted."""
    m = membership_source()
    if m is None:
        return [], []
    rows = session.execute(
        select(m.chain, m.segment)
        .select_from(m.source)
        .where(m.where, m.enterprise_id == enterprise_id)
    ).all()
    return sorted({c for c, _ in rows}), sorted({f"{c}/{seg}" for c, seg in rows})


def growth_category_of(session: Session, enterprise_id: int, as_of: date) -> str:
    """An enterprise's category on the high-growth list valid at as_of ("" on no list)."""
    g = category_source(as_of)
    if g is None:
        return ""
    stmt = select(g.category).select_from(g.source).where(g.where, g.enterprise_id == enterprise_id)
    return session.execute(stmt.limit(1)).scalar() or ""


def _millionths(value: object, uscc: str, name: str) -> int | None:
    if value is None:
        return None
    out = int(value * MILLION)  # type: ignore[operator]  # a Decimal with 6 places: exact
    # Held at the Int64 limits, as in the frame: every rule threshold lies far inside them,
    # so comparisons stay right, and amounts refuse inputs beyond the field's bound.
    return min(max(out, _INT64[0]), _INT64[1])


def portrait_values(session: Session, uscc: str, as_of: date) -> dict[str, object] | None:
    """One enterprise's frame row, by the same steps as service.portrait; None if unknown."""
    ent = session.scalars(
        select(Enterprise)
        .where(Enterprise.uscc == uscc)
        .options(selectinload(Enterprise.qualifications))
    ).first()
    if ent is None:
        return None
    figures = repo.figures_of(session, ent.id)
    years = [service.to_year_figures(f) for f in figures]
    p = compute_portrait(service.facts_of(ent), years, as_of, service.lifecycle_rules())
    view = service.PortraitView(ent, figures, p)
    category = growth_category_of(session, ent.id, as_of)
    return row_values(view, as_of, memberships_of(session, ent.id), category)


# --------------------------------------------------------------------------- loading


def portrait_frame(
    session: Session,
    as_of: date,
    usccs: Sequence[str] | None = None,
    enterprise_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """The portrait of every enterprise (or of those usccs, or of those ids) as of a date, one
    row each by uscc."""
    agg = _json_array_agg(session.connection().dialect.name)
    raws, quals, members, cats = [], [], [], []
    scopes = _id_scopes(enterprise_ids) if enterprise_ids is not None else _scopes(session, usccs)
    for scope in scopes:
        enterprises = _load(session, agg, *_registry_query(scope, as_of))
        if enterprises.height:
            raws.append(enterprises)
            quals.append(_load(session, agg, *_qualification_query(scope, as_of)))
            query = _membership_query(scope)
            members.append(
                _load(session, agg, *query) if query else pl.DataFrame(schema=_NO_MEMBERSHIPS)
            )
            lent = _category_query(scope, as_of)
            cats.append(_load(session, agg, *lent) if lent else pl.DataFrame(schema=_NO_CATEGORIES))
    if not raws:
        return pl.DataFrame(schema=PORTRAIT_SCHEMA)
    frame = _derive(
        pl.concat(raws), pl.concat(quals), as_of, pl.concat(members), pl.concat(cats)
    )
    return frame.sort("uscc")


_Agg = Callable[[ColumnElement[Any]], ColumnElement[str]]
_Columns = dict[str, tuple[ColumnElement[Any], pl.DataType]]


def _json_array_agg(dialect: str) -> _Agg:
    """A column's values as one JSON array text per query.

    Fetching a million rows value by value costs ~0.2 µs per value in Python; one JSON text per
    column moves that work into the database's C and Polars' Rust (about twice as fast).
    All aggregates of one query consume the same rows in the same order, so the arrays align.
    """
    if dialect == "postgresql":
        return lambda column: cast(func.json_agg(column), Text)  # text, so psycopg won't parse it
    return lambda column: type_coerce(func.json_group_array(column), String)


def _scopes(session: Session, usccs: Sequence[str] | None) -> Iterator[Scope]:
    """Predicates on an enterprise-id column that together cover the enterprises wanted."""
    e = table_of(Enterprise)
    if usccs is not None:
        wanted = sorted(set(usccs))  # a uscc repeated in two chunks would give two rows
        for i in range(0, len(wanted), USCC_CHUNK):
            yield _within(select(e.c.id).where(e.c.uscc.in_(wanted[i : i + USCC_CHUNK])))
        return
    low, high = session.execute(select(func.min(e.c.id), func.max(e.c.id))).one()
    if low is None:
        return
    for start in range(low, high + 1, CHUNK):
        yield _between(start, start + CHUNK - 1)


def _id_scopes(ids: Sequence[int]) -> Iterator[Scope]:
    """Predicates covering the enterprises of those ids, USCC_CHUNK ids each."""
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), USCC_CHUNK):
        yield _within(wanted[i : i + USCC_CHUNK])


def _within(ids: Any) -> Scope:
    return lambda column: column.in_(ids)


def _between(low: int, high: int) -> Scope:
    return lambda column: column.between(low, high)


def _registry_query(scope: Scope, as_of: date) -> tuple[Any, ColumnElement[bool], _Columns]:
    """Enterprise facts with the figures of figures_year and the two base years' revenue."""
    e, f = table_of(Enterprise), table_of(Financial)
    years = f.alias("years")
    # Correlated: an index seek per enterprise, where a grouped subquery would be materialised
    # and indexed again by SQLite. The base years then follow from the row it finds.
    latest = (
        select(func.max(years.c.year))
        .where(years.c.enterprise_id == e.c.id, years.c.year < as_of.year)
        .scalar_subquery()
    )
    cur, base1, base3 = f.alias("cur"), f.alias("base1"), f.alias("base3")
    base2 = f.alias("base2")
    source = (
        e.outerjoin(cur, and_(cur.c.enterprise_id == e.c.id, cur.c.year == latest))
        .outerjoin(base1, and_(base1.c.enterprise_id == e.c.id, base1.c.year == cur.c.year - 1))
        .outerjoin(base2, and_(base2.c.enterprise_id == e.c.id, base2.c.year == cur.c.year - 2))
        .outerjoin(base3, and_(base3.c.enterprise_id == e.c.id, base3.c.year == cur.c.year - 3))
    )
    columns: _Columns = {
        "id": (e.c.id, _I),
        "uscc": (e.c.uscc, _S),
        "district": (e.c.district_code, _S),
        "zone": (e.c.zone_code, _S),
        "industry": (e.c.industry_code, _S),
        "industry_section": (e.c.industry_section, _S),
        "industry_division": (e.c.industry_division, _S),
        "founded_on": (e.c.founded_on, _S),  # JSON gives ISO text from both databases
        "ownership": (e.c.ownership, _S),
        "country": (e.c.country, _S),
        "listed": (cast(e.c.listed, Integer), _I),  # SQLite 0/1 and PostgreSQL true/false alike
        "figures_year": (cur.c.year, _I),
        **{name: (cur.c[name], _I) for name in FIGURES},
        "base1_revenue": (base1.c.revenue, _I),
        "base3_revenue": (base3.c.revenue, _I),
        **recognition.columns(e, cur, base1, base2),
    }
    return source, scope(e.c.id), columns


def _qualification_query(scope: Scope, as_of: date) -> tuple[Any, ColumnElement[bool], _Columns]:
    """The qualifications held and valid at as_of."""
    q = table_of(Qualification)
    valid = and_(
        or_(q.c.valid_from.is_(None), q.c.valid_from <= as_of),
        or_(q.c.valid_to.is_(None), q.c.valid_to >= as_of),
        scope(q.c.enterprise_id),
    )
    columns: _Columns = {"id": (q.c.enterprise_id, _I), "code": (q.c.code, _S),
                         "level": (q.c.level, _S)}  # fmt: skip
    return q, valid, columns


def _membership_query(scope: Scope) -> tuple[Any, ColumnElement[bool], _Columns] | None:
    """Accepted memberships in chains not retired: enterprise id, chain code, segment code
    (None: no chains domain lends them)."""
    m = membership_source()
    if m is None:
        return None
    columns: _Columns = {"id": (m.enterprise_id, _I), "chain": (m.chain, _S),
                         "segment": (m.segment, _S)}  # fmt: skip
    return m.source, and_(m.where, scope(m.enterprise_id)), columns


def _category_query(
    scope: Scope, as_of: date
) -> tuple[Any, ColumnElement[bool], _Columns] | None:
    """Each firm's category on the high-growth list valid at as_of: enterprise id, category
    (None: no growth domain lends them)."""
    g = category_source(as_of)
    if g is None:
        return None
    columns: _Columns = {"id": (g.enterprise_id, _I), "growth_category": (g.category, _S)}
    return g.source, and_(g.where, scope(g.enterprise_id)), columns


def _load(
    session: Session, agg: _Agg, source: Any, where: ColumnElement[bool], columns: _Columns
) -> pl.DataFrame:
    """Run one aggregate query and decode its JSON arrays (exploding checks they align)."""
    stmt = select(*(agg(column) for column, _ in columns.values())).select_from(source)
    texts = session.execute(stmt.where(where)).one()
    arrays = pl.DataFrame([[t or "[]" for t in texts]], schema=list(columns), orient="row")
    return arrays.select(
        pl.col(name).str.json_decode(pl.List(dtype)) for name, (_, dtype) in columns.items()
    ).explode(list(columns))


# --------------------------------------------------------------------------- derived fields


def _cube(x: pl.Expr) -> pl.Expr:
    return x * x * x


def _with_cagr(frame: pl.LazyFrame) -> pl.LazyFrame:
    """portrait._root_growth for 3 years in Int128 millionths, where the CAGR is defined.

    Each step is its own column: nested, the corrections would repeat the expression
    exponentially.
    """
    end, base = _i128(pl.col("revenue")), _i128(pl.col("base3_revenue"))
    scale = _i128((2 * MILLION) ** 3)
    target, halves = pl.col("_target"), pl.col("_halves")
    # end < 2**63 and scale < 2**63, so every product below stays under 2**126.
    frame = frame.with_columns(_target=pl.when((base > 0) & (end >= 0)).then(end * scale // base))
    frame = frame.with_columns(_halves=target.cast(pl.Float64).cbrt().floor().cast(pl.Int128))
    # The float root is within one of floor(cube root of target); two steps each way suffice.
    for _ in range(2):
        frame = frame.with_columns(_halves=halves - (_cube(halves) > target).cast(pl.Int128))
    for _ in range(2):
        frame = frame.with_columns(_halves=halves + (_cube(halves + 1) <= target).cast(pl.Int128))
    millionths = (
        pl.when(halves % 2 == 0)
        .then(halves // 2)
        # An exact tie below zero growth: rounding away from zero is rounding down.
        .when((_cube(halves) * base == end * scale) & (end < base))
        .then((halves - 1) // 2)
        .otherwise((halves + 1) // 2)
    )
    return frame.with_columns(revenue_cagr_3y=millionths - MILLION).drop("_target", "_halves")


def _age(as_of: date) -> pl.Expr:
    """Completed years from founded_on to as_of, as portrait._age_field counts them."""
    founded = pl.col("founded_on").str.to_date("%Y-%m-%d")
    before_anniversary = founded.dt.month().cast(pl.Int64) * 100 + founded.dt.day() > (
        as_of.month * 100 + as_of.day
    )
    years = as_of.year - founded.dt.year().cast(pl.Int64) - before_anniversary.cast(pl.Int64)
    return pl.when(founded <= as_of).then(years)


def _threshold(op: str, value: Fraction) -> int:
    """The integer k with v op value <=> v op k for every integer v (clamped; exact)."""
    k = math.ceil(value) if op in ("<", ">=") else math.floor(value)
    return max(-_CLAMP, min(_CLAMP, k))


def _industry_matches(m: IndustryMatcher) -> pl.Expr:
    """portrait.IndustryMatcher.matches over the industry columns."""
    industry_class = pl.col("industry").replace(SINGLE_CLASS_GROUPS).str.slice(0, 4)
    return pl.any_horizontal(
        pl.col("industry_section").is_in(m.sections),
        pl.col("industry_division").is_in(m.divisions),
        industry_class.is_in(m.classes),
    )


def _size_class() -> pl.Expr:
    """portrait.classify_size of the figures_year row (size_sql's CASE costs SQLite ~2 s/1M):
    null, not applicable, for the industries the 2017 standard does not cover."""
    *specific, fallback = SIZE_ROWS_BY_SPECIFICITY
    size = _row_size(fallback)
    for row in reversed(specific):  # most specific first, as size_row_for tries them
        size = pl.when(_industry_matches(row.matcher)).then(_row_size(row)).otherwise(size)
    out_of_scope = pl.any_horizontal(*(_industry_matches(x.matcher) for x in OUT_OF_SCOPE))
    return pl.when(out_of_scope).then(pl.lit(None, dtype=pl.String)).otherwise(size)


def _row_size(row: SizeRow) -> pl.Expr:
    """portrait._decide_size over the row's tiers; & is three-valued like portrait._all_of."""
    size = pl.lit("micro", dtype=pl.String)
    for tier in reversed(row.tiers):
        met = functools.reduce(operator.and_, [pl.col(n) >= b for n, b in tier.bounds()])
        size = pl.when(met.is_null()).then(None).when(met).then(pl.lit(tier.size)).otherwise(size)
    return size


def _lifecycle() -> pl.Expr:
    """portrait._lifecycle_field under the configured rules: the first matching rule wins."""
    ops: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
        "<": pl.Expr.__lt__, "<=": pl.Expr.__le__, ">": pl.Expr.__gt__, ">=": pl.Expr.__ge__,
    }  # fmt: skip
    missing = pl.lit(None, dtype=pl.String)
    branches: list[tuple[pl.Expr, pl.Expr]] = []
    last = missing  # no rule matched
    for rule in service.lifecycle_rules().rules:
        stage = pl.lit(rule.stage, dtype=pl.String)
        if rule.otherwise:
            last = stage
            break
        assert rule.field is not None and rule.op is not None and rule.value is not None
        field = pl.col(rule.field)
        # Ratio fields are millionths, so the rule's fraction is scaled the same way, exactly.
        scale = MILLION if rule.field in RATIOS else 1
        bound = _threshold(rule.op, Fraction(rule.value) * scale)
        matches = ops[rule.op](field.cast(pl.Int128), _i128(bound))
        # A missing field decides the stage (missing) unless an earlier rule matched.
        branches += [(field.is_null(), missing), (matches, stage)]
    stage_expr = last
    for condition, value in reversed(branches):
        stage_expr = pl.when(condition).then(value).otherwise(stage_expr)
    return stage_expr


def _derive(
    raw: pl.DataFrame,
    quals: pl.DataFrame,
    as_of: date,
    members: pl.DataFrame | None = None,
    categories: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The portrait fields from the loaded rows, in PORTRAIT_SCHEMA's order and types."""
    held = quals.group_by("id").agg(pl.col("code").sort().alias("qualifications"))
    held = held.join(recognition.levels(quals), on="id", how="left")
    if members is None:
        members = pl.DataFrame(schema={"id": _I, "chain": _S, "segment": _S})
    member_of = members.group_by("id").agg(
        pl.col("chain").unique().sort().alias("chains"),
        pl.concat_str("chain", pl.lit("/"), "segment").unique().sort().alias("segments"),
    )
    if categories is None:
        categories = pl.DataFrame(schema=_NO_CATEGORIES)
    category = categories.unique("id", keep="first")
    empty = pl.lit([], dtype=pl.List(pl.String))
    revenue, base1 = pl.col("revenue"), pl.col("base1_revenue")
    lazy = (
        raw.lazy()
        .join(held.lazy(), on="id", how="left")
        .join(member_of.lazy(), on="id", how="left")
        .join(category.lazy(), on="id", how="left")
        .with_columns(
            pl.col("qualifications").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("qualification_levels").fill_null(empty),
            # No accepted membership: the empty set, which is known (not missing).
            pl.col("chains").fill_null(empty),
            pl.col("segments").fill_null(empty),
            pl.col("zone").fill_null(""),  # in no zone: a known empty value
            pl.col("growth_category").fill_null(""),  # on no list: known, not missing
            listed=pl.col("listed").cast(pl.Boolean),
            age_years=_age(as_of),
            rd_intensity=pl.when(revenue != 0).then(_round_ratio(pl.col("rd_spend"), revenue)),
            revenue_growth=pl.when(base1 > 0).then(
                _round_ratio(_i128(revenue) - _i128(base1), base1)
            ),
        )
    )
    lazy = recognition.derive(lazy, as_of)
    labels = {"lifecycle_stage": _lifecycle(), "size_class": _size_class()}
    # Lazy, so that Polars evaluates the expressions the branches share only once (3x less work).
    frame = _with_cagr(lazy).with_columns(**labels).collect()
    # Absurd ratios (10^17 fen of R&D on 1 fen of revenue) are held at the Int64 limits rather
    # than stopping a whole run; see _millionths.
    frame = frame.with_columns(
        pl.col(name).clip(_i128(_INT64[0]), _i128(_INT64[1])) for name in RATIOS
    )
    return frame.select(pl.col(name).cast(dtype) for name, dtype in PORTRAIT_SCHEMA.items())
