"""Request dependencies: the transaction, the principal, permissions and CSRF."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterator

from fastapi import Depends, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from highland.platform.db import is_busy, wait_at_most, will_write
from highland.platform.errors import Forbidden, Unauthenticated
from highland.platform.identity import service as identity
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.uploads import too_big, upload_limit

log = logging.getLogger("highland.platform.identity")
SESSION_COOKIE = "highland_session"
LANG_COOKIE = "highland_lang"


# Routes whose work runs in sessions of its own (imports commit in chunks) or that write only
# after slow work (sign-in checks the password first): their request session must not hold
# SQLite's write lock, or the other requests would wait for it.
OWN_TRANSACTIONS = ("/imports", "/api/v1/imports/", "/login")


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: commit when the handler succeeds, else roll back.

    An unsafe request's transaction is declared as writing from the start (SQLite: BEGIN
    IMMEDIATE), so that concurrent writers queue instead of failing on a stale snapshot.
    """
    session: Session = request.app.state.sessions()
    path = request.url.path
    if request.method not in ("GET", "HEAD", "OPTIONS") and not path.startswith(OWN_TRANSACTIONS):
        will_write(session)  # SQLite: the lock is taken at the handler's first statement
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        _touch_token(request)


def _touch_token(request: Request) -> None:
    """Record a bearer token's use, when its record is stale, once the request's transaction
    has ended: in a transaction of its own that never waits, so a read stays a read and a
    request never waits for (or holds) the write lock because of it. When another writer holds
    the lock (or anything else goes wrong) the record is skipped; the next request tries again."""
    use: identity.TokenUse | None = getattr(request.state, "token_use", None)
    if use is None or not use.stale():
        return
    request.state.token_use = None
    try:
        with request.app.state.sessions() as s:
            wait_at_most(s, 0)
            identity.record_token_use(s, use.token_id)
            s.commit()
    except DBAPIError as exc:  # skipped; logged with the token's id, never the token
        level = logging.DEBUG if is_busy(exc) else logging.WARNING
        log.log(
            level, "token %s: last use not recorded (%s)", use.token_id, type(exc.orig).__name__
        )


DB = Depends(get_db, scope="function")


def streamed(session: Session, chunks: Iterator[str]) -> Iterator[str]:
    """A streamed body read through the request's session, then that session closed.

    `DB` ends with the handler (scope "function"), before a streamed body is sent; the body's
    reads then begin a transaction of their own, which must end with the body — after the last
    chunk, or when the client goes away — or its connection stays out of the pool until the
    garbage collector finds it, and a busy server runs out of connections."""
    try:
        yield from chunks
    finally:
        session.close()


def optional_principal(request: Request, db: Session = DB) -> Principal | None:
    """Return the caller from a bearer token or a session cookie, or None.

    Looked up in a short read of its own, not in the request's transaction `db`: a writing
    request's transaction then begins (and on SQLite takes the write lock) only when its
    handler starts, and holds it for less time. `db` is still a dependency: its end records
    a token's use (get_db)."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal: Principal | None = None
    auth = request.headers.get("authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    if auth.lower().startswith("bearer "):
        with request.app.state.sessions() as lookup:
            use = identity.token_use(lookup, auth[7:].strip())
        if use is None:
            raise Unauthenticated("invalid or revoked API token", code="auth.bad_token", params={})
        principal = use.principal
        request.state.token_use = use  # its last use is recorded after the request (get_db)
    elif cookie:
        with request.app.state.sessions() as lookup:
            principal = identity.session_principal(lookup, cookie)
    request.state.principal = principal
    return principal


def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    """Require a signed-in caller."""
    if principal is None:
        raise Unauthenticated("sign in first", code="auth.sign_in", params={})
    return principal


def require(permission: Permission) -> Callable[..., Principal]:
    """Build a dependency that requires a permission."""

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.can(permission):
            raise Forbidden(
                f"your role ({principal.role.value}) may not do this",
                code="auth.role_may_not",
                params={"role": f"@role.{principal.role.value}"},
            )
        return principal

    return check


async def csrf_protect(
    request: Request, principal: Principal | None = Depends(optional_principal)
) -> None:
    """Cookie-authenticated unsafe requests must carry the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or principal is None:
        return
    if principal.channel == "api":
        return  # bearer tokens are not sent by browsers on their own
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise Forbidden(
            "the form has expired or did not come from this site; reload and retry",
            code="auth.csrf",
            params={},
        )


async def read_body(request: Request) -> bytes:
    """The raw request body, refused with a clear error once it passes the upload limit
    (`HIGHLAND_MAX_UPLOAD_MB`) — read in chunks, never more than the limit."""
    limit = upload_limit(request)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise too_big(limit, "body", "upload.body_too_big")
    return bytes(data)
