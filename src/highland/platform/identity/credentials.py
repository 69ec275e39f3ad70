"""The life of credentials: listing and revoking API tokens, disabling and enabling users,
resetting passwords. Each change is audited (never with a secret in it) and takes effect at
once: a disabled user's sessions are deleted and every request checks its token and user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import utcnow
from highland.platform.errors import Conflict, InvalidInput, NotFound
from highland.platform.identity.models import ApiToken, User, UserSession
from highland.platform.identity.service import MIN_PASSWORD, hash_password


@dataclass(frozen=True)
class TokenRow:
    """A token as an operator sees it: never the token itself."""

    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked: bool

    def state(self, now: datetime) -> str:
        """active, expired or revoked."""
        if self.revoked:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class UserRow:
    """A user as the admin page lists it."""

    id: int
    username: str
    display_name: str | None
    role: str
    is_active: bool
    last_login_at: datetime | None
    sessions: int


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(
            f"no user '{username}'",
            field="user",
            code="creds.no_user",
            params={"username": username.strip()[:64]},
        )
    return user


def username_of(session: Session, user_id: int) -> str:
    """The username of a user id (404 for an unknown or impossible id)."""
    name = (
        session.scalar(select(User.username).where(User.id == user_id))
        if 0 < user_id < 2**63
        else None
    )
    if name is None:
        raise NotFound(
            f"no user with id {user_id}", field="user", code="creds.no_user",
            params={"username": str(user_id)[:24]},
        )  # fmt: skip
    return name


def list_tokens(session: Session, username: str | None = None) -> list[TokenRow]:
    """Every token (or one user's), newest first."""
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if username is not None:
        query = query.where(User.id == _user(session, username).id)
    rows = session.execute(query.order_by(ApiToken.id.desc())).all()
    return [
        TokenRow(t.id, name, t.name, t.created_at, t.last_used_at, t.expires_at, bool(t.revoked))
        for t, name in rows
    ]


def revoke_token(session: Session, actor: Actor, token_id: int) -> TokenRow:
    """Revoke a token: the next request that carries it is refused (401)."""
    token = session.get(ApiToken, token_id) if 0 < token_id < 2**63 else None
    if token is None:
        raise NotFound(
            f"no API token with id {token_id}",
            field="token",
            code="creds.no_token",
            params={"id": token_id},
        )
    owner = session.get(User, token.user_id)
    username = owner.username if owner else "?"
    if token.revoked:
        raise Conflict(
            f"API token {token_id} ({token.name}, of {username}) is already revoked",
            field="token",
            code="creds.token_revoked",
            params={"id": token_id, "name": token.name},
        )
    token.revoked = True
    session.flush()
    record(
        session,
        actor,
        Change(
            "revoke",
            "api_token",
            str(token.id),
            before={"user": username, "name": token.name, "revoked": False},
            after={"revoked": True},
        ),
    )
    return TokenRow(
        token.id, username, token.name, token.created_at, token.last_used_at,
        token.expires_at, True,
    )  # fmt: skip


def _end_sessions(session: Session, user_id: int) -> int:
    result = session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def set_active(
    session: Session, actor: Actor, username: str, active: bool, *, acting_user_id: int | None
) -> int:
    """Disable (active=False) or enable a user; disabling deletes its sessions at once (its
    tokens stop at the next request). Returns the number of sessions ended. Nobody disables
    themselves, so an admin cannot lock the page out from under their own feet."""
    user = _user(session, username)
    if not active and acting_user_id is not None and user.id == acting_user_id:
        raise Conflict(
            "you cannot disable your own account", field="user", code="creds.self_disable"
        )
    if user.is_active == active:
        raise Conflict(
            f"user '{user.username}' is already {'enabled' if active else 'disabled'}",
            field="user",
            code="creds.already_enabled" if active else "creds.already_disabled",
            params={"username": user.username},
        )
    user.is_active = active
    ended = 0 if active else _end_sessions(session, user.id)
    session.flush()
    record(
        session,
        actor,
        Change(
            "enable" if active else "disable",
            "user",
            user.username,
            before={"is_active": not active},
            after={"is_active": active, **({} if active else {"sessions_ended": ended})},
        ),
    )
    return ended


def reset_password(session: Session, actor: Actor, username: str, password: str) -> int:
    """Set a new password and end every session of the user (someone who knew the old one
    is signed out). Returns the number of sessions ended; the audit says only that it
    changed."""
    user = _user(session, username)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD} characters",
            field="password",
            code="creds.short_password",
            params={"min": MIN_PASSWORD},
        )
    if len(password) > 1024:
        raise InvalidInput(
            "password must have at most 1024 characters",
            field="password",
            code="creds.long_password",
            params={"max": 1024},
        )
    user.password_hash = hash_password(password)
    ended = _end_sessions(session, user.id)
    session.flush()
    record(
        session,
        actor,
        Change(
            "reset_password", "user", user.username, after={"sessions_ended": ended},
            summary="password reset",
        ),
    )  # fmt: skip
    return ended


def list_users(session: Session) -> list[UserRow]:
    """Every user with its live session count, by username."""
    live = (
        select(UserSession.user_id, func.count().label("n"))
        .where(UserSession.expires_at > utcnow())
        .group_by(UserSession.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, func.coalesce(live.c.n, 0))
        .outerjoin(live, live.c.user_id == User.id)
        .order_by(User.username)
    ).all()
    return [
        UserRow(u.id, u.username, u.display_name, u.role, bool(u.is_active), u.last_login_at, n)
        for u, n in rows
    ]
