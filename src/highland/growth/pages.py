"""The high-growth lists' pages: a published list by category (staff) with filters by district,
zone, chain and industry, its entries and exits, its cultivation pool, their CSV and XLSX, and
an enterprise's category history and why (the enterprise sees its own)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.growth import exports, pool, views
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
STAFF = Depends(require(Permission.policies_match))
READ = Depends(require(Permission.enterprises_read))
YEAR = Query(None, ge=1990, le=2100)


def _code() -> Any:
    """A code parameter (rule set, district, zone, chain, industry): one Query object each."""
    return Query(None, max_length=40, pattern=r"^[0-9A-Za-z_-]*$")


def _filters(
    district: str | None = _code(),
    zone: str | None = _code(),
    chain: str | None = _code(),
    industry: str | None = _code(),
) -> views.Filters:
    """The list filters from the query string (each a code; empty = any)."""
    return views.Filters(district or "", zone or "", chain or "", industry or "")


FILTERS = Depends(_filters)


def _context(db: Session, f: views.Filters, ruleset: str, year: int) -> dict[str, Any]:
    """What the filter form and the links need: the filters, the query of the list they show,
    and the names of the districts and zones."""
    query = urlencode({"ruleset": ruleset, "year": year, **f.params()})
    regions = {r.code: (r.name_zh, r.name_en, r.kind) for r in registry.regions(db)}
    return {"filters": f, "query": query, "regions": regions}


def _download(file: exports.ExportFile) -> Response:
    disposition = {"content-disposition": f'attachment; filename="{file.name}"'}
    return Response(file.body, media_type=file.media_type, headers=disposition)


@router.get("/growth")
def list_page(
    request: Request,
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    f: views.Filters = FILTERS,
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """A published list by category, with the firms that entered, stayed, changed or left."""
    view = views.list_view(db, principal, ruleset or None, year, f)
    ctx = {
        "nav": "growth",
        "view": view,
        "titles": {c.id: (c.title, c.title_en) for c in view.categories},
        "district": f.district,
        "industry": f.industry,
    }
    if view.chosen is not None:
        ctx |= _context(db, f, view.chosen.ruleset_id, view.chosen.year)
        ctx["words"] = views.exit_words(view, language(request))
    return render(request, "growth/list.html", ctx)


@router.get("/growth/movements")
def movements_page(
    request: Request,
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """A list's entries (new, changed category) and exits with their reasons."""
    view = views.list_view(db, principal, ruleset or None, year, views.Filters())
    ctx: dict[str, Any] = {
        "nav": "growth",
        "view": view,
        "titles": {c.id: (c.title, c.title_en) for c in view.categories},
        "entries": [x for group in view.listed.values() for x in group
                    if x.entry.movement in ("new", "changed")],  # fmt: skip
        "words": {},
    }
    if view.chosen is not None:
        ctx |= _context(db, views.Filters(), view.chosen.ruleset_id, view.chosen.year)
        ctx["words"] = views.exit_words(view, language(request))
    return render(request, "growth/movements.html", ctx)


@router.get("/growth/pool")
def pool_page(
    request: Request,
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    f: views.Filters = FILTERS,
    kind: str | None = Query(None, pattern=r"^(near|unknown)?$"),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """The cultivation pool: near misses and unknowns with the data to supply."""
    view = pool.pool_view(db, ruleset or None, year, f, language(request), kind or "",
                          pool.SHOWN)  # fmt: skip
    ctx: dict[str, Any] = {"nav": "growth", "view": view, "kind": kind or "",
                           "shown": pool.SHOWN}  # fmt: skip
    if view.chosen is not None:
        ctx |= _context(db, f, view.chosen.ruleset_id, view.chosen.year)
    return render(request, "growth/pool.html", ctx)


def _list_export(db: Session, principal: Principal, fmt: str, ruleset: str | None,
                 year: int | None, f: views.Filters, headers: str | None) -> Response:  # fmt: skip
    view = views.list_view(db, principal, ruleset or None, year, f)
    return _download(exports.list_file(db, view, headers, fmt))


@router.get("/growth/export.csv")
def export_csv(
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    f: views.Filters = FILTERS,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """The list's lines as CSV (Chinese headers unless headers=codes)."""
    return _list_export(db, principal, "csv", ruleset, year, f, headers)


@router.get("/growth/export.xlsx")
def export_xlsx(
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    f: views.Filters = FILTERS,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """The list's lines as XLSX (Chinese headers unless headers=codes)."""
    return _list_export(db, principal, "xlsx", ruleset, year, f, headers)


def _pool_export(db: Session, fmt: str, ruleset: str | None, year: int | None,
                 f: views.Filters, kind: str | None, headers: str | None) -> Response:  # fmt: skip
    view = pool.pool_view(db, ruleset or None, year, f, exports.ZH, kind or "")
    return _download(exports.pool_file(view, headers, fmt))


@router.get("/growth/pool/export.csv")
def pool_csv(
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    f: views.Filters = FILTERS,
    kind: str | None = Query(None, pattern=r"^(near|unknown)?$"),
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """The cultivation pool as CSV."""
    return _pool_export(db, "csv", ruleset, year, f, kind, headers)


@router.get("/growth/pool/export.xlsx")
def pool_xlsx(
    ruleset: str | None = _code(),
    year: int | None = YEAR,
    f: views.Filters = FILTERS,
    kind: str | None = Query(None, pattern=r"^(near|unknown)?$"),
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = STAFF,
) -> Response:
    """The cultivation pool as XLSX."""
    return _pool_export(db, "xlsx", ruleset, year, f, kind, headers)


@router.get("/enterprises/{uscc}/growth")
def history_page(request: Request, uscc: str, db: Session = DB, principal: Principal = READ
                 ) -> Response:  # fmt: skip
    """An enterprise's categories year by year, why (each criterion met, failed or lacking
    data) and why it left a list."""
    lines = views.history(db, principal, uscc.upper()[:18], language(request))
    return render(request, "growth/history.html", {"nav": "enterprises", "uscc": uscc.upper(),
                                                   "lines": lines})  # fmt: skip
