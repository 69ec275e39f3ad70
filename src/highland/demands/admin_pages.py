"""Admin pages of demands: institutions, categories and their limits, the routing table
(category × district) and the working-day calendar. Thin adapters over reference.py and
calendar.py; every change is audited there."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands import reference
from highland.demands.models import DemandCategory, RoutingRule
from highland.demands.present import Names, form_field, local
from highland.demands.present import render_page as _page
from highland.platform import calendar as cal
from highland.platform.audit.service import Actor
from highland.platform.calendar.models import CalendarYear
from highland.platform.calendar.provisional import next_year_missing
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput, NotFound
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.institutions.models import Institution
from highland.platform.kit import clock
from highland.platform.web.i18n import error_text, has, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
ADMIN = Depends(require(Permission.demands_admin))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _error(request: Request, exc: HighlandError) -> dict[str, Any]:
    lang = language(request)
    field = form_field(exc.field)
    key = f"demands.field.{field}"
    return {
        "field": field,
        "label": translate(lang, key) if field and has(key) else None,
        "message": error_text(lang, exc),
        "lead": translate(lang, f"demands.error.{exc.status_code}"),
    }


def _done(path: str, key: str) -> Response:
    return RedirectResponse(f"{path}?saved={key}", status_code=303)


# --------------------------------------------------------------------------- institutions


def _institutions_page(
    request: Request,
    db: Session,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rows = list(db.scalars(select(Institution).order_by(Institution.code)))
    ctx = {
        "nav": "demands",
        "rows": rows,
        "names": Names.load(db, language(request)),
        "form": form or {},
        "error": error,
        "saved": request.query_params.get("saved"),
        "regions": request.app.state.region_names,
    }
    return _page(request, db, "demands/admin_institutions.html", ctx, status_code=status_code)


@router.get("/admin/institutions")
def institutions_page(
    request: Request,
    edit: str | None = Query(None, max_length=32),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Institutions with their parents and contacts; the form adds or edits one."""
    form: dict[str, Any] = {}
    if edit:
        row = db.get(Institution, edit)
        if row is None:
            raise NotFound(f"no institution {edit}")
        form = {
            "code": row.code, "name": row.name, "name_en": row.name_en or "",
            "parent": row.parent_code or "", "district": row.district_code or "",
            "contact_name": row.contact_name or "", "contact_phone": row.contact_phone or "",
            "contact_email": row.contact_email or "", "active": row.active, "editing": True,
        }  # fmt: skip
    return _institutions_page(request, db, form)


@router.post("/admin/institutions", dependencies=CSRF)
def institution_save(
    request: Request,
    code: str = Form(""),
    name: str = Form(""),
    name_en: str = Form(""),
    parent: str = Form(""),
    district: str = Form(""),
    contact_name: str = Form(""),
    contact_phone: str = Form(""),
    contact_email: str = Form(""),
    active: bool = Form(False),
    editing: bool = Form(False),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Add or change an institution; errors keep the input and write nothing."""
    form = {
        "code": code, "name": name, "name_en": name_en, "parent": parent, "district": district,
        "contact_name": contact_name, "contact_phone": contact_phone,
        "contact_email": contact_email, "active": active, "editing": editing,
    }  # fmt: skip
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.items()}
    data.pop("editing")
    data = {k: v for k, v in data.items() if v not in ("", None)} | {"active": active}
    try:
        reference.upsert_institution(db, _actor(principal), data)
    except HighlandError as exc:
        db.rollback()
        return _institutions_page(request, db, form, _error(request, exc), exc.status_code)
    return _done("/admin/institutions", code.strip())


# --------------------------------------------------------------------------- categories


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _categories_page(
    request: Request,
    db: Session,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "nav": "demands",
        "rows": list(db.scalars(select(DemandCategory).order_by(DemandCategory.code))),
        "form": form or {},
        "error": error,
        "saved": request.query_params.get("saved"),
    }
    return _page(request, db, "demands/admin_categories.html", ctx, status_code=status_code)


@router.get("/admin/demand-categories")
def categories_page(
    request: Request,
    edit: str | None = Query(None, max_length=32),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Categories with their response and resolution limits in working days."""
    form: dict[str, Any] = {}
    if edit:
        row = db.get(DemandCategory, edit)
        if row is None:
            raise NotFound(f"no category {edit}")
        form = {
            "code": row.code, "name": row.name, "name_en": row.name_en,
            "description": row.description or "", "response_days": row.response_days,
            "resolution_days": row.resolution_days, "active": row.active, "editing": True,
            "urgent_response_days": _blank(row.urgent_response_days),
            "urgent_resolution_days": _blank(row.urgent_resolution_days),
        }  # fmt: skip
    return _categories_page(request, db, form)


@router.post("/admin/demand-categories", dependencies=CSRF)
def category_save(
    request: Request,
    code: str = Form(""),
    name: str = Form(""),
    name_en: str = Form(""),
    description: str = Form(""),
    response_days: str = Form(""),
    resolution_days: str = Form(""),
    urgent_response_days: str = Form(""),
    urgent_resolution_days: str = Form(""),
    active: bool = Form(False),
    editing: bool = Form(False),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Add a category or change its names and limits (normal and urgent tier)."""
    form = {
        "code": code, "name": name, "name_en": name_en, "description": description,
        "response_days": response_days, "resolution_days": resolution_days, "active": active,
        "urgent_response_days": urgent_response_days,
        "urgent_resolution_days": urgent_resolution_days, "editing": editing,
    }  # fmt: skip
    data = {k: v for k, v in form.items() if k != "editing"}
    data["description"] = description.strip() or None
    try:
        reference.upsert_category(db, _actor(principal), data)
    except HighlandError as exc:
        db.rollback()
        return _categories_page(request, db, form, _error(request, exc), exc.status_code)
    return _done("/admin/demand-categories", code.strip())


# --------------------------------------------------------------------------- routing


def _routing_page(
    request: Request,
    db: Session,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rows = list(
        db.scalars(
            select(RoutingRule).order_by(RoutingRule.category_code, RoutingRule.district_key)
        )
    )
    districts = sorted({r.district_key for r in rows} - {reference.ANY_DISTRICT})
    table: dict[str, dict[str, RoutingRule]] = {}
    for r in rows:
        table.setdefault(r.category_code, {})[r.district_key] = r
    regions = request.app.state.region_names
    ctx = {
        "nav": "demands",
        "table": table,
        "columns": [reference.ANY_DISTRICT, *districts],
        "categories": list(db.scalars(select(DemandCategory).order_by(DemandCategory.code))),
        "institutions": list(db.scalars(select(Institution).order_by(Institution.code))),
        "names": Names.load(db, language(request)),
        "district_choices": sorted(c for c in regions if c.startswith("3201") and len(c) == 6),
        "form": form or {},
        "error": error,
        "saved": request.query_params.get("saved"),
    }
    return _page(request, db, "demands/admin_routing.html", ctx, status_code=status_code)


@router.get("/admin/routing")
def routing_page(request: Request, db: Session = DB, principal: Principal = ADMIN) -> Response:
    """The routing table: category × district → lead institution and co-handlers."""
    return _routing_page(request, db)


@router.post("/admin/routing", dependencies=CSRF)
def routing_save(
    request: Request,
    category: str = Form(""),
    district: str = Form("*"),
    lead: str = Form(""),
    co: str = Form(""),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Set one cell of the routing table."""
    form = {"category": category, "district": district or "*", "lead": lead, "co": co}
    try:
        reference.set_route(db, _actor(principal), dict(form))
    except HighlandError as exc:
        db.rollback()
        return _routing_page(request, db, form, _error(request, exc), exc.status_code)
    return _done("/admin/routing", f"{category}:{district or '*'}")


@router.post("/admin/routing/delete", dependencies=CSRF)
def routing_delete(
    request: Request,
    category: str = Form(""),
    district: str = Form("*"),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Remove one cell of the routing table."""
    try:
        reference.delete_route(db, _actor(principal), category, district or "*")
    except HighlandError as exc:
        db.rollback()
        return _routing_page(request, db, {}, _error(request, exc), exc.status_code)
    return _done("/admin/routing", f"{category}:{district or '*'}")


# --------------------------------------------------------------------------- calendar


def _calendar_page(
    request: Request,
    db: Session,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    work = cal.load_calendar(db)
    admin = {r.year: r for r in db.scalars(select(CalendarYear))}
    known = work.known_years()
    # Provisional years after the last notice are one span under the table; a provisional
    # year between notices (or before the first) is a row of its own.
    last = max((y for y, k in known.items() if k != cal.PROVISIONAL), default=cal.MIN_YEAR - 1)
    later = [y for y, k in known.items() if k == cal.PROVISIONAL and y > last]
    years = [
        {
            "year": y,
            "kind": kind,
            # The source in the page's language: an admin's own words for an entered year.
            "source": work.notices.get(y, "") if kind == cal.ADMIN else "",
            "entered_by": admin[y].entered_by if y in admin else "",
            "entered_at": local(admin[y].entered_at) if y in admin else "",
        }
        for y, kind in sorted(known.items(), reverse=True)
        if y <= last
    ]
    q = request.query_params
    ctx = {
        "nav": "demands",
        "years": years,
        # Provisional years: those after the last notice as one span, any gap before listed.
        "provisional_later": (later[0], later[-1]) if later else None,
        "form": form or {},
        "error": error,
        "entered": q.get("entered"),
        "moved": {"demands": q.get("demands", "0"), "tasks": q.get("tasks", "0")},
        "deleted": q.get("deleted"),
        "calendar_warning": next_year_missing(work, clock.today_local()),
        "holidays_version": holidays_version(),
        "on_calendar_page": True,
    }
    return _page(request, db, "demands/admin_calendar.html", ctx, status_code=status_code)


def holidays_version() -> str:
    """The version of the package the official years come from."""
    import holidays

    return str(holidays.__version__)


@router.get("/admin/calendar")
def calendar_page(request: Request, db: Session = DB, principal: Principal = ADMIN) -> Response:
    """Known years of the working-day calendar and where each comes from."""
    return _calendar_page(request, db)


@router.post("/admin/calendar", dependencies=CSRF)
def calendar_enter(
    request: Request,
    yaml_text: str = Form("", alias="yaml"),
    file: UploadFile | None = File(None),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Enter (or replace) a year from YAML text or an uploaded file; all or nothing."""
    form = {"yaml": yaml_text}
    try:
        name = "pasted.yaml"
        text = yaml_text
        if file is not None and file.filename:
            raw = file.file.read(1024 * 1024 + 1)
            if len(raw) > 1024 * 1024:
                raise InvalidInput(
                    f"{file.filename}: larger than 1 MB",
                    field="file",
                    code="calendar.upload_too_big",
                    params={"name": file.filename},
                )
            try:
                text, name = raw.decode("utf-8-sig"), file.filename
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"{file.filename}: not UTF-8 text",
                    field="file",
                    code="calendar.upload_not_utf8",
                    params={"name": file.filename},
                ) from None
            form["yaml"] = text
        year, source, days = cal.parse_year_file(text, name)
        moved = cal.enter_year(db, _actor(principal), year, source, days)
    except HighlandError as exc:
        db.rollback()
        return _calendar_page(request, db, form, _error(request, exc), exc.status_code)
    return RedirectResponse(f"/admin/calendar?entered={year}&demands={len(moved.demands)}"
                            f"&tasks={len(moved.tasks)}", status_code=303)  # fmt: skip


@router.post("/admin/calendar/{year}/delete", dependencies=CSRF)
def calendar_delete(
    request: Request, year: DbInt, db: Session = DB, principal: Principal = ADMIN
) -> Response:
    """Remove an admin-entered year (the packaged schedule applies again, if there is one;
    otherwise the year is provisional again). Open deadlines that change are recomputed."""
    try:
        moved = cal.delete_year(db, _actor(principal), year)
    except HighlandError as exc:
        db.rollback()
        return _calendar_page(request, db, None, _error(request, exc), exc.status_code)
    return RedirectResponse(f"/admin/calendar?deleted={year}&demands={len(moved.demands)}"
                            f"&tasks={len(moved.tasks)}", status_code=303)  # fmt: skip
