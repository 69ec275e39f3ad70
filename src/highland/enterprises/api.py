"""REST API of the registry (JSON), over the same services as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from highland.enterprises import figures_export, service
from highland.enterprises import repository as repo
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.enterprises.pages import figure_years, filter_params
from highland.enterprises.schemas import (
    EnterpriseOut,
    EnterprisePage,
    ImportOut,
    PortraitOut,
    RegionOut,
)
from highland.platform.deps import DB, csrf_protect, require, streamed
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import numbers
from highland.platform.kit.dates import parse_date, today_local
from highland.platform.web.params import XLSX_TYPE, DbInt
from highland.platform.web.uploads import read_upload

router = APIRouter(prefix="/api/v1", tags=["enterprises"])
READ = Depends(require(Permission.enterprises_read))
EXPORT = Depends(require(Permission.enterprises_export))
IMPORT = Depends(require(Permission.enterprises_import))


def _out(e: Enterprise) -> EnterpriseOut:
    return EnterpriseOut.of(e)


@router.get("/enterprises", response_model=EnterprisePage)
def list_enterprises(
    request: Request,
    page: DbInt = Query(1, ge=1, le=100_000),
    per_page: DbInt = Query(50, ge=1, le=500),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    db: Session = DB,
    principal: Principal = READ,
) -> EnterprisePage:
    """Search and filter the registry (name substring or USCC prefix in `q`)."""
    res = repo.list_page(
        db, principal, flt, page, per_page, request.app.state.settings.search_count_cap
    )
    return EnterprisePage(
        items=[_out(e) for e in res.items],
        total=res.total,
        capped=res.capped,
        page=res.page,
        per_page=res.per_page,
    )


@router.get(
    "/enterprises/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
def export(
    fmt: str = Query("csv", alias="format"),
    headers: str | None = Query(None, max_length=40, description="zh (default) or codes"),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    db: Session = DB,
    principal: Principal = EXPORT,
) -> Response:
    """Export the filtered list as CSV or XLSX: Chinese headers and values by default,
    `headers=codes` for the English machine headers (docs/numbers.md)."""
    chosen = numbers.header_set(headers)  # refused before a byte is streamed
    if fmt == "csv":
        return StreamingResponse(
            streamed(db, service.export_csv(db, principal, flt, chosen)),
            media_type="text/csv; charset=utf-8",
        )
    if fmt == "xlsx":
        return Response(
            service.export_xlsx(db, principal, flt, chosen),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise InvalidInput(
        "format must be csv or xlsx", field="format", code="export.bad_format", params={}
    )


@router.get(
    "/enterprises/export-figures",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
def export_figures(
    fmt: str = Query("csv", alias="format"),
    headers: str | None = Query(None, max_length=40, description="zh (default) or codes"),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    years: figures_export.Years = Depends(figure_years),
    db: Session = DB,
    principal: Principal = EXPORT,
) -> Response:
    """Export the yearly figures of the filtered list (optionally one `year`, or `from`/`to`)
    as CSV or XLSX, in the financials import format: exact yuan, empty = missing."""
    chosen = numbers.header_set(headers)  # refused before a byte is streamed
    if fmt == "csv":
        return StreamingResponse(
            streamed(db, figures_export.export_csv(db, principal, flt, years, chosen)),
            media_type="text/csv; charset=utf-8",
        )
    if fmt == "xlsx":
        return Response(
            figures_export.export_xlsx(db, principal, flt, years, chosen), media_type=XLSX_TYPE
        )
    raise InvalidInput(
        "format must be csv or xlsx", field="format", code="export.bad_format", params={}
    )


@router.get("/enterprises/{uscc}", response_model=PortraitOut)
def get_enterprise(
    uscc: str, as_of: str | None = None, db: Session = DB, principal: Principal = READ
) -> PortraitOut:
    """An enterprise with its figures and its portrait as of a date (default today)."""
    when: date = parse_date(as_of, "as_of") if as_of else today_local()
    return PortraitOut.of(service.portrait(db, principal, uscc, when))


@router.get("/regions", response_model=list[RegionOut])
def regions(db: Session = DB, principal: Principal = READ) -> list[RegionOut]:
    """The districts (GB/T 2260) and custom regions of the configured city."""
    return [RegionOut.model_validate(r, from_attributes=True) for r in repo.regions(db)]


async def _import(
    request: Request,
    kind: str,
    file: UploadFile,
    dry_run: bool,
    skip_invalid: bool,
    principal: Principal,
) -> Any:
    data, name = await read_upload(request, file)
    result = await run_in_threadpool(  # reading and checking the file: off the event loop
        run_import,
        request.app.state.sessions,
        principal,
        kind,
        data,
        name,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    body = ImportOut(**result.as_dict()).model_dump(mode="json")
    refused = bool(result.errors) and not result.written and not result.dry_run and not skip_invalid
    if result.dry_run and result.errors and not skip_invalid:
        refused = True
    return JSONResponse(body, status_code=422 if refused else 200)


@router.post("/imports/enterprises", response_model=ImportOut, dependencies=[Depends(csrf_protect)])
async def import_enterprises(
    request: Request,
    file: UploadFile = File(...),
    dry_run: bool = Form(False),
    skip_invalid: bool = Form(False),
    principal: Principal = IMPORT,
) -> Any:
    """Import enterprises from CSV or XLSX (422 with the row report when refused)."""
    return await _import(request, "enterprises", file, dry_run, skip_invalid, principal)


@router.post("/imports/financials", response_model=ImportOut, dependencies=[Depends(csrf_protect)])
async def import_financials(
    request: Request,
    file: UploadFile = File(...),
    dry_run: bool = Form(False),
    skip_invalid: bool = Form(False),
    principal: Principal = IMPORT,
) -> Any:
    """Import yearly figures from CSV or XLSX (422 with the row report when refused)."""
    return await _import(request, "financials", file, dry_run, skip_invalid, principal)
