"""Demands: filing, scope, the workflow's transitions and their clocks.

Every change of a demand is one call of `act` (or `file_demand` for its first event), run by the
kernel's workflow engine (`highland.platform.workflow`): it locks the demand row, refuses a stale
version with 409, checks that the action is declared for the current state and the caller's part,
appends one event to the log and updates the demand's projection columns in the same
transaction. The parts live in: `access` (parts, scope, reads), `filing`, `clocks` (deadlines and
the one event writer), `transitions` (`act` and its handlers); this module keeps their names
and the lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from highland.demands.access import (
    FILERS,
    ROUTERS,
    actions_for,
    attachment,
    can_see,
    check_version,
    events,
    get_demand,
    parts_of,
    scope_filter,
)
from highland.demands.clocks import (
    _clear_marks_if_future,
    _dispatch,
    _escalate_after,
    _log,
    _set_clocks,
)
from highland.demands.filing import DemandInput, check_input, file_demand
from highland.demands.models import Demand
from highland.demands.transitions import act
from highland.demands.workflow import REQUEST_TYPES, Part, State
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal

__all__ = [
    "FILERS",
    "ROUTERS",
    "DemandFilter",
    "DemandInput",
    "Part",
    "_clear_marks_if_future",
    "_dispatch",
    "_escalate_after",
    "_log",
    "_set_clocks",
    "act",
    "actions_for",
    "attachment",
    "can_see",
    "check_input",
    "check_version",
    "events",
    "file_demand",
    "get_demand",
    "list_query",
    "parts_of",
    "scope_filter",
]


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


def list_query(principal: Principal, flt: DemandFilter) -> Any:
    """The SELECT of demands the caller may see, filtered (newest first)."""
    stmt = select(Demand).where(scope_filter(principal))
    if flt.state:
        if flt.state not in {s.value for s in State}:
            raise InvalidInput(
                f"state: unknown state '{flt.state}'",
                field="state",
                code="demand.unknown_state",
                params={"value": flt.state},
            )
        stmt = stmt.where(Demand.state == flt.state)
    if flt.open is not None:
        stmt = stmt.where(Demand.open.is_(flt.open))
    if flt.institution:
        stmt = stmt.where(Demand.institution_code == flt.institution)
    if flt.category:
        stmt = stmt.where(Demand.category_code == flt.category)
    if flt.request_type:
        if flt.request_type not in (*REQUEST_TYPES, "none"):
            raise InvalidInput(
                f"request_type: unknown request type '{flt.request_type}'",
                field="request_type",
                code="practice.request_type_unknown",
                params={"value": flt.request_type},
            )
        stmt = stmt.where(
            Demand.request_type.is_(None)
            if flt.request_type == "none"
            else Demand.request_type == flt.request_type
        )
    if flt.meeting_id is not None:
        stmt = stmt.where(Demand.meeting_id == flt.meeting_id)
    if flt.enterprise_id is not None:
        stmt = stmt.where(Demand.enterprise_id == flt.enterprise_id)
    if flt.chain_id is not None:
        stmt = stmt.where(Demand.chain_id == flt.chain_id)
    if flt.overdue:
        stmt = stmt.where(Demand.open.is_(True), Demand.breached_at.is_not(None))
    if flt.q:
        # % and _ are what the person typed, not wildcards.
        like = "%" + re.sub(r"([\\%_])", r"\\\1", flt.q.strip()) + "%"
        stmt = stmt.where(
            or_(Demand.title.like(like, escape="\\"), Demand.description.like(like, escape="\\"))
        )
    return stmt.order_by(Demand.id.desc())
