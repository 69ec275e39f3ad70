"""Passwords, users, sessions, API tokens and sign-in rate limiting."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from highland.platform.audit.service import Actor, Change, record
from highland.platform.config import get_settings
from highland.platform.db import utcnow
from highland.platform.errors import Conflict, InvalidInput, NotFound
from highland.platform.identity.models import ApiToken, User, UserSession
from highland.platform.identity.permissions import Principal, Role

MIN_PASSWORD = 8
MAX_TOKEN_DAYS = 3650


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


def _short_password() -> InvalidInput:
    return InvalidInput(
        f"password must have at least {MIN_PASSWORD} characters",
        field="password",
        code="creds.short_password",
        params={"min": MIN_PASSWORD},
    )


def _check_account(
    role: Role,
    password: str,
    enterprise_id: int | None,
    institution_code: str | None,
    chain_id: int | None,
    email: str | None,
    language: str | None,
) -> str | None:
    """Check a new account's password, the scope fields its role needs, its e-mail address
    and language; return the e-mail address as stored."""
    if len(password) < MIN_PASSWORD:
        raise _short_password()
    if role is Role.enterprise and enterprise_id is None:
        raise InvalidInput(
            "an enterprise user needs its enterprise (USCC)", field="enterprise",
            code="creds.needs_enterprise",
        )  # fmt: skip
    if role is Role.handler and not institution_code:
        raise InvalidInput(
            "a handler needs an institution code", field="institution",
            code="creds.needs_institution",
        )  # fmt: skip
    if role in (Role.chain_head, Role.chain_team) and chain_id is None:
        raise InvalidInput(
            "a chain head or team member needs a chain id", field="chain",
            code="creds.needs_chain",
        )  # fmt: skip
    if email is not None:
        email = email.strip() or None
        if email and (len(email) > 200 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
            raise InvalidInput(
                f"email: '{email}' is not an e-mail address", field="email",
                code="creds.bad_email", params={"value": email[:200]},
            )  # fmt: skip
    if language is not None and language not in ("zh-CN", "en"):
        raise InvalidInput(
            f"language: '{language}' is not zh-CN or en",
            field="language",
            code="notices.bad_language",
            params={"value": language[:20]},
        )
    return email


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
        raise InvalidInput(
            "username must be 1–64 characters", field="username", code="creds.bad_username"
        )
    try:
        role_v = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(
            f"unknown role '{role}'; roles are: {roles}", field="role", code="creds.bad_role",
            params={"value": role[:20], "roles": roles},
        ) from None  # fmt: skip
    email = _check_account(role_v, password, enterprise_id, institution_code, chain_id, email,
                           language)  # fmt: skip
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(
            f"username '{username}' is taken", field="username", code="creds.username_taken",
            params={"username": username},
        )  # fmt: skip
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


def user_exists(session: Session, username: str) -> bool:
    """Whether an account of that name exists."""
    return session.scalar(select(User.id).where(User.username == username)) is not None


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


def prune_sessions(session: Session, now: datetime | None = None) -> int:
    """Delete expired browser sessions (their cookies are refused already); how many."""
    result = session.execute(delete(UserSession).where(UserSession.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)


def token_expiry(days: int | None, now: datetime | None = None) -> datetime | None:
    """When a token created now expires: after `days` (None: HIGHLAND_API_TOKEN_DAYS; 0:
    never). A negative or absurd number is refused."""
    if days is None:
        days = get_settings().api_token_days
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            f"days: '{days}' is not a number of days from 0 (never expires) to {MAX_TOKEN_DAYS}",
            field="days",
            code="creds.bad_days",
            params={"value": str(days)[:20], "max": MAX_TOKEN_DAYS},
        )
    return None if days == 0 else (now or utcnow()) + timedelta(days=days)


def create_token(
    session: Session, actor: Actor, username: str, name: str = "cli", days: int | None = None
) -> str:
    """Create an API token for a user and return it (shown once, stored hashed). It expires
    after `days` (None: the configured default; 0: never)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "token name must be 1–100 characters", field="name", code="creds.bad_token_name"
        )
    expires = token_expiry(days)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(
            f"no user '{username}'", field="user", code="creds.no_user",
            params={"username": username[:64]},
        )  # fmt: skip
    if not user.is_active:
        raise Conflict(
            f"user '{username}' is disabled; enable it first", field="user",
            code="creds.user_disabled", params={"username": username},
        )  # fmt: skip
    token = "hl_" + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_sha(token), user_id=user.id, name=name, expires_at=expires)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        Change(
            "create", "api_token", str(row.id),
            after={"user": username, "name": name, "expires_at": expires},
        ),
    )  # fmt: skip
    return token


# A token's last use is recorded at most this often: a read request with a fresh record
# writes nothing (on SQLite a write takes the database's one write lock).
TOKEN_TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenUse:
    """A live token's principal, and what its last-use record needs."""

    principal: Principal
    token_id: int
    last_used_at: datetime | None

    def stale(self, now: datetime | None = None) -> bool:
        """Whether the last-use record is older than TOKEN_TOUCH_EVERY (or missing)."""
        now = now or utcnow()
        last = self.last_used_at
        return last is None or not (now - TOKEN_TOUCH_EVERY < last <= now)


def token_use(session: Session, token: str) -> TokenUse | None:
    """Look a bearer token up without writing: None when unknown, revoked, expired or its user
    is disabled (checked on every request, so revoking or disabling takes effect at once)."""
    now = utcnow()
    row = session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _sha(token), ApiToken.revoked.is_(False))
        .where(ApiToken.expires_at.is_(None) | (ApiToken.expires_at > now))
    ).first()
    if row is None or not row[0].is_active:
        return None
    return TokenUse(principal_of(row[0], "api"), row[1], row[2])


def token_principal(session: Session, token: str) -> Principal | None:
    """Return the principal of a bearer token, or None (see token_use)."""
    use = token_use(session, token)
    return use.principal if use else None


def record_token_use(session: Session, token_id: int, now: datetime | None = None) -> None:
    """Record a token's use (now), unless its record is recent; the caller owns the
    transaction (see platform.deps: a short one of its own that never waits for a lock)."""
    now = now or utcnow()
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id)
        .where(
            ApiToken.last_used_at.is_(None)
            | (ApiToken.last_used_at <= now - TOKEN_TOUCH_EVERY)
            | (ApiToken.last_used_at > now)
        )
        .values(last_used_at=now)
    )
