"""What the demands domain lends other domains, through functions (never its tables by name):
the chains' indicators read a chain's open and overdue demands here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from highland.demands.models import Demand, DemandEvent
from highland.demands.workflow import FINAL, State
from highland.platform.kit.dates import CITY_TZ


def chain_counts(
    session: Session, chain_id: int, as_of: datetime, now: datetime
) -> tuple[int, int, str | None]:
    """(open, overdue, freshness) of a chain's demands at a month's end (`as_of`), for the
    chains' monthly indicators.

    A month not yet over: the demands open now; overdue = breached or due before the month's
    end (what the scheduling has to chase). A past month: replayed from the append-only
    demand log — a demand is open at the month's end when its last event up to then left it
    in an open state, and overdue when it was also marked breached (by the sweep) since its
    last reopening up to then; freshness is the newest event counted."""
    d = Demand
    if as_of >= now:
        overdue = or_(d.breached_at.is_not(None), d.resolution_due < as_of)
        n_open, n_overdue = session.execute(
            select(func.count(), func.count().filter(overdue))
            .select_from(d)
            .where(d.chain_id == chain_id, d.open.is_(True))
        ).one()
        return int(n_open or 0), int(n_overdue or 0), None
    e = DemandEvent
    mine = and_(e.demand_id == d.id, d.chain_id == chain_id, e.at <= as_of)
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
