"""The admin page of the working-day calendar: the years known, where each comes from, and
entering or removing a year (all or nothing; open deadlines that change are recomputed).
Thin over demands/calendar.py, which audits every change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.demands import repository
from highland.demands.present import actor_of, form_error, local
from highland.demands.present import render_page as _page
from highland.platform import calendar as cal
from highland.platform.calendar.provisional import next_year_missing
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import clock
from highland.platform.web.params import DbInt
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
ADMIN = Depends(require(Permission.demands_admin))
CSRF = [Depends(csrf_protect)]


def _error(request: Request, exc: HighlandError) -> dict[str, Any]:
    return form_error(language(request), exc)


def _calendar_page(
    request: Request,
    db: Session,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    work = cal.load_calendar(db)
    admin = repository.entered_years(db)
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
        moved = cal.enter_year(db, actor_of(principal), year, source, days)
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
        moved = cal.delete_year(db, actor_of(principal), year)
    except HighlandError as exc:
        db.rollback()
        return _calendar_page(request, db, None, _error(request, exc), exc.status_code)
    return RedirectResponse(f"/admin/calendar?deleted={year}&demands={len(moved.demands)}"
                            f"&tasks={len(moved.tasks)}", status_code=303)  # fmt: skip
