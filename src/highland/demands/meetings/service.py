"""Meeting and visit records, and the batch of demands entered from one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from highland.demands.models import Demand, Meeting, MeetingAttendee
from highland.demands.service import FILERS, DemandInput, file_demand
from highland.enterprises.public import ref_by_uscc, region_exists
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Forbidden, HighlandError, InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert

KINDS = ("meeting", "visit")


@dataclass
class MeetingInput:
    """A meeting or visit record."""

    title: str
    held_at: datetime
    place: str
    leader: str
    kind: str = "meeting"
    district: str | None = None
    notes: str | None = None
    attendees: list[str] = field(default_factory=list)  # USCCs


def _check(session: Session, m: MeetingInput) -> list[int]:
    for name, limit in (("title", 300), ("place", 200), ("leader", 100)):
        value = (getattr(m, name) or "").strip()
        label = "demands.meeting.title" if name == "title" else f"demands.field.{name}"
        inert.check_text(getattr(m, name), name, label, visible=True)  # as it is stored
        if not value:
            raise InvalidInput(
                f"meeting.{name}: is required",
                field=name,
                code="demand.required",
                params={"field": f"@{label}"},
            )
        if len(value) > limit:
            raise InvalidInput(
                f"meeting.{name}: at most {limit} characters",
                field=name,
                code="demand.too_long",
                params={"field": f"@{label}", "limit": limit, "got": len(value)},
            )
    inert.check_text(m.notes, "notes", "demands.field.note", multiline=True)
    if m.kind not in KINDS:
        raise InvalidInput(
            f"meeting.kind: '{m.kind}' is not one of {', '.join(KINDS)}",
            field="kind",
            code="demand.meeting_kind",
            params={"value": m.kind},
        )
    if m.held_at.tzinfo is None:
        raise InvalidInput(
            "meeting.held_at: give a time zone (e.g. +08:00)",
            field="held_at",
            code="demand.time_zone_missing",
            params={"field": "@demands.meeting.held_at"},
        )
    if m.held_at > utcnow():
        raise InvalidInput(
            "meeting.held_at: a meeting record is of a meeting already held",
            field="held_at",
            code="demand.meeting_future",
        )
    if m.district and not region_exists(session, m.district):
        raise InvalidInput(
            f"meeting.district: '{m.district}' is not a known district",
            field="district",
            code="demand.unknown_district",
            params={"value": m.district},
        )
    ids: list[int] = []
    for i, uscc in enumerate(m.attendees, 1):
        ent = ref_by_uscc(session, uscc.strip().upper())
        if ent is None:
            raise InvalidInput(
                f"meeting.attendees[{i}]: no enterprise with USCC '{uscc}'",
                field="attendees",
                code="demand.unknown_attendee",
                params={"n": i, "uscc": uscc},
            )
        if ent.id not in ids:
            ids.append(ent.id)
    return ids


def create_meeting(
    session: Session,
    principal: Principal,
    actor: Actor,
    m: MeetingInput,
    rows: list[DemandInput],
    *,
    dispatch: bool = False,
) -> tuple[Meeting, list[Demand]]:
    """Record a meeting and file its demands, all or nothing.

    Every row is checked; the error lists each bad row as `row N, field: problem`.
    Enterprises that raised a demand count as attendees even if not listed.
    """
    if principal.role not in FILERS:
        raise Forbidden(
            f"your role ({principal.role.value}) may not record meetings",
            code="demand.may_not_record_meetings",
            params={"role": f"@role.{principal.role.value}"},
        )
    begin_write(session)
    attendee_ids = _check(session, m)
    meeting = Meeting(
        kind=m.kind,
        title=m.title.strip(),
        held_at=m.held_at,
        place=m.place.strip(),
        leader=m.leader.strip(),
        district_code=m.district or None,
        notes=(m.notes or "").strip() or None,
        created_by=actor.name,
    )
    session.add(meeting)
    session.flush()
    problems: list[InvalidInput] = []
    demands: list[Demand] = []
    for n, row in enumerate(rows, 1):
        row.meeting_id = meeting.id
        try:
            with session.begin_nested():
                d = file_demand(session, principal, actor, row, source="meeting", dispatch=dispatch)
            demands.append(d)
            if d.enterprise_id not in attendee_ids:
                attendee_ids.append(d.enterprise_id)
        except HighlandError as exc:
            problems.append(
                InvalidInput(
                    f"row {n}, {exc.message}",
                    field="rows",
                    code="meeting.row_problem",
                    params={"row": n, "problem": exc},
                )
            )
    if not rows:
        problems.append(
            InvalidInput("no demands: enter at least one row", field="rows", code="meeting.no_rows")
        )
    if problems:
        raise InvalidInput(
            "; ".join(p.message for p in problems),
            field="rows",
            code="meeting.rows_invalid",
            params={"problems": problems},
        )
    for ent_id in attendee_ids:
        session.add(MeetingAttendee(meeting_id=meeting.id, enterprise_id=ent_id))
    record(
        session,
        actor,
        Change(
            "create",
            "demand_meeting",
            str(meeting.id),
            after={
                "title": meeting.title,
                "held_at": meeting.held_at.isoformat(),
                "demands": [d.id for d in demands],
            },
        ),
    )
    session.flush()
    return meeting, demands
