"""Sign-in: checking a password with the same argon2 work whether or not the user exists, and
growing delays per (username, address) instead of a lock of the account.

The work is split so that no database connection (nor SQLite's write lock) is held while
argon2 runs: `prepare` checks the wait and writes the attempt as a failure in a short write
transaction (so parallel guesses of one pair count against each other at once), the caller
commits, `verify` hashes, and `finish` marks a success and stamps the user."""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from highland.platform.db import begin_write, is_sqlite, table_of, utcnow
from highland.platform.errors import TooManyRequests
from highland.platform.identity.models import LoginAttempt, User
from highland.platform.identity.service import _hasher, check_password, hash_password


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
    attempt_id: int


def prepare(
    session: Session, username: str, ip: str, *, free: int, cap: int, window: int
) -> Candidate:
    """Refuse a pair that must still wait (429: no argon2 work spent, nothing written), else
    keep the attempt as a failure until `finish` says otherwise, and read the user. Call it in
    a write transaction (SQLite: begun IMMEDIATE) so concurrent attempts queue here."""
    username = username.strip()
    if not is_sqlite(session):  # SQLite's BEGIN IMMEDIATE already queues every attempt
        key = int.from_bytes(hashlib.sha256(f"{username}\0{ip}".encode()).digest()[:8], "big")
        session.execute(select(func.pg_advisory_xact_lock(key - 2**63)))
    left = wait_left(session, username, ip, free=free, cap=cap, window=window)
    if left:
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {left} seconds",
            field="username",
            code="creds.login_wait",
            params={"seconds": left},
        )
    attempt = LoginAttempt(username=username[:64], ip=ip[:64], success=False)
    session.add(attempt)
    session.flush()
    row = session.execute(
        select(User.id, User.password_hash, User.is_active).where(User.username == username)
    ).first()
    if row is None:
        return Candidate(username, None, dummy_hash(), False, attempt.id)
    return Candidate(username, row[0], row[1], bool(row[2]), attempt.id)


def verify(candidate: Candidate, password: str) -> bool:
    """The argon2 check: the same work for unknown, disabled and real accounts."""
    ok = check_password(candidate.password_hash, password)
    return ok and candidate.user_id is not None and candidate.active


def finish(session: Session, candidate: Candidate, ok: bool) -> User | None:
    """On success mark the attempt so and stamp and return the user (None: the sign-in
    failed, or the user was disabled while the password was being checked)."""
    if not ok or candidate.user_id is None:
        return None
    user = session.get(User, candidate.user_id)
    if user is None or not user.is_active:
        return None
    attempt = session.get(LoginAttempt, candidate.attempt_id)
    if attempt is not None:
        attempt.success = True
    user.last_login_at = utcnow()
    session.flush()
    return user


def prune_attempts(session: Session, window: int, now: datetime | None = None) -> int:
    """Delete the attempts `wait_left` can no longer see (older than `window` minutes: neither
    their failures nor their successes count any more), in one statement; how many."""
    cutoff = (now or utcnow()) - timedelta(minutes=window)
    table = table_of(LoginAttempt)
    begin_write(session)
    result = session.execute(delete(table).where(table.c.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
