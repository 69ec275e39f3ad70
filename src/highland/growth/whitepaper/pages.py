"""The white paper page: /growth/whitepaper?ruleset=R&year=Y[&lang=zh-CN|en][&format=xlsx]
(staff; without a year, the rule set's newest list). html is the standalone printable paper
with a toolbar printing hides; xlsx downloads the workbook. A year not published, an unknown
rule set, a bad format or language is a 422 page naming it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from highland.growth.whitepaper import render, service
from highland.growth.whitepaper import xlsx as sheets
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.render import render as render_page

router = APIRouter(include_in_schema=False)
STAFF = Depends(require(Permission.policies_match))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/growth/whitepaper")
def whitepaper_page(
    request: Request,
    year: int | None = Query(None, ge=1990, le=2100),
    ruleset: str = Query(service.DEFAULT_RULESET, max_length=40, pattern=r"^[0-9A-Za-z_-]+$"),
    fmt: str = Query("html", alias="format", max_length=16),
    lang: str | None = Query(None, max_length=8),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """The white paper of a published list (printable HTML) or its XLSX."""
    service.check_format(fmt)
    chosen = service.check_lang(lang or service.LANGUAGES[0])  # Chinese first, as the bureau
    if year is None:  # the newest list of the rule set; none yet: a page that says so
        year = service.newest_year(db, ruleset)
        if year is None:
            return render_page(request, "growth/whitepaper_none.html",
                          {"nav": "growth", "ruleset": ruleset})  # fmt: skip
    paper = service.build(db, ruleset, year, chosen)
    if fmt == "xlsx":
        name = service.filename(paper, "xlsx")
        return Response(sheets.workbook(paper), media_type=XLSX,
                        headers={"content-disposition": f'attachment; filename="{name}"',
                                 "cache-control": "no-store"})  # fmt: skip
    return HTMLResponse(render.to_html(paper, links=True), headers={"cache-control": "no-store"})
