"""Enterprises in chain segments: suggestions, decisions, manual links and leading firms.

Suggestions are computed set-based over the whole registry (Polars frames joined with the
segments of each chain's current version), never enterprise by enterprise:

- industry evidence: the enterprise's 4-digit class equals a class the segment lists (80), or
  starts with a listed 3-digit group (60) or 2-digit division (40); detail = the code;
- keyword evidence: a segment keyword occurs in the business scope (50, +10 per further
  distinct keyword, at most 90); detail = the keywords.

A class that does not tell segments apart is *shared*: a class listed by segments of more than
one chain (a broad class such as 6513 应用软件开发, `broad_classes`), or listed by two segments
of one chain neither of which is under the other (正极材料 and 负极材料 both listing 3985).
Industry evidence from a shared class counts only when one of the segment's keywords also
occurs in the enterprise's name or business scope; without a keyword the class alone suggests
nothing (docs/chains.md, "Broad classes").

One row per enterprise, chain and segment: the strongest evidence wins (industry before
keyword at equal confidence). A rerun inserts new suggestions, updates suggestions still
`suggested` whose evidence changed, withdraws (deletes) suggestions still `suggested` that no
longer match, and never touches accepted or rejected rows. Manual links have confidence 100
and are accepted when made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import polars as pl
from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from highland.chains import scope
from highland.chains.mapping.evidence import broad_classes, digits, keyword_hits, shared_pairs
from highland.chains.models import Chain, EnterpriseSegment, Segment
from highland.enterprises.public import EnterpriseRef, ref, ref_by_uscc, ref_columns, registry
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import utcnow
from highland.platform.errors import Conflict, InvalidInput, NotFound
from highland.platform.pagination import paginate

EVIDENCE = ("manual", "industry", "keyword")
STATUSES = ("suggested", "accepted", "rejected")
INDUSTRY_CONFIDENCE = {4: 80, 3: 60, 2: 40}
KEYWORD_BASE, KEYWORD_STEP, KEYWORD_MAX = 50, 10, 90
STREAM_RANK = {"upstream": 0, "midstream": 1, "downstream": 2}
DETAIL_MAX = 300
_CANDIDATE_SCHEMA = {
    "enterprise_id": pl.Int64,
    "segment_code": pl.String,
    "evidence": pl.String,
    "detail": pl.String,
    "confidence": pl.Int64,
}

# Audit rows list the ids decided up to this many; beyond, they record the criteria.
AUDIT_ID_LIMIT = 1000


# --------------------------------------------------------------------------- access


def get_chain(session: Session, chain_id: int) -> Chain:
    """The chain, or 404."""
    chain = session.get(Chain, chain_id)
    if chain is None:
        raise NotFound(
            f"chain {chain_id} does not exist", code="chains.not_found", params={"id": chain_id}
        )
    return chain


def chain_id_of(session: Session, chain: str) -> int:
    """A chain's id, given by its code or its id (the CLI's --chain)."""
    found = session.scalar(select(Chain.id).where(Chain.code == chain))
    if found is None and chain.isdigit():
        found = session.scalar(select(Chain.id).where(Chain.id == int(chain)))
    if found is None:
        raise InvalidInput(f"no chain {chain!r}", field="chain", code="chains.no_such_chain",
                           params={"chain": chain})  # fmt: skip
    return found


def enterprise(session: Session, enterprise_id: int) -> EnterpriseRef:
    """A member's enterprise (the row exists: members reference it)."""
    ent = ref(session, enterprise_id)
    if ent is None:
        raise NotFound(f"no enterprise {enterprise_id}", code="chains.no_such_enterprise",
                       params={"id": enterprise_id})  # fmt: skip
    return ent


# The governance of chain tasks reads the rule here; it is chains.scope's (the domain's one).
check_write = scope.check_write


def current_segments(session: Session, chain: Chain) -> list[Segment]:
    """The segments of the chain's current version (empty when it has none)."""
    if chain.version_id is None:
        return []
    stmt = select(Segment).where(Segment.version_id == chain.version_id).order_by(Segment.id)
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- suggestions


@dataclass
class SuggestResult:
    """What one suggestion run did, per chain and in total."""

    inserted: int = 0
    updated: int = 0
    withdrawn: int = 0
    chains: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def registry_frame(session: Session) -> pl.DataFrame:
    """Every enterprise's id, industry class, business scope and name (lower-cased)."""
    reg = registry().c
    rows = session.execute(select(reg.id, reg.industry_code, reg.business_scope, reg.name)).all()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"enterprise_id": pl.Int64, "industry_code": pl.String, "scope": pl.String,
                "name": pl.String},
        orient="row",
    )  # fmt: skip
    return frame.with_columns(pl.col("scope").str.to_lowercase(), pl.col("name").str.to_lowercase())


def candidates(
    registry: pl.DataFrame, segments: Sequence[Segment], broad: frozenset[str] = frozenset()
) -> pl.DataFrame:
    """The best evidence per enterprise and segment, over the whole registry. Industry
    evidence from a shared class (see the module) needs a segment keyword in the name or
    business scope."""
    shared = shared_pairs(segments, broad)
    codes = [
        (s.code, digits(c), len(digits(c)), (s.code, digits(c)) in shared)
        for s in segments
        for c in (s.industry_codes or [])
        if len(digits(c)) in INDUSTRY_CONFIDENCE
    ]
    if "name" not in registry.columns:
        registry = registry.with_columns(pl.lit(None, dtype=pl.String).alias("name"))
    words = keyword_hits(registry, segments, "scope")
    named = pl.concat([words, keyword_hits(registry, segments, "name")])
    evidenced = named.select("enterprise_id", "segment_code").unique()
    parts: list[pl.DataFrame] = []
    if codes:
        seg_codes = pl.DataFrame(
            codes, schema={"segment_code": pl.String, "code": pl.String, "n": pl.Int64,
                           "shared": pl.Boolean},
            orient="row",
        )  # fmt: skip
        for n, confidence in INDUSTRY_CONFIDENCE.items():
            level = seg_codes.filter(pl.col("n") == n).drop("n")
            if level.is_empty():
                continue
            hits = registry.with_columns(pl.col("industry_code").str.slice(0, n).alias("code"))
            hits = hits.join(level, on="code")
            plain = hits.filter(~pl.col("shared"))
            backed = hits.filter(pl.col("shared")).join(
                evidenced, on=["enterprise_id", "segment_code"], how="semi"
            )
            parts.append(
                pl.concat([plain, backed]).select(
                    "enterprise_id",
                    "segment_code",
                    pl.lit("industry").alias("evidence"),
                    pl.col("code").alias("detail"),
                    pl.lit(confidence, dtype=pl.Int64).alias("confidence"),
                )
            )
    if not words.is_empty():
        found = words.group_by("enterprise_id", "segment_code").agg(
            pl.col("kw").unique().sort().alias("kws")
        )
        nkw = pl.col("kws").list.len()
        parts.append(
            found.select(
                "enterprise_id",
                "segment_code",
                pl.lit("keyword").alias("evidence"),
                pl.col("kws").list.join("、").str.slice(0, DETAIL_MAX).alias("detail"),
                pl.min_horizontal(KEYWORD_BASE + KEYWORD_STEP * (nkw - 1), pl.lit(KEYWORD_MAX))
                .cast(pl.Int64)
                .alias("confidence"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=_CANDIDATE_SCHEMA)
    every = pl.concat([p.cast(_CANDIDATE_SCHEMA) for p in parts])  # type: ignore[arg-type]
    return (
        every.sort(
            ["enterprise_id", "segment_code", "confidence", "evidence", "detail"],
            descending=[False, False, True, False, False],
        )
        .unique(["enterprise_id", "segment_code"], keep="first", maintain_order=True)
        .select(list(_CANDIDATE_SCHEMA))
    )


def _existing(session: Session, chain_id: int) -> pl.DataFrame:
    rows = session.execute(
        select(
            EnterpriseSegment.id,
            EnterpriseSegment.enterprise_id,
            EnterpriseSegment.segment_code,
            EnterpriseSegment.status,
            EnterpriseSegment.evidence,
            EnterpriseSegment.detail,
            EnterpriseSegment.confidence,
        ).where(EnterpriseSegment.chain_id == chain_id)
    ).all()
    schema = {
        "id": pl.Int64,
        "enterprise_id": pl.Int64,
        "segment_code": pl.String,
        "status": pl.String,
        "old_evidence": pl.String,
        "old_detail": pl.String,
        "old_confidence": pl.Int64,
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _suggest_chain(
    session: Session,
    actor: Actor,
    chain: Chain,
    registry: pl.DataFrame,
    now: datetime,
    broad: frozenset[str] = frozenset(),
) -> tuple[int, int, int]:
    """One chain's suggestions brought up to date (set-based: new rows inserted, changed
    evidence updated, withdrawn ones deleted; manual and decided rows untouched); audited.
    Returns (inserted, updated, withdrawn)."""
    found = candidates(registry, current_segments(session, chain), broad)
    old = _existing(session, chain.id)
    keys = ["enterprise_id", "segment_code"]
    new = found.join(old, on=keys, how="anti")
    joined = found.join(old, on=keys, how="inner").filter(
        (pl.col("status") == "suggested")
        & (pl.col("old_evidence") != "manual")
        & (
            (pl.col("evidence") != pl.col("old_evidence"))
            | (pl.col("detail") != pl.col("old_detail"))
            | (pl.col("confidence") != pl.col("old_confidence"))
        )
    )
    stale = old.filter(
        (pl.col("status") == "suggested") & (pl.col("old_evidence") != "manual")
    ).join(found, on=keys, how="anti")
    rows = [
        {**r, "chain_id": chain.id, "status": "suggested", "created_at": now}
        for r in new.to_dicts()
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(EnterpriseSegment), rows[start : start + 5000])
    if not joined.is_empty():
        stmt = (
            update(EnterpriseSegment.__table__)  # type: ignore[arg-type]
            .where(EnterpriseSegment.__table__.c.id == bindparam("row_id"))
            .values(
                evidence=bindparam("new_evidence"),
                detail=bindparam("new_detail"),
                confidence=bindparam("new_confidence"),
            )
        )
        session.execute(
            stmt,
            joined.select(
                pl.col("id").alias("row_id"),
                pl.col("evidence").alias("new_evidence"),
                pl.col("detail").alias("new_detail"),
                pl.col("confidence").alias("new_confidence"),
            ).to_dicts(),
        )
    stale_ids = stale["id"].to_list()
    for start in range(0, len(stale_ids), 5000):
        session.execute(
            delete(EnterpriseSegment).where(
                EnterpriseSegment.id.in_(stale_ids[start : start + 5000])
            )
        )
    counts = (len(rows), joined.height, len(stale_ids))
    record(
        session,
        actor,
        Change(
            "chain.suggest",
            "chain",
            str(chain.id),
            after={"inserted": counts[0], "updated": counts[1], "withdrawn": counts[2]},
            summary=f"suggested enterprises for chain {chain.code}",
        ),
    )
    return counts


def suggest(
    session: Session,
    actor: Actor,
    chain_id: int | None = None,
    registry: pl.DataFrame | None = None,
) -> SuggestResult:
    """Suggest enterprises for the segments of one chain (or every chain not retired)."""
    if chain_id is not None:
        chains = [get_chain(session, chain_id)]
    else:
        chains = list(session.scalars(select(Chain).where(Chain.retired.is_(False))))
    registry = registry_frame(session) if registry is None else registry
    result = SuggestResult()
    now = utcnow()
    broad = broad_classes(session)
    for chain in sorted(chains, key=lambda c: c.id):
        counts = _suggest_chain(session, actor, chain, registry, now, broad)
        result.chains[chain.code] = counts
        result.inserted += counts[0]
        result.updated += counts[1]
        result.withdrawn += counts[2]
    session.flush()
    return result


# --------------------------------------------------------------------------- decisions


def _decided_rows(
    session: Session,
    chain: Chain,
    status: str,
    ids: Sequence[int],
    segment: str | None,
    min_confidence: int | None,
) -> list[Any]:
    """The criteria of the rows a decision changes: the given ids of this chain (every one
    must exist), or the segment's suggestions at or above the confidence."""
    if ids and segment is not None:
        raise InvalidInput(
            "give either ids or a segment, not both", field="ids", code="chains.ids_or_segment"
        )
    if ids:
        wanted = sorted(set(ids))
        found = set(
            session.scalars(
                select(EnterpriseSegment.id).where(
                    EnterpriseSegment.id.in_(wanted), EnterpriseSegment.chain_id == chain.id
                )
            )
        )
        unknown = [i for i in wanted if i not in found]
        if unknown:
            ids_text = ", ".join(map(str, unknown[:10]))
            raise InvalidInput(
                f"no suggestion with id {ids_text} in chain {chain.code}",
                field="ids",
                code="chains.unknown_ids",
                params={"ids": ids_text, "chain": chain.code},
            )
        return [EnterpriseSegment.id.in_(wanted), EnterpriseSegment.status != status]
    if segment is not None:
        codes = {s.code for s in current_segments(session, chain)}
        if segment not in codes:
            raise _no_segment(chain, segment)
        if min_confidence is not None and not 0 <= min_confidence <= 100:
            raise _bad_confidence(min_confidence)
        return [
            EnterpriseSegment.chain_id == chain.id,
            EnterpriseSegment.segment_code == segment,
            EnterpriseSegment.status == "suggested",
            EnterpriseSegment.confidence >= (min_confidence or 0),
        ]
    raise InvalidInput(
        "give the ids to decide, or a segment", field="ids", code="chains.ids_or_segment"
    )


def decide(
    session: Session,
    actor: Actor,
    chain_id: int,
    decision: str,
    *,
    ids: Sequence[int] = (),
    segment: str | None = None,
    min_confidence: int | None = None,
) -> int:
    """Accept or reject rows in bulk: given ids, or every suggestion of a segment whose
    confidence is at least `min_confidence`. Returns how many rows changed. Nothing is
    written when any id is unknown or belongs to another chain."""
    chain = get_chain(session, chain_id)
    if decision not in ("accept", "reject"):
        raise InvalidInput(f"decision must be accept or reject, not {decision!r}",
                           field="decision", code="chains.bad_decision",
                           params={"value": decision})  # fmt: skip
    status = "accepted" if decision == "accept" else "rejected"
    where = _decided_rows(session, chain, status, ids, segment, min_confidence)
    # Counted and updated by the criteria, not by a list of ids: a segment can hold more rows
    # than one statement may carry parameters (SQLite 250,000; PostgreSQL 65,535).
    n = session.scalar(select(func.count()).select_from(EnterpriseSegment).where(*where)) or 0
    if not n:
        return 0
    listed = (
        list(session.scalars(select(EnterpriseSegment.id).where(*where)))
        if n <= AUDIT_ID_LIMIT
        else None
    )
    now = utcnow()
    session.execute(
        update(EnterpriseSegment)
        .where(*where)
        .values(status=status, decided_by=actor.name, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    after: dict[str, Any] = {"status": status, "count": n}
    if listed is not None:
        after["ids"] = listed
    else:  # the audit row names the criteria instead of 10^5 ids
        after.update({"segment": segment, "min_confidence": min_confidence})
    record(
        session,
        actor,
        Change(
            f"chain.{decision}",
            "chain",
            str(chain.id),
            after=after,
            summary=f"{status} {n} enterprise(s) in chain {chain.code}",
        ),
    )
    session.flush()
    session.expire_all()
    return n


def enterprise_by_uscc(session: Session, uscc: str, field_name: str = "uscc") -> EnterpriseRef:
    """The enterprise with this USCC, or 422 naming the field."""
    ent = ref_by_uscc(session, uscc.strip().upper())
    if ent is None:
        raise InvalidInput(f"no enterprise with USCC {uscc!r} in the registry",
                           field=field_name, code="chains.unknown_uscc",
                           params={"uscc": uscc})  # fmt: skip
    return ent


def add_member(
    session: Session, actor: Actor, chain_id: int, uscc: str, segment: str, note: str | None = None
) -> EnterpriseSegment:
    """Put an enterprise in a segment by hand (confidence 100, accepted at once).

    An existing suggestion (or rejected one) for the same segment becomes the manual link;
    an enterprise already accepted in the segment is a conflict and nothing is written.
    """
    chain = get_chain(session, chain_id)
    seg = next((s for s in current_segments(session, chain) if s.code == segment), None)
    if seg is None:
        raise _no_segment(chain, segment)
    ent = enterprise_by_uscc(session, uscc)
    row = session.scalar(
        select(EnterpriseSegment).where(
            EnterpriseSegment.enterprise_id == ent.id,
            EnterpriseSegment.chain_id == chain.id,
            EnterpriseSegment.segment_code == segment,
        )
    )
    if row is not None and row.status == "accepted":
        when = row.decided_at.date().isoformat() if row.decided_at else "?"
        raise Conflict(
            f"{ent.uscc} is already in segment {segment} ({seg.name}) of chain {chain.code} "
            f"(accepted on {when} by {row.decided_by or '?'})",
            code="chains.already_member",
            params={"uscc": ent.uscc, "segment": segment, "name": seg.name,
                    "chain": chain.code, "on": when, "by": row.decided_by or "?"},
        )  # fmt: skip
    before = None
    now = utcnow()
    detail = (note or "").strip()[:DETAIL_MAX] or None
    if row is not None:
        before = {"evidence": row.evidence, "status": row.status, "confidence": row.confidence}
    try:
        with session.begin_nested():  # a concurrent add of the same link loses cleanly
            if row is None:
                row = EnterpriseSegment(
                    enterprise_id=ent.id, chain_id=chain.id, segment_code=segment
                )
                session.add(row)
            row.evidence, row.detail, row.confidence = "manual", detail, 100
            row.status, row.decided_by, row.decided_at = "accepted", actor.name, now
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"{ent.uscc} was just put in segment {segment} of chain {chain.code} by someone "
            "else; reload the page",
            code="chains.member_race",
            params={"uscc": ent.uscc, "segment": segment, "chain": chain.code},
        ) from None
    record(
        session,
        actor,
        Change(
            "chain.add",
            "chain_enterprise_segment",
            f"{chain.code}/{ent.uscc}",
            before=before,
            after={
                "segment": segment,
                "evidence": "manual",
                "status": "accepted",
                "confidence": 100,
            },
        ),
    )
    return row


@dataclass(frozen=True)
class MemberFilter:
    """Filters of the member list."""

    segment: str | None = None
    status: str | None = None
    evidence: str | None = None
    min_confidence: int | None = None


def check_filter(flt: MemberFilter) -> None:
    """422 for a filter value outside the vocabularies."""
    if flt.status is not None and flt.status not in STATUSES:
        raise _one_of("status", flt.status, STATUSES)
    if flt.evidence is not None and flt.evidence not in EVIDENCE:
        raise _one_of("evidence", flt.evidence, EVIDENCE)
    if flt.min_confidence is not None and not 0 <= flt.min_confidence <= 100:
        raise _bad_confidence(flt.min_confidence)


def _one_of(name: str, value: str, allowed: Sequence[str]) -> InvalidInput:
    return InvalidInput(f"{name} must be one of {', '.join(allowed)}", field=name,
                        code="chains.one_of", params={"field": name, "value": value,
                        "allowed": ", ".join(allowed)})  # fmt: skip


def _bad_confidence(value: int) -> InvalidInput:
    return InvalidInput("min_confidence must be between 0 and 100", field="min_confidence",
                        code="chains.between", params={"field": "min_confidence", "low": 0,
                        "high": 100, "value": value})  # fmt: skip


def _no_segment(chain: Chain, segment: str | None) -> InvalidInput:
    return InvalidInput(f"chain {chain.code} has no segment {segment!r}", field="segment",
                        code="chains.no_segment", params={"chain": chain.code,
                        "segment": segment or ""})  # fmt: skip


def members(
    session: Session, chain_id: int, flt: MemberFilter, page: int = 1, per_page: int = 50
) -> tuple[int, list[tuple[EnterpriseSegment, EnterpriseRef]]]:
    """One page of a chain's rows (highest confidence first) and the total."""
    check_filter(flt)
    where = [EnterpriseSegment.chain_id == chain_id]
    if flt.segment:
        where.append(EnterpriseSegment.segment_code == flt.segment)
    if flt.status:
        where.append(EnterpriseSegment.status == flt.status)
    if flt.evidence:
        where.append(EnterpriseSegment.evidence == flt.evidence)
    if flt.min_confidence is not None:
        where.append(EnterpriseSegment.confidence >= flt.min_confidence)
    reg = registry()
    stmt = (
        select(EnterpriseSegment, *ref_columns(reg))
        .join(reg, reg.c.id == EnterpriseSegment.enterprise_id)
        .where(*where)
        .order_by(
            EnterpriseSegment.confidence.desc(),
            EnterpriseSegment.segment_code,
            EnterpriseSegment.id,
        )
    )
    found = paginate(session, cast(Select[Any], stmt), page, per_page, rows=True, counted=False)
    if not found.more and (found.items or found.page == 1):
        total = found.offset + len(found.items)
    else:  # every row has its enterprise (a restricting foreign key): counted without the join
        total = int(session.scalar(select(func.count()).where(*where)) or 0)
    return total, [(r[0], EnterpriseRef.of(r[1:])) for r in found.items]


def when_text(at: datetime | None) -> str:
    """A decision time as a date for messages and tables."""
    return at.date().isoformat() if at else ""
