"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.platform.db import begin_write
from highland.platform.deps import DB, LANG_COOKIE, SESSION_COOKIE, csrf_protect, optional_principal
from highland.platform.errors import TooManyRequests
from highland.platform.identity import login as signin
from highland.platform.identity import service
from highland.platform.identity.permissions import Principal
from highland.platform.identity.proxies import client_address
from highland.platform.web.i18n import LANGUAGES, error_text, translate
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
PRE_CSRF_COOKIE = "highland_login_csrf"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _secure(request: Request) -> bool:
    mode = request.app.state.settings.cookie_secure
    return request.url.scheme == "https" if mode == "auto" else mode.lower() in ("1", "true")


def _login_page(
    request: Request,
    next_url: str,
    error: str | None = None,
    username: str | None = None,
    status: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    resp = render(
        request,
        "login.html",
        {"login_csrf": token, "next": next_url, "error": error, "username": username},
        status_code=status,
    )
    resp.set_cookie(
        PRE_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=3600,
    )
    return resp


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """Show the sign-in form."""
    return _login_page(request, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
    db: Session = DB,
) -> Response:
    """Check the credentials and start a session."""
    lang = language(request)
    expected = request.cookies.get(PRE_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(
            request, _safe_next(next), translate(lang, "login.failed"), username, 403
        )
    settings = request.app.state.settings
    ip = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        settings.trusted_proxies,
    )
    begin_write(db)  # attempts of one pair queue here, so parallel guesses count at once
    try:
        candidate = signin.prepare(
            db,
            username,
            ip,
            free=settings.login_max_failures,
            cap=settings.login_max_delay_seconds,
            window=settings.login_window_minutes,
        )
    except TooManyRequests as exc:
        resp = _login_page(request, _safe_next(next), error_text(lang, exc), username, 429)
        resp.headers["retry-after"] = str(exc.params.get("seconds", 1))
        return resp
    # Keep the attempt and end the transaction before argon2 runs: no connection nor SQLite
    # write lock is held meanwhile, so concurrent sign-ins (and everyone else) do not queue
    # behind the hashing.
    db.commit()
    ok = signin.verify(candidate, password)
    if not ok:
        return _login_page(
            request, _safe_next(next), translate(lang, "login.failed"), username, 401
        )
    begin_write(db)
    user = signin.finish(db, candidate, ok)
    if user is None:
        return _login_page(
            request, _safe_next(next), translate(lang, "login.failed"), username, 401
        )
    token, _csrf = service.open_session(db, user, settings.session_hours)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=settings.session_hours * 3600,
    )
    resp.delete_cookie(PRE_CSRF_COOKIE)
    return resp


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(
    request: Request, db: Session = DB, principal: Principal | None = Depends(optional_principal)
) -> Response:
    """End the session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.close_session(db, cookie)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """Switch the interface language (zh-CN or en) and go back."""
    resp = RedirectResponse(_safe_next(next), status_code=303)
    if lang in LANGUAGES:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return resp
