"""The ASGI application: pages, API, static files and error handling."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from highland import __version__
from highland.audit import routes as audit_routes
from highland.chains import analytics_api as chain_analytics_api
from highland.chains import analytics_pages as chain_analytics_pages
from highland.chains import api as chain_api
from highland.chains import governance_api as chain_governance_api
from highland.chains import governance_pages as chain_governance_pages
from highland.chains import mapping_api as chain_mapping_api
from highland.chains import mapping_pages as chain_mapping_pages
from highland.chains import pages as chain_pages
from highland.chains import pictures_pages as chain_pictures_pages
from highland.chains import report_api as chain_report_api
from highland.chains import report_pages as chain_report_pages
from highland.chains import trends_api as chain_trends_api
from highland.chains import trends_pages as chain_trends_pages
from highland.config import Settings, get_settings
from highland.db import get_engine, session_factory
from highland.demands import api as demand_api
from highland.demands import open311
from highland.demands import pages as demand_pages
from highland.demands import practice_api as demand_practice_api
from highland.demands.scheduler import start_scheduler, stop_scheduler
from highland.enterprises import api as enterprise_api
from highland.enterprises import pages as enterprise_pages
from highland.enterprises.models import Enterprise, Region
from highland.errors import HighlandError, Unauthenticated
from highland.identity import admin_pages as identity_admin_pages
from highland.identity import api as identity_api
from highland.identity import pages as identity_pages
from highland.notices import api as notice_api
from highland.notices import pages as notice_pages
from highland.policies import api as policy_api
from highland.policies import pages as policy_pages
from highland.web import busy
from highland.web.headers import SecurityHeaders
from highland.web.i18n import error_text, has, translate
from highland.web.render import language, render

log = logging.getLogger("highland")
STATIC = Path(__file__).parent / "web" / "static"


def _api_language(request: Request) -> str:
    """An API client's language: English when its Accept-Language starts with en."""
    accept = (request.headers.get("accept-language") or "").strip().lower()
    return "en" if accept.startswith("en") else "zh-CN"


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Error parameters as JSON values (dates and the like as text)."""
    ok = (str, int, float, bool, type(None))
    return {k: v if isinstance(v, ok) else str(v) for k, v in params.items()}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _load_state(app: FastAPI, sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        app.state.region_names = {r.code: (r.name_zh, r.name_en) for r in s.scalars(select(Region))}
        app.state.synthetic = bool(s.scalar(select(exists().where(Enterprise.synthetic.is_(True)))))


def _problem(e: Any) -> dict[str, str]:
    """One validation error as {field, error}; the field without its body/query/path prefix."""
    if e.get("type") == "json_invalid":  # the location is a character offset: name the body
        return {"field": "body", "error": f"malformed JSON: {e.get('ctx', {}).get('error', '')}"}
    where = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
    return {"field": ".".join(where), "error": e.get("msg", "")}


# Pydantic's error types → the catalogue's words for a person (error.request.<kind>).
_REQUEST_PROBLEMS = {
    "missing": "required",
    "int_parsing": "integer",
    "int_type": "integer",
    "bool_parsing": "boolean",
    "date_from_datetime_parsing": "date",
    "date_parsing": "date",
    "string_too_long": "too_long",
    "string_too_short": "required",
    "greater_than_equal": "too_small",
    "less_than_equal": "too_big",
    "json_invalid": "json",
}


def _page_problem(lang: str, e: Any) -> str:
    """One validation error for a page: the field's label where the catalogue has one, and what
    is wrong with it in the page's language (never the validator's English)."""
    where = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
    name = where[-1] if where else ""
    label = next(
        (translate(lang, k) for k in (f"field.{name}", f"demands.field.{name}") if has(k)),
        name,
    )
    kind = _REQUEST_PROBLEMS.get(str(e.get("type")), "invalid")
    return translate(lang, f"error.request.{kind}", field=label)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Background jobs of a serving app: the overdue sweep of demands (and its e-mails)."""
    start_scheduler(app)
    try:
        yield
    finally:
        stop_scheduler(app)


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the application over a database engine."""
    settings = settings or get_settings()
    engine = engine or get_engine()
    app = FastAPI(
        title="Highland API",
        version=__version__,
        description="Enterprise registry, portraits, policy matching and enterprise demands of the "
        "Highland platform. Open311 GeoReport v2 is served at /open311/v2/. "
        "Authenticate with `Authorization: Bearer <token>` (`highland tokens create`).",
        docs_url="/docs",
        openapi_url="/openapi.json",
        lifespan=_lifespan,
        # The header of every page shows the signed-in user's unread notices (counted lazily).
        dependencies=[Depends(notice_pages.header_count, scope="function")],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.region_names = {}
    app.state.synthetic = False
    try:
        _load_state(app, app.state.sessions)
    except Exception:  # noqa: BLE001  (a fresh database without schema: start anyway)
        log.warning("could not read reference data; run `highland init`")

    # Outside every other layer, Starlette's error middleware too: every answer gets the
    # security headers (pages, API, static files, even a 500).
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build_stack())  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(identity_pages.router)
    app.include_router(identity_admin_pages.router)
    app.include_router(enterprise_pages.router)
    app.include_router(policy_pages.router)
    app.include_router(demand_pages.router)
    app.include_router(notice_pages.router)
    app.include_router(chain_pages.router)
    app.include_router(chain_mapping_pages.router)
    app.include_router(chain_analytics_pages.router)
    app.include_router(chain_pictures_pages.router)
    app.include_router(chain_trends_pages.router)
    app.include_router(chain_governance_pages.router)
    app.include_router(chain_report_pages.router)
    app.include_router(audit_routes.pages)
    app.include_router(identity_api.router)
    app.include_router(enterprise_api.router)
    app.include_router(policy_api.router)
    app.include_router(demand_api.router)
    app.include_router(notice_api.router)
    app.include_router(demand_practice_api.router)
    app.include_router(open311.router)
    app.include_router(chain_api.router)
    app.include_router(chain_mapping_api.router)
    app.include_router(chain_analytics_api.router)
    app.include_router(chain_governance_api.router)
    app.include_router(chain_report_api.router)
    app.include_router(chain_trends_api.router)
    app.include_router(audit_routes.api)

    @app.exception_handler(HighlandError)
    def highland_error(request: Request, exc: HighlandError) -> Response:
        if _is_api(request):
            headers = {"www-authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
            body: dict[str, Any] = {"detail": exc.message, "field": exc.field}
            if exc.code:
                body |= {"code": exc.code, "params": _json_params(exc.params)}
                lang = _api_language(request)
                if lang != "en":
                    body["message"] = error_text(lang, exc)
            return JSONResponse(
                body,
                status_code=exc.status_code,
                headers=headers,
            )
        if isinstance(exc, Unauthenticated):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        lang = language(request)
        message = {
            404: translate(lang, "error.not_found"),
            403: translate(lang, "error.forbidden"),
        }.get(exc.status_code, error_text(lang, exc))
        if exc.status_code == 403 and "form" in exc.message:
            message = exc.message
        return render(request, "error.html", {"message": message}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [_problem(e) for e in exc.errors()]
        text = "; ".join(f"{p['field']}: {p['error']}" for p in problems)
        if _is_api(request):
            return JSONResponse({"detail": text, "errors": problems}, status_code=422)
        lang = language(request)
        page_text = "；".join(_page_problem(lang, e) for e in exc.errors())
        return render(request, "error.html", {"message": page_text}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        lang = language(request)
        msg = translate(lang, "error.not_found") if exc.status_code == 404 else str(exc.detail)
        return render(request, "error.html", {"message": msg}, status_code=exc.status_code)

    busy.install(app)
    return app


def refresh_state(app: FastAPI) -> None:
    """Reload cached reference data (after demo loads or region edits)."""
    _load_state(app, app.state.sessions)
