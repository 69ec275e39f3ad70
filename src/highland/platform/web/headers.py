"""Security headers on every response (docs/security.md, "inert").

The pages keep no inline scripts (they live in /static), so scripts come from this site only;
styles allow inline `style` attributes and blocks, which the templates and the SVG charts use.
The API docs (/docs, /redoc) load Swagger UI and ReDoc from this site (fastapi-offline serves
them from the installed package, under /static-offline-docs; ReDoc's bundle with its one
picture from elsewhere pointed here: web/offline_docs.py) with an inline starter script, so
they get a policy of their own that allows inline scripts and nothing from elsewhere. HSTS is
sent only over HTTPS (the scheme the server saw: uvicorn sets it from X-Forwarded-Proto for
trusted proxies).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"

COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


def headers_for(path: str, https: bool) -> list[tuple[bytes, bytes]]:
    """The security headers of a response to `path`."""
    csp = DOCS_CSP if path.startswith(DOCS_PATHS) else CSP
    out = [*COMMON, (b"content-security-policy", csp.encode())]
    if https:
        out.append((b"strict-transport-security", HSTS.encode()))
    return out


class SecurityHeaders:
    """Pure ASGI middleware (it does not buffer streamed exports): adds the headers to every
    HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope.get("path", ""), scope.get("scheme") == "https")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                have = {k.lower() for k, _ in raw}
                raw.extend((k, v) for k, v in extra if k not in have)
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, send_with_headers)
