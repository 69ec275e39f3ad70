"""Leading firms (链主) of a chain: marks (audited) and ranked suggestions.

Suggestions rank the chain's accepted members by (1) their share of the chain's local revenue
in the latest year with figures (missing revenue is missing, not zero) and (2) how many other
accepted members sit in segments upstream of their own: a proxy for linked local suppliers,
because there is no supplier data.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from highland.chains.mapping.service import (
    DETAIL_MAX,
    STREAM_RANK,
    current_segments,
    enterprise_by_uscc,
    get_chain,
)
from highland.chains.models import EnterpriseSegment, LeadingFirm
from highland.enterprises.public import (
    EnterpriseRef,
    financials,
    ref_by_uscc,
    ref_columns,
    refs,
    registry,
)
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import utcnow
from highland.platform.errors import Conflict, InvalidInput, NotFound
from highland.platform.kit import numbers


def leading_firms(session: Session, chain_id: int) -> list[tuple[LeadingFirm, EnterpriseRef]]:
    """The marked leading firms of a chain."""
    reg = registry()
    stmt = (
        select(LeadingFirm, *ref_columns(reg))
        .join(reg, reg.c.id == LeadingFirm.enterprise_id)
        .where(LeadingFirm.chain_id == chain_id)
        .order_by(LeadingFirm.marked_at, LeadingFirm.id)
    )
    return [(r[0], EnterpriseRef.of(r[1:])) for r in session.execute(stmt)]


def mark_leading(
    session: Session, actor: Actor, chain_id: int, uscc: str, reason: str | None = None
) -> LeadingFirm:
    """Mark an accepted member of the chain as a leading firm (链主)."""
    chain = get_chain(session, chain_id)
    ent = enterprise_by_uscc(session, uscc)
    member = session.scalar(
        select(func.count(EnterpriseSegment.id)).where(
            EnterpriseSegment.enterprise_id == ent.id,
            EnterpriseSegment.chain_id == chain.id,
            EnterpriseSegment.status == "accepted",
        )
    )
    if not member:
        raise InvalidInput(
            f"{ent.uscc} is not an accepted member of chain {chain.code}; "
            "put it in a segment first",
            field="uscc",
            code="chains.not_member",
            params={"uscc": ent.uscc, "chain": chain.code},
        )
    existing = session.scalar(
        select(LeadingFirm).where(
            LeadingFirm.chain_id == chain.id, LeadingFirm.enterprise_id == ent.id
        )
    )
    if existing is not None:
        raise Conflict(
            f"{ent.uscc} is already a leading firm of chain {chain.code} "
            f"(marked on {existing.marked_at.date().isoformat()} by {existing.marked_by})",
            code="chains.already_leading",
            params={"uscc": ent.uscc, "chain": chain.code, "by": existing.marked_by,
                    "on": existing.marked_at.date().isoformat()},
        )  # fmt: skip
    text = (reason or "").strip()[:DETAIL_MAX] or None
    firm = LeadingFirm(
        chain_id=chain.id, enterprise_id=ent.id, reason=text, marked_by=actor.name,
        marked_at=utcnow(),
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(firm)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"{ent.uscc} was just marked a leading firm of chain {chain.code} by someone else",
            code="chains.leading_race",
            params={"uscc": ent.uscc, "chain": chain.code},
        ) from None
    record(
        session,
        actor,
        Change("chain.lead", "chain_leading_firm", f"{chain.code}/{ent.uscc}",
               after={"reason": text}),
    )  # fmt: skip
    return firm


def unmark_leading(session: Session, actor: Actor, chain_id: int, uscc: str) -> None:
    """Remove a leading-firm mark (404 when the firm is not marked)."""
    chain = get_chain(session, chain_id)
    ent = ref_by_uscc(session, uscc.strip().upper())
    firm = None
    if ent is not None:
        firm = session.scalar(
            select(LeadingFirm).where(
                LeadingFirm.chain_id == chain.id, LeadingFirm.enterprise_id == ent.id
            )
        )
    if ent is None or firm is None:
        raise NotFound(
            f"{uscc} is not a leading firm of chain {chain.code}",
            code="chains.not_leading",
            params={"uscc": uscc, "chain": chain.code},
        )
    before = {"reason": firm.reason, "marked_by": firm.marked_by, "marked_at": firm.marked_at}
    session.delete(firm)
    session.flush()
    record(
        session,
        actor,
        Change("chain.unlead", "chain_leading_firm", f"{chain.code}/{ent.uscc}",
               before=before),
    )  # fmt: skip


@dataclass(frozen=True)
class LeadingSuggestion:
    """An accepted member ranked as a possible leading firm, with the numbers behind it."""

    enterprise_id: int
    uscc: str
    name: str
    segments: tuple[str, ...]
    year: int | None  # the year of the revenue figures
    revenue_fen: int | None  # None: the firm has no revenue for that year (missing, not 0)
    chain_revenue_fen: int  # total over the members with a known revenue that year
    share: Fraction | None
    upstream_members: int  # other accepted members in segments upstream of the firm's own
    marked: bool

    @property
    def share_percent(self) -> str | None:
        """The revenue share as a percentage, one decimal (kit.numbers: `12.3%`)."""
        if self.share is None:
            return None
        return numbers.percent(self.share)


def _latest_revenue(session: Session, ids: list[int]) -> tuple[int | None, dict[int, int]]:
    """The latest year in which any of the enterprises has a revenue figure, and their known
    revenue that year (enterprise id → fen; missing stays missing)."""
    f = financials().c
    year = session.scalar(
        select(func.max(f.year)).where(f.enterprise_id.in_(ids), f.revenue.is_not(None))
    )
    if year is None:
        return None, {}
    rows = session.execute(
        select(f.enterprise_id, f.revenue).where(
            f.enterprise_id.in_(ids),
            f.year == year,
            f.revenue.is_not(None),
        )
    ).all()
    return year, {int(e): int(r) for e, r in rows if r is not None}


def _upstream_counts(mem: pl.DataFrame) -> pl.DataFrame:
    """Per firm: its segments and how many members have a segment of a lower stream rank
    than the firm's highest one (minus the firm itself when it also sits further upstream),
    set-based."""
    firms = mem.group_by("enterprise_id").agg(
        pl.col("rank").max().alias("own"),
        pl.col("rank").min().alias("low"),
        pl.col("segment_code").sort().alias("segments"),
    )
    by_low = firms.group_by("low").agg(pl.len().alias("n")).drop_nulls("low")
    below = {r: int(by_low.filter(pl.col("low") < r)["n"].sum()) for r in set(STREAM_RANK.values())}
    return firms.with_columns(
        (
            pl.col("own").replace_strict(below, default=0, return_dtype=pl.Int64)
            - (pl.col("low") < pl.col("own")).fill_null(False).cast(pl.Int64)
        )
        .fill_null(0)
        .alias("upstream")
    )


def _candidates(
    firms: pl.DataFrame, revenue: dict[int, int], total: int, limit: int
) -> pl.DataFrame:
    """The firms that can be among the first `limit` suggestions: ranked by share (the same
    order as revenue: the chain's total is one number), then upstream members, every firm
    tied with the last one kept (the USCC breaks those ties, read only for these).

    A chain of 1,000,000 firms' members is a few hundred thousand: their names and the
    suggestions are built for the few that can be shown, not for all."""
    rev = pl.DataFrame(
        {"enterprise_id": list(revenue), "rev": list(revenue.values())},
        schema={"enterprise_id": pl.Int64, "rev": pl.Int64},
    )
    has = pl.col("rev").is_not_null() & pl.lit(total > 0)
    ranked = (
        firms.join(rev, on="enterprise_id", how="left")
        .with_columns(has.alias("has"), pl.when(has).then(pl.col("rev")).alias("rank_rev"))
        .sort(["has", "rank_rev", "upstream"], descending=True, nulls_last=True)
    )
    if ranked.height <= limit:
        return ranked
    key = ("has", "rank_rev", "upstream")
    last = ranked.row(limit - 1, named=True)
    tied = pl.all_horizontal(pl.col(k).eq_missing(last[k]) for k in key)
    ties: list[int] = ranked.with_row_index("at").filter(tied)["at"].to_list()
    return ranked.head(ties[-1] + 1)


def leading_suggestions(
    session: Session, chain_id: int, limit: int = 20
) -> tuple[list[LeadingSuggestion], int | None]:
    """Accepted members ranked by (1) their share of the chain's local revenue in the latest
    year with figures, then (2) the number of other accepted members in segments upstream of
    their own (a proxy for linked local suppliers: there is no supplier data).

    Missing revenue is missing: such firms have no share and rank after those with one.
    Returns the suggestions and the revenue year.
    """
    chain = get_chain(session, chain_id)
    segs = current_segments(session, chain)
    rank = {s.code: STREAM_RANK.get(s.stream, 1) for s in segs}
    rows = session.execute(
        select(EnterpriseSegment.enterprise_id, EnterpriseSegment.segment_code).where(
            EnterpriseSegment.chain_id == chain.id, EnterpriseSegment.status == "accepted"
        )
    ).all()
    mem = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"enterprise_id": pl.Int64, "segment_code": pl.String},
        orient="row",
    ).with_columns(
        pl.col("segment_code").replace_strict(rank, default=None, return_dtype=pl.Int64)
        .alias("rank")
    )  # fmt: skip
    if mem.is_empty():
        return [], None
    ids = mem["enterprise_id"].unique().to_list()
    year, revenue = _latest_revenue(session, ids)
    total = sum(revenue.values())
    firms = _candidates(_upstream_counts(mem), revenue, total, limit)
    ents = refs(session, firms["enterprise_id"].to_list())
    marked = set(
        session.scalars(select(LeadingFirm.enterprise_id).where(LeadingFirm.chain_id == chain.id))
    )
    out: list[LeadingSuggestion] = []
    for r in firms.iter_rows(named=True):
        eid = r["enterprise_id"]
        rev = revenue.get(eid)
        out.append(
            LeadingSuggestion(
                enterprise_id=eid,
                uscc=ents[eid].uscc,
                name=ents[eid].name,
                segments=tuple(r["segments"]),
                year=year,
                revenue_fen=rev,
                chain_revenue_fen=total,
                share=Fraction(rev, total) if rev is not None and total > 0 else None,
                upstream_members=int(r["upstream"]),
                marked=eid in marked,
            )
        )
    out.sort(
        key=lambda s: (
            s.share is None,
            -(s.share or 0),
            -s.upstream_members,
            s.uscc,
        )
    )
    return out[:limit], year
