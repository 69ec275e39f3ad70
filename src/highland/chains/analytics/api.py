"""REST API of chain analytics: location quotients, concentration, gaps with prospects; and
the uploads of reference figures and prospect lists (CSV or XLSX, all or nothing)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from highland.chains.analytics import measures, reference_data
from highland.chains.analytics import service as analytics
from highland.platform.audit.service import actor_of
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.params import DbInt
from highland.platform.web.uploads import read_upload

router = APIRouter(prefix="/api/v1", tags=["chains"])
READ = Depends(require(Permission.chains_read))
DATA = Depends(require(Permission.chains_data))
CSRF = [Depends(csrf_protect)]


@router.get("/chains/{chain_id}/analytics")
def chain_analytics(
    chain_id: DbInt,
    region: str = Query(measures.DEFAULT_REGION, max_length=16, description="Reference region"),
    year: DbInt | None = Query(
        None, ge=1978, le=2100, description="Default: latest reference year"
    ),
    measure: str = Query("employment", description="employment | revenue_fen | enterprises"),
    few: DbInt = Query(analytics.DEFAULT_FEW, ge=1, le=1000, description="Gap below this many"),
    top: DbInt = Query(5, ge=1, le=50, description="Prospects per gap"),
    db: Session = DB,
    principal: Principal = READ,
) -> dict[str, Any]:
    """LQ of the chain, its segments and the districts; HHI and the largest firm's share; gaps
    ranked by score, each with ranked prospects and every feature's points. Ratios come
    rounded and exact ('n/d'); a figure that cannot be computed is null with a reason."""
    return analytics.analyse(
        db, chain_id, region=region, year=year, measure=measure, few=few, top=top
    )


def _refused(exc: reference_data.FileErrors) -> JSONResponse:
    body = {
        "detail": exc.message,
        "field": exc.field,
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message, "code": e.code}
            for e in exc.errors
        ],
    }
    return JSONResponse(body, status_code=422)


@router.post("/chain-reference-figures", dependencies=CSRF)
async def upload_reference(
    request: Request,
    file: UploadFile = File(...),
    db: Session = DB,
    principal: Principal = DATA,
) -> Any:
    """Load reference figures (region, year, industry_code, measure, value, source) from CSV
    or XLSX; 422 with every error (row, column) and nothing written when any row is wrong."""
    data, name = await read_upload(request, file)
    try:
        return await run_in_threadpool(  # parsing off the event loop
            reference_data.load_reference, db, actor_of(principal), data, name
        )
    except reference_data.FileErrors as exc:
        return _refused(exc)


@router.post("/chain-prospects", dependencies=CSRF)
async def upload_prospects(
    request: Request,
    file: UploadFile = File(...),
    db: Session = DB,
    principal: Principal = DATA,
) -> Any:
    """Load a prospect list (name, uscc, region, industry_code, revenue in yuan, employees,
    products, patents, source); 422 with every error and nothing written when any is wrong."""
    data, name = await read_upload(request, file)
    try:
        return await run_in_threadpool(  # parsing off the event loop
            reference_data.load_prospects, db, actor_of(principal), data, name
        )
    except reference_data.FileErrors as exc:
        return _refused(exc)
