"""Keeping the tables that only grow bounded: sign-in attempts older than the sign-in delays
look at, expired browser sessions, and notices read more than HIGHLAND_NOTICE_KEEP_DAYS days
ago (unread ones are kept for ever). Run by the server's scheduled sweep and `highland prune`;
each table is one set-based DELETE, and a prune that deleted anything is audited (counts
only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from highland.platform.audit.service import JOB, Actor, Change, record
from highland.platform.config import Settings
from highland.platform.db import begin_write, utcnow


@dataclass(frozen=True)
class PruneResult:
    """How many rows one prune deleted."""

    attempts: int = 0
    sessions: int = 0
    notices: int = 0

    @property
    def total(self) -> int:
        """All rows deleted."""
        return self.attempts + self.sessions + self.notices

    def summary(self) -> str:
        """One line for logs."""
        return (
            f"pruned {self.attempts} sign-in attempt(s), {self.sessions} expired session(s), "
            f"{self.notices} read notice(s)"
        )


def prune(
    session: Session, settings: Settings, actor: Actor = JOB, now: datetime | None = None
) -> PruneResult:
    """Delete what nothing needs any more, in the caller's transaction (it flushes, never
    commits). `now` defaults to the clock: a sweep replayed at another moment still prunes by
    the real time."""
    from highland.platform.identity.login import prune_attempts
    from highland.platform.identity.service import prune_sessions
    from highland.platform.notices.service import prune_read

    now = now or utcnow()
    begin_write(session)
    result = PruneResult(
        attempts=prune_attempts(session, settings.login_window_minutes, now),
        sessions=prune_sessions(session, now),
        notices=prune_read(session, settings.notice_keep_days, now),
    )
    if result.total:
        record(session, actor, Change(
            "prune", "retention", None,
            after={"login_attempts": result.attempts, "sessions": result.sessions,
                   "read_notices": result.notices,
                   "notice_keep_days": settings.notice_keep_days,
                   "login_window_minutes": settings.login_window_minutes},
            summary=result.summary(),
        ))  # fmt: skip
    return result
