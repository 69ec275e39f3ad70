"""Chain analytics: the gaps of a chain (segments short of local firms or specialisation),
the prospects ranked for each gap, and `analyse`, everything shown for one chain.

The location quotients and the concentration are computed in analytics.measures. Every
method is written out in docs/chains.md ("## Analytics") and shown next to its number in the
UI. Ratios are exact `Fraction`s (rounded for display only), money stays in fen, and a missing
figure is None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains.analytics.measures import (
    DEFAULT_REGION,
    Quotient,
    _within,
    concentration,
    district_lqs,
    exact,
    load,
    prune,
    reference_lq,
    segment_codes,
    show,
    subtree_members,
)
from highland.chains.mapping.evidence import broad_classes
from highland.chains.models import Prospect, Segment
from highland.platform.errors import InvalidInput

DEFAULT_FEW = 3  # a segment with fewer accepted members than this is a gap
NO_MEMBERS = Quotient(None, None, None, None, None, reason="no_members")
BOTTLENECK_WEIGHT = 2  # a bottleneck (卡脖子) segment's shortfall counts double


# --------------------------------------------------------------------------- gaps


@dataclass(frozen=True)
class Gap:
    """A segment short of local firms or specialisation, scored for priority."""

    segment: Segment
    members: int
    lq: Quotient
    member_shortfall: Fraction
    lq_shortfall: Fraction
    weight: int
    score: Fraction
    prospects: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "segment": self.segment.code,
            "name": self.segment.name,
            "name_en": self.segment.name_en,
            "stream": self.segment.stream,
            "bottleneck": self.segment.bottleneck,
            "members": self.members,
            "lq": self.lq.as_dict(),
            "member_shortfall": show(self.member_shortfall),
            "lq_shortfall": show(self.lq_shortfall),
            "weight": self.weight,
            "score": show(self.score),
            "score_exact": exact(self.score),
            "prospects": self.prospects,
        }


def gap_of(segment: Segment, count: int, lq: Quotient, few: int) -> Gap | None:
    """Shortfall = max(0, few − members) / few + max(0, 1 − LQ) (LQ term only when known);
    score = weight × shortfall (weight 2 for bottleneck segments). None when no shortfall."""
    member_short = Fraction(max(0, few - count), few)
    lq_short = max(Fraction(0), 1 - lq.value) if lq.value is not None else Fraction(0)
    if member_short == 0 and lq_short == 0:
        return None
    weight = BOTTLENECK_WEIGHT if segment.bottleneck else 1
    return Gap(
        segment, count, lq, member_short, lq_short, weight, weight * (member_short + lq_short)
    )


# --------------------------------------------------------------------------- prospects

CODE_IN = 30  # the prospect's class lies within one of the segment's codes
KEYWORD = 10  # per distinct keyword or product term found in the prospect's products
KEYWORD_CAP = 30
REVENUE_BANDS = ((100_000_000_000, 20), (10_000_000_000, 12), (1_000_000_000, 6))  # fen
EMPLOYEE_BANDS = ((1000, 10), (300, 6), (100, 3))
PATENT_CAP = 10  # one point per patent


def prospect_frame(db: Session) -> pl.DataFrame:
    """Every imported prospect as a frame."""
    cols = [
        Prospect.id, Prospect.name, Prospect.uscc, Prospect.region, Prospect.industry_code,
        Prospect.revenue_fen, Prospect.employees, Prospect.products, Prospect.patents,
    ]  # fmt: skip
    schema = {
        "id": pl.Int64, "name": pl.String, "uscc": pl.String, "region": pl.String,
        "industry_code": pl.String, "revenue_fen": pl.Int64, "employees": pl.Int64,
        "products": pl.String, "patents": pl.Int64,
    }  # fmt: skip
    return pl.DataFrame([tuple(r) for r in db.execute(select(*cols))], schema=schema, orient="row")


def _bands(col: str, bands: tuple[tuple[int, int], ...]) -> pl.Expr:
    expr: Any = pl.when(pl.col(col).is_null()).then(0)
    for floor, points in bands:
        expr = expr.when(pl.col(col) >= floor).then(points)
    return expr.otherwise(0)


def rank_prospects(
    frame: pl.DataFrame,
    codes: list[str],
    terms: list[str],
    top: int,
    broad: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Prospects of the segment, scored feature by feature (Polars). A prospect is one only
    when its class lies within the segment's own codes (30 points) — never by its division
    or a keyword alone, which reached the classes of other chains; within a broad class
    (listed by several chains) only with a keyword found in its products. Keywords add
    points."""
    if frame.is_empty() or not codes:
        return []
    words = sorted({t.strip().lower() for t in terms if t and t.strip()})
    products = pl.col("products").fill_null("").str.to_lowercase()
    hits = [products.str.contains(w, literal=True).alias(f"kw{i}") for i, w in enumerate(words)]
    kw_cols = [f"kw{i}" for i in range(len(words))]
    n_hits = (
        pl.sum_horizontal([pl.col(c).cast(pl.Int64) for c in kw_cols])
        if kw_cols
        else pl.lit(0, dtype=pl.Int64)
    )

    def within(cs: list[str]) -> pl.Expr:
        plain = _within("industry_code", [c for c in cs if c not in broad]).fill_null(False)
        shared = _within("industry_code", [c for c in cs if c in broad]).fill_null(False)
        return plain | (shared & (n_hits > 0))

    code_pts = pl.when(within(codes)).then(CODE_IN).otherwise(0)
    scored = frame.with_columns(
        _bands("revenue_fen", REVENUE_BANDS).alias("p_revenue"),
        _bands("employees", EMPLOYEE_BANDS).alias("p_employees"),
        pl.min_horizontal(pl.col("patents").fill_null(0), pl.lit(PATENT_CAP)).alias("p_patents"),
        *hits,
    )
    scored = scored.with_columns(
        code_pts.alias("p_code"),
        pl.min_horizontal(n_hits * KEYWORD, pl.lit(KEYWORD_CAP)).alias("p_keywords"),
    ).filter(pl.col("p_code") > 0)
    scored = scored.with_columns(
        (
            pl.col("p_code")
            + pl.col("p_keywords")
            + pl.col("p_revenue")
            + pl.col("p_employees")
            + pl.col("p_patents")
        ).alias("score")  # fmt: skip
    ).sort(["score", "revenue_fen", "name"], descending=[True, True, False], nulls_last=True)
    out = []
    for rank, row in enumerate(scored.head(top).iter_rows(named=True), start=1):
        found = [w for i, w in enumerate(words) if row[f"kw{i}"]]
        out.append(
            {
                "rank": rank,
                "id": row["id"],
                "name": row["name"],
                "uscc": row["uscc"],
                "region": row["region"],
                "score": row["score"],
                "features": [
                    {"feature": "industry_code", "value": row["industry_code"],
                     "points": row["p_code"]},
                    {"feature": "keywords", "value": found, "points": row["p_keywords"]},
                    {"feature": "revenue_fen", "value": row["revenue_fen"],
                     "points": row["p_revenue"]},
                    {"feature": "employees", "value": row["employees"],
                     "points": row["p_employees"]},
                    {"feature": "patents", "value": row["patents"], "points": row["p_patents"]},
                ],
            }
        )  # fmt: skip
    return out


# --------------------------------------------------------------------------- the whole


def analyse(
    db: Session,
    chain_id: int,
    *,
    region: str = DEFAULT_REGION,
    year: int | None = None,
    measure: str = "employment",
    few: int = DEFAULT_FEW,
    top: int = 5,
) -> dict[str, Any]:
    """Everything the API and the page show for one chain: LQs of the chain, its segments and
    the districts, concentration, and the ranked gaps with their ranked prospects."""
    if few < 1:
        raise InvalidInput(
            "few must be at least 1", field="few", code="analytics.few", params={"value": few}
        )
    data = load(db, chain_id, region, year, measure)
    seg_codes = segment_codes(data.segments)
    chain_codes = prune({c for cs in seg_codes.values() for c in cs})
    counts = subtree_members(data.figures, chain_id)
    chain_lq = reference_lq(data, chain_codes)
    frame = prospect_frame(db)
    broad = broad_classes(db)
    segments_out, gaps = [], []
    for s in data.segments:
        count = counts.get(s.code, 0)
        # A segment without members has no local specialisation to show: its classes' local
        # firms are not its firms (docs/chains.md, "Segments without members").
        lq = reference_lq(data, seg_codes[s.code]) if count else NO_MEMBERS
        segments_out.append(
            {
                "segment": s.code,
                "parent": s.parent_code,
                "name": s.name,
                "name_en": s.name_en,
                "stream": s.stream,
                "bottleneck": s.bottleneck,
                "members": count,
                "lq": lq.as_dict(),
            }
        )
        gap = gap_of(s, count, lq, few)
        if gap is not None:
            gaps.append(gap)
    gaps.sort(key=lambda g: (-g.score, g.segment.position, g.segment.code))
    gap_out = []
    for g in gaps:
        terms = list(g.segment.keywords or []) + list(g.segment.products or [])
        g.prospects.extend(rank_prospects(frame, seg_codes[g.segment.code], terms, top, broad))
        gap_out.append(g.as_dict())
    return {
        "chain": {
            "id": data.chain.id,
            "code": data.chain.code,
            "name": data.chain.name,
            "name_en": data.chain.name_en,
        },  # fmt: skip
        "region": region,
        "year": data.year,
        "measure": measure,
        "reference_source": data.reference_source,
        "few": few,
        "lq": chain_lq.as_dict(),
        "segments": segments_out,
        "districts": [{"district": d, **q.as_dict()} for d, q in district_lqs(data, chain_codes)],
        "concentration": concentration(db, chain_id, data.year, data.figures).as_dict(),
        "figures_built_at": data.figures.built_at.isoformat(),
        "gaps": gap_out,
    }
