"""`highland audit verify`, `highland portraits refresh` and `highland prune`: keeping the
database sound and bounded."""

from __future__ import annotations

from highland.cli.common import audit_app, fail, init_db, out, portraits_app
from highland.db import session_factory, transaction


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit log's hash chain; exit 1 if any entry was tampered with."""
    from highland.audit.service import verify

    init_db()
    with session_factory()() as s:
        r = verify(s)
    if r.ok:
        out.print(f"audit log intact: {r.checked} entries verified")
        return
    raise fail(
        f"audit log broken at entry {r.first_bad_seq}: {r.problem} "
        f"({r.checked} entries before it verified)"
    )


@portraits_app.command("refresh")
def portraits_refresh() -> None:
    """Recompute every enterprise's size class from its latest figures (set-based)."""
    from highland.enterprises.portrait_sql import refresh_size_classes

    with transaction() as s:
        n = refresh_size_classes(s)
    out.print(f"size classes refreshed: {n} enterprises")
