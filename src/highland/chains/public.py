"""What the chains domain lends other domains, through functions (never its tables by name):
the members source registered by the assembly (`highland.wiring`), and the desks' figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from highland.chains import indicators, service
from highland.chains.governance import overview
from highland.chains.governance import service as governance
from highland.chains.models import Chain, EnterpriseSegment, Segment
from highland.enterprises.public import MembershipSource
from highland.platform.db import table_of


def chain_memberships() -> MembershipSource:
    """Accepted memberships in chains not retired, for the enterprises' portrait snapshot
    (policy rules match on an enterprise's chains and segments)."""
    m, c = table_of(EnterpriseSegment), table_of(Chain)
    return MembershipSource(
        source=m.join(c, c.c.id == m.c.chain_id),
        where=and_(m.c.status == "accepted", c.c.retired.is_(False)),
        enterprise_id=m.c.enterprise_id,
        chain=c.c.code,
        segment=m.c.segment_code,
    )


# --------------------------------------------------------------------------- the desks


def _value(items: dict[str, Any], name: str) -> int | None:
    v = (items.get(name) or {}).get("value")
    return int(v) if v is not None else None


@dataclass(frozen=True)
class Change:
    """A figure of year Y against Y-1 over the members reporting it in both years (fen)."""

    year: int | None
    current_fen: int | None
    previous_fen: int | None
    enterprises: int

    @classmethod
    def of(cls, d: dict[str, Any]) -> Change:
        """From `indicators.like_for_like`."""
        return cls(d["year"], d["current_fen"], d["previous_fen"], d["enterprises"])


@dataclass(frozen=True)
class ChainFigures:
    """One chain's figures for the desks: this month's indicators (output and tax: the sums of
    the members' latest yearly figures), the change on last year of each (like for like), and
    the chain's tasks."""

    id: int
    code: str
    name: str
    name_en: str | None
    month: str
    members: int | None
    output_fen: int | None
    tax_fen: int | None
    output_change: Change
    tax_change: Change
    freshness: str | None  # newest source date (or year) of the output figures
    tax_freshness: str | None  # the same of the tax figures
    open_tasks: int
    overdue_tasks: int
    open_demands: int | None
    overdue_demands: int | None


def _figures(
    session: Session,
    chain: Any,
    month: str,
    now: datetime,
    tasks: tuple[int, int],
    computed: tuple[dict[str, Any], dict[str, dict[str, Any]]] | None = None,
) -> ChainFigures:
    out, kept = computed or indicators.compute_with_changes(session, chain.id, month, now)
    cur = out["items"]

    def change(column: str) -> Change:
        return Change.of(kept[column])

    return ChainFigures(
        chain.id, chain.code, chain.name, chain.name_en, month, _value(cur, "members"),
        _value(cur, "output_value"), _value(cur, "tax"), change("output_value"),
        change("tax_paid"), (cur.get("output_value") or {}).get("freshness"),
        (cur.get("tax") or {}).get("freshness"), *tasks,
        _value(cur, "open_demands"), _value(cur, "overdue_demands"),
    )  # fmt: skip


def city_figures(session: Session, now: datetime) -> list[ChainFigures]:
    """Every chain not retired, in order, with its figures (see `ChainFigures`)."""
    month = indicators.current_month(now)
    tasks = overview.task_counts(session, now)
    chains = service.list_chains(session)
    computed = indicators.all_with_changes(session, [c.id for c in chains], month, now)
    return [
        _figures(session, c, month, now, tasks.get(c.id, (0, 0)), computed[c.id]) for c in chains
    ]


@dataclass(frozen=True)
class TaskRow:
    """One open task of a chain."""

    id: int
    title: str
    state: str
    owner_institution: str | None
    owner_name: str | None
    due: datetime
    overdue: bool


@dataclass(frozen=True)
class ChainDesk:
    """A chain head's or team's desk: the chain's figures, this month's scheduling record (None
    when not held yet) and the open tasks."""

    chain: ChainFigures
    meeting_month: str
    meeting_held_at: datetime | None
    meeting_tasks: int
    tasks: list[TaskRow]


def chain_desk(session: Session, chain_id: int, now: datetime, limit: int = 20) -> ChainDesk | None:
    """The desk of one chain (None when there is no such chain, or it is retired)."""
    chain = next((c for c in service.list_chains(session) if c.id == chain_id), None)
    if chain is None:
        return None
    month = indicators.current_month(now)
    tasks = overview.task_counts(session, now).get(chain_id, (0, 0))
    meeting = overview.meeting_of(session, chain_id, month)
    rows = [
        TaskRow(t.id, t.title, t.state, t.owner_institution, t.owner_name, t.due, bool(late))
        for t, late in overview.open_tasks(session, chain_id, now, limit)
    ]
    return ChainDesk(
        _figures(session, chain, month, now, tasks),
        month,
        meeting.held_at if meeting else None,
        len(governance.tasks(session, meeting.id)) if meeting else 0,
        rows,
    )


# --------------------------------------------------------------------------- codes for others


@dataclass(frozen=True)
class ChainRef:
    """A chain not retired as other domains name it: its code, names and the segments of its
    current version (code → (name, English name))."""

    id: int
    code: str
    name: str
    name_en: str | None
    segments: dict[str, tuple[str, str | None]]


def chain_refs(session: Session) -> dict[str, ChainRef]:
    """Every chain not retired by code, with its current segments (two queries); what other
    domains validate chain and segment codes against."""
    chains = session.execute(
        select(Chain.id, Chain.code, Chain.name, Chain.name_en, Chain.version_id).where(
            Chain.retired.is_(False)
        )
    ).all()
    versions = {c.version_id for c in chains if c.version_id is not None}
    segs: dict[int, dict[str, tuple[str, str | None]]] = {v: {} for v in versions}
    if versions:
        rows = session.execute(
            select(Segment.version_id, Segment.code, Segment.name, Segment.name_en)
            .where(Segment.version_id.in_(versions))
            .order_by(Segment.id)
        )
        for vid, code, name, name_en in rows:
            segs[vid][code] = (name, name_en)
    return {
        c.code: ChainRef(c.id, c.code, c.name, c.name_en, segs.get(c.version_id or -1, {}))
        for c in chains
    }
