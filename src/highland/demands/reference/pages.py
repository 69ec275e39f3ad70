"""Admin pages of the demands' reference data: institutions, categories and their limits, and
the routing table (category × district). Thin adapters over reference/service.py; every change
is audited there. The calendar's admin page is calendar_pages.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.demands import repository
from highland.demands.models import RoutingRule
from highland.demands.present import Names, actor_of, form_error
from highland.demands.present import render_page as _page
from highland.demands.reference import service as reference
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, NotFound
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
ADMIN = Depends(require(Permission.demands_admin))
CSRF = [Depends(csrf_protect)]


def _error(request: Request, exc: HighlandError) -> dict[str, Any]:
    return form_error(language(request), exc)


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
    ctx = {
        "nav": "demands",
        "rows": repository.institutions(db),
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
        row = repository.institution(db, edit)
        if row is None:
            raise NotFound(
                f"no institution {edit}", code="demand.unknown_institution", params={"code": edit}
            )
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
        reference.upsert_institution(db, actor_of(principal), data)
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
        "rows": repository.categories(db),
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
        row = repository.category(db, edit)
        if row is None:
            raise NotFound(
                f"no category {edit}", code="demand.unknown_category", params={"category": edit}
            )
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
        reference.upsert_category(db, actor_of(principal), data)
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
    rows = repository.routes(db)
    districts = sorted({r.district_key for r in rows} - {reference.ANY_DISTRICT})
    table: dict[str, dict[str, RoutingRule]] = {}
    for r in rows:
        table.setdefault(r.category_code, {})[r.district_key] = r
    regions = request.app.state.region_names
    ctx = {
        "nav": "demands",
        "table": table,
        "columns": [reference.ANY_DISTRICT, *districts],
        "categories": repository.categories(db),
        "institutions": repository.institutions(db),
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
        reference.set_route(db, actor_of(principal), dict(form))
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
        reference.delete_route(db, actor_of(principal), category, district or "*")
    except HighlandError as exc:
        db.rollback()
        return _routing_page(request, db, {}, _error(request, exc), exc.status_code)
    return _done("/admin/routing", f"{category}:{district or '*'}")
