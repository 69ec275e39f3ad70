"""Who may see which demands, declared once: pages, API routes, exports and Open311 all ask
these scopes, so no channel shows a row another one hides.

- Demands: an enterprise sees its own; a handler its institution's (as lead or co-handler);
  every other role sees all.
- Meetings: an enterprise sees the meetings it attended; every other role sees all.
- Attendees: an enterprise sees only itself among a meeting's attendees (who else attended is
  the bureau's business, docs/security.md); every other role sees all.
- The public (Open311, no sign-in) sees only the demands filed as public."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, exists, false, or_

from highland.demands.models import Demand, Meeting, MeetingAttendee
from highland.platform.identity.permissions import Principal, Role
from highland.platform.scoping import Scope


def _own(principal: Principal) -> ColumnElement[bool]:
    return Demand.enterprise_id == principal.enterprise_id


def _handled(principal: Principal) -> ColumnElement[bool]:
    """The institution's demands and those it co-handles (matched in the JSON list by the
    quoted code)."""
    code = principal.institution_code
    if not code:
        return false()
    quoted = '%"' + code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
    return or_(
        Demand.institution_code == code,
        cast(Demand.co_handlers, String).like(quoted, escape="\\"),
    )


def _attended(principal: Principal) -> ColumnElement[bool]:
    return exists().where(
        MeetingAttendee.meeting_id == Meeting.id,
        MeetingAttendee.enterprise_id == principal.enterprise_id,
    )


def _itself(principal: Principal) -> ColumnElement[bool]:
    return MeetingAttendee.enterprise_id == principal.enterprise_id


DEMANDS = Scope(Demand, {Role.enterprise: _own, Role.handler: _handled}, default=True)
MEETINGS = Scope(Meeting, {Role.enterprise: _attended}, default=True)
ATTENDEES = Scope(MeetingAttendee, {Role.enterprise: _itself}, default=True)


def public() -> ColumnElement[bool]:
    """The demands anyone may read without signing in (Open311)."""
    return Demand.public.is_(True)
