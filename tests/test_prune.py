"""Pruning the tables that only grow: sign-in attempts the delays no longer look at, expired
sessions, notices read more than HIGHLAND_NOTICE_KEEP_DAYS days ago (never unread ones); by the
scheduled sweep (counted in its log line) and by `highland prune`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from highland.platform import db as hdb
from highland.platform.audit.models import AuditEntry
from highland.platform.config import Settings
from highland.platform.identity import login
from highland.platform.identity import service as identity
from highland.platform.identity.models import LoginAttempt, UserSession
from highland.platform.notices import service as notices
from highland.platform.notices.models import Notification
from highland.platform.prune import prune
from tests.cli import Cli
from tests.conftest import ACTOR, BACKENDS
from tests.pg import fresh_engine

SETTINGS = Settings(secret_key="test-secret", login_window_minutes=15, notice_keep_days=365)
PAIRS = {"ana": "192.0.2.1", "bob": "192.0.2.2", "cy": "192.0.2.3"}


def _attempts(s: Session, now: datetime) -> None:
    """ana: seven old failures and two recent ones; bob: ten recent failures (he must wait);
    cy: a success long ago and six recent failures."""
    rows = [("ana", now - timedelta(minutes=30 - i), False) for i in range(7)]
    rows += [("ana", now - timedelta(minutes=5 - i), False) for i in range(2)]
    rows += [("bob", now - timedelta(seconds=60 - 5 * i), False) for i in range(10)]
    rows += [("cy", now - timedelta(minutes=20), True)]
    rows += [("cy", now - timedelta(minutes=10 - i), False) for i in range(6)]
    s.add_all(LoginAttempt(username=u, ip=PAIRS[u], at=at, success=ok) for u, at, ok in rows)
    s.flush()


def _waits(s: Session, now: datetime) -> dict[str, int]:
    return {
        u: login.wait_left(s, u, ip, free=5, cap=900, window=15, now=now) for u, ip in PAIRS.items()
    }


def _people(s: Session, now: datetime) -> tuple[int, int]:
    a = identity.create_user(s, ACTOR, username="pr-a", password="password-1", role="analyst")
    b = identity.create_user(s, ACTOR, username="pr-b", password="password-1", role="analyst")
    for uid, expires in ((a.id, now - timedelta(hours=1)), (b.id, now + timedelta(hours=1))):
        s.add(UserSession(token_hash=f"{uid:064d}", user_id=uid, csrf_token="x",
                          expires_at=expires))  # fmt: skip
    s.flush()
    return a.id, b.id


def _notices(s: Session, uid: int, now: datetime) -> None:
    """Read 400 days ago, read 10 days ago, unread for 1000 days, read yesterday."""
    for key, created, read in (
        ("old-read", 420, 400),
        ("recent-read", 30, 10),
        ("old-unread", 1000, None),
        ("fresh-read", 2, 1),
    ):
        n = notices.Notice("legacy", f"test:{key}", "/notices", {}, key)
        notices.notify(s, [uid], n, now=now - timedelta(days=created))
        if read is not None:
            nid = s.scalar(select(Notification.id).where(Notification.dedupe_key == key))
            assert nid is not None
            notices.mark_read(s, uid, [nid], now=now - timedelta(days=read))


def _keys(s: Session) -> set[str]:
    return set(s.scalars(select(Notification.dedupe_key).where(Notification.ref.like("test:%"))))


def test_prune_deletes_only_what_nothing_needs(db: Session, clock_at: Callable[..., Any]) -> None:
    now = clock_at("2026-06-15 10:00")
    _attempts(db, now)
    a, b = _people(db, now)
    _notices(db, a, now)
    waits = _waits(db, now)
    assert waits["bob"] > 0
    audits = db.scalar(select(func.count()).select_from(AuditEntry))

    r = prune(db, SETTINGS)
    assert (r.attempts, r.sessions, r.notices) == (8, 1, 1)
    # The delays are exactly what they were: only attempts they never look at went.
    assert _waits(db, now) == waits
    left = db.scalars(select(LoginAttempt.at)).all()
    assert left and min(left) >= now - timedelta(minutes=15)
    assert db.scalars(select(UserSession.user_id)).all() == [b]
    assert _keys(db) == {"recent-read", "old-unread", "fresh-read"}
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and (entry.action, entry.entity) == ("prune", "retention")
    assert entry.after is not None and entry.after["read_notices"] == 1
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1

    # Nothing left to delete: nothing written, not even an audit entry.
    assert prune(db, SETTINGS).total == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1
    # A shorter keep: notices read more than 5 days ago go; unread ones stay, however old.
    r = prune(db, SETTINGS.model_copy(update={"notice_keep_days": 5}))
    assert r.notices == 1 and _keys(db) == {"old-unread", "fresh-read"}


def test_a_notice_keep_of_zero_days_is_refused() -> None:
    with pytest.raises(ValueError, match="notice_keep_days"):
        Settings(notice_keep_days=0)


# ---------------------------------------------------------------- the sweep and the CLI


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (the sweep commits)."""
    from highland.enterprises.service import seed_regions
    from highland.schema import upgrade

    def build(engine: Engine) -> None:
        upgrade(engine)
        with hdb.transaction(engine) as s:
            seed_regions(s, "320100")

    with fresh_engine(request.param, tmp_path, "highland_prune", build) as engine:
        yield engine


def test_the_sweep_prunes_and_counts_it_in_its_log_line(
    fresh: Engine, clock_at: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    from highland.platform.jobs import SweepScheduler, run_once

    now = clock_at("2026-06-15 10:00")
    with hdb.transaction(fresh) as s:
        _attempts(s, now)
        a, _ = _people(s, now)
        _notices(s, a, now)
    # A sweep replayed for another moment prunes by the real clock, not by that moment.
    r = run_once(fresh, SETTINGS, now + timedelta(days=3000))
    assert (r.pruned_attempts, r.pruned_sessions, r.pruned_notices) == (8, 1, 1)
    with hdb.transaction(fresh) as s:
        assert _keys(s) == {"recent-read", "old-unread", "fresh-read"}
    clock_at("2026-06-25 10:00")  # ten days on: the recent attempts and sessions age too
    caplog.set_level(logging.INFO, logger="highland.platform.jobs")
    SweepScheduler(fresh, SETTINGS, 15).tick()
    line = next(m for m in caplog.messages if m.startswith("demand sweep: "))
    assert "pruned 18 sign-in attempt(s), 1 expired session(s), 0 read notice(s)" in line


def test_highland_prune(cli: Cli, monkeypatch: pytest.MonkeyPatch, clock_at: Any) -> None:
    from highland.platform.web.i18n import translate

    now = clock_at("2026-06-15 10:00")
    monkeypatch.setenv("HIGHLAND_NOTICE_KEEP_DAYS", "20")
    assert cli("init").code == 0
    with hdb.transaction() as s:
        _attempts(s, now)
        a, _ = _people(s, now)
        _notices(s, a, now)
    result = cli("prune")
    assert result.code == 0, result.output
    assert result.output.strip() == translate(
        "zh-CN", "prune.cli.done", attempts=8, sessions=1, notices=1, days=20
    )
    assert cli("prune").output.startswith("已清理：0 条过期登录尝试")
