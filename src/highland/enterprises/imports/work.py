"""Running an import as a unit of work of its own (pages and the API in a worker thread, the
CLI): the import flushes, this commits it, or rolls it back for a dry run or a refused file.

Imports are the one place a request does not write through its own transaction (see
platform.deps.OWN_TRANSACTIONS): a large file is read and checked before the write begins."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises.imports.financials import import_financials
from highland.enterprises.imports.outcome import ImportResult
from highland.enterprises.imports.registry import import_enterprises
from highland.enterprises.imports.reports import keep_report
from highland.platform.audit.service import Actor, actor_of
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal

KINDS = ("enterprises", "financials")


def run_import(
    sessions: sessionmaker[Session],
    principal: Principal | Actor,
    kind: str,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    source: str = "statistics",
    synthetic: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    """Import in one transaction of its own: committed, or rolled back (dry run, refusal)."""
    if kind not in KINDS:
        raise InvalidInput(
            f"kind must be one of {', '.join(KINDS)}",
            field="kind",
            code="upload.bad_kind",
            params={"kinds": ", ".join(KINDS)},
        )
    actor = principal if isinstance(principal, Actor) else actor_of(principal)
    extra = {"progress": progress} if progress else {}
    with sessions() as session:
        try:
            if kind == "enterprises":
                result = import_enterprises(
                    session,
                    actor,
                    data,
                    filename,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    synthetic=synthetic,
                    **extra,
                )
            else:
                result = import_financials(
                    session,
                    actor,
                    data,
                    filename,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    source=source,
                    **extra,
                )
            if result.written:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
    return result


def save_report(
    sessions: sessionmaker[Session],
    principal: Principal,
    result: ImportResult,
    keep_days: int = 30,
) -> str:
    """Keep an import's report (see reports.keep_report) in a transaction of its own, as the
    import itself ran; return its id."""
    with sessions() as session:
        rid = keep_report(session, principal, result, keep_days)
        session.commit()
    return rid
