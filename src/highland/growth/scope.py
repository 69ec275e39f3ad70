"""Who may see which list lines: an enterprise account only its own (its category and history);
staff see every line. The lists themselves hold no enterprise's data and are for staff."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from highland.growth.models import GrowthEntry
from highland.platform.identity.permissions import Principal, Role
from highland.platform.scoping import Scope


def _own(principal: Principal) -> ColumnElement[bool]:
    return GrowthEntry.enterprise_id == (principal.enterprise_id or -1)


ENTRIES = Scope(GrowthEntry, {Role.enterprise: _own})
