"""Who may see which enterprises, declared once: pages, the API and exports all ask it.

An enterprise account sees only its own enterprise; every other role sees the registry."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from highland.enterprises.models import Enterprise
from highland.platform.identity.permissions import Principal, Role
from highland.platform.scoping import Scope


def _own(principal: Principal) -> ColumnElement[bool]:
    return Enterprise.id == (principal.enterprise_id or -1)


ENTERPRISES = Scope(Enterprise, {Role.enterprise: _own})
