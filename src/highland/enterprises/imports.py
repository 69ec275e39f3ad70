"""Running imports as units of work (used by pages, the API and the CLI)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from datetime import timedelta

from fastapi import Request, UploadFile
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises import importer
from highland.enterprises.models import ImportReport
from highland.platform.audit.service import Actor
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit import clock, inert

KINDS = ("enterprises", "financials")


async def read_upload(request: Request, upload: UploadFile) -> tuple[bytes, str]:
    """Read an uploaded file, refusing one over the configured size."""
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(
            f"the file is larger than {limit // (1024 * 1024)} MB",
            field="file",
            code="upload.too_big",
            params={"mb": limit // (1024 * 1024)},
        )
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


REPORT_MAX_BYTES = 1_000_000  # a stored report: about 10,000 rows of errors, never more
REPORT_MAX_VALUE = 200  # characters of a cell's value quoted in a report row


def _short(text: str) -> str:
    return text if len(text) <= REPORT_MAX_VALUE else text[:REPORT_MAX_VALUE] + "…"


def report_csv(result: importer.ImportResult) -> str:
    """The row-level report: row,column,value,error (row as the person sees it).

    Capped: a value is quoted to REPORT_MAX_VALUE characters and the report stops near
    REPORT_MAX_BYTES with a last row saying how many errors were left out."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(["row", "column", "value", "error"])
    for i, e in enumerate(result.errors):
        if buf.tell() > REPORT_MAX_BYTES:
            left = len(result.errors) - i
            writer.writerow(["", "", "", f"… {left} more error(s) not shown (report size limit)"])
            break
        writer.writerow(
            inert.csv_row([e["row"], e["column"], _short(e["value"] or ""), _short(e["error"])])
        )
    return buf.getvalue()


def save_report(
    sessions: sessionmaker[Session],
    principal: Principal,
    result: importer.ImportResult,
    keep_days: int = 30,
) -> str:
    """Keep an import's report for download; return its id. Reports older than `keep_days`
    (setting HIGHLAND_IMPORT_REPORT_KEEP_DAYS) are deleted at the same time."""
    rid = secrets.token_hex(16)
    with sessions() as session:
        cutoff = clock.now() - timedelta(days=keep_days)
        session.execute(delete(ImportReport).where(ImportReport.created_at < cutoff))
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
