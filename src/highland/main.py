"""The ASGI application: pages, API, static files and error handling."""

from __future__ import annotations

import gc
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
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine, exists, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from highland import __version__
from highland.chains import api as chain_api
from highland.chains import pages as chain_pages
from highland.chains.analytics import api as chain_analytics_api
from highland.chains.analytics import pages as chain_analytics_pages
from highland.chains.governance import api as chain_governance_api
from highland.chains.governance import pages as chain_governance_pages
from highland.chains.mapping import api as chain_mapping_api
from highland.chains.mapping import pages as chain_mapping_pages
from highland.chains.pictures import pages as chain_pictures_pages
from highland.chains.report import api as chain_report_api
from highland.chains.report import pages as chain_report_pages
from highland.chains.trends import api as chain_trends_api
from highland.chains.trends import pages as chain_trends_pages
from highland.demands import api as demand_api
from highland.demands import pages as demand_pages
from highland.demands.open311 import api as open311
from highland.demands.practice import api as demand_practice_api
from highland.desk import api as desk_api
from highland.desk import pages as desk_pages
from highland.docking import api as docking_api
from highland.docking import pages as docking_pages
from highland.enterprises import api as enterprise_api
from highland.enterprises import pages as enterprise_pages
from highland.enterprises.models import Enterprise, Region
from highland.enterprises.zones import api as zone_api
from highland.enterprises.zones import pages as zone_pages
from highland.growth import pages as growth_pages
from highland.growth.whitepaper import pages as whitepaper_pages
from highland.innovation import api as innovation_api
from highland.innovation import pages as innovation_pages
from highland.innovation.pipeline import pages as innovation_pipeline_pages
from highland.platform.audit import routes as audit_routes
from highland.platform.config import Settings, get_settings
from highland.platform.db import get_engine, session_factory
from highland.platform.errors import HighlandError, InvalidInput, Unauthenticated
from highland.platform.identity import admin_pages as identity_admin_pages
from highland.platform.identity import api as identity_api
from highland.platform.identity import pages as identity_pages
from highland.platform.jobs import start_scheduler, stop_scheduler
from highland.platform.notices import api as notice_api
from highland.platform.notices import pages as notice_pages
from highland.platform.web import busy
from highland.platform.web.api_errors import (
    allowed_methods,
    api_language,
    document_errors,
    highland_body,
    http_body,
    request_problem,
    validation_body,
)
from highland.platform.web.headers import SecurityHeaders
from highland.platform.web.i18n import error_text, has, translate
from highland.platform.web.offline_docs import serve_offline_redoc
from highland.platform.web.render import language, render
from highland.policies import api as policy_api
from highland.policies import pages as policy_pages
from highland.policies.recognitions import api as recognition_api
from highland.policies.recognitions import pages as recognition_pages
from highland.wiring import wire

log = logging.getLogger("highland")
STATIC = Path(__file__).parent / "platform" / "web" / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _load_state(app: FastAPI, sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        app.state.region_names = {r.code: (r.name_zh, r.name_en) for r in s.scalars(select(Region))}
        app.state.synthetic = bool(s.scalar(select(exists().where(Enterprise.synthetic.is_(True)))))


def _page_problem(lang: str, e: Any) -> str:
    """One validation error for a page: the field's label where the catalogue has one, and what
    is wrong with it in the page's language (never the validator's English)."""
    where, kind = request_problem(e)
    name = where.rsplit(".", 1)[-1]
    label = next(
        (translate(lang, k) for k in (f"field.{name}", f"demands.field.{name}") if has(k)),
        name,
    )
    return translate(lang, f"error.request.{kind}", field=label)


def freeze_startup() -> None:
    """Once per process, when the app starts serving: what startup built (modules, the app and
    its routes) is moved out of the cyclic collector's reach (`gc.freeze`). Otherwise every
    full collection walks all of it — a pause of 100–300 ms on a busy machine, which set the
    p95 of the pipeline page (docs/PERFORMANCE.md, "Cooperation pipeline"). Frozen objects are
    still freed by reference counting."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Background jobs of a serving app: the overdue sweep of demands (and its e-mails); the
    startup objects frozen for the garbage collector."""
    start_scheduler(app)
    freeze_startup()
    try:
        yield
    finally:
        stop_scheduler(app)


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the application over a database engine."""
    settings = settings or get_settings()
    engine = engine or get_engine()
    wire()  # the domains' jobs, calendar listeners and providers (highland.wiring)
    # FastAPIOffline: /docs (Swagger UI) and /redoc (ReDoc) are served from the installed
    # package, never from a CDN: both work with no network.
    app = FastAPIOffline(
        title="Highland API",
        version=__version__,
        description="Enterprise registry, portraits, policy matching and enterprise demands of the "
        "Highland platform. Open311 GeoReport v2 is served at /open311/v2/. "
        "Authenticate with `Authorization: Bearer <token>` (`highland tokens create`).",
        docs_url="/docs",
        redoc_url="/redoc",
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
    serve_offline_redoc(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for include in (_platform_routes, _desk_routes, _enterprise_routes, _policy_routes,
                    _demand_routes, _chain_routes, _innovation_routes,
                    _docking_routes):  # fmt: skip
        include(app)
    document_errors(app)
    _handle_errors(app)
    busy.install(app)
    return app


# The routers of each part of the house: its pages, then its API.


def _platform_routes(app: FastAPI) -> None:
    app.include_router(identity_pages.router)
    app.include_router(identity_admin_pages.router)
    app.include_router(notice_pages.router)
    app.include_router(audit_routes.pages)
    app.include_router(identity_api.router)
    app.include_router(notice_api.router)
    app.include_router(audit_routes.api)


def _desk_routes(app: FastAPI) -> None:
    app.include_router(desk_pages.router)
    app.include_router(desk_api.router)


def _enterprise_routes(app: FastAPI) -> None:
    app.include_router(enterprise_pages.router)
    app.include_router(zone_pages.router)
    app.include_router(enterprise_api.router)
    app.include_router(zone_api.router)


def _policy_routes(app: FastAPI) -> None:
    app.include_router(policy_pages.router)
    app.include_router(policy_api.router)
    app.include_router(recognition_pages.router)
    app.include_router(recognition_api.router)
    app.include_router(growth_pages.router)
    app.include_router(whitepaper_pages.router)


def _demand_routes(app: FastAPI) -> None:
    app.include_router(demand_pages.router)
    app.include_router(demand_api.router)
    app.include_router(demand_practice_api.router)
    app.include_router(open311.router)


def _chain_routes(app: FastAPI) -> None:
    for pages in (chain_pages, chain_mapping_pages, chain_analytics_pages, chain_pictures_pages,
                  chain_trends_pages, chain_governance_pages, chain_report_pages):  # fmt: skip
        app.include_router(pages.router)
    for api in (chain_api, chain_mapping_api, chain_analytics_api, chain_governance_api,
                chain_report_api, chain_trends_api):  # fmt: skip
        app.include_router(api.router)


def _innovation_routes(app: FastAPI) -> None:
    app.include_router(innovation_pages.router)
    app.include_router(innovation_pipeline_pages.router)
    app.include_router(innovation_api.router)


def _docking_routes(app: FastAPI) -> None:
    app.include_router(docking_pages.router)
    app.include_router(docking_api.router)


def _handle_errors(app: FastAPI) -> None:
    """Errors answered in the request's shape: JSON for the API (Open311's own for Open311), a
    page in the reader's language otherwise."""

    @app.exception_handler(HighlandError)
    def highland_error(request: Request, exc: HighlandError) -> Response:
        if _is_api(request):
            headers = {"www-authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
            return JSONResponse(
                highland_body(request, exc), status_code=exc.status_code, headers=headers
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

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    def out_of_range(request: Request, exc: Exception) -> Response:
        # Belt and braces: parameters are bounded (web.params.DbInt); a value that still
        # reaches the database out of its column's range is the caller's, not a server error.
        refused = InvalidInput(str(exc).split("\n")[0], code="request.too_large_number")
        return highland_error(request, refused)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse(validation_body(request, list(exc.errors())), status_code=422)
        lang = language(request)
        page_text = "；".join(_page_problem(lang, e) for e in exc.errors())
        return render(request, "error.html", {"message": page_text}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # every method served at the path, not just one route's
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        if request.url.path.startswith(open311.BASE + "/"):  # in the spec's own error shape
            return open311.error(request, exc.status_code, [str(exc.detail)], headers)
        if _is_api(request):
            body = http_body(request, exc.status_code, exc.detail, headers, api_language(request))
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        lang = language(request)
        msg = http_body(request, exc.status_code, exc.detail, headers, lang)["message"]
        page = render(request, "error.html", {"message": msg}, status_code=exc.status_code)
        page.headers.update(headers or {})
        return page


def refresh_state(app: FastAPI) -> None:
    """Reload cached reference data (after demo loads or region edits)."""
    _load_state(app, app.state.sessions)
