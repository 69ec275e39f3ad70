"""Demand pages: the queue, filing, one demand with its log and action forms, meetings and
the leader's board, metrics and notices. Thin adapters over demands.service; admin pages of
the reference data and the calendar are in admin_pages.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.demands import admin_pages, practice_pages, present, service
from highland.demands import attachments as files
from highland.demands.export import board_rows, board_xlsx, get_meeting, state_counts
from highland.demands.meetings import KINDS, MeetingInput, attendees, create_meeting
from highland.demands.models import Attachment, Demand, DemandCategory, Meeting
from highland.demands.present import Names, local
from highland.demands.present import render_page as _page
from highland.demands.workflow import PRIORITIES, REQUEST_TYPES, VERDICTS, State
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor
from highland.platform.calendar import load_calendar
from highland.platform.calendar.provisional import demand_marks
from highland.platform.db import utcnow
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput, NotFound
from highland.platform.identity.permissions import Permission, Principal, Role
from highland.platform.institutions.models import Institution
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import error_text, has, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
router.include_router(admin_pages.router)
router.include_router(practice_pages.router)
READ = Depends(require(Permission.demands_read))
FILE = Depends(require(Permission.demands_file))
METRICS = Depends(require(Permission.demands_metrics))
CSRF = [Depends(csrf_protect)]
PER_PAGE = 50
ROW_FIELDS = ("enterprise", "category", "title", "description", "priority", "request_type")


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _categories(db: Session) -> list[DemandCategory]:
    return list(
        db.scalars(
            select(DemandCategory)
            .where(DemandCategory.active.is_(True))
            .order_by(DemandCategory.code)
        )
    )


def _institutions(db: Session) -> list[Institution]:
    return list(db.scalars(select(Institution).order_by(Institution.code)))


def _error(lang: str, exc: HighlandError) -> dict[str, Any]:
    """An error for a form: the field it belongs to and the message, with a lead-in."""
    field = present.form_field(exc.field)
    lead = translate(lang, f"demands.error.{exc.status_code}")
    message = error_text(lang, exc)
    label = translate(lang, f"demands.field.{field}") if has(f"demands.field.{field}") else None
    return {
        "field": field,
        "label": label,
        "message": message,
        "lead": lead,
        "status": exc.status_code,
    }


# --------------------------------------------------------------------------- queue


@router.get("/demands")
def queue_page(
    request: Request,
    state: str | None = Query(None, max_length=16),
    institution: str | None = Query(None, max_length=32),
    category: str | None = Query(None, max_length=32),
    request_type: str | None = Query(None, max_length=12),
    overdue: bool = False,
    open_only: bool = Query(False, alias="open"),
    q: str | None = Query(None, max_length=100),
    page: DbInt = Query(1, ge=1, le=100_000),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The handler's queue, an enterprise's own demands, or every demand for staff."""
    lang = language(request)
    if state and state not in {s.value for s in State}:
        raise InvalidInput(f"state: unknown state '{state}'", field="state")
    flt = service.DemandFilter(
        state=state or None,
        institution=institution or None,
        category=category or None,
        request_type=request_type or None,
        overdue=overdue or None,
        open=True if open_only else None,
        q=q or None,
    )
    stmt = service.list_query(principal, flt)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    stmt = (
        stmt.add_columns(Enterprise.name, Enterprise.name_en, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == Demand.enterprise_id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    names = Names.load(db, lang)
    now = utcnow()
    cal = load_calendar(db)
    rows = [
        {
            "d": d,
            "marks": demand_marks(cal, d),
            "enterprise": (name_en or name) if lang == "en" else name,
            "uscc": uscc,
            "category": names.category(d.category_code),
            "institution": names.institution(d.institution_code),
            "response_due": local(d.response_due),
            "resolution_due": local(d.resolution_due),
            "state": present.state_label(lang, d.state),
            "flag": present.flag(d, now),
        }
        for d, name, name_en, uscc in db.execute(stmt)
    ]
    params = {
        "state": state or "",
        "institution": institution or "",
        "category": category or "",
        "request_type": request_type or "",
        "overdue": "true" if overdue else "",
        "open": "true" if open_only else "",
        "q": q or "",
    }
    base = "/demands?" + "&".join(f"{k}={quote(v)}" for k, v in params.items() if v)
    ctx = {
        "nav": "demands",
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "base": base,
        "f": params,
        "states": [s.value for s in State],
        "categories": _categories(db),
        "institutions": _institutions(db),
        "names": names,
        "request_types": REQUEST_TYPES,
        "fixed_institution": principal.role is Role.handler,
    }
    return _page(request, db, "demands/queue.html", ctx)


# --------------------------------------------------------------------------- filing


def _new_form(
    request: Request,
    db: Session,
    principal: Principal,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    own = None
    if principal.role is Role.enterprise and principal.enterprise_id is not None:
        own = db.get(Enterprise, principal.enterprise_id)
    ctx = {
        "nav": "demands",
        "own": own,
        "categories": _categories(db),
        "names": Names.load(db, language(request)),
        "priorities": PRIORITIES,
        "request_types": REQUEST_TYPES,
        "form": form or {"priority": "normal"},
        "error": error,
        "can_route": principal.can(Permission.demands_route),
        "max_mb": request.app.state.settings.demand_attachment_max_mb,
        "types": ", ".join(sorted(files.TYPES)),
    }
    return _page(request, db, "demands/new.html", ctx, status_code=status_code)


@router.get("/demands/new")
def new_page(request: Request, db: Session = DB, principal: Principal = FILE) -> Response:
    """The form to file a demand (an enterprise for itself, staff for an enterprise)."""
    return _new_form(request, db, principal)


def _chain(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(
            f"chain: '{text}' is not a chain id (a whole number)", field="chain"
        ) from None


@router.post("/demands/new", dependencies=CSRF)
async def file_page(
    request: Request,
    enterprise: str = Form(""),
    category: str = Form(""),
    title: str = Form(""),
    description: str = Form(""),
    priority: str = Form("normal"),
    request_type: str = Form(""),
    chain: str = Form(""),
    tags: str = Form(""),
    dispatch: bool = Form(False),
    attachments: list[UploadFile] = File(default=[]),
    db: Session = DB,
    principal: Principal = FILE,
) -> Response:
    """File a demand; on any error show the form again with the input kept, nothing written."""
    form = {
        "enterprise": enterprise, "category": category, "title": title,
        "description": description, "priority": priority, "chain": chain, "tags": tags,
        "dispatch": dispatch, "request_type": request_type,
    }  # fmt: skip
    if principal.role is Role.enterprise:
        own = db.get(Enterprise, principal.enterprise_id) if principal.enterprise_id else None
        enterprise = own.uscc if own else ""
    uploads = [files.Upload(u.filename or "", await u.read()) for u in attachments]
    try:
        data = service.DemandInput(
            enterprise=enterprise,
            category=category,
            title=title,
            description=description,
            priority=priority,
            request_type=request_type,
            require_type=True,
            chain_id=_chain(chain),
            tags=tags,  # type: ignore[arg-type]  # the service splits a text of tags
        )
        d = service.file_demand(db, principal, _actor(principal), data, uploads, dispatch=dispatch)
    except (InvalidInput, HighlandError) as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _new_form(
            request, db, principal, form, _error(language(request), exc), exc.status_code
        )
    return RedirectResponse(f"/demands/{d.id}?filed=1", status_code=303)


# --------------------------------------------------------------------------- one demand


def _demand_page(
    request: Request,
    db: Session,
    principal: Principal,
    demand_id: DbInt,
    error: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    lang = language(request)
    d = service.get_demand(db, principal, demand_id)
    names = Names.load(db, lang)
    ent = db.get(Enterprise, d.enterprise_id)
    atts = db.execute(
        select(Attachment.id, Attachment.filename, Attachment.size, Attachment.created_at)
        .where(Attachment.demand_id == d.id)
        .order_by(Attachment.id)
    ).all()
    meeting = db.get(Meeting, d.meeting_id) if d.meeting_id else None
    actions = service.actions_for(principal, d)
    ctx = {
        "nav": "demands",
        "d": d,
        "ent": ent,
        "ent_name": ((ent.name_en or ent.name) if lang == "en" else ent.name) if ent else "—",
        "names": names,
        "local": local,
        "size": present.size,
        "state": present.state_label(lang, d.state),
        "flag": present.flag(d, utcnow()),
        "marks": demand_marks(load_calendar(db), d),
        "attachments": atts,
        "meeting": meeting,
        "log": present.event_rows(lang, names, service.events(db, d.id)),
        "actions": actions,
        "practice": practice_pages.demand_context(db, principal, d),
        "inputs": present.ACTION_INPUTS,
        "categories": _categories(db),
        "institutions": _institutions(db),
        "verdicts": VERDICTS,
        "error": error,
        "form": form or {},
        "filed": request.query_params.get("filed") == "1",
    }
    return _page(request, db, "demands/detail.html", ctx, status_code=status_code)


@router.get("/demands/{demand_id}")
def demand_page(
    request: Request, demand_id: DbInt, db: Session = DB, principal: Principal = READ
) -> Response:
    """A demand: fields, clocks, attachments, the event log and one form per allowed action."""
    return _demand_page(request, db, principal, demand_id)


@router.post("/demands/{demand_id}/actions/{action}", dependencies=CSRF)
def action_page(
    request: Request,
    demand_id: DbInt,
    action: str,
    version: str = Form(""),
    reason: str = Form(""),
    note: str = Form(""),
    institution: str = Form(""),
    resolution: str = Form(""),
    verdict: str = Form(""),
    rating: str = Form(""),
    comment: str = Form(""),
    category: str = Form(""),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """Take one action; a stale version or an action not allowed now changes nothing and says
    so on the demand's page."""
    form = {
        "action": action, "reason": reason, "note": note, "institution": institution,
        "resolution": resolution, "verdict": verdict, "rating": rating, "comment": comment,
        "category": category,
    }  # fmt: skip
    data = {k: v.strip() for k, v in form.items() if k != "action" and v.strip()}
    try:
        try:
            ver = int(version) if version.strip() else None
        except ValueError:
            raise InvalidInput(
                f"version: '{version}' is not a version number", field="version"
            ) from None
        service.act(db, principal, _actor(principal), demand_id, action, version=ver, data=data)
    except NotFound:
        raise
    except HighlandError as exc:
        db.rollback()
        err = _error(language(request), exc)
        if exc.status_code == 409 and exc.field == "version":
            err["lead"] = translate(language(request), "demands.error.stale")
        err["action"] = action
        return _demand_page(request, db, principal, demand_id, err, form, exc.status_code)
    return RedirectResponse(f"/demands/{demand_id}#log", status_code=303)


@router.get("/demands/{demand_id}/attachments/{attachment_id}")
def attachment_download(
    demand_id: DbInt, attachment_id: DbInt, db: Session = DB, principal: Principal = READ
) -> Response:
    """Download an attachment of a demand the caller may see."""
    return files.download(service.attachment(db, principal, demand_id, attachment_id))


# --------------------------------------------------------------------------- meetings


@router.get("/demand-meetings")
def meetings_page(request: Request, db: Session = DB, principal: Principal = READ) -> Response:
    """Meeting and visit records, newest first, with their number of demands."""
    counts = dict(
        db.execute(
            service.list_query(principal, service.DemandFilter())
            .order_by(None)
            .with_only_columns(Demand.meeting_id, func.count())
            .where(Demand.meeting_id.is_not(None))
            .group_by(Demand.meeting_id)
        ).all()
    )
    stmt = select(Meeting).order_by(Meeting.held_at.desc(), Meeting.id.desc())
    if principal.role is Role.enterprise:
        stmt = stmt.where(Meeting.id.in_(counts.keys()))
    ctx = {
        "nav": "demands",
        "meetings": list(db.scalars(stmt.limit(500))),
        "counts": counts,
        "local": local,
    }
    return _page(request, db, "demands/meetings.html", ctx)


def _meeting_form(
    request: Request,
    db: Session,
    form: dict[str, Any],
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "nav": "demands",
        "form": form,
        "kinds": KINDS,
        "categories": _categories(db),
        "names": Names.load(db, language(request)),
        "priorities": PRIORITIES,
        "request_types": REQUEST_TYPES,
        "error": error,
        "can_route": False,
    }
    return _page(request, db, "demands/meeting_new.html", ctx, status_code=status_code)


@router.get("/demand-meetings/new")
def meeting_new_page(request: Request, db: Session = DB, principal: Principal = FILE) -> Response:
    """The meeting form: the record, its attendees and a batch of demand rows on one screen."""
    if principal.role is Role.enterprise:
        raise NotFound("meeting records are entered by staff")
    now = utcnow().astimezone(CITY_TZ).replace(second=0, microsecond=0)
    form = {
        "kind": "meeting",
        "held_at": now.strftime("%Y-%m-%dT%H:%M"),
        "rows": [dict.fromkeys(ROW_FIELDS, "") | {"priority": "normal"} for _ in range(3)],
    }
    return _meeting_form(request, db, form)


def _held_at(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"held_at: '{text}' is not a date and time (YYYY-MM-DD HH:MM)", field="held_at"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=CITY_TZ)


@router.post("/demand-meetings/new", dependencies=CSRF)
async def meeting_create(
    request: Request, db: Session = DB, principal: Principal = FILE
) -> Response:
    """Record a meeting and file its rows, all or nothing; a bad row is named by its number."""
    if principal.role is Role.enterprise:
        raise NotFound("meeting records are entered by staff")
    raw = await request.form()

    def one(name: str) -> str:
        value = raw.get(name)
        return value.strip() if isinstance(value, str) else ""

    columns = {
        f: [v if isinstance(v, str) else "" for v in raw.getlist(f"row_{f}")] for f in ROW_FIELDS
    }
    n = max((len(v) for v in columns.values()), default=0)
    rows = [
        {f: (columns[f][i] if i < len(columns[f]) else "").strip() for f in ROW_FIELDS}
        for i in range(n)
    ]
    # Trailing empty rows are the unused lines of the table, not demands.
    while rows and not any(v for k, v in rows[-1].items() if k not in ("priority", "request_type")):
        rows.pop()
    form: dict[str, Any] = {
        k: one(k) for k in ("kind", "title", "held_at", "place", "leader", "notes", "attendees")
    }
    dispatch = one("dispatch") in ("1", "true", "on")
    form["dispatch"] = dispatch
    form["rows"] = rows or [dict.fromkeys(ROW_FIELDS, "") | {"priority": "normal"}]
    try:
        m = MeetingInput(
            title=form["title"],
            held_at=_held_at(form["held_at"]),
            place=form["place"],
            leader=form["leader"],
            kind=form["kind"] or "meeting",
            notes=form["notes"] or None,
            attendees=present.parse_lines(form["attendees"]),
        )
        inputs = [
            service.DemandInput(
                enterprise=r["enterprise"],
                category=r["category"],
                title=r["title"],
                description=r["description"],
                priority=r["priority"] or "normal",
                request_type=r["request_type"],
                require_type=True,
            )  # fmt: skip
            for r in rows
        ]
        meeting, _ = create_meeting(db, principal, _actor(principal), m, inputs, dispatch=dispatch)
    except NotFound:
        raise
    except HighlandError as exc:
        db.rollback()
        return _meeting_form(request, db, form, _error(language(request), exc), exc.status_code)
    return RedirectResponse(f"/demand-meetings/{meeting.id}", status_code=303)


@router.get("/demand-meetings/{meeting_id}")
def board_page(
    request: Request, meeting_id: DbInt, db: Session = DB, principal: Principal = READ
) -> Response:
    """The leader's board: the meeting's demands live, with institution, deadlines, state."""
    lang = language(request)
    m = get_meeting(db, principal, meeting_id)
    rows = board_rows(db, principal, meeting_id, lang)
    ctx = {
        "nav": "demands",
        "m": m,
        "rows": rows,
        "counts": state_counts(rows),
        "attendees": attendees(db, meeting_id, principal),
        "local": local,
        "states": [s.value for s in State],
    }
    return _page(request, db, "demands/board.html", ctx)


@router.get("/demand-meetings/{meeting_id}/export.xlsx")
def board_export(meeting_id: DbInt, db: Session = DB, principal: Principal = READ) -> Response:
    """The meeting's demand list as XLSX."""
    content = board_xlsx(db, principal, meeting_id)
    name = f"meeting-{meeting_id}-demands.xlsx"
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- metrics


def _day(text: str | None, name: str, end: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        d = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(
            f"{name}: '{text}' is not a date; write YYYY-MM-DD", field=name
        ) from None
    if end:
        d = d.replace(hour=23, minute=59, second=59)
    return d.replace(tzinfo=CITY_TZ)


@router.get("/demand-metrics")
def metrics_page(
    request: Request,
    start: str | None = Query(None, max_length=10),
    end: str | None = Query(None, max_length=10),
    category: str | None = Query(None, max_length=32),
    chain: str | None = Query(None, max_length=6),
    sort: str = Query("composite", pattern="^(composite|response|on_time|solved|satisfaction)$"),
    due_month: str | None = Query(None, max_length=7),
    due_from: str | None = Query(None, max_length=10),
    due_to: str | None = Query(None, max_length=10),
    db: Session = DB,
    principal: Principal = METRICS,
) -> Response:
    """Per-institution response, on-time, actual resolution rate and satisfaction, each with
    its volume; ranks only for institutions above the minimum volume."""
    from highland.demands import metrics
    from highland.demands.practice_metrics import practice_metrics

    lang = language(request)
    f = {
        "start": start or "",
        "end": end or "",
        "category": category or "",
        "chain": chain or "",
        "sort": sort,
    }
    error = None
    rows: list[dict[str, Any]] = []
    report = practice = None
    f.update({"due_month": due_month or "", "due_from": due_from or "", "due_to": due_to or ""})
    try:
        filters: dict[str, Any] = {"category": category or None, "chain_id": _chain(chain or "")}
        period = (_day(start, "start"), _day(end, "end", end=True))
        due_start, due_end, shown = practice_pages.due_period(due_month, due_from, due_to)
        f.update(shown)
        report = metrics.institution_metrics(
            db, *period, **filters, min_volume=request.app.state.settings.demand_ranking_min_volume
        )
        rows = report.as_rows(sort)
        practice = practice_metrics(
            db, *period, **filters, due_start=due_start, due_end=due_end, now=report.now
        )
    except InvalidInput as exc:
        error = _error(lang, exc)
    names = Names.load(db, lang)
    for r in rows:
        r["label"] = names.institution(r["institution"])
        r["practice"] = practice.institution_row(r["institution"]) if practice else None
    ctx = {
        "nav": "demands",
        "rows": rows,
        "report": report,
        "f": f,
        "error": error,
        "categories": _categories(db),
        "names": names,
        "min_volume": report.min_volume if report else None,
        "practice": practice,
        "due_rows": practice_pages.due_rows(practice, names) if practice else [],
        "due_span": practice_pages.span(practice) if practice else "",
    }
    return _page(request, db, "demands/metrics.html", ctx, 422 if error else 200)
