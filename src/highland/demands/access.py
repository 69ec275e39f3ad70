"""Who may see and do what with a demand: the caller's parts in its workflow, the scope of
what they see (one row, and the SQL condition of lists) and the reads that apply it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, cast, false, or_, select, true
from sqlalchemy.orm import Session

from highland.demands.models import Attachment, Demand, DemandEvent
from highland.demands.workflow import WORKFLOW, Part, allowed_actions
from highland.platform.errors import NotFound
from highland.platform.identity.permissions import Principal, Role

ROUTERS = frozenset({Role.admin, Role.analyst})
FILERS = frozenset({Role.admin, Role.analyst, Role.chain_team})


def parts_of(principal: Principal, d: Demand) -> frozenset[Part]:
    """The parts the caller plays for this demand (empty: no business with it)."""
    parts: set[Part] = set()
    if principal.role is Role.enterprise and principal.enterprise_id == d.enterprise_id:
        parts.add(Part.owner)
    if principal.role in ROUTERS:
        parts |= {Part.router, Part.staff}
    if principal.role is Role.chain_team:
        parts.add(Part.staff)
    if principal.role is Role.admin or (
        principal.role is Role.handler and principal.institution_code == d.institution_code
    ):
        parts.add(Part.handler)
    return frozenset(parts)


def can_see(principal: Principal, d: Demand) -> bool:
    """Enterprises see their own demands; handlers their institution's (lead or co-handler);
    staff, chain heads and teams and leaders see all."""
    if principal.role is Role.enterprise:
        return principal.enterprise_id == d.enterprise_id
    if principal.role is Role.handler:
        code = principal.institution_code
        return code is not None and (code == d.institution_code or code in (d.co_handlers or []))
    return True


def scope_filter(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition of `can_see` for lists: a handler's queue holds its institution's
    demands and those it co-handles (matched in the JSON list by the quoted code)."""
    if principal.role is Role.enterprise:
        return Demand.enterprise_id == principal.enterprise_id
    if principal.role is Role.handler:
        code = principal.institution_code
        if not code:
            return false()
        quoted = '%"' + code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
        return or_(
            Demand.institution_code == code,
            cast(Demand.co_handlers, String).like(quoted, escape="\\"),
        )
    return true()


def get_demand(session: Session, principal: Principal, demand_id: int) -> Demand:
    """One demand, or 404 when it does not exist or is outside the caller's scope."""
    d = session.get(Demand, demand_id)
    if d is None or not can_see(principal, d):
        raise NotFound(
            f"demand {demand_id} not found", code="demand.not_found", params={"id": demand_id}
        )
    return d


def attachment(session: Session, principal: Principal, demand_id: int, attachment_id: int) -> Any:
    """An attachment of a demand the caller may see (404 otherwise)."""
    get_demand(session, principal, demand_id)
    a = session.get(Attachment, attachment_id)
    if a is None or a.demand_id != demand_id:
        raise NotFound(
            f"attachment {attachment_id} not found",
            code="demand.attachment_not_found",
            params={"id": attachment_id},
        )
    return a


def events(session: Session, demand_id: int) -> list[DemandEvent]:
    """The demand's log, oldest first."""
    return list(
        session.scalars(
            select(DemandEvent).where(DemandEvent.demand_id == demand_id).order_by(DemandEvent.seq)
        )
    )


def actions_for(principal: Principal, d: Demand) -> list[str]:
    """The actions the caller may take on the demand now."""
    return [a.value for a in allowed_actions(d.state, parts_of(principal, d))]


def check_version(d: Demand, version: int | None) -> None:
    """Refuse a missing or stale version: the caller acts on what they loaded (409 if the
    demand changed since)."""
    WORKFLOW.check_version(d, version)
