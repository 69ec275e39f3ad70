"""`highland audit verify`, `highland portraits refresh` and `highland prune`: keeping the
database sound and bounded."""

from __future__ import annotations

from highland.cli.common import actor, audit_app, fail, init_db, portraits_app
from highland.enterprises.portrait.refresh import refresh_all
from highland.platform.audit.service import verify
from highland.platform.cli import say
from highland.platform.config import get_settings
from highland.platform.db import session_factory, transaction
from highland.platform.prune import prune as run_prune

__all__ = ["audit_app", "portraits_app", "prune"]


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit log's hash chain; exit 1 if any entry was tampered with."""
    init_db()
    with session_factory()() as s:
        r = verify(s)
    if r.ok:
        say("cli.audit.intact", checked=r.checked)
        return
    raise fail("cli.audit.broken", seq=r.first_bad_seq, problem=r.problem, checked=r.checked)


@portraits_app.command("refresh")
def portraits_refresh() -> None:
    """Recompute every enterprise's size class from its latest figures (set-based)."""
    with transaction() as s:
        n = refresh_all(s, actor())
    say("cli.portraits.refreshed", count=n)


def prune() -> None:
    """Delete old sign-in attempts, expired sessions and long-read notices (the sweep does too)."""
    init_db()
    settings = get_settings()
    with transaction() as s:
        r = run_prune(s, settings, actor())
    say("prune.cli.done", attempts=r.attempts, sessions=r.sessions,
        notices=r.notices, days=settings.notice_keep_days,
    )  # fmt: skip
