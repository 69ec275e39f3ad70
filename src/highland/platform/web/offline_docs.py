"""ReDoc without the network: its bundle (from fastapi-offline) draws the Redocly logo from a
CDN in every page's menu; Highland serves the same bundle with the logo taken from this site."""

from __future__ import annotations

import functools
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STATIC = Path(fastapi_offline.__file__).resolve().parent / "static"
REDOC_JS = "/static-offline-docs/redoc.standalone.js"
CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
LOCAL_LOGO = "/static-offline-docs/favicon.png"


@functools.cache
def redoc_bundle() -> bytes:
    """The ReDoc bundle with its one address elsewhere pointed at a picture of this site."""
    return (
        (STATIC / "redoc.standalone.js")
        .read_bytes()
        .replace(CDN_LOGO.encode(), LOCAL_LOGO.encode())
    )


async def _redoc_js(request: Request) -> Response:
    return Response(
        redoc_bundle(),
        media_type="text/javascript",
        headers={"cache-control": "public, max-age=86400"},
    )


def serve_offline_redoc(app: FastAPI) -> None:
    """Answer the bundle's address before fastapi-offline's static folder does."""
    app.router.routes.insert(0, Route(REDOC_JS, _redoc_js, methods=["GET"]))
