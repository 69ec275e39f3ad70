"""The high-growth lists' pages: a published list by category with its entries and exits
(staff), its CSV, and an enterprise's category history (the enterprise sees its own)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.growth import views
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
STAFF = Depends(require(Permission.policies_match))
READ = Depends(require(Permission.enterprises_read))
YEAR = Query(None, ge=1990, le=2100)


def _code() -> Any:
    """A code parameter (rule set, district, industry): one Query object per parameter."""
    return Query(None, max_length=40, pattern=r"^[0-9A-Za-z_-]*$")


def _view(db: Session, principal: Principal, ruleset: str | None, year: int | None,
          district: str | None, industry: str | None) -> views.ListView:  # fmt: skip
    return views.list_view(db, principal, ruleset or None, year, district or None,
                           industry or None)  # fmt: skip


@router.get("/growth")
def list_page(
    request: Request,
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    district: str | None = _code(),
    industry: str | None = _code(),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """A published list by category, with the firms that entered, stayed, changed or left."""
    view = _view(db, principal, ruleset, year, district, industry)
    ctx = {
        "nav": "growth",
        "view": view,
        "titles": {c.id: (c.title, c.title_en) for c in view.categories},
        "district": district or "",
        "industry": industry or "",
    }
    return render(request, "growth/list.html", ctx)


@router.get("/growth/export.csv")
def export_csv(
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    district: str | None = _code(),
    industry: str | None = _code(),
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """The list's lines as CSV (Chinese headers unless headers=codes)."""
    view = _view(db, principal, ruleset, year, district, industry)
    body = views.export_csv(view, headers)
    name = (
        f"growth-{view.chosen.ruleset_id}-{view.chosen.year}.csv" if view.chosen else "growth.csv"
    )
    disposition = {"content-disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=disposition)


@router.get("/enterprises/{uscc}/growth")
def history_page(request: Request, uscc: str, db: Session = DB, principal: Principal = READ
                 ) -> Response:  # fmt: skip
    """An enterprise's categories year by year, and why it left a list."""
    lines = views.history(db, principal, uscc.upper()[:18], language(request))
    return render(request, "growth/history.html", {"nav": "enterprises", "uscc": uscc.upper(),
                                                   "lines": lines})  # fmt: skip
