"""Demands: filing, scope, the workflow's transitions and their clocks.

Every change of a demand is one call of `act` (or `file_demand` for its first event): it
locks the demand row, refuses a stale version with 409, checks that the action is declared
for the current state and the caller's part, appends one event to the log and updates the
demand's projection columns in the same transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, false, or_, select, true
from sqlalchemy.orm import Session

from highland.demands import attachments as files
from highland.demands import notices as demand_notices
from highland.demands.calendar import WorkCalendar, load_calendar
from highland.demands.models import (
    Demand,
    DemandCategory,
    DemandEvent,
    Institution,
    Meeting,
    MeetingAttendee,
)
from highland.demands.reference import route_for
from highland.demands.tiers import due_after, limits_of
from highland.demands.workflow import (
    PRIORITIES,
    REQUEST_TYPES,
    RETURN_WINDOW_DAYS,
    TRANSITIONS,
    VERDICTS,
    Action,
    Part,
    State,
    allowed_actions,
)
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit import inert
from highland.platform.kit.dates import local_minute

ROUTERS = frozenset({Role.admin, Role.analyst})
FILERS = frozenset({Role.admin, Role.analyst, Role.chain_team})
TAG = re.compile(r"^[^\s,，;；]{1,32}$")
MAX_TAGS = 10


@dataclass
class DemandInput:
    """What a demand is filed with (every channel builds one of these)."""

    enterprise: str  # USCC
    category: str
    title: str
    description: str
    priority: str = "normal"
    request_type: str | None = None  # REQUEST_TYPES; None: not given
    require_type: bool = False  # the web forms make a choice of request type compulsory
    chain_id: int | None = None
    tags: list[str] = field(default_factory=list)
    meeting_id: int | None = None
    address: str | None = None
    lat: str | None = None
    lon: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    public: bool = False


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
    from highland.demands.models import Attachment

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


# ---------------------------------------------------------------- filing


def _clean_text(
    value: str | None, where: str, limit: int, *, required: bool = True, multiline: bool = False
) -> str:
    text = (value or "").strip()
    # No control characters (they broke the board's XLSX) nor a text that shows nothing.
    inert.check_text(text, where, f"demands.field.{where}", multiline=multiline, visible=True)
    if required and not text:
        raise InvalidInput(
            f"{where}: is required",
            field=where,
            code="demand.required",
            params={"field": f"@demands.field.{where}"},
        )
    if len(text) > limit:
        raise InvalidInput(
            f"{where}: at most {limit} characters (got {len(text)})",
            field=where,
            code="demand.too_long",
            params={"field": f"@demands.field.{where}", "limit": limit, "got": len(text)},
        )
    return text


def _clean_tags(tags: list[str] | str | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[\s,，;；]+", tags) if t]
    out: list[str] = []
    for t in tags:
        if not isinstance(t, str) or not TAG.match(t):
            raise InvalidInput(
                f"tags: '{t}' is not a tag (1–32 characters, no spaces)",
                field="tags",
                code="demand.bad_tag",
                params={"tag": t},
            )
        if t not in out:
            out.append(t)
    if len(out) > MAX_TAGS:
        raise InvalidInput(
            f"tags: at most {MAX_TAGS} tags",
            field="tags",
            code="demand.too_many_tags",
            params={"limit": MAX_TAGS},
        )
    return out


def _enterprise(session: Session, uscc: str, where: str = "enterprise") -> Enterprise:
    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == (uscc or "").strip().upper()))
    if ent is None:
        raise InvalidInput(
            f"{where}: no enterprise with USCC '{uscc}' in the registry",
            field=where,
            code="demand.unknown_enterprise",
            params={"uscc": uscc},
        )
    return ent


def _category(session: Session, code: str, where: str = "category") -> DemandCategory:
    cat = session.get(DemandCategory, (code or "").strip())
    if cat is None or not cat.active:
        known = ", ".join(
            sorted(
                session.scalars(select(DemandCategory.code).where(DemandCategory.active.is_(True)))
            )
        )
        raise InvalidInput(
            f"{where}: unknown category '{code}'; categories are: {known}",
            field=where,
            code="demand.unknown_category",
            params={"category": code},
        )
    return cat


def _check_attended(session: Session, principal: Principal, meeting_id: int) -> None:
    """An enterprise files into a meeting only when it attended it (the same answer whether
    the meeting does not exist or is someone else's)."""
    attended = session.scalar(
        select(MeetingAttendee.meeting_id).where(
            MeetingAttendee.meeting_id == meeting_id,
            MeetingAttendee.enterprise_id == principal.enterprise_id,
        )
    )
    if attended is None:
        raise InvalidInput(
            f"meeting: your enterprise did not attend meeting {meeting_id}",
            field="meeting",
            code="demand.meeting_not_attended",
            params={"id": meeting_id},
        )


def check_input(session: Session, principal: Principal, data: DemandInput) -> dict[str, Any]:
    """Validate a demand's fields; return the column values (nothing is written)."""
    ent = _enterprise(session, data.enterprise)
    if principal.role is Role.enterprise and principal.enterprise_id != ent.id:
        # An enterprise files only for itself; say so without telling whether the other exists.
        raise InvalidInput(
            "enterprise: you can file demands only for your own enterprise",
            field="enterprise",
            code="demand.own_enterprise_only",
        )
    cat = _category(session, data.category)
    if data.priority not in PRIORITIES:
        raise InvalidInput(
            f"priority: '{data.priority}' is not one of {', '.join(PRIORITIES)}",
            field="priority",
            code="demand.bad_priority",
            params={"value": data.priority},
        )
    rtype = (data.request_type or "").strip() or None
    if rtype is None and data.require_type:
        raise InvalidInput(
            "request_type: choose consult, help, complaint or suggest",
            field="request_type",
            code="practice.request_type_required",
        )
    if rtype is not None and rtype not in REQUEST_TYPES:
        raise InvalidInput(
            f"request_type: '{rtype}' is not one of {', '.join(REQUEST_TYPES)}",
            field="request_type",
            code="practice.request_type_unknown",
            params={"value": rtype},
        )
    if data.chain_id is not None and not 1 <= data.chain_id <= 10_000:
        raise InvalidInput(
            f"chain: '{data.chain_id}' is not a chain id",
            field="chain",
            code="demand.bad_chain",
            params={"value": data.chain_id},
        )
    if data.public and principal.role is Role.enterprise:
        # Only staff publish a demand to the anonymous Open311 list (docs/security.md).
        raise InvalidInput(
            "public: only staff may make a demand public",
            field="public",
            code="demand.public_staff_only",
        )
    if data.meeting_id is not None and principal.role is Role.enterprise:
        _check_attended(session, principal, data.meeting_id)
    if data.meeting_id is not None and session.get(Meeting, data.meeting_id) is None:
        raise InvalidInput(
            f"meeting: no meeting {data.meeting_id}",
            field="meeting",
            code="demand.unknown_meeting",
            params={"id": data.meeting_id},
        )
    return {
        "enterprise_id": ent.id,
        "district_code": ent.district_code,
        "category_code": cat.code,
        "title": _clean_text(data.title, "title", 200),
        "description": _clean_text(data.description, "description", 10_000, multiline=True),
        "priority": data.priority,
        "request_type": rtype,
        "chain_id": data.chain_id,
        "tags": _clean_tags(data.tags),
        "meeting_id": data.meeting_id,
        "address": _clean_text(data.address, "address", 300, required=False) or None,
        "lat": data.lat,
        "lon": data.lon,
        "contact_name": _clean_text(data.contact_name, "contact_name", 100, required=False) or None,
        "contact_phone": _clean_text(data.contact_phone, "contact_phone", 40, required=False)
        or None,
        "contact_email": _clean_text(data.contact_email, "contact_email", 200, required=False)
        or None,
        "public": bool(data.public),
    }


def file_demand(
    session: Session,
    principal: Principal,
    actor: Actor,
    data: DemandInput,
    uploads: list[files.Upload] | None = None,
    *,
    source: str | None = None,
    dispatch: bool = False,
    now: datetime | None = None,
) -> Demand:
    """File one demand (and dispatch it at once when a router asks); all or nothing."""
    if principal.role is not Role.enterprise and principal.role not in FILERS:
        raise Forbidden(
            f"your role ({principal.role.value}) may not file demands",
            code="demand.may_not_file",
            params={"role": f"@role.{principal.role.value}"},
        )
    begin_write(session)
    now = now or utcnow()
    values = check_input(session, principal, data)
    checked = files.check_all(uploads or [])
    district = values.pop("district_code")
    src = source or ("enterprise" if principal.role is Role.enterprise else "staff")
    if data.meeting_id is not None and source is None:
        src = "meeting"
    d = Demand(
        **values,
        source=src,
        created_at=now,
        created_by=actor.name,
        version=1,
        event_count=0,
        state=State.submitted.value,
        open=True,
        co_handlers=[],
        paused_days=0,
        extension_days=0,
        returns=0,
        reopens=0,
        updated_at=now,
        token=secrets.token_hex(16) if src == "open311" else None,
    )
    session.add(d)
    session.flush()
    submitted = {"category": d.category_code, "request_type": d.request_type}
    _log(session, d, actor, "submit", None, State.submitted, submitted, now)
    files.store(session, d.id, checked, actor)
    if dispatch:
        if Part.router not in parts_of(principal, d):
            raise Forbidden(
                "only staff who route demands may dispatch them", code="demand.may_not_dispatch"
            )
        route = route_for(session, d.category_code, district)
        _dispatch(session, d, actor, route.lead, list(route.co), now, load_calendar(session))
    session.flush()
    return d


# ---------------------------------------------------------------- transitions


def _log(
    session: Session,
    d: Demand,
    actor: Actor,
    action: str,
    from_state: State | str | None,
    to_state: State | str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    d.event_count = (d.event_count or 0) + 1
    limits = d.__dict__.pop("_clock_limits", None)
    if limits is not None:
        data = {**data, "limits": limits}
    deadlines = d.__dict__.pop("_clock_deadlines", None)
    if deadlines is not None:
        data = {**data, "deadlines": deadlines}
    tier = d.__dict__.pop("_clock_tier", None)
    if tier is not None:
        data = {**data, "tier": tier}
    session.add(
        DemandEvent(
            demand_id=d.id,
            seq=d.event_count,
            at=now,
            actor=actor.name,
            actor_role=actor.role,
            action=action,
            from_state=None if from_state is None else str(from_state),
            to_state=str(to_state),
            institution_code=d.institution_code,
            data=data,
        )
    )
    # The one place demand events become notices (demands/notices.py maps who gets which).
    demand_notices.on_event(session, d, actor, action, str(to_state), data, now)


def _set_clocks(d: Demand, cat: DemandCategory, cal: WorkCalendar, escalate_after: int) -> None:
    """Deadlines from the clock start, the limits of the category's tier for the demand's
    priority (demands/tiers.py), the working days paused and those granted by extensions."""
    assert d.clock_start is not None and d.dispatched_at is not None
    response_days, resolution_days, tier = limits_of(cat, d.priority)
    # The limits used go into the next event's data, so that the log alone re-derives the
    # deadlines even after an admin changes the category's limits.
    d.__dict__["_clock_limits"] = [response_days, resolution_days]
    if tier != "normal":
        d.__dict__["_clock_tier"] = tier
    paused = d.paused_days or 0
    extended = d.extension_days or 0
    if d.responded_at is None:
        d.response_due = due_after(cal, d.dispatched_at, response_days + paused)
    d.resolution_due_original = due_after(cal, d.clock_start, resolution_days + paused)
    due = due_after(cal, d.clock_start, resolution_days + paused + extended)
    d.resolution_due = due
    d.warn_at = cal.add_working_days(d.clock_start, resolution_days + paused + extended - 1)
    d.escalate_at = cal.add_working_days(due, escalate_after)
    # The deadlines themselves too: counted in a provisional year, they may be recounted later
    # (a `reclock` event), and the replay must judge what happened before with these.
    d.__dict__["_clock_deadlines"] = {
        "response_due": None if d.response_due is None else d.response_due.isoformat(),
        "resolution_due": due.isoformat(),
        "resolution_due_original": d.resolution_due_original.isoformat(),
    }


def _escalate_after(session: Session) -> int:
    from highland.platform.config import get_settings

    return int(session.info.get("escalate_after", get_settings().demand_escalate_after_days))


def _dispatch(
    session: Session,
    d: Demand,
    actor: Actor,
    lead: str,
    co: list[str],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    if session.get(Institution, lead) is None:
        raise InvalidInput(
            f"institution: '{lead}' is not an institution",
            field="institution",
            code="demand.unknown_institution",
            params={"code": lead},
        )
    prev = d.state
    d.institution_code = lead
    d.co_handlers = co
    d.dispatched_by = actor.name
    if d.dispatched_at is None:
        # Both clocks start at the first dispatch and are never restarted by a return or a
        # transfer: bouncing a demand between units does not buy time.
        d.dispatched_at = now
        d.clock_start = now
        cat = session.get(DemandCategory, d.category_code)
        assert cat is not None
        _set_clocks(d, cat, cal, _escalate_after(session))
    d.state = State.dispatched.value
    _log(
        session, d, actor, "dispatch", prev, State.dispatched, {"institution": lead, "co": co}, now
    )


def _lock(session: Session, demand_id: int) -> Demand | None:
    return session.get(Demand, demand_id, with_for_update=True, populate_existing=True)


def check_version(d: Demand, version: int | None) -> None:
    """Refuse a missing or stale version: the caller acts on what they loaded (409 if the
    demand changed since)."""
    if version is None:
        raise InvalidInput(
            "version: send the version of the demand you are acting on",
            field="version",
            code="demand.version_missing",
        )
    if version != d.version:
        raise Conflict(
            f"demand {d.id} has changed since you loaded it (you have version {version}, it is "
            f"now version {d.version}, last changed {d.updated_at:%Y-%m-%d %H:%M} UTC); reload "
            "it and try again",
            field="version",
            code="demand.stale",
            params={
                "id": d.id,
                "yours": version,
                "now": d.version,
                "at": local_minute(d.updated_at),
            },
        )


def act(
    session: Session,
    principal: Principal,
    actor: Actor,
    demand_id: int,
    action: str,
    *,
    version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Demand:
    """Take one declared action on a demand."""
    begin_write(session)
    now = now or utcnow()
    data = dict(data or {})
    for key in ("reason", "note", "resolution", "comment"):  # free text: lines, no controls
        if isinstance(data.get(key), str):
            inert.check_text(data[key], key, f"demands.field.{key}", multiline=True)
    try:
        act_v = Action(action)
    except ValueError:
        names = ", ".join(a.value for a in Action)
        raise InvalidInput(
            f"action: unknown action '{action}'; actions are: {names}",
            field="action",
            code="demand.unknown_action",
            params={"action": action},
        ) from None
    d = _lock(session, demand_id)
    if d is None or not can_see(principal, d):
        raise NotFound(
            f"demand {demand_id} not found", code="demand.not_found", params={"id": demand_id}
        )
    t = TRANSITIONS[act_v]
    parts = parts_of(principal, d)
    if not t.parts & parts:
        who = ", ".join(sorted(p.value for p in t.parts))
        raise Forbidden(
            f"'{action}' may be done only by: {who}",
            code="demand.not_your_part",
            params={"action": f"@demands.action.{action}"},
        )
    check_version(d, version)
    if State(d.state) not in t.sources:
        allowed = ", ".join(a.value for a in allowed_actions(d.state, parts)) or "none"
        raise Conflict(
            f"cannot {action} a demand that is {d.state}; allowed now: {allowed}",
            field="action",
            code="demand.wrong_state",
            params={"action": f"@demands.action.{action}", "state": f"@demands.state.{d.state}"},
        )
    for need in t.needs:
        if data.get(need) in (None, ""):
            raise InvalidInput(
                f"{need}: is required to {action}",
                field=need,
                code="demand.required_for",
                params={"field": f"@demands.field.{need}", "action": f"@demands.action.{action}"},
            )
    cal = load_calendar(session)
    handler = _HANDLERS[act_v]
    handler(session, d, actor, data, now, cal)
    d.version += 1
    d.updated_at = now
    d.open = State(d.state) not in (State.confirmed, State.withdrawn)
    from highland.demands.extensions import lapse_pending

    lapse_pending(session, d, now)  # a pending extension request ends with the handler's work
    session.flush()
    return d


Handler = Any


def _do_dispatch(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    lead = data.get("institution")
    if lead:
        co = list(data.get("co") or [])
        for code in co:
            if session.get(Institution, code) is None:
                raise InvalidInput(
                    f"co: '{code}' is not an institution",
                    field="co",
                    code="demand.unknown_institution",
                    params={"code": code},
                )
    else:
        ent = session.get(Enterprise, d.enterprise_id)
        assert ent is not None
        route = route_for(session, d.category_code, ent.district_code)
        lead, co = route.lead, list(route.co)
    _dispatch(session, d, actor, str(lead), co, now, cal)


def _simple(to: State) -> Handler:
    def run(
        session: Session,
        d: Demand,
        actor: Actor,
        data: dict[str, Any],
        now: datetime,
        cal: WorkCalendar,
    ) -> None:
        prev = d.state
        d.state = to.value
        note = {"note": str(data["note"])[:2000]} if data.get("note") else {}
        _log(
            session,
            d,
            actor,
            to.value if to is not State.in_progress else "start",
            prev,
            to,
            note,
            now,
        )

    return run


def _do_accept(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    if d.responded_at is None:
        d.responded_at = now
        d.responded_on_time = d.response_due is None or now <= d.response_due
    d.state = State.accepted.value
    _log(
        session,
        d,
        actor,
        "accept",
        prev,
        State.accepted,
        {"note": str(data.get("note") or "")[:2000]},
        now,
    )


def _do_wait(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    d.resume_state = prev
    d.paused_at = now
    d.state = State.waiting.value
    _log(
        session, d, actor, "wait", prev, State.waiting, {"reason": str(data["reason"])[:2000]}, now
    )


def _do_resume(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    assert d.paused_at is not None
    days = cal.working_days_between(d.paused_at, now)
    d.paused_days = (d.paused_days or 0) + days
    to = State(d.resume_state or State.in_progress.value)
    d.state = to.value
    d.paused_at = None
    d.resume_state = None
    cat = session.get(DemandCategory, d.category_code)
    assert cat is not None
    _set_clocks(d, cat, cal, _escalate_after(session))
    _clear_marks_if_future(d, now)
    _log(
        session,
        d,
        actor,
        "resume",
        State.waiting,
        to,
        {"paused_working_days": days, "note": str(data.get("note") or "")[:2000]},
        now,
    )


def _clear_marks_if_future(d: Demand, now: datetime) -> None:
    """After a deadline moved, marks whose moment has not come again are cleared."""
    if d.warn_at is not None and d.warn_at > now:
        d.warned_at = None
    if d.resolution_due is not None and d.resolution_due > now:
        d.breached_at = None
    if d.escalate_at is not None and d.escalate_at > now:
        d.escalated_at = None


def _do_resolve(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    d.resolution = str(data["resolution"])[:10_000]
    d.resolved_at = now
    d.resolved_on_time = d.resolution_due is None or now <= d.resolution_due
    d.state = State.resolved.value
    _log(
        session,
        d,
        actor,
        "resolve",
        prev,
        State.resolved,
        {"resolution": d.resolution, "on_time": d.resolved_on_time},
        now,
    )


def _do_confirm(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    verdict = str(data["verdict"])
    if verdict not in VERDICTS:
        raise InvalidInput(
            f"verdict: '{verdict}' is not one of {', '.join(VERDICTS)}",
            field="verdict",
            code="demand.bad_verdict",
            params={"value": verdict},
        )
    try:
        rating = int(data["rating"])
    except (TypeError, ValueError):
        raise InvalidInput(
            f"rating: '{data['rating']}' is not a whole number from 1 to 5",
            field="rating",
            code="demand.bad_rating",
            params={"value": data["rating"]},
        ) from None
    if not 1 <= rating <= 5:
        raise InvalidInput(
            f"rating: {rating} is outside 1–5",
            field="rating",
            code="demand.bad_rating",
            params={"value": rating},
        )
    comment = (
        _clean_text(data.get("comment"), "comment", 2000, required=False, multiline=True) or None
    )
    d.verdict, d.rating, d.feedback = verdict, rating, comment
    prev = d.state
    payload: dict[str, Any] = {"verdict": verdict, "rating": rating, "comment": comment}
    if actor.role != Role.enterprise.value:
        payload["on_behalf"] = True
    if verdict == "not":
        # Not solved: the demand goes back to the institution with a fresh resolution clock.
        d.state = State.reopened.value
        d.reopens = (d.reopens or 0) + 1
        d.clock_start = now
        d.paused_days = 0
        d.extension_days = 0  # a fresh resolution round: earlier extensions do not carry over
        d.resolved_at = None
        d.resolved_on_time = None
        cat = session.get(DemandCategory, d.category_code)
        assert cat is not None
        _set_clocks(d, cat, cal, _escalate_after(session))
        d.warned_at = d.breached_at = d.escalated_at = None
        _log(session, d, actor, "confirm", prev, State.reopened, payload, now)
        return
    d.state = State.confirmed.value
    d.closed_at = now
    _log(session, d, actor, "confirm", prev, State.confirmed, payload, now)


def _do_return(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    reached = _reached_at(session, d)
    limit = cal.add_working_days(reached, RETURN_WINDOW_DAYS)
    if now > limit:
        raise Conflict(
            f"a demand can be returned only within {RETURN_WINDOW_DAYS} working days of reaching "
            f"the institution (until {limit:%Y-%m-%d %H:%M %Z}); ask a router to transfer it",
            field="action",
            code="demand.return_window",
            params={"days": RETURN_WINDOW_DAYS, "until": local_minute(limit)},
        )
    prev = d.state
    d.returns = (d.returns or 0) + 1
    payload = {
        "reason": str(data["reason"])[:2000],
        "institution": d.institution_code,
        "router": d.dispatched_by,
    }
    d.state = State.returned.value
    _log(session, d, actor, "return", prev, State.returned, payload, now)
    d.institution_code = None
    d.co_handlers = []


def _reached_at(session: Session, d: Demand) -> datetime:
    at = session.scalar(
        select(DemandEvent.at)
        .where(
            DemandEvent.demand_id == d.id,
            DemandEvent.action.in_(("dispatch", "transfer", "recategorise")),
        )
        .order_by(DemandEvent.seq.desc())
        .limit(1)
    )
    assert at is not None
    return at


def _do_transfer(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    to = str(data["institution"])
    if session.get(Institution, to) is None:
        raise InvalidInput(
            f"institution: '{to}' is not an institution",
            field="institution",
            code="demand.unknown_institution",
            params={"code": to},
        )
    if to == d.institution_code:
        raise InvalidInput(
            f"institution: the demand is already at '{to}'",
            field="institution",
            code="demand.already_there",
        )
    prev, prev_inst = d.state, d.institution_code
    d.institution_code = to
    d.co_handlers = [c for c in (data.get("co") or []) if c != to]
    d.state = State.transferred.value
    _log(
        session,
        d,
        actor,
        "transfer",
        prev,
        State.transferred,
        {"from": prev_inst, "to": to, "reason": str(data["reason"])[:2000]},
        now,
    )
    _audit_owner(session, actor, d, "transfer", {"institution": prev_inst}, {"institution": to})


def _do_withdraw(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    prev = d.state
    d.state = State.withdrawn.value
    d.closed_at = now
    _log(
        session,
        d,
        actor,
        "withdraw",
        prev,
        State.withdrawn,
        {"reason": str(data["reason"])[:2000]},
        now,
    )


def _do_recategorise(
    session: Session,
    d: Demand,
    actor: Actor,
    data: dict[str, Any],
    now: datetime,
    cal: WorkCalendar,
) -> None:
    cat = _category(session, str(data["category"]))
    if cat.code == d.category_code:
        raise InvalidInput(
            f"category: the demand is already '{cat.code}'",
            field="category",
            code="demand.same_category",
        )
    prev_cat, prev_state, prev_inst = d.category_code, d.state, d.institution_code
    d.category_code = cat.code
    payload: dict[str, Any] = {"from": prev_cat, "to": cat.code}
    if d.dispatched_at is not None and d.state not in (State.returned.value,):
        ent = session.get(Enterprise, d.enterprise_id)
        assert ent is not None
        route = route_for(session, cat.code, ent.district_code)
        # The new category's limits apply from the original dispatch (the clock never restarts).
        _set_clocks(d, cat, cal, _escalate_after(session))
        _clear_marks_if_future(d, now)
        if route.lead != prev_inst:
            d.institution_code = route.lead
            d.co_handlers = list(route.co)
            d.state = State.transferred.value
            payload.update({"institution_from": prev_inst, "institution_to": route.lead})
    _log(session, d, actor, "recategorise", prev_state, d.state, payload, now)
    _audit_owner(
        session,
        actor,
        d,
        "recategorise",
        {"category": prev_cat, "institution": prev_inst},
        {"category": d.category_code, "institution": d.institution_code},
    )


def _audit_owner(
    session: Session,
    actor: Actor,
    d: Demand,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Changes of a demand's category or institution also enter the hash-chained audit log
    (every transition is in the demand's own event log)."""
    record(session, actor, Change(action, "demand", str(d.id), before, after))


_HANDLERS: dict[Action, Handler] = {
    Action.dispatch: _do_dispatch,
    Action.accept: _do_accept,
    Action.start: _simple(State.in_progress),
    Action.wait: _do_wait,
    Action.resume: _do_resume,
    Action.resolve: _do_resolve,
    Action.confirm: _do_confirm,
    Action.return_: _do_return,
    Action.transfer: _do_transfer,
    Action.withdraw: _do_withdraw,
    Action.recategorise: _do_recategorise,
}


# ---------------------------------------------------------------- lists


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
