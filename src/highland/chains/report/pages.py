"""The monthly chain report page: /chains/{id}/report?month=YYYY-MM&format=html|xlsx.

html shows the standalone printable report (with a toolbar that printing hides); xlsx
downloads the workbook as chain-<id>-<month>.xlsx. month defaults to the current month in
Asia/Shanghai; a malformed or future month, or another format, is a 422 page naming the
parameter."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.report import service as report
from highland.platform.db import utcnow
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import numbers
from highland.platform.web.params import DbInt
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = Query(None, max_length=32, description="YYYY-MM (default: the current month)")
FORMAT = Query("html", alias="format", max_length=16, description="html | xlsx")
HEADERS = Query(None, max_length=40, description="XLSX sheets: zh (default) | codes")


def respond(r: report.Report, fmt: str, links: bool, headers: str = "zh") -> Response:
    """The report as an HTML page or an XLSX download (sheets named per `headers`)."""
    if fmt == "xlsx":
        name = report.filename(r, "xlsx")
        return Response(report.to_xlsx(r, headers), media_type=XLSX,
                        headers={"content-disposition": f'attachment; filename="{name}"',
                                 "cache-control": "no-store"})  # fmt: skip
    return HTMLResponse(report.to_html(r, links=links), headers={"cache-control": "no-store"})


@router.get("/chains/{chain_id}/report")
def report_page(
    request: Request,
    chain_id: DbInt,
    month: str | None = MONTH,
    fmt: str = FORMAT,
    headers: str | None = HEADERS,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The chain's monthly report (printable HTML) or its XLSX."""
    now = utcnow()
    report.check_format(fmt)
    chosen = numbers.header_set(headers)
    month = indicators.current_month(now) if month is None else month
    r = report.build(db, chain_id, month, language(request), now, by=principal.username)
    return respond(r, fmt, links=True, headers=chosen)
