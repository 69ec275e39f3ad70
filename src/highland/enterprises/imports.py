"""Running imports as units of work (used by pages, the API and the CLI)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable

from fastapi import Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.audit.service import Actor
from highland.enterprises import importer
from highland.enterprises.models import ImportReport
from highland.errors import InvalidInput
from highland.identity.permissions import Principal
from highland.kit import inert

KINDS = ("enterprises", "financials")


async def read_upload(request: Request, upload: UploadFile) -> tuple[bytes, str]:
    """Read an uploaded file, refusing one over the configured size."""
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"the file is larger than {limit // (1024 * 1024)} MB", field="file")
    return data, upload.filename or "upload"


def actor_of(principal: Principal) -> Actor:
    """The audit actor of a principal."""
    return Actor(principal.username, principal.role.value, principal.channel)


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
) -> importer.ImportResult:
    """Import in one transaction of its own: committed, or rolled back (dry run, refusal)."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    actor = principal if isinstance(principal, Actor) else actor_of(principal)
    extra = {"progress": progress} if progress else {}
    with sessions() as session:
        try:
            if kind == "enterprises":
                result = importer.import_enterprises(
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
                result = importer.import_financials(
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


def report_csv(result: importer.ImportResult) -> str:
    """The row-level report: row,column,value,error (row as the person sees it)."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(["row", "column", "value", "error"])
    for e in result.errors:
        writer.writerow(inert.csv_row([e["row"], e["column"], e["value"] or "", e["error"]]))
    return buf.getvalue()


def save_report(
    sessions: sessionmaker[Session], principal: Principal, result: importer.ImportResult
) -> str:
    """Keep an import's report for download; return its id."""
    rid = secrets.token_hex(16)
    with sessions() as session:
        session.add(ImportReport(id=rid, user_id=principal.user_id, csv_text=report_csv(result)))
        session.commit()
    return rid


def load_report(session: Session, principal: Principal, rid: str) -> str | None:
    """Return a report's CSV if the principal wrote it."""
    return session.scalar(
        select(ImportReport.csv_text).where(
            ImportReport.id == rid, ImportReport.user_id == principal.user_id
        )
    )
