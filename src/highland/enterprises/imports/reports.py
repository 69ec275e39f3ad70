"""The row-level report of an import: written as CSV, kept for its author to download."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from highland.enterprises.imports.outcome import ImportResult
from highland.enterprises.models import ImportReport
from highland.platform.identity.permissions import Principal
from highland.platform.kit import clock, inert

REPORT_MAX_BYTES = 1_000_000  # a stored report: about 10,000 rows of errors, never more
REPORT_MAX_VALUE = 200  # characters of a cell's value quoted in a report row


def _short(text: str) -> str:
    return text if len(text) <= REPORT_MAX_VALUE else text[:REPORT_MAX_VALUE] + "…"


def report_csv(result: ImportResult) -> str:
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


def keep_report(
    session: Session, principal: Principal, result: ImportResult, keep_days: int = 30
) -> str:
    """Keep an import's report for its author to download; return its id. Reports older than
    `keep_days` (setting HIGHLAND_IMPORT_REPORT_KEEP_DAYS) are deleted at the same time."""
    rid = secrets.token_hex(16)
    cutoff = clock.now() - timedelta(days=keep_days)
    session.execute(delete(ImportReport).where(ImportReport.created_at < cutoff))
    session.add(ImportReport(id=rid, user_id=principal.user_id, csv_text=report_csv(result)))
    session.flush()
    return rid


def load_report(session: Session, principal: Principal, rid: str) -> str | None:
    """Return a report's CSV if the principal wrote it."""
    return session.scalar(
        select(ImportReport.csv_text).where(
            ImportReport.id == rid, ImportReport.user_id == principal.user_id
        )
    )
