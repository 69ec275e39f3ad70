"""Filing a demand: its fields checked (every channel builds a `DemandInput`), the demand and
its first event written, and dispatched at once when a router asks."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands import attachments as files
from highland.demands.access import FILERS, parts_of
from highland.demands.clocks import _dispatch, _log
from highland.demands.models import Demand, DemandCategory, Meeting, MeetingAttendee
from highland.demands.reference import route_for
from highland.demands.workflow import PRIORITIES, REQUEST_TYPES, Part, State
from highland.enterprises.public import EnterpriseRef, ref_by_uscc
from highland.platform.audit.service import Actor
from highland.platform.calendar import load_calendar
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Forbidden, InvalidInput
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit import inert

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


def _enterprise(session: Session, uscc: str, where: str = "enterprise") -> EnterpriseRef:
    ent = ref_by_uscc(session, (uscc or "").strip().upper())
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
