"""Admin → Zones: the functional zones and parks enterprises may be placed in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.enterprises.zones import service
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.i18n import error_text
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
MANAGE = Depends(require(Permission.regions_manage))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _page(
    request: Request,
    db: Session,
    form: dict[str, Any] | None = None,
    error: HighlandError | None = None,
) -> Response:
    ctx = {
        "nav": "admin_zones",
        "rows": service.zones(db),
        "levels": service.LEVELS,
        "form": form or {},
        "error": None if error is None else {"field": error.field,
                                             "message": error_text(language(request), error)},
        "saved": request.query_params.get("saved"),
        "removed": request.query_params.get("removed"),
    }  # fmt: skip
    return render(request, "enterprises/admin_zones.html", ctx,
                  status_code=200 if error is None else error.status_code)  # fmt: skip


def _done(request: Request, db: Session, query: str) -> Response:
    # Pages name places from the app's table: a change shows at once.
    request.app.state.region_names = service.names(db)
    return RedirectResponse(f"/admin/zones?{query}", status_code=303)


@router.get("/admin/zones")
def zones_page(
    request: Request,
    edit: str | None = Query(None, max_length=20),
    db: Session = DB,
    principal: Principal = MANAGE,
) -> Response:
    """The zone list with how many enterprises each holds; the form adds or edits one."""
    form: dict[str, Any] = {}
    if edit:
        row = service.zone(db, edit)
        form = {"code": row.code, "name_zh": row.name_zh, "name_en": row.name_en,
                "level": row.level or "", "editing": True}  # fmt: skip
    return _page(request, db, form)


@router.post("/admin/zones", dependencies=CSRF)
def zone_save(
    request: Request,
    code: str = Form("", max_length=40),
    name_zh: str = Form("", max_length=200),
    name_en: str = Form("", max_length=200),
    level: str = Form("", max_length=20),
    editing: bool = Form(False),
    db: Session = DB,
    principal: Principal = MANAGE,
) -> Response:
    """Add a zone, or rename one and set its level; a refusal writes nothing."""
    form = {"code": code, "name_zh": name_zh, "name_en": name_en, "level": level,
            "editing": editing}  # fmt: skip
    actor, city = _actor(principal), request.app.state.settings.city_code
    try:
        if editing:
            service.edit_zone(db, actor, code.strip(), name_zh, name_en, level)
        else:
            service.add_zone(db, actor, city, code, name_zh, name_en, level)
    except HighlandError as exc:
        db.rollback()
        return _page(request, db, form, exc)
    return _done(request, db, f"saved={code.strip()}")


@router.post("/admin/zones/{zone}/delete", dependencies=CSRF)
def zone_remove(
    request: Request, zone: str, db: Session = DB, principal: Principal = MANAGE
) -> Response:
    """Remove a zone no enterprise is placed in."""
    try:
        service.remove_zone(db, _actor(principal), zone)
    except HighlandError as exc:
        db.rollback()
        return _page(request, db, None, exc)
    return _done(request, db, f"removed={zone}")
