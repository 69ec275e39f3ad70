"""What the caller may do with a demand: their parts in its workflow and the actions those
allow. Which demands they may see is declared once, in `demands.scope` (read through
`demands.repository`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands.models import Demand, DemandEvent
from highland.demands.workflow import WORKFLOW, Part, allowed_actions
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
