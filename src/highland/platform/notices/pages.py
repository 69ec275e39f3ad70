"""The notices page (/notices), marking read, and the unread count of every page's header."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.platform.deps import DB, csrf_protect, current_principal
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit.dates import CITY_TZ
from highland.platform.notices import service
from highland.platform.web.i18n import error_text
from highland.platform.web.render import language, render

router = APIRouter(tags=["notices"], include_in_schema=False)
CSRF = [Depends(csrf_protect)]
PER_PAGE = 50


async def header_count(request: Request, db: Session = DB) -> AsyncIterator[None]:
    """App-wide dependency: put a lazy unread count on request.state for the base template's
    header (counted only when a page is rendered for a signed-in user, never for API calls).
    An error page is rendered after the request's session has ended: it counts in a short
    session of its own."""
    done = False

    def count() -> int | None:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            return None
        if not done:
            return service.unread_count(db, principal.user_id)
        with request.app.state.sessions() as s:
            return service.unread_count(s, principal.user_id)

    counter: Callable[[], int | None] = count
    request.state.unread_notices = counter
    try:
        yield
    finally:
        done = True


def _local(dt: Any) -> str:
    return dt.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M") if dt is not None else "—"


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    page: Any,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    lang = language(request)
    try:
        listing = service.list_notices(db, principal.user_id, page=page, per_page=PER_PAGE)
    except InvalidInput as exc:
        listing = service.list_notices(db, principal.user_id, page=1, per_page=PER_PAGE)
        error, status_code = error_text(lang, exc), 422
    rows = [service.render(lang, n) for n in listing.items]
    pages = max(1, -(-listing.total // PER_PAGE))
    ctx = {
        "nav": "notices",
        "fresh": [r for r in rows if r.read_at is None],
        "seen": [r for r in rows if r.read_at is not None],
        "listing": listing,
        "pages": pages,
        "local": _local,
        "error": error,
    }
    return render(request, "notices/notices.html", ctx, status_code=status_code)


@router.get("/notices")
def notices_page(
    request: Request,
    page: str = Query("1"),
    db: Session = DB,
    principal: Principal = Depends(current_principal),
) -> Response:
    """The signed-in user's notices in the page's language: unread first, each with its link."""
    return _page(request, db, principal, page)


@router.post("/notices/read", dependencies=CSRF)
async def notices_read(
    request: Request, db: Session = DB, principal: Principal = Depends(current_principal)
) -> Response:
    """Mark notices read: the ones named (`id`), or all when none is named."""
    form = await request.form()
    try:
        ids = service.parse_ids(form.getlist("id"), "id")
    except InvalidInput as exc:
        return _page(request, db, principal, 1, error_text(language(request), exc), 422)
    service.mark_read(db, principal.user_id, ids or None)
    return RedirectResponse("/notices", status_code=303)
