"""A busy database answers 503 with Retry-After, never 500.

SQLite has one write lock: a request that cannot get it within `HIGHLAND_SQLITE_BUSY_MS`
(its connection's busy_timeout) fails with "database is locked". PostgreSQL can fail a
transaction for a lock timeout, a deadlock or a serialization conflict, and a worker's
connection pool can run dry. Each of these means "try again shortly": the API answers JSON
with the code `db.busy` and pages say so in the reader's language, both with a Retry-After
header. Any other database error stays a 500 (a bug to fix, with its traceback in the log).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from highland.platform.db import is_busy, request_engine, session_factory
from highland.platform.errors import HighlandError

log = logging.getLogger("highland.busy")
RETRY_AFTER_SECONDS = 2


class DatabaseBusy(HighlandError):
    """The database was busy with other writers; the same request may succeed shortly."""

    status_code = 503


def busy_error() -> DatabaseBusy:
    """The error a request gets when the database stays busy past its wait."""
    return DatabaseBusy(
        f"the database is busy with other changes; retry in {RETRY_AFTER_SECONDS} seconds",
        code="db.busy",
        params={"seconds": RETRY_AFTER_SECONDS},
    )


def install(app: FastAPI) -> None:
    """Bound a request's wait for SQLite's write lock (HIGHLAND_SQLITE_BUSY_MS) and answer a
    busy database with 503 + Retry-After through the app's HighlandError handler."""
    settings = app.state.settings
    app.state.sessions = session_factory(request_engine(app.state.engine, settings.sqlite_busy_ms))

    async def busy(request: Request, exc: Exception) -> Response:
        if not is_busy(exc):
            raise exc  # a real failure: Starlette's 500, with the traceback in the log
        log.warning("%s %s: database busy (%s)", request.method, request.url.path,
                    type(getattr(exc, "orig", exc)).__name__)  # fmt: skip
        handler = app.exception_handlers[HighlandError]
        response = handler(request, busy_error())
        if not isinstance(response, Response):  # an async handler
            response = await response
        response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        return response

    app.add_exception_handler(DBAPIError, busy)
    app.add_exception_handler(PoolTimeout, busy)
