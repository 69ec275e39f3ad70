"""What the demands domain lends other domains, through functions (never its tables by name):
the chains' indicators read a chain's open and overdue demands here, the desks their figures,
queues and the routing's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from highland.demands import repository
from highland.demands.metrics.institutions import Counts, institution_metrics
from highland.demands.models import Demand, DemandEvent
from highland.demands.present import flag
from highland.demands.rates import Rate, Satisfaction
from highland.demands.scope import DEMANDS
from highland.demands.workflow import FINAL, State
from highland.platform.identity.permissions import Principal
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import local_name


def chain_counts(
    session: Session,
    chain_id: int,
    as_of: datetime,
    now: datetime,
    members: Select[Any] | None = None,
) -> tuple[int, int, str | None]:
    """(open, overdue, freshness) of a chain's demands at a month's end (`as_of`), for the
    chains' monthly indicators. A chain's demands: those filed for the chain (`chain_id`) and,
    when `members` (a select of enterprise ids: the chain's members at `as_of`) is given, the
    members' demands filed for no chain.

    A month not yet over: the demands open now; overdue = breached or due before the month's
    end (what the scheduling has to chase). A past month: replayed from the append-only
    demand log — a demand is open at the month's end when its last event up to then left it
    in an open state, and overdue when it was also marked breached (by the sweep) since its
    last reopening up to then; freshness is the newest event counted."""
    d = Demand
    of_chain: Any = d.chain_id == chain_id
    if members is not None:
        among = _members_filing(session, members, as_of >= now)
        of_chain = or_(of_chain, and_(d.chain_id.is_(None), among))
    if as_of >= now:
        overdue = or_(d.breached_at.is_not(None), d.resolution_due < as_of)
        n_open, n_overdue = session.execute(
            select(func.count(), func.count().filter(overdue))
            .select_from(d)
            .where(of_chain, d.open.is_(True))
        ).one()
        return int(n_open or 0), int(n_overdue or 0), None
    e = DemandEvent
    mine = and_(e.demand_id == d.id, of_chain, e.at <= as_of)
    last = (
        select(e.demand_id, func.max(e.seq).label("seq"), func.max(e.at).label("at"))
        .join(d, mine)
        .group_by(e.demand_id)
        .subquery()
    )
    reopened = (
        select(e.demand_id, func.max(e.seq).label("seq"))
        .join(d, mine)
        .where(  # a transition into "reopened", not a sweep mark made while reopened
            e.to_state == State.reopened.value,
            or_(e.from_state.is_(None), e.from_state != State.reopened.value),
        )
        .group_by(e.demand_id)
        .subquery()
    )
    state = e.__table__.alias("state")
    opened = (
        select(last.c.demand_id, last.c.at, func.coalesce(reopened.c.seq, 0).label("since"))
        .join(state, and_(state.c.demand_id == last.c.demand_id, state.c.seq == last.c.seq))
        .outerjoin(reopened, reopened.c.demand_id == last.c.demand_id)
        .where(state.c.to_state.not_in([s.value for s in FINAL]))
        .subquery()
    )
    breach = e.__table__.alias("breach")
    breached = (
        select(breach.c.id)
        .where(
            breach.c.demand_id == opened.c.demand_id,
            breach.c.action == "breach",
            breach.c.at <= as_of,
            breach.c.seq > opened.c.since,
        )
        .exists()
    )
    n_open, n_overdue, newest = session.execute(
        select(func.count(), func.count().filter(breached), func.max(opened.c.at))
    ).one()
    fresh = newest.astimezone(CITY_TZ).isoformat() if isinstance(newest, datetime) else None
    return int(n_open or 0), int(n_overdue or 0), fresh


# Above this many firms with demands filed for no chain, the members are matched in SQL.
_FEW_FILERS = 2000


def _members_filing(session: Session, members: Select[Any], open_only: bool) -> Any:
    """The condition "filed by one of `members`" on Demand: the few firms that filed demands
    for no chain (open ones when `open_only`) are looked up among the members, rather than
    the members (100,000s in a chain of a 1,000,000-firm registry) listed for each count."""
    d = Demand
    filers = select(d.enterprise_id).where(d.chain_id.is_(None)).distinct()
    if open_only:
        filers = filers.where(d.open.is_(True))
    ids = list(session.scalars(filers.limit(_FEW_FILERS + 1)))
    if len(ids) > _FEW_FILERS:
        return d.enterprise_id.in_(members)
    if not ids:
        return d.enterprise_id.in_([])
    member = members.subquery()
    col = next(iter(member.c))
    inside = list(session.scalars(select(col).where(col.in_(ids)).distinct()))
    return d.enterprise_id.in_(inside)


# --------------------------------------------------------------------------- the desks


@dataclass(frozen=True)
class DemandFigures:
    """The demands a caller sees, counted as their lists count them, and the city's rates over
    every demand dispatched (the metrics page's figures summed over its institutions)."""

    open: int  # /demands?open=true
    overdue: int  # /demands?overdue=true (open and breached)
    waiting_dispatch: int  # /demands?state=submitted
    volume: int  # demands dispatched (the rates' population)
    on_time: Rate  # resolved on time / resolved
    response: Rate  # responded on time / responses owed
    satisfaction: Rate  # ratings of 4 or 5 / ratings
    mean_rating: float | None
    as_of: datetime


@dataclass(frozen=True)
class DemandCounts:
    """The demands a caller sees, counted as their lists count them."""

    open: int  # /demands?open=true
    overdue: int  # /demands?overdue=true (open and breached)
    waiting_dispatch: int  # /demands?state=submitted


def counts(session: Session, principal: Principal) -> DemandCounts:
    """The desks' counts of the caller's demands (see `DemandCounts`)."""
    f = repository.DemandFilter
    return DemandCounts(
        repository.count(session, principal, f(open=True)),
        repository.count(session, principal, f(overdue=True)),
        repository.count(session, principal, f(state=State.submitted.value)),
    )


def figures(session: Session, principal: Principal, now: datetime) -> DemandFigures:
    """The desks' demand figures for the caller (see `DemandFigures`)."""
    total = sum((m.counts for m in institution_metrics(session, now=now).institutions), Counts())
    sat = Satisfaction(total.ratings, total.rating_sum, total.ratings_high)
    c = counts(session, principal)
    return DemandFigures(
        c.open,
        c.overdue,
        c.waiting_dispatch,
        total.volume,
        Rate(total.resolved_on_time, total.resolved),
        Rate(total.responded_on_time, total.response_owed),
        sat.high_share,
        sat.mean_display,
        now,
    )


@dataclass(frozen=True)
class QueueRow:
    """One demand of a desk's queue."""

    id: int
    title: str
    state: str
    institution_code: str | None
    enterprise_name: str
    enterprise_name_en: str | None
    resolution_due: datetime | None
    flag: str | None  # overdue, response_overdue, warning, paused or None


def queue(session: Session, principal: Principal, now: datetime, limit: int = 20) -> list[QueueRow]:
    """The caller's open demands, overdue first, then by resolution deadline."""
    return [
        QueueRow(
            d.id,
            d.title,
            d.state,
            d.institution_code,
            name,
            name_en,
            d.resolution_due,
            flag(d, now),
        )  # fmt: skip
        for d, name, name_en, _uscc in repository.urgent(session, principal, now, limit)
    ]


def recent(
    session: Session, principal: Principal, now: datetime, limit: int = 10
) -> list[QueueRow]:
    """The caller's newest demands (an enterprise's own), newest first."""
    stmt = repository.with_enterprise(repository.demands(principal, repository.DemandFilter()))
    return [
        QueueRow(
            d.id,
            d.title,
            d.state,
            d.institution_code,
            name,
            name_en,
            d.resolution_due,
            flag(d, now),
        )  # fmt: skip
        for d, name, name_en, _uscc in session.execute(stmt.limit(limit)).all()
    ]


@dataclass(frozen=True)
class RoutingStatus:
    """How demands find their institution: institutions, categories, routing rules."""

    institutions: int
    categories: int
    unrouted_categories: int
    rules: int


def routing_status(session: Session) -> RoutingStatus:
    """The routing's state for the data desk."""
    return RoutingStatus(*repository.routing_counts(session))


def institution_names(session: Session, lang: str) -> dict[str, str]:
    """Institution code → name in the reader's language."""
    return {i.code: local_name(lang, i.name, i.name_en) for i in repository.institutions(session)}


def category_names(session: Session) -> dict[str, tuple[str, str | None]]:
    """Every demand category's (Chinese name, English name) by code (the audit page names a
    demand's category with it)."""
    return {c.code: (c.name, c.name_en) for c in repository.categories(session)}


# --------------------------------------------------------------------------- refs for others


@dataclass(frozen=True)
class DemandRef:
    """A demand as other domains show it (a cooperation project's linked demands)."""

    id: int
    title: str
    state: str
    open: bool
    enterprise_id: int


def demand_refs(session: Session, principal: Principal, ids: list[int]) -> dict[int, DemandRef]:
    """The demands with these ids that the principal may see, by id (others left out)."""
    if not ids:
        return {}
    cols: list[Any] = [Demand.id, Demand.title, Demand.state, Demand.open, Demand.enterprise_id]
    stmt = DEMANDS.apply(select(*cols).where(Demand.id.in_(set(ids))), principal)
    return {r[0]: DemandRef(*r) for r in session.execute(stmt)}
