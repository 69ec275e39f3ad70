"""Sign-in: checking a password with the same argon2 work whether or not the user exists, and
growing delays per (username, address) instead of a lock of the account.

The work is split so that no database connection (nor SQLite's write lock) is held while
argon2 runs: `prepare` reads, the caller ends that read, `verify` hashes, `record` writes."""

from __future__ import annotations

import functools
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.db import utcnow
from highland.errors import TooManyRequests
from highland.identity.models import LoginAttempt, User
from highland.identity.service import _hasher, check_password, hash_password


@functools.cache
def _dummy_hash(memory_kib: int, time_cost: int) -> str:
    """A hash of a random password with the configured cost: an unknown username is checked
    against it, so it costs the same argon2 work as a known one."""
    return hash_password(secrets.token_urlsafe(16))


def dummy_hash() -> str:
    """The stand-in hash for unknown or disabled accounts (same cost as real ones)."""
    h = _hasher()
    return _dummy_hash(h.memory_cost, h.time_cost)


def delay_seconds(failures: int, free: int, cap: int) -> int:
    """The wait after `failures` consecutive failures: none for the first `free`, then 1 s,
    doubling with each further failure, at most `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def wait_left(
    session: Session,
    username: str,
    ip: str,
    *,
    free: int,
    cap: int,
    window: int,
    now: datetime | None = None,
) -> int:
    """Seconds this (username, address) pair must still wait before it may try again (0:
    it may). Only failures of this very pair since its last success count, so neither a
    stranger's failures elsewhere nor a neighbour's behind the same address slow anyone."""
    now = now or utcnow()
    since = now - timedelta(minutes=window)
    pair = (LoginAttempt.username == username[:64], LoginAttempt.ip == ip[:64])
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.success.is_(True))
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *pair, LoginAttempt.success.is_(False), LoginAttempt.at > since
        )
    ).one()
    if not count or last is None:
        return 0
    delay = delay_seconds(int(count), free, cap)
    left = (last + timedelta(seconds=delay) - now).total_seconds()
    return max(0, math.ceil(left))


@dataclass(frozen=True)
class Candidate:
    """What a sign-in needs from the user row, read before the password is checked."""

    username: str
    user_id: int | None
    password_hash: str
    active: bool


def prepare(
    session: Session, username: str, ip: str, *, free: int, cap: int, window: int
) -> Candidate:
    """Refuse a pair that must still wait (429, no argon2 work spent), else read the user."""
    username = username.strip()
    left = wait_left(session, username, ip, free=free, cap=cap, window=window)
    if left:
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {left} seconds",
            field="username",
            code="creds.login_wait",
            params={"seconds": left},
        )
    row = session.execute(
        select(User.id, User.password_hash, User.is_active).where(User.username == username)
    ).first()
    if row is None:
        return Candidate(username, None, dummy_hash(), False)
    return Candidate(username, row[0], row[1], bool(row[2]))


def verify(candidate: Candidate, password: str) -> bool:
    """The argon2 check: the same work for unknown, disabled and real accounts."""
    ok = check_password(candidate.password_hash, password)
    return ok and candidate.user_id is not None and candidate.active


def record(session: Session, candidate: Candidate, ip: str, ok: bool) -> User | None:
    """Keep the attempt (for the delays); on success stamp and return the user."""
    session.add(LoginAttempt(username=candidate.username[:64], ip=ip[:64], success=ok))
    session.flush()
    if not ok or candidate.user_id is None:
        return None
    user = session.get(User, candidate.user_id)
    if user is None or not user.is_active:  # disabled while its password was being checked
        return None
    user.last_login_at = utcnow()
    return user
