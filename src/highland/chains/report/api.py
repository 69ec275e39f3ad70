"""REST API of the monthly chain report: GET /api/v1/chains/{id}/report?month=&format=&lang=
returns the printable HTML (text/html) or the XLSX workbook; 422 JSON naming the field for a
malformed or future month, another format or language; 404 for an unknown chain."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.report import service as report
from highland.chains.report.pages import FORMAT, HEADERS, MONTH, respond
from highland.platform.db import utcnow
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import numbers
from highland.platform.web.params import DbInt

router = APIRouter(prefix="/api/v1", tags=["chains"])
READ = Depends(require(Permission.chains_read))
LANG = Query("zh-CN", max_length=16, description="zh-CN | en")


@router.get(
    "/chains/{chain_id}/report",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/vnd.openxmlformats-"
                                 "officedocument.spreadsheetml.sheet": {}}}},
)  # fmt: skip
def chain_report(
    chain_id: DbInt,
    month: str | None = MONTH,
    fmt: str = FORMAT,
    lang: str = LANG,
    headers: str | None = HEADERS,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The chain's monthly report: indicators with their freshness (the month's scheduling
    snapshot, else computed now), the chain map, gaps with prospects, the month's decisions and
    their tasks, earlier tasks still open. format html (default) or xlsx."""
    now = utcnow()
    report.check_format(fmt)
    chosen = numbers.header_set(headers)
    month = indicators.current_month(now) if month is None else month
    r = report.build(db, chain_id, month, lang, now, by=principal.username)
    return respond(r, fmt, links=False, headers=chosen)
