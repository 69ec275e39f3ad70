"""Demand pages: the queue, filing, one demand with its log and action forms, meetings and
the leader's board, metrics and notices. Thin adapters over demands.service; admin pages of
the reference data and the calendar are in admin_pages.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.demands import attachments as files
from highland.demands import present, repository, service
from highland.demands.meetings import pages as meeting_pages
from highland.demands.metrics import pages as metrics_pages
from highland.demands.practice import pages as practice_pages
from highland.demands.present import Names, actor_of, form_error, local
from highland.demands.present import render_page as _page
from highland.demands.reference import calendar_pages
from highland.demands.reference import pages as reference_pages
from highland.demands.workflow import PRIORITIES, REQUEST_TYPES, VERDICTS, State
from highland.platform.calendar import load_calendar
from highland.platform.calendar.provisional import demand_marks
from highland.platform.db import utcnow
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput, NotFound
from highland.platform.identity.permissions import Permission, Principal, Role
from highland.platform.pagination import paginate
from highland.platform.web.i18n import local_name, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
router.include_router(reference_pages.router)
router.include_router(calendar_pages.router)
router.include_router(practice_pages.router)
READ = Depends(require(Permission.demands_read))
FILE = Depends(require(Permission.demands_file))
CSRF = [Depends(csrf_protect)]
PER_PAGE = 50


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
    flt = repository.DemandFilter(
        state=state or None,
        institution=institution or None,
        category=category or None,
        request_type=request_type or None,
        overdue=overdue or None,
        open=True if open_only else None,
        q=q or None,
    )
    found = paginate(
        db,
        repository.with_enterprise(repository.demands(principal, flt)),
        page,
        PER_PAGE,
        rows=True,
    )
    names = Names.load(db, lang)
    now = utcnow()
    cal = load_calendar(db)
    rows = [
        {
            "d": d,
            "marks": demand_marks(cal, d),
            "enterprise": local_name(lang, name, name_en),
            "uscc": uscc,
            "category": names.category(d.category_code),
            "institution": names.institution(d.institution_code),
            "response_due": local(d.response_due),
            "resolution_due": local(d.resolution_due),
            "state": present.state_label(lang, d.state),
            "flag": present.flag(d, now),
        }
        for d, name, name_en, uscc in found.items
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
        "total": found.total,
        "page": page,
        "pages": found.pages,
        "base": base,
        "f": params,
        "states": [s.value for s in State],
        "categories": repository.categories(db, active=True),
        "institutions": repository.institutions(db),
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
    if principal.role is Role.enterprise:
        own = repository.enterprise(db, principal.enterprise_id)
    ctx = {
        "nav": "demands",
        "own": own,
        "categories": repository.categories(db, active=True),
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
        own = repository.enterprise(db, principal.enterprise_id)
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
            chain_id=present.chain_id(chain),
            tags=tags,  # type: ignore[arg-type]  # the service splits a text of tags
        )
        d = service.file_demand(
            db, principal, actor_of(principal), data, uploads, dispatch=dispatch
        )
    except (InvalidInput, HighlandError) as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _new_form(
            request, db, principal, form, form_error(language(request), exc), exc.status_code
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
    d = repository.demand(db, principal, demand_id)
    names = Names.load(db, lang)
    ent = repository.enterprise(db, d.enterprise_id)
    actions = service.actions_for(principal, d)
    ctx = {
        "nav": "demands",
        "d": d,
        "ent": ent,
        "ent_name": local_name(lang, ent.name, ent.name_en) if ent else "—",
        "names": names,
        "local": local,
        "size": present.size,
        "state": present.state_label(lang, d.state),
        "flag": present.flag(d, utcnow()),
        "marks": demand_marks(load_calendar(db), d),
        "attachments": repository.attachment_rows(db, d.id),
        "meeting": repository.meeting_of(db, d),
        "log": present.event_rows(lang, names, service.events(db, d.id)),
        "actions": actions,
        "practice": practice_pages.demand_context(db, principal, d),
        "inputs": present.ACTION_INPUTS,
        "categories": repository.categories(db, active=True),
        "institutions": repository.institutions(db),
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
                f"version: '{version}' is not a version number",
                field="version",
                code="demand.version_not_number",
                params={"value": version},
            ) from None
        service.act(db, principal, actor_of(principal), demand_id, action, version=ver, data=data)
    except NotFound:
        raise
    except HighlandError as exc:
        db.rollback()
        err = form_error(language(request), exc)
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
    return files.download(repository.attachment(db, principal, demand_id, attachment_id))


# Meetings and the leader's board, then metrics, after the demand pages (as they always were).
router.include_router(meeting_pages.router)
router.include_router(metrics_pages.router)
