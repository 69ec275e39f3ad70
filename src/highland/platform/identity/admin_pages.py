"""The admin page of accounts and API tokens: disable or enable a user, reset a password,
revoke a token. Thin: the work and its audit are in credentials.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity import credentials
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import clock
from highland.platform.web.i18n import error_text, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
ADMIN = Depends(require(Permission.users_manage))
CSRF = [Depends(csrf_protect)]
DONE = ("disabled", "enabled", "reset", "revoked")


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _page(
    request: Request,
    db: Session,
    done: str | None = None,
    error: HighlandError | None = None,
) -> Response:
    ctx: dict[str, Any] = {
        "nav": "admin_users",
        "users": credentials.list_users(db),
        "tokens": credentials.list_tokens(db),
        "now": clock.now(),
        "done": done,
        "error": error_text(language(request), error) if error else None,
    }
    return render(request, "admin_users.html", ctx, status_code=error.status_code if error else 200)


def _back(done: str, **params: Any) -> Response:
    from urllib.parse import urlencode

    return RedirectResponse("/admin/users?" + urlencode({"done": done, **params}), status_code=303)


@router.get("/admin/users")
def users_page(
    request: Request,
    done: str = "",
    u: str = "",
    n: str = "",
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Every account (state, last sign-in, live sessions) and every API token. The query
    names what was just done (a malformed one is ignored, never an error)."""
    message = None
    if done in DONE:
        count = int(n) if n.isdigit() and len(n) < 7 else 0
        message = translate(
            language(request), f"creds.done.{done}", username=u[:64], sessions=count, name=u[:64]
        )
    return _page(request, db, message)


@router.post("/admin/users/{user_id}/disable", dependencies=CSRF)
def disable(
    request: Request, user_id: DbInt, db: Session = DB, principal: Principal = ADMIN
) -> Response:
    """Disable an account: its sessions end and its tokens stop at once."""
    try:
        name = credentials.username_of(db, user_id)
        ended = credentials.set_active(
            db, _actor(principal), name, False, acting_user_id=principal.user_id
        )
    except HighlandError as exc:
        db.rollback()
        return _page(request, db, error=exc)
    return _back("disabled", u=name, n=ended)


@router.post("/admin/users/{user_id}/enable", dependencies=CSRF)
def enable(
    request: Request, user_id: DbInt, db: Session = DB, principal: Principal = ADMIN
) -> Response:
    """Enable a disabled account again."""
    try:
        name = credentials.username_of(db, user_id)
        credentials.set_active(db, _actor(principal), name, True, acting_user_id=principal.user_id)
    except HighlandError as exc:
        db.rollback()
        return _page(request, db, error=exc)
    return _back("enabled", u=name)


@router.post("/admin/users/{user_id}/reset-password", dependencies=CSRF)
def reset_password(
    request: Request,
    user_id: DbInt,
    password: str = Form(""),
    password_again: str = Form(""),
    db: Session = DB,
    principal: Principal = ADMIN,
) -> Response:
    """Set a new password (typed twice); every session of the account ends."""
    try:
        name = credentials.username_of(db, user_id)
        if password != password_again:
            raise InvalidInput(
                "the two new passwords differ", field="password", code="creds.password_mismatch"
            )
        ended = credentials.reset_password(db, _actor(principal), name, password)
    except HighlandError as exc:
        db.rollback()
        return _page(request, db, error=exc)
    return _back("reset", u=name, n=ended)


@router.post("/admin/tokens/{token_id}/revoke", dependencies=CSRF)
def revoke(
    request: Request, token_id: DbInt, db: Session = DB, principal: Principal = ADMIN
) -> Response:
    """Revoke an API token: the next request carrying it is refused."""
    try:
        row = credentials.revoke_token(db, _actor(principal), token_id)
    except HighlandError as exc:
        db.rollback()
        return _page(request, db, error=exc)
    return _back("revoked", u=f"{row.name}", n=0)
