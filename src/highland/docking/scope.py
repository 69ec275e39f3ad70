"""Who may see which docking rows, declared once: pages, the API and exports all ask it.

- Achievements: everyone signed in (they are offered for transfer).
- Needs and docking records: an enterprise sees its own; staff (every other role) see all."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from highland.docking.models import DockingRecord, TechNeed
from highland.platform.identity.permissions import Principal, Role
from highland.platform.scoping import Scope


def _own_need(principal: Principal) -> ColumnElement[bool]:
    return TechNeed.enterprise_id == (principal.enterprise_id or -1)


def _own_record(principal: Principal) -> ColumnElement[bool]:
    return DockingRecord.enterprise_id == (principal.enterprise_id or -1)


NEEDS = Scope(TechNeed, {Role.enterprise: _own_need})
RECORDS = Scope(DockingRecord, {Role.enterprise: _own_record})


def is_staff(principal: Principal) -> bool:
    """Whether the caller is staff (match lists and introductions are staff's work)."""
    return principal.role is not Role.enterprise
