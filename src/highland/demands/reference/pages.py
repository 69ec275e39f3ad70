"""Admin pages of the demands' reference data: institutions, categories and their limits, and
the routing table (category × district). Thin adapters over reference/service.py; every change
is audited there. The calendar's admin page is calendar_pages.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
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


def _admin_page(
    request: Request,
    db: Session,
    template: str,
    ctx: dict[str, Any],
    form: dict[str, Any] | None,
    error: dict[str, Any] | None,
    status_code: int,
) -> Response:
    """One of the reference pages: its rows, the form (kept after an error) and what was
    saved last."""
    ctx |= {"nav": "demands", "form": form or {}, "error": error,
            "saved": request.query_params.get("saved")}  # fmt: skip
    return _page(request, db, template, ctx, status_code=status_code)


Page = Callable[..., Response]


def _save(
    request: Request,
    db: Session,
    write: Callable[[], object],
    page: Page,
    form: dict[str, Any],
    done: tuple[str, str],
) -> Response:
    """Write a change and go back to the page that says it was saved; on a refusal, nothing is
    written and the page shows the form again with the error."""
    try:
        write()
    except HighlandError as exc:
        db.rollback()
        return page(request, db, form, _error(request, exc), exc.status_code)
    path, key = done
    return RedirectResponse(f"{path}?saved={key}", status_code=303)


class _Entry(BaseModel):
    """What every reference form posts (other fields, the CSRF token among them, are left)."""

    code: str = ""
    name: str = ""
    name_en: str = ""
    active: bool = False
    editing: bool = False


class InstitutionForm(_Entry):
    """The institution form: where it sits and whom to contact."""

    parent: str = ""
    district: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


class CategoryForm(_Entry):
    """The category form: its limits in working days, as typed (the service reads them)."""

    description: str = ""
    response_days: str = ""
    resolution_days: str = ""
    urgent_response_days: str = ""
    urgent_resolution_days: str = ""


# --------------------------------------------------------------------------- institutions


def _institutions_page(
    request: Request,
    db: Session,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "rows": repository.institutions(db),
        "names": Names.load(db, language(request)),
        "regions": request.app.state.region_names,
    }
    template = "demands/admin_institutions.html"
    return _admin_page(request, db, template, ctx, form, error, status_code)


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
    entry: Annotated[InstitutionForm, Form()],
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Add or change an institution; errors keep the input and write nothing."""
    form = entry.model_dump()
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.items()}
    data.pop("editing")
    data = {k: v for k, v in data.items() if v not in ("", None)} | {"active": entry.active}
    return _save(
        request, db, lambda: reference.upsert_institution(db, actor_of(principal), data),
        _institutions_page, form, ("/admin/institutions", entry.code.strip()),
    )  # fmt: skip


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
    ctx = {"rows": repository.categories(db)}
    template = "demands/admin_categories.html"
    return _admin_page(request, db, template, ctx, form, error, status_code)


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
    entry: Annotated[CategoryForm, Form()],
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Add a category or change its names and limits (normal and urgent tier)."""
    form = entry.model_dump()
    data = {k: v for k, v in form.items() if k != "editing"}
    data["description"] = entry.description.strip() or None
    return _save(
        request, db, lambda: reference.upsert_category(db, actor_of(principal), data),
        _categories_page, form, ("/admin/demand-categories", entry.code.strip()),
    )  # fmt: skip


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
        "table": table,
        "columns": [reference.ANY_DISTRICT, *districts],
        "categories": repository.categories(db),
        "institutions": repository.institutions(db),
        "names": Names.load(db, language(request)),
        "district_choices": sorted(c for c in regions if c.startswith("3201") and len(c) == 6),
    }
    return _admin_page(request, db, "demands/admin_routing.html", ctx, form, error, status_code)


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
    return _save(
        request, db, lambda: reference.set_route(db, actor_of(principal), dict(form)),
        _routing_page, form, ("/admin/routing", f"{category}:{district or '*'}"),
    )  # fmt: skip


@router.post("/admin/routing/delete", dependencies=CSRF)
def routing_delete(
    request: Request,
    category: str = Form(""),
    district: str = Form("*"),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Remove one cell of the routing table."""
    where = district or "*"
    return _save(
        request, db, lambda: reference.delete_route(db, actor_of(principal), category, where),
        _routing_page, {}, ("/admin/routing", f"{category}:{where}"),
    )  # fmt: skip
