"""The desks' figures, gathered only through the other domains' public modules (the desk keeps
no table and runs no SQL of its own).

One desk per role (docs/desks.md): the leader's city overview, the handler's queue, the
enterprise's own page, the chain head's and team's chain, the analyst's and admin's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from highland.chains import public as chains
from highland.demands import public as demands
from highland.enterprises import public as enterprises
from highland.platform.calendar import load_calendar
from highland.platform.calendar.provisional import next_year_missing
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ
from highland.policies import public as policies

QUEUE_LIMIT = 20
KINDS = {
    Role.leader: "overview",
    Role.handler: "queue",
    Role.enterprise: "enterprise",
    Role.chain_head: "chain",
    Role.chain_team: "chain",
    Role.analyst: "data",
    Role.admin: "data",
}


@dataclass(frozen=True)
class Overview:
    """The city overview (the leader's desk): each figure beside the date it is as of."""

    now: datetime
    registry: enterprises.RegistryCounts
    chains: list[chains.ChainFigures]
    policies: policies.PolicyReach | None
    demands: demands.DemandFigures

    @property
    def overdue_tasks(self) -> int:
        """Chain tasks overdue, all chains."""
        return sum(c.overdue_tasks for c in self.chains)


def overview(session: Session, principal: Principal, now: datetime) -> Overview:
    """The city overview for the caller's scope."""
    return Overview(
        now,
        enterprises.registry_counts(session, principal),
        chains.city_figures(session, now),
        policies.reach(session),
        demands.figures(session, principal, now),
    )


@dataclass(frozen=True)
class QueueDesk:
    """A handler's desk: its queue by urgency, and the counts of its lists."""

    now: datetime
    figures: demands.DemandCounts
    rows: list[demands.QueueRow]


def queue(session: Session, principal: Principal, now: datetime) -> QueueDesk:
    """The handler's queue: overdue first, then by resolution deadline."""
    return QueueDesk(
        now,
        demands.counts(session, principal),
        demands.queue(session, principal, now, QUEUE_LIMIT),
    )


@dataclass(frozen=True)
class EnterpriseDesk:
    """An enterprise's desk: who it is, its policies and its demands (None: no enterprise is
    linked to the account)."""

    now: datetime
    enterprise: enterprises.EnterpriseRef | None
    policies: policies.EnterprisePolicies | None
    demands: list[demands.QueueRow]


def enterprise(
    session: Session,
    principal: Principal,
    now: datetime,
    lang: str,
    regions: Mapping[str, tuple[str, str]],
) -> EnterpriseDesk:
    """The enterprise account's own desk."""
    own = enterprises.own_enterprise(session, principal)
    if own is None:
        return EnterpriseDesk(now, None, None, [])
    today = now.astimezone(CITY_TZ).date()
    return EnterpriseDesk(
        now,
        own,
        policies.enterprise_policies(session, principal, own.uscc, today, lang, regions),
        demands.recent(session, principal, now, QUEUE_LIMIT),
    )


@dataclass(frozen=True)
class CalendarStatus:
    """Where the working calendar of this year and the next comes from."""

    this_year: int
    this_kind: str  # official | admin | provisional
    next_year: int
    next_kind: str
    warning: int | None  # the year an admin should enter now (from 1 November), or None


@dataclass(frozen=True)
class DataDesk:
    """The analyst's and admin's desk: imports, freshness, calendar, routing."""

    now: datetime
    runs: list[enterprises.ImportRunRef]
    registry: enterprises.RegistryCounts
    calendar: CalendarStatus
    routing: demands.RoutingStatus
    waiting_dispatch: int


def _calendar(session: Session, today: date) -> CalendarStatus:
    cal = load_calendar(session)
    known = cal.known_years()
    kind = lambda y: known.get(y, "provisional")  # noqa: E731
    y = today.year
    return CalendarStatus(y, kind(y), y + 1, kind(y + 1), next_year_missing(cal, today))


def data(session: Session, principal: Principal, now: datetime) -> DataDesk:
    """The data desk."""
    return DataDesk(
        now,
        enterprises.import_runs(session),
        enterprises.registry_counts(session, principal),
        _calendar(session, now.astimezone(CITY_TZ).date()),
        demands.routing_status(session),
        demands.counts(session, principal).waiting_dispatch,
    )


def chain(session: Session, principal: Principal, now: datetime) -> chains.ChainDesk | None:
    """The chain head's or team's desk (None: no chain, or a retired one)."""
    if principal.chain_id is None:
        return None
    return chains.chain_desk(session, principal.chain_id, now)
