"""Who sees which cooperation projects: staff all of them, an enterprise user those its
enterprise takes part in (the registers of platforms, centres and events are for everyone who
may read the domain)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from highland.innovation.models import CoopProject
from highland.platform.identity.permissions import Principal, Role
from highland.platform.scoping import Scope


def _own(p: Principal) -> ColumnElement[bool]:
    if p.enterprise_id is None:
        return false()
    return CoopProject.enterprise_id == p.enterprise_id


PROJECTS = Scope(CoopProject, {Role.enterprise: _own})
