"""The recognition criteria of every enterprise, set-based: the Polars twin of
`portrait/recognition.py`, equal to it value for value (ratios in integer millionths, money in
fen, missing null).

`columns` names what the registry query loads (figures of figures_year and of the two years
before it, the niche-market start year); `derive` adds the fields to the frame.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from highland.enterprises.frame_math import MILLION, i128, round_ratio
from highland.enterprises.portrait.recognition import (
    GROWTH_LIMIT,
    IP_CLASS1_POINTS,
    IP_CLASS2_POINTS,
    RD_POINTS,
    RECOGNITION_FIGURES,
    TECH_STAFF_POINTS,
)

_S, _I = pl.String(), pl.Int64()
RATIO_FIELDS = (
    "rd_intensity_3y", "rd_intensity_min_2y", "tech_staff_share", "rd_staff_share",
    "hightech_revenue_share", "main_revenue_share", "main_revenue_growth_2y",
)  # fmt: skip
MONEY_SUMS = ("equity_raised_2y", "equity_raised_3y", "rd_spend_2y")
# The columns the frame gains (PORTRAIT_SCHEMA adds them).
SCHEMA: dict[str, pl.DataType] = {
    **{name: _I for name in RECOGNITION_FIGURES},
    **{name: _I for name in (*MONEY_SUMS, *RATIO_FIELDS, "niche_years", "tech_sme_score")},
    "qualification_levels": pl.List(pl.String()),
}
# Figures of the years before figures_year: base1_<name> (year − 1), base2_<name> (year − 2).
_BACK = {1: ("rd_spend", "main_revenue", "equity_raised"),
         2: ("revenue", "rd_spend", "main_revenue", "equity_raised")}  # fmt: skip
_INT64 = (-(2**63), 2**63 - 1)


def columns(e: Any, cur: Any, base1: Any, base2: Any) -> dict[str, tuple[Any, pl.DataType]]:
    """What the registry query loads for the recognition fields (tables aliased by it)."""
    out: dict[str, tuple[Any, pl.DataType]] = {
        "niche_since": (e.c.niche_since, _I),
        **{name: (cur.c[name], _I) for name in (*RECOGNITION_FIGURES, "equity_raised")},
    }
    for back, table in ((1, base1), (2, base2)):
        out |= {f"base{back}_{name}": (table.c[name], _I) for name in _BACK[back]}
    return out


def _col(name: str, back: int = 0) -> pl.Expr:
    return pl.col(name if back == 0 else f"base{back}_{name}")


def _sum(name: str, span: int) -> pl.Expr:
    """The sum over the `span` years ending in figures_year; null when one is missing."""
    total = i128(_col(name))
    for back in range(1, span):
        total = total + i128(_col(name, back))
    return total


def _share(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) != 0).then(round_ratio(pl.col(part), pl.col(whole)))


def _rd_intensity_3y() -> pl.Expr:
    """From the founding year when the firm has operated for less than three years."""
    founded = pl.col("founded_on").str.slice(0, 4).cast(pl.Int64)
    span = (pl.col("figures_year") - founded + 1).clip(1, 3)
    zero = i128(0)

    def used(name: str, back: int) -> pl.Expr:
        return pl.when(span > back).then(i128(_col(name, back))).otherwise(zero)

    rd = i128(_col("rd_spend")) + used("rd_spend", 1) + used("rd_spend", 2)
    revenue = i128(_col("revenue")) + used("revenue", 1) + used("revenue", 2)
    return pl.when(revenue != 0).then(round_ratio(rd, revenue))


def _rd_intensity_min_2y() -> pl.Expr:
    revenue, base = pl.col("revenue"), pl.col("base1_revenue")
    now = round_ratio(pl.col("rd_spend"), revenue)
    before = round_ratio(pl.col("base1_rd_spend"), base)
    defined = (revenue != 0) & (base != 0) & now.is_not_null() & before.is_not_null()
    return pl.when(defined).then(pl.min_horizontal(now, before))


def _with_growth(frame: pl.LazyFrame) -> pl.LazyFrame:
    """recognition.mean_growth_2y in Int128: the quotient digit by digit, so that no product
    leaves Int128 (inputs below GROWTH_LIMIT, as the one-enterprise path requires)."""
    m0, m1, m2 = (i128(_col("main_revenue", back)) for back in range(3))
    limit = i128(GROWTH_LIMIT)
    defined = (m1 > 0) & (m2 > 0) & (m0.abs() < limit) & (m1 < limit) & (m2 < limit)
    a, b, c = (pl.when(defined).then(m) for m in (m0, m1, m2))
    numerator, den = a * c + b * b - 2 * b * c, 2 * b * c
    frame = frame.with_columns(_n=numerator, _d=den)
    n, d = pl.col("_n"), pl.col("_d")
    frame = frame.with_columns(_q=n.abs() // d, _neg=n < 0)
    frame = frame.with_columns(_r=n.abs() - pl.col("_q") * d)
    q, r = pl.col("_q"), pl.col("_r")
    for _ in range(6):  # six decimal places, one digit at a time: r * 10 < 10 * d
        frame = frame.with_columns(_digit=(r * 10) // d).with_columns(
            _q=q * 10 + pl.col("_digit"), _r=r * 10 - pl.col("_digit") * d
        )
    rounded = q + (2 * r >= d).cast(pl.Int128)
    growth = pl.when(pl.col("_neg")).then(i128(0) - rounded).otherwise(rounded)
    return frame.with_columns(main_revenue_growth_2y=growth).drop(
        "_n", "_d", "_q", "_r", "_neg", "_digit"
    )


def _points(value: pl.Expr, table: tuple[tuple[int, int], ...]) -> pl.Expr:
    out: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for low, points in reversed(table):
        out = pl.when(value >= low).then(pl.lit(points, dtype=pl.Int64)).otherwise(out)
    return out


def _tech_sme_score() -> pl.Expr:
    share, rd = pl.col("tech_staff_share"), pl.col("rd_intensity")
    ip1, ip2 = pl.col("ip_class1"), pl.col("ip_class2")
    ip = pl.when(ip1 >= 1).then(pl.lit(IP_CLASS1_POINTS, dtype=pl.Int64))
    score = _points(share, TECH_STAFF_POINTS) + _points(rd, RD_POINTS)
    score = score + ip.otherwise(_points(ip2, IP_CLASS2_POINTS))
    known = share.is_not_null() & rd.is_not_null() & ip1.is_not_null() & ip2.is_not_null()
    return pl.when(known).then(score)


def derive(frame: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Add the recognition fields to a frame holding rd_intensity and the loaded columns."""
    niche = pl.col("niche_since")
    frame = frame.with_columns(
        equity_raised_2y=_sum("equity_raised", 2),
        equity_raised_3y=_sum("equity_raised", 3),
        rd_spend_2y=_sum("rd_spend", 2),
        rd_intensity_3y=_rd_intensity_3y(),
        rd_intensity_min_2y=_rd_intensity_min_2y(),
        tech_staff_share=_share("tech_staff", "employees"),
        rd_staff_share=_share("rd_staff", "employees"),
        hightech_revenue_share=_share("hightech_revenue", "revenue"),
        main_revenue_share=_share("main_revenue", "revenue"),
        niche_years=pl.when(niche <= as_of.year).then(as_of.year - niche),
    )
    frame = _with_growth(frame).with_columns(tech_sme_score=_tech_sme_score())
    # Held at the Int64 limits, as the one-enterprise path holds them.
    return frame.with_columns(
        pl.col(name).clip(i128(_INT64[0]), i128(_INT64[1]))
        for name in (*RATIO_FIELDS, *MONEY_SUMS)
    )


def levels(quals: pl.DataFrame) -> pl.DataFrame:
    """Per enterprise id, its valid qualifications of known level as sorted "code:level"."""
    return quals.group_by("id").agg(
        pl.concat_str("code", pl.lit(":"), "level").drop_nulls().sort()
        .alias("qualification_levels")
    )  # fmt: skip


def row_levels(quals: Any, as_of: date) -> list[str]:
    """The one-enterprise path: `levels` of its qualification rows."""
    return sorted(
        f"{q.code}:{q.level}"
        for q in quals
        if q.level
        and (q.valid_from is None or q.valid_from <= as_of)
        and (q.valid_to is None or q.valid_to >= as_of)
    )


__all__ = ["MILLION", "SCHEMA", "columns", "derive", "levels", "row_levels"]
