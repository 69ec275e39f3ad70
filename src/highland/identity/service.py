"""Passwords, users, sessions, API tokens and sign-in rate limiting."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from highland.audit.service import Actor, Change, record
from highland.config import get_settings
from highland.db import utcnow
from highland.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from highland.identity.models import ApiToken, LoginAttempt, User, UserSession
from highland.identity.permissions import Principal, Role

MIN_PASSWORD = 8


@functools.cache
def _argon2(memory_kib: int, time_cost: int) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)


def _hasher() -> PasswordHasher:
    """The argon2id hasher with the configured cost."""
    settings = get_settings()
    return _argon2(settings.password_hash_memory_kib, settings.password_hash_time_cost)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def check_password(stored: str, password: str) -> bool:
    """Tell whether the password matches the stored argon2 hash."""
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: str,
    enterprise_id: int | None = None,
    institution_code: str | None = None,
    chain_id: int | None = None,
    display_name: str | None = None,
    email: str | None = None,
    language: str | None = None,
) -> User:
    """Create a user after checking the role's scope fields (`language`: of the user's
    e-mails, zh-CN or en; None: Chinese with the English underneath)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("username must be 1–64 characters", field="username")
    try:
        role_v = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role '{role}'; roles are: {roles}", field="role") from None
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD} characters", field="password"
        )
    if role_v is Role.enterprise and enterprise_id is None:
        raise InvalidInput("an enterprise user needs its enterprise (USCC)", field="enterprise")
    if role_v is Role.handler and not institution_code:
        raise InvalidInput("a handler needs an institution code", field="institution")
    if role_v in (Role.chain_head, Role.chain_team) and chain_id is None:
        raise InvalidInput("a chain head or team member needs a chain id", field="chain")
    if email is not None:
        email = email.strip() or None
        if email and (len(email) > 200 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
            raise InvalidInput(f"email: '{email}' is not an e-mail address", field="email")
    if language is not None and language not in ("zh-CN", "en"):
        raise InvalidInput(
            f"language: '{language}' is not zh-CN or en",
            field="language",
            code="notices.bad_language",
            params={"value": language[:20]},
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username '{username}' is taken", field="username")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role_v.value,
        enterprise_id=enterprise_id,
        institution_code=institution_code,
        chain_id=chain_id,
        email=email,
        language=language,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        Change(
            "create",
            "user",
            username,
            after={
                "username": username,
                "role": role_v.value,
                "enterprise_id": enterprise_id,
                "institution_code": institution_code,
                "chain_id": chain_id,
                "email": email,
                "language": language,
            },
        ),
    )
    return user


def principal_of(user: User, channel: str, csrf: str | None = None) -> Principal:
    """Build the request principal of a user."""
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        enterprise_id=user.enterprise_id,
        institution_code=user.institution_code,
        chain_id=user.chain_id,
        channel=channel,
        csrf_token=csrf,
    )


def _check_rate(session: Session, username: str, ip: str, max_failures: int, window: int) -> None:
    since = utcnow() - timedelta(minutes=window)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
        .where((LoginAttempt.username == username) | (LoginAttempt.ip == ip))
    )
    if failures is not None and failures >= max_failures:
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {window} minutes", field="username"
        )


def authenticate(
    session: Session, username: str, password: str, ip: str, *, max_failures: int, window: int
) -> User:
    """Check a username and password, counting failures for rate limiting."""
    username = username.strip()
    _check_rate(session, username, ip, max_failures, window)
    user = session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.is_active and check_password(user.password_hash, password)
    session.add(LoginAttempt(username=username[:64], ip=ip[:64], success=ok))
    session.flush()
    if not ok or user is None:
        raise Unauthenticated("wrong username or password", field="password")
    user.last_login_at = utcnow()
    return user


def open_session(session: Session, user: User, hours: int) -> tuple[str, str]:
    """Start a browser session; return (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=_sha(token),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    session.flush()
    return token, csrf


def session_principal(session: Session, token: str) -> Principal | None:
    """Return the principal of a live browser session, or None."""
    row = session.execute(
        select(User, UserSession.csrf_token, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _sha(token))
    ).first()
    if row is None:
        return None
    user, csrf, expires = row
    if expires <= utcnow() or not user.is_active:
        return None
    return principal_of(user, "ui", csrf)


def close_session(session: Session, token: str) -> None:
    """Sign out: the session row is deleted, so the cookie is worthless."""
    session.execute(delete(UserSession).where(UserSession.token_hash == _sha(token)))


def create_token(session: Session, actor: Actor, username: str, name: str = "cli") -> str:
    """Create an API token for a user and return it (shown once, stored hashed)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'", field="user")
    token = "hl_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_sha(token), user_id=user.id, name=name))
    session.flush()
    record(session, actor, Change("create", "api_token", username, after={"name": name}))
    return token


def token_principal(session: Session, token: str) -> Principal | None:
    """Return the principal of a bearer token, or None."""
    row = session.execute(
        select(User, ApiToken.id)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _sha(token), ApiToken.revoked.is_(False))
    ).first()
    if row is None or not row[0].is_active:
        return None
    return principal_of(row[0], "api")


def touch_token(session: Session, token: str, now: datetime | None = None) -> None:
    """Remember when a token was last used."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _sha(token))
        .values(last_used_at=now or utcnow())
    )
