"""REST API of enterprise demands (JSON), over the same services as the pages and the CLI."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.demands import attachments as files
from highland.demands import reference, repository, service, uploads
from highland.demands.meetings import service as meetings
from highland.demands.meetings.board import board_xlsx
from highland.demands.metrics import institution_metrics
from highland.demands.models import Attachment, Demand, Meeting
from highland.demands.practice.api import practice_section
from highland.demands.schemas import (
    ActionIn,
    AttachmentOut,
    CategoryIn,
    CategoryOut,
    DeadlineOut,
    DemandIn,
    DemandOut,
    DemandPage,
    EventOut,
    InstitutionIn,
    InstitutionOut,
    MeetingIn,
    MeetingOut,
    RouteIn,
)
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.calendar.provisional import demand_marks
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.institutions.models import Institution
from highland.platform.kit.dates import CITY_TZ
from highland.platform.pagination import paginate
from highland.platform.web.params import XLSX_TYPE, DbInt

router = APIRouter(prefix="/api/v1", tags=["demands"])
READ = Depends(require(Permission.demands_read))
FILE = Depends(require(Permission.demands_file))
ADMIN = Depends(require(Permission.demands_admin))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, "api")


def _input(body: DemandIn) -> service.DemandInput:
    return service.DemandInput(
        enterprise=body.enterprise,
        category=body.category,
        title=body.title,
        description=body.description,
        priority=body.priority,
        request_type=body.request_type,
        chain_id=body.chain_id,
        tags=list(body.tags),
        meeting_id=body.meeting_id,
        address=body.address,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        contact_email=body.contact_email,
        public=body.public,
    )


def _attachment(d: Demand, a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.id,
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        url=f"/api/v1/demands/{d.id}/attachments/{a.id}",
    )


def _out(
    db: Session,
    principal: Principal,
    d: Demand,
    *,
    detail: bool = False,
    ent: Any = None,
    cal: WorkCalendar | None = None,
) -> DemandOut:
    ent = ent or repository.enterprise(db, d.enterprise_id)
    marks = demand_marks(cal or load_calendar(db), d)
    out = DemandOut.of(d, ent.uscc, ent.name, service.actions_for(principal, d), marks)
    if detail:
        out.events = [EventOut.of(e) for e in service.events(db, d.id)]
        out.attachments = [_attachment(d, a) for a in repository.attachments(db, d.id)]
    return out


def _outs(db: Session, principal: Principal, rows: list[Demand]) -> list[DemandOut]:
    """Several demands, their enterprises and the calendar read once."""
    ents = repository.enterprises(db, {d.enterprise_id for d in rows})
    cal = load_calendar(db)
    return [_out(db, principal, d, ent=ents[d.enterprise_id], cal=cal) for d in rows]


@router.get("/demands", response_model=DemandPage)
def list_demands(
    db: Session = DB,
    principal: Principal = READ,
    state: str | None = None,
    open: bool | None = None,
    institution: str | None = None,
    category: str | None = None,
    request_type: str | None = Query(None, description="consult|help|complaint|suggest|none"),
    meeting_id: DbInt | None = None,
    chain_id: DbInt | None = None,
    overdue: bool | None = None,
    q: str | None = Query(None, max_length=100),
    page: DbInt = Query(1, ge=1, le=100_000),
    per_page: DbInt = Query(50, ge=1, le=500),
) -> DemandPage:
    """Demands the caller may see (enterprises: their own; handlers: their institution's)."""
    flt = repository.DemandFilter(
        state=state,
        open=open,
        institution=institution,
        category=category,
        request_type=request_type,
        meeting_id=meeting_id,
        chain_id=chain_id,
        overdue=overdue,
        q=q,
    )
    found = paginate(db, repository.demands(principal, flt), page, per_page)
    items = _outs(db, principal, list(found.items))
    return DemandPage(total=found.total or 0, page=page, per_page=per_page, items=items)


@router.post("/demands", response_model=DemandOut, status_code=201, dependencies=CSRF)
def file_demand(body: DemandIn, db: Session = DB, principal: Principal = FILE) -> DemandOut:
    """File a demand (an enterprise for itself; staff on behalf of one)."""
    d = service.file_demand(db, principal, _actor(principal), _input(body), dispatch=body.dispatch)
    return _out(db, principal, d)


@router.get("/demands/{demand_id}", response_model=DemandOut)
def get_demand(demand_id: DbInt, db: Session = DB, principal: Principal = READ) -> DemandOut:
    """One demand with its event log, attachments and the actions the caller may take."""
    return _out(db, principal, repository.demand(db, principal, demand_id), detail=True)


@router.get("/demands/{demand_id}/events", response_model=list[EventOut])
def demand_events(
    demand_id: DbInt, db: Session = DB, principal: Principal = READ
) -> list[EventOut]:
    """The demand's append-only event log."""
    repository.demand(db, principal, demand_id)
    return [EventOut.of(e) for e in service.events(db, demand_id)]


@router.post("/demands/{demand_id}/actions/{action}", response_model=DemandOut, dependencies=CSRF)
def take_action(
    demand_id: DbInt,
    action: str,
    body: ActionIn,
    db: Session = DB,
    principal: Principal = READ,
    if_match: str | None = Header(None, description="the version you loaded (instead of body)"),
) -> DemandOut:
    """Take an action; send the version you loaded: a stale version gets 409 and changes nothing."""
    version = body.version
    if version is None and if_match:
        try:
            version = int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
        except ValueError:
            raise InvalidInput(
                f"If-Match: '{if_match}' is not a version number",
                field="If-Match",
                code="demand.if_match",
                params={"value": if_match},
            ) from None
    data = body.model_dump(exclude={"version"}, exclude_none=True)
    d = service.act(db, principal, _actor(principal), demand_id, action, version=version, data=data)
    return _out(db, principal, d, detail=True)


@router.post(
    "/demands/{demand_id}/attachments",
    response_model=list[AttachmentOut],
    status_code=201,
    dependencies=CSRF,
)
async def add_attachments(
    demand_id: DbInt,
    request: Request,
    upload: list[UploadFile] = File(..., alias="file"),
    db: Session = DB,
    principal: Principal = READ,
) -> list[AttachmentOut]:
    """Attach files (the enterprise, staff or the handling institution); all or nothing."""
    received = [files.Upload(u.filename or "", await u.read()) for u in upload]
    added = uploads.add(db, principal, _actor(principal), demand_id, received)
    return [AttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size,
                          sha256=a.sha256, url=f"/api/v1/demands/{demand_id}/attachments/{a.id}")
            for a in added]  # fmt: skip


@router.get("/demands/{demand_id}/attachments/{attachment_id}")
def get_attachment(
    demand_id: DbInt, attachment_id: DbInt, db: Session = DB, principal: Principal = READ
) -> Response:
    """Download an attachment."""
    return files.download(repository.attachment(db, principal, demand_id, attachment_id))


# ---------------------------------------------------------------- reference data


@router.get("/demand-categories", response_model=list[CategoryOut])
def list_categories(db: Session = DB, principal: Principal = READ) -> list[CategoryOut]:
    """Categories with their response and resolution limits in working days."""
    return [CategoryOut.model_validate(c) for c in repository.categories(db)]


@router.put("/demand-categories/{category}", response_model=CategoryOut, dependencies=CSRF)
def put_category(
    category: str, body: CategoryIn, db: Session = DB, principal: Principal = ADMIN
) -> CategoryOut:
    """Create or change a category (admins)."""
    data = {"code": category, **body.model_dump()}
    row = reference.upsert_category(db, _actor(principal), data)
    return CategoryOut.model_validate(row)


def _inst(i: Institution) -> InstitutionOut:
    return InstitutionOut(
        code=i.code, name=i.name, name_en=i.name_en, parent=i.parent_code,
        district=i.district_code, contact_name=i.contact_name, contact_phone=i.contact_phone,
        contact_email=i.contact_email, active=i.active,
    )  # fmt: skip


@router.get("/institutions", response_model=list[InstitutionOut])
def list_institutions(db: Session = DB, principal: Principal = READ) -> list[InstitutionOut]:
    """Responsible institutions."""
    return [_inst(i) for i in repository.institutions(db)]


@router.put("/institutions/{institution}", response_model=InstitutionOut, dependencies=CSRF)
def put_institution(
    institution: str, body: InstitutionIn, db: Session = DB, principal: Principal = ADMIN
) -> InstitutionOut:
    """Create or change an institution (admins)."""
    data = {"code": institution, **body.model_dump()}
    return _inst(reference.upsert_institution(db, _actor(principal), data))


@router.get("/demand-routing", response_model=list[RouteIn])
def list_routing(db: Session = DB, principal: Principal = READ) -> list[RouteIn]:
    """The routing table: category × district → lead institution and co-handlers."""
    rows = repository.routes(db)
    return [
        RouteIn(
            category=r.category_code,
            district=r.district_key,
            lead=r.lead_code,
            co=list(r.co_handlers),
        )
        for r in rows
    ]


@router.put("/demand-routing", response_model=RouteIn, dependencies=CSRF)
def put_route(body: RouteIn, db: Session = DB, principal: Principal = ADMIN) -> RouteIn:
    """Set one cell of the routing table (admins)."""
    r = reference.set_route(db, _actor(principal), body.model_dump())
    return RouteIn(
        category=r.category_code, district=r.district_key, lead=r.lead_code, co=list(r.co_handlers)
    )


@router.delete("/demand-routing/{category}/{district}", status_code=204, dependencies=CSRF)
def delete_route(
    category: str, district: str, db: Session = DB, principal: Principal = ADMIN
) -> Response:
    """Remove one cell of the routing table (admins)."""
    reference.delete_route(db, _actor(principal), category, district)
    return Response(status_code=204)


# ---------------------------------------------------------------- meetings


def _meeting_out(db: Session, principal: Principal, m: Meeting) -> MeetingOut:
    rows = repository.of_meeting(db, principal, m.id)
    return MeetingOut(
        id=m.id, kind=m.kind, title=m.title, held_at=m.held_at, place=m.place, leader=m.leader,
        district=m.district_code, notes=m.notes,
        attendees=[e.uscc for e in repository.attendees(db, m.id, principal)],
        demands=_outs(db, principal, rows),
        by_state=dict(Counter(d.state for d in rows)),
    )  # fmt: skip


@router.post("/demand-meetings", response_model=MeetingOut, status_code=201, dependencies=CSRF)
def create_meeting(body: MeetingIn, db: Session = DB, principal: Principal = FILE) -> MeetingOut:
    """Record a meeting or visit and file its demands in one request (all or nothing)."""
    m, _ = meetings.create_meeting(
        db,
        principal,
        _actor(principal),
        meetings.MeetingInput(
            title=body.title,
            held_at=body.held_at,
            place=body.place,
            leader=body.leader,
            kind=body.kind,
            district=body.district,
            notes=body.notes,
            attendees=list(body.attendees),
        ),  # fmt: skip
        [_input(d) for d in body.demands],
        dispatch=body.dispatch,
    )
    return _meeting_out(db, principal, m)


@router.get("/demand-meetings/{meeting_id}", response_model=MeetingOut)
def get_meeting(meeting_id: DbInt, db: Session = DB, principal: Principal = READ) -> MeetingOut:
    """The leader's board: the meeting's demands with institution, deadlines and state."""
    return _meeting_out(db, principal, repository.meeting(db, principal, meeting_id))


# ---------------------------------------------------------------- calendar


@router.get("/calendar/deadline", response_model=DeadlineOut)
def deadline(
    start: datetime = Query(..., alias="from", description="ISO 8601 datetime with offset"),
    working_days: DbInt = Query(..., ge=0, le=365),
    db: Session = DB,
    principal: Principal = READ,
) -> DeadlineOut:
    """The end (23:59:59 Asia/Shanghai) of the Nth working day after the start's date."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=CITY_TZ)
    cal = load_calendar(db)
    due = cal.add_working_days(start, working_days)
    year = cal.provisional_year(start, due)
    return DeadlineOut(start=start, working_days=working_days, deadline=due,
                       provisional=year is not None, provisional_year=year)  # fmt: skip


# ---------------------------------------------------------------- metrics and exports


@router.get("/demand-metrics")
def demand_metrics(
    db: Session = DB,
    principal: Principal = Depends(require(Permission.demands_metrics)),
    start: datetime | None = Query(None, description="dispatched at or after (ISO 8601)"),
    end: datetime | None = Query(None, description="dispatched before (ISO 8601)"),
    category: str | None = None,
    chain_id: DbInt | None = None,
    rank_by: str = Query("composite", pattern="^(composite|response|on_time|solved|satisfaction)$"),
    due_month: str | None = Query(None, description="fell-due period: a month, YYYY-MM"),
    due_from: str | None = Query(None, description="fell-due period: first day, YYYY-MM-DD"),
    due_to: str | None = Query(None, description="fell-due period: last day, YYYY-MM-DD"),
) -> dict[str, Any]:
    """Per-institution response rate, on-time rate, actual resolution rate and satisfaction.

    Every rate comes as numerator/denominator with the volume; institutions below the minimum
    volume (HIGHLAND_DEMAND_RANKING_MIN_VOLUME) are listed without a rank.
    """
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(
                f"{name}: give a time zone (e.g. +08:00)",
                field=name,
                code="demand.time_zone_missing",
                params={"field": name},
            )
    if start is not None and end is not None and end <= start:
        raise InvalidInput("end: must be after start", field="end", code="demand.end_before_start")
    due = practice_section(due_month, due_from, due_to)
    report = institution_metrics(db, start, end, category=category, chain_id=chain_id)
    return {
        "start": start,
        "end": end,
        "now": report.now,
        "min_volume": report.min_volume,
        "rank_by": rank_by,
        "institutions": report.as_rows(rank_by),
        "returns_by_router": report.returns,
        **due(db, report, start, end, category, chain_id),
    }


@router.get(
    "/demand-meetings/{meeting_id}/export.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}}},
)
def meeting_export(
    meeting_id: DbInt,
    headers: str | None = Query(None, max_length=40, description="zh (default) or codes"),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The meeting's demand list (the leader's board) as XLSX: Chinese headers with the codes
    in their own columns, or `headers=codes` for English machine headers."""
    data = board_xlsx(db, principal, meeting_id, headers=headers or "")
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="meeting-{meeting_id}.xlsx"'},
    )
