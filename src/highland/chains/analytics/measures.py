"""Chain analytics, the measures: location quotients of a chain, its segments and the districts
against a reference region, and the concentration of the chain's revenue.

Every method is written out in docs/chains.md ("## Analytics") and shown next to its number
in the UI. The registry and member figures come from the aggregates of chains.figures (built
set-based, rebuilt whenever their sources change); `local_figures` is the same registry
GROUP BY done directly in SQL (kept as the reference the tests compare with). Ratios are
exact `Fraction`s (rounded for display only), money stays in fen, and a missing figure is
None, never 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.chains import figures as chain_figures
from highland.chains.models import Chain, ReferenceFigure, Segment
from highland.enterprises.public import financials, registry
from highland.platform.errors import InvalidInput, NotFound

MEASURES = ("employment", "revenue_fen", "enterprises")
DEFAULT_REGION = "320000"  # Jiangsu province
ECO_STAR_LQ = 2  # European Cluster Observatory: specialisation star at LQ >= 2
# 1992 US Horizontal Merger Guidelines bands; 2023 Merger Guidelines: > 1,800 = highly.
HHI_HIGH = 1800
HHI_MODERATE = 1000
# Shares of the largest firm: EC Guidance on Art. 102 (2009) para 14 (dominance unlikely
# below 40%); CJEU C-62/86 AKZO (a share of 50% or more presumes dominance).
SHARE_HIGH = Fraction(1, 2)
SHARE_ELEVATED = Fraction(2, 5)


def show(value: Fraction | None, places: int = 3) -> str | None:
    """A ratio rounded half-up for display (the exact value stays a Fraction)."""
    if value is None:
        return None
    scaled = value * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    sign = "-" if whole < 0 else ""
    digits = str(abs(whole)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def exact(value: Fraction | None) -> str | None:
    """A Fraction as 'numerator/denominator' (or None)."""
    return None if value is None else f"{value.numerator}/{value.denominator}"


# --------------------------------------------------------------------------- codes


def prune(codes: set[str]) -> list[str]:
    """Codes without any code that another code of the set already contains (its prefix)."""
    return sorted(c for c in codes if not any(c != o and c.startswith(o) for o in codes))


def roll_up(codes: list[str], available: set[str]) -> tuple[list[str], list[str]]:
    """Each code mapped to its most specific form the reference has (class → group →
    division); returns (the pruned codes measured, the codes with no reference at any level)."""
    chosen: set[str] = set()
    missing: list[str] = []
    for code in codes:
        hit = next((code[:k] for k in range(len(code), 1, -1) if code[:k] in available), None)
        if hit is None:
            missing.append(code)
        else:
            chosen.add(hit)
    return prune(chosen), sorted(missing)


def _within(col: str, codes: list[str]) -> pl.Expr:
    expr = pl.lit(False)
    for c in codes:
        expr = expr | pl.col(col).str.starts_with(c)
    return expr


# --------------------------------------------------------------------------- LQ


@dataclass(frozen=True)
class Quotient:
    """A location quotient with its four figures; `value` None when it cannot be computed."""

    value: Fraction | None
    part: int | None  # local figure of the chain / segment
    total: int | None  # local total
    ref_part: int | None
    ref_total: int | None
    codes: tuple[str, ...] = ()  # the industry codes measured
    reason: str | None = None  # why value is None
    tier: str | None = None  # strong | specialised | below (None: no value)
    eco_star: bool | None = None
    missing: int | None = None  # local enterprises in the codes without a figure (excluded)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: rounded and exact values and every input."""
        return {
            "lq": show(self.value),
            "lq_exact": exact(self.value),
            "local": self.part,
            "local_total": self.total,
            "reference": self.ref_part,
            "reference_total": self.ref_total,
            "codes": list(self.codes),
            "reason": self.reason,
            "tier": self.tier,
            "eco_star": self.eco_star,
            "local_missing": self.missing,
        }


def quotient(
    part: int | None, total: int | None, ref_part: int | None, ref_total: int | None
) -> Fraction | None:
    """LQ = (part / total) / (ref_part / ref_total); None when any share is undefined."""
    if part is None or total is None or ref_part is None or ref_total is None:
        return None
    if total <= 0 or ref_total <= 0 or ref_part <= 0:
        return None
    return Fraction(part * ref_total, total * ref_part)


def _tier(value: Fraction | None, strong: bool = False) -> tuple[str | None, bool | None]:
    if value is None:
        return None, None
    if value >= 1:
        return ("strong" if strong else "specialised"), value >= ECO_STAR_LQ
    return "below", False


def top_quartile(values: dict[str, Fraction | None]) -> set[str]:
    """Keys in the top quartile: the first ceil(n/4) by value, with ties at the cut-off."""
    known = sorted((v for v in values.values() if v is not None), reverse=True)
    if not known:
        return set()
    cut = known[math.ceil(len(known) / 4) - 1]
    return {k for k, v in values.items() if v is not None and v >= cut}


# --------------------------------------------------------------------------- loading


@dataclass
class ChainData:
    """What the analytics read: the chain, its current segments and the local figures."""

    chain: Chain
    segments: list[Segment]
    year: int | None
    measure: str
    region: str
    local: pl.DataFrame  # industry_code, district_code, value (sum), known (n), missing (n)
    reference: dict[str, int]  # industry code ("*" = total) → value
    reference_source: str | None
    figures: chain_figures.Figures


def _value_column(measure: str) -> Any:
    if measure == "employment":
        return financials().c.employees
    if measure == "revenue_fen":
        return financials().c.revenue
    return None


def default_year(db: Session, region: str, measure: str) -> int | None:
    """The latest year with reference figures for the region, else the latest yearly figures."""
    year = db.scalar(
        select(func.max(ReferenceFigure.year)).where(
            ReferenceFigure.region == region, ReferenceFigure.measure == measure
        )
    )
    return year if year is not None else db.scalar(select(func.max(financials().c.year)))


def local_figures(db: Session, measure: str, year: int | None) -> pl.DataFrame:
    """Registry figures by industry code and district (SQL GROUP BY): the sum of the known
    values, how many enterprises have one and how many do not."""
    schema = {
        "industry_code": pl.String,
        "district_code": pl.String,
        "value": pl.Int64,
        "known": pl.Int64,
        "missing": pl.Int64,
    }
    col = _value_column(measure)
    e, f = registry().c, financials()
    # A district not given (NULL) is the group "", as in the stored cells (chains/figures.py).
    district = func.coalesce(e.district_code, "")
    stmt: Any
    if col is None:  # enterprises: a count, never missing
        stmt = select(
            e.industry_code,
            district,
            func.count(),
            func.count(),
            func.count() - func.count(),
        ).group_by(e.industry_code, district)
    else:
        stmt = (
            select(
                e.industry_code,
                district,
                func.sum(col),
                func.count(col),
                func.count() - func.count(col),
            )
            .select_from(registry())
            .outerjoin(f, (f.c.enterprise_id == e.id) & (f.c.year == year))
            .group_by(e.industry_code, district)
        )
    # PostgreSQL sums BIGINT as NUMERIC: back to exact ints.
    rows = [
        (a, b, None if v is None else int(v), int(k), int(m)) for a, b, v, k, m in db.execute(stmt)
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def load(db: Session, chain_id: int, region: str, year: int | None, measure: str) -> ChainData:
    """Read the chain, its current segments, the registry figures and the reference figures."""
    if measure not in MEASURES:
        raise InvalidInput(f"measure must be one of {', '.join(MEASURES)}", field="measure",
                           code="chains.one_of", params={"field": "measure", "value": measure,
                           "allowed": ", ".join(MEASURES)})  # fmt: skip
    chain = db.get(Chain, chain_id)
    if chain is None:
        raise NotFound(f"no chain {chain_id}", code="chains.not_found", params={"id": chain_id})
    segments = (
        list(
            db.scalars(
                select(Segment)
                .where(Segment.version_id == chain.version_id)
                .order_by(Segment.position, Segment.code)
            )
        )
        if chain.version_id is not None
        else []
    )
    if year is None:
        year = default_year(db, region, measure)
    refs = db.execute(
        select(ReferenceFigure.industry_code, ReferenceFigure.value, ReferenceFigure.source).where(
            ReferenceFigure.region == region,
            ReferenceFigure.year == year,
            ReferenceFigure.measure == measure,
        )
    ).all()
    sources = sorted({s for _, _, s in refs})
    figures = chain_figures.current(db)
    return ChainData(
        chain=chain,
        segments=segments,
        year=year,
        measure=measure,
        region=region,
        local=figures.local(measure, year),
        reference={code: value for code, value, _ in refs},
        reference_source="; ".join(sources) or None,
        figures=figures,
    )


# --------------------------------------------------------------------------- computing


def _sum(frame: pl.DataFrame, codes: list[str], district: str | None = None) -> tuple[int, int]:
    """(sum of known values, number of enterprises without a value) within codes."""
    f = frame.filter(_within("industry_code", codes)) if codes else frame
    if district is not None:
        f = f.filter(pl.col("district_code") == district)
    return int(f["value"].sum() or 0), int(f["missing"].sum() or 0)


def reference_lq(data: ChainData, codes: list[str]) -> Quotient:
    """The city against the reference region, both measured over the same (rolled-up) codes."""
    if not codes:
        return Quotient(None, None, None, None, None, reason="no_industry_codes")
    ref_total = data.reference.get("*")
    measured, missing = roll_up(codes, set(data.reference) - {"*"})
    if ref_total is None or not data.reference:
        return Quotient(None, None, None, None, ref_total, reason="no_reference_figures")
    if missing:
        return Quotient(
            None, None, None, None, ref_total, tuple(measured),
            reason="no reference figure for " + ", ".join(missing),
        )  # fmt: skip
    part, missing_n = _sum(data.local, measured)
    total, _ = _sum(data.local, [])
    ref_part = sum(data.reference[c] for c in measured)
    value = quotient(part, total, ref_part, ref_total)
    tier, star = _tier(value)
    reason = None if value is not None else "share_undefined_zero_total_or_reference"
    return Quotient(
        value, part, total, ref_part, ref_total, tuple(measured), reason, tier, star, missing_n
    )


def district_lqs(data: ChainData, codes: list[str]) -> list[tuple[str, Quotient]]:
    """Each district against the city (both sides from the registry), with the US Cluster
    Mapping 'strong' tier: LQ >= 1 and in the top quartile of the districts."""
    measured = prune(set(codes))
    if not measured:
        return []
    city_part, _ = _sum(data.local, measured)
    city_total, _ = _sum(data.local, [])
    # A firm whose district is not given ("") counts in the city, in no district's LQ.
    local = data.local.filter(pl.col("district_code").fill_null("") != "")
    totals = local.group_by("district_code").agg(pl.col("value").sum().alias("total"))
    parts = (
        local.filter(_within("industry_code", measured))
        .group_by("district_code")
        .agg(pl.col("value").sum().alias("part"))
    )
    joined = totals.join(parts, on="district_code", how="left").sort("district_code")
    raw: dict[str, tuple[int, int, Fraction | None]] = {}
    for d, total, part in joined.select("district_code", "total", "part").iter_rows():
        part = int(part or 0)
        raw[d] = (part, int(total or 0), quotient(part, int(total or 0), city_part, city_total))
    top = top_quartile({d: v for d, (_, _, v) in raw.items()})
    out = []
    for d, (part, total, value) in raw.items():
        tier, star = _tier(value, strong=d in top)
        reason = None if value is not None else "share_undefined_zero_total"
        q = Quotient(value, part, total, city_part, city_total, tuple(measured), reason, tier, star)
        out.append((d, q))
    return out


def _subtrees(segments: list[Segment]) -> dict[str, list[str]]:
    """Segment code → the codes of itself and all its descendants."""
    children: dict[str | None, list[str]] = defaultdict(list)
    for s in segments:
        children[s.parent_code].append(s.code)
    out: dict[str, list[str]] = {}
    for s in segments:
        stack, seen = [s.code], []
        while stack:
            code = stack.pop()
            if code in seen:
                continue
            seen.append(code)
            stack.extend(children.get(code, []))
        out[s.code] = seen
    return out


def segment_codes(segments: list[Segment]) -> dict[str, list[str]]:
    """A segment's industry codes: its own, or (when it has none) its descendants'."""
    by_code = {s.code: s for s in segments}
    out: dict[str, list[str]] = {}
    for code, tree in _subtrees(segments).items():
        own = by_code[code].industry_codes or []
        if own:
            out[code] = prune(set(own))
        else:
            out[code] = prune({c for t in tree for c in (by_code[t].industry_codes or [])})
    return out


@dataclass(frozen=True)
class Concentration:
    """HHI (0–10,000) of accepted members' revenue, and the largest firm's share."""

    members: int
    with_revenue: int
    total_fen: int | None
    hhi: Fraction | None
    band: str | None
    largest_id: int | None = None
    largest_name: str | None = None
    largest_fen: int | None = None
    largest_share: Fraction | None = None
    dependence: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "members": self.members,
            "members_with_revenue": self.with_revenue,
            "revenue_fen": self.total_fen,
            "hhi": show(self.hhi, 1),
            "hhi_exact": exact(self.hhi),
            "band": self.band,
            "largest": None
            if self.largest_id is None
            else {
                "enterprise_id": self.largest_id,
                "name": self.largest_name,
                "revenue_fen": self.largest_fen,
                "share": show(self.largest_share, 4),
                "share_exact": exact(self.largest_share),
            },
            "dependence": self.dependence,
        }


def hhi_band(hhi: Fraction) -> str:
    """unconcentrated (< 1,000), moderate (1,000–1,800), high (> 1,800)."""
    if hhi > HHI_HIGH:
        return "high"
    return "moderate" if hhi >= HHI_MODERATE else "unconcentrated"


def dependence_band(share: Fraction) -> str:
    """high (≥ 50%), elevated (40–50%), low (< 40%)."""
    if share >= SHARE_HIGH:
        return "high"
    return "elevated" if share >= SHARE_ELEVATED else "low"


def concentration(
    db: Session, chain_id: int, year: int | None, figures: chain_figures.Figures | None = None
) -> Concentration:
    """HHI = 10,000 × Σ rᵢ² / (Σ rᵢ)² over the chain's accepted members with a known revenue
    for the year, from the chain's member figures (Σ r, Σ r² exact, and the largest firm:
    the highest revenue, the lowest id among equals)."""
    rows = (
        (figures or chain_figures.current(db)).chain(chain_id).filter(pl.col("segment_code") == "")
    )
    count = rows.filter(pl.col("year") == 0)["members"]
    n = int(count[0]) if count.len() else 0
    if not n or year is None:
        return Concentration(n, 0, None, None, None)
    found = rows.filter(pl.col("year") == year).to_dicts()
    if not found:
        return Concentration(n, 0, None, None, None)
    row = found[0]
    with_revenue, total = int(row["members"]), int(row["revenue"])
    if total <= 0:
        return Concentration(n, with_revenue, total, None, None)
    hhi = Fraction(10_000 * int(row["revenue_squares"]), total**2)
    eid, top = int(row["largest_id"]), int(row["largest_revenue"])
    name = db.scalar(select(registry().c.name).where(registry().c.id == eid))
    share = Fraction(top, total)
    return Concentration(
        n, with_revenue, total, hhi, hhi_band(hhi), eid, name, top, share,
        dependence_band(share),
    )  # fmt: skip


def subtree_members(figures: chain_figures.Figures, chain_id: int) -> dict[str, int]:
    """Accepted members of each segment of the chain with its sub-segments."""
    rows = figures.chain(chain_id).filter((pl.col("year") == 0) & (pl.col("segment_code") != ""))
    return dict(zip(rows["segment_code"].to_list(), rows["members"].to_list(), strict=True))
