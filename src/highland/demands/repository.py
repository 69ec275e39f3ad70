"""The demands' data layer: every read the pages, API routes, exports and Open311 need, each
narrowed by the domain's one scope (scope.py). Pages and routes call these and hold no SQL;
writes go through the services, which flush (the request commits)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from highland.demands.models import (
    Attachment,
    Demand,
    DemandCategory,
    Meeting,
    MeetingAttendee,
    RoutingRule,
)
from highland.demands.scope import ATTENDEES, DEMANDS, MEETINGS
from highland.demands.workflow import REQUEST_TYPES, State
from highland.enterprises.public import EnterpriseRef, ref, ref_by_uscc, ref_columns, refs, registry
from highland.platform.calendar.models import CalendarYear
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.identity.permissions import Principal, Role
from highland.platform.institutions.models import Institution

# ---------------------------------------------------------------- demands


@dataclass(frozen=True)
class DemandFilter:
    """Filters of the demand lists (queue, board, API)."""

    state: str | None = None
    open: bool | None = None
    institution: str | None = None
    category: str | None = None
    request_type: str | None = None  # REQUEST_TYPES, or "none" for demands without one
    meeting_id: int | None = None
    enterprise_id: int | None = None
    chain_id: int | None = None
    overdue: bool | None = None
    q: str | None = None


def _check(flt: DemandFilter) -> None:
    if flt.state and flt.state not in {s.value for s in State}:
        raise InvalidInput(
            f"state: unknown state '{flt.state}'",
            field="state",
            code="demand.unknown_state",
            params={"value": flt.state},
        )
    if flt.request_type and flt.request_type not in (*REQUEST_TYPES, "none"):
        raise InvalidInput(
            f"request_type: unknown request type '{flt.request_type}'",
            field="request_type",
            code="practice.request_type_unknown",
            params={"value": flt.request_type},
        )


def demands(principal: Principal, flt: DemandFilter) -> Select[Any]:
    """The demands the caller may see, filtered, newest first."""
    _check(flt)
    stmt = DEMANDS.select(principal)
    texts: tuple[tuple[Any, str | None], ...] = (
        (Demand.state, flt.state),
        (Demand.institution_code, flt.institution),
        (Demand.category_code, flt.category),
    )
    ids: tuple[tuple[Any, int | None], ...] = (
        (Demand.meeting_id, flt.meeting_id),
        (Demand.enterprise_id, flt.enterprise_id),
        (Demand.chain_id, flt.chain_id),
    )
    for column, value in texts:
        if value:
            stmt = stmt.where(column == value)
    for column, given in ids:
        if given is not None:
            stmt = stmt.where(column == given)
    if flt.open is not None:
        stmt = stmt.where(Demand.open.is_(flt.open))
    if flt.request_type:
        stmt = stmt.where(
            Demand.request_type.is_(None)
            if flt.request_type == "none"
            else Demand.request_type == flt.request_type
        )
    if flt.overdue:
        stmt = stmt.where(Demand.open.is_(True), Demand.breached_at.is_not(None))
    if flt.q:
        # % and _ are what the person typed, not wildcards.
        like = "%" + re.sub(r"([\\%_])", r"\\\1", flt.q.strip()) + "%"
        stmt = stmt.where(
            or_(Demand.title.like(like, escape="\\"), Demand.description.like(like, escape="\\"))
        )
    return stmt.order_by(Demand.id.desc())


def with_enterprise(stmt: Select[Any]) -> Select[Any]:
    """A demand list with each demand's enterprise names and USCC as further columns."""
    reg = registry()
    return stmt.add_columns(reg.c.name, reg.c.name_en, reg.c.uscc).join(
        reg, reg.c.id == Demand.enterprise_id
    )


def of_meeting(session: Session, principal: Principal, meeting_id: int) -> list[Demand]:
    """The meeting's demands the caller may see, in filing order."""
    stmt = demands(principal, DemandFilter(meeting_id=meeting_id)).order_by(None)
    return list(session.scalars(stmt.order_by(Demand.id)))


def of_meeting_named(
    session: Session, principal: Principal, meeting_id: int
) -> list[tuple[Demand, str, str | None, str]]:
    """The meeting's visible demands in filing order, each with its enterprise's name, English
    name and USCC."""
    stmt = with_enterprise(demands(principal, DemandFilter(meeting_id=meeting_id)))
    return [tuple(r) for r in session.execute(stmt.order_by(None).order_by(Demand.id))]


def demand(session: Session, principal: Principal, demand_id: int) -> Demand:
    """One demand, or 404 when it does not exist or is outside the caller's scope."""
    d = DEMANDS.get(session, principal, demand_id)
    if d is None:
        raise NotFound(
            f"demand {demand_id} not found", code="demand.not_found", params={"id": demand_id}
        )
    return d


def counts_by_meeting(session: Session, principal: Principal) -> dict[int, int]:
    """How many demands the caller may see per meeting."""
    counted = cast(Select[Any], select(Demand.meeting_id, func.count()))
    stmt = (
        DEMANDS.apply(counted, principal)
        .where(Demand.meeting_id.is_not(None))
        .group_by(Demand.meeting_id)
    )
    return {int(m): int(n) for m, n in session.execute(stmt).all()}


# ---------------------------------------------------------------- enterprises


def enterprise(session: Session, enterprise_id: int | None) -> EnterpriseRef | None:
    """The enterprise a demand is for (or a user belongs to)."""
    return ref(session, enterprise_id)


def enterprises(session: Session, ids: Iterable[int]) -> dict[int, EnterpriseRef]:
    """Enterprises by id."""
    return refs(session, ids)


def enterprise_by_uscc(session: Session, uscc: str) -> int | None:
    """The id of the registry's enterprise with this USCC, or None."""
    found = ref_by_uscc(session, uscc)
    return found.id if found is not None else None


# ---------------------------------------------------------------- attachments


def attachments(session: Session, demand_id: int) -> list[Attachment]:
    """A demand's attachments in the order they were added."""
    stmt = select(Attachment).where(Attachment.demand_id == demand_id).order_by(Attachment.id)
    return list(session.scalars(stmt))


def attachment_rows(session: Session, demand_id: int) -> list[Any]:
    """A demand's attachments as listed on its page (id, name, size, when; not the bytes)."""
    stmt = (
        select(Attachment.id, Attachment.filename, Attachment.size, Attachment.created_at)
        .where(Attachment.demand_id == demand_id)
        .order_by(Attachment.id)
    )
    return list(session.execute(stmt).all())


def attachment(
    session: Session, principal: Principal, demand_id: int, attachment_id: int
) -> Attachment:
    """An attachment of a demand the caller may see (404 otherwise)."""
    demand(session, principal, demand_id)
    a = session.get(Attachment, attachment_id)
    if a is None or a.demand_id != demand_id:
        raise NotFound(
            f"attachment {attachment_id} not found",
            code="demand.attachment_not_found",
            params={"id": attachment_id},
        )
    return a


# ---------------------------------------------------------------- meetings


def meeting(session: Session, principal: Principal, meeting_id: int) -> Meeting:
    """A meeting, or 404 when it does not exist or an enterprise user was not part of it."""
    m = MEETINGS.get(session, principal, meeting_id)
    if m is None:
        raise NotFound(
            f"meeting {meeting_id} not found",
            code="demand.meeting_not_found",
            params={"id": meeting_id},
        )
    return m


def meetings(session: Session, principal: Principal, limit: int = 500) -> list[Meeting]:
    """The meetings the caller may see, newest first; an enterprise's list holds only those
    where it has demands."""
    stmt = MEETINGS.select(principal).order_by(Meeting.held_at.desc(), Meeting.id.desc())
    if principal.role is Role.enterprise:
        # Of the meetings it attended, those where it has a demand (as the list always did).
        mine = DEMANDS.apply(select(Demand.meeting_id), principal)
        stmt = stmt.where(Meeting.id.in_(mine.where(Demand.meeting_id.is_not(None))))
    return list(session.scalars(stmt.limit(limit)))


def meeting_of(session: Session, d: Demand) -> Meeting | None:
    """The meeting a demand was raised at."""
    return session.get(Meeting, d.meeting_id) if d.meeting_id else None


def attendees(
    session: Session, meeting_id: int, principal: Principal | None = None
) -> list[EnterpriseRef]:
    """The enterprises recorded at a meeting; an enterprise user sees only itself among them
    (who else attended is the bureau's business, docs/security.md)."""
    reg = registry()
    stmt = (
        select(*ref_columns(reg))
        .join(MeetingAttendee, MeetingAttendee.enterprise_id == reg.c.id)
        .where(MeetingAttendee.meeting_id == meeting_id)
        .order_by(reg.c.name)
    )
    if principal is not None:
        stmt = ATTENDEES.apply(stmt, principal)
    return [EnterpriseRef.of(r) for r in session.execute(stmt)]


# ---------------------------------------------------------------- reference data


def categories(session: Session, *, active: bool = False) -> list[DemandCategory]:
    """Categories by code (only the active ones with `active=True`)."""
    stmt = select(DemandCategory).order_by(DemandCategory.code)
    if active:
        stmt = stmt.where(DemandCategory.active.is_(True))
    return list(session.scalars(stmt))


def category(session: Session, code: str | None) -> DemandCategory | None:
    """One category by code."""
    return session.get(DemandCategory, code) if code else None


def active_category_codes(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of the codes are categories."""
    stmt = select(DemandCategory.code).where(DemandCategory.code.in_(list(codes)))
    return set(session.scalars(stmt))


def institutions(session: Session) -> list[Institution]:
    """Institutions by code."""
    return list(session.scalars(select(Institution).order_by(Institution.code)))


def institution(session: Session, code: str) -> Institution | None:
    """One institution by code."""
    return session.get(Institution, code)


def routes(session: Session) -> list[RoutingRule]:
    """The routing table by category and district."""
    stmt = select(RoutingRule).order_by(RoutingRule.category_code, RoutingRule.district_key)
    return list(session.scalars(stmt))


def name_rows(
    session: Session,
) -> tuple[dict[str, tuple[str, str | None]], dict[str, tuple[str, str]]]:
    """Every institution's and category's (name, English name) by code."""
    inst = {
        r.code: (r.name, r.name_en)
        for r in session.execute(select(Institution.code, Institution.name, Institution.name_en))
    }
    cats = {
        r.code: (r.name, r.name_en)
        for r in session.execute(
            select(DemandCategory.code, DemandCategory.name, DemandCategory.name_en)
        )
    }
    return inst, cats


def entered_years(session: Session) -> dict[int, CalendarYear]:
    """The calendar years an admin entered, by year."""
    return {r.year: r for r in session.scalars(select(CalendarYear))}


# ---------------------------------------------------------------- the desks


def count(session: Session, principal: Principal, flt: DemandFilter) -> int:
    """How many demands the caller sees under the filter (the total of the list it links to)."""
    ids = demands(principal, flt).order_by(None).with_only_columns(Demand.id).subquery()
    return int(session.execute(select(func.count()).select_from(ids)).scalar_one())


def urgent(session: Session, principal: Principal, now: datetime, limit: int) -> list[Any]:
    """The caller's open demands by urgency: overdue first (breached, or past the resolution
    deadline), then by resolution deadline (none last), each with its enterprise's names."""
    late = or_(Demand.breached_at.is_not(None), Demand.resolution_due < now)
    stmt = (
        with_enterprise(demands(principal, DemandFilter(open=True)))
        .order_by(None)
        .order_by(
            case((late, 0), else_=1),
            Demand.resolution_due.is_(None),
            Demand.resolution_due,
            Demand.id,
        )
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def routing_counts(session: Session) -> tuple[int, int, int, int]:
    """(active institutions, active categories, active categories without a routing rule,
    routing rules)."""
    n_inst = session.scalar(select(func.count()).where(Institution.active.is_(True)))
    n_cat = session.scalar(select(func.count()).where(DemandCategory.active.is_(True)))
    routed = select(RoutingRule.id).where(RoutingRule.category_code == DemandCategory.code)
    unrouted = session.scalar(
        select(func.count()).where(DemandCategory.active.is_(True), ~routed.exists())
    )
    n_rules = session.scalar(select(func.count()).select_from(RoutingRule))
    return int(n_inst or 0), int(n_cat or 0), int(unrouted or 0), int(n_rules or 0)
