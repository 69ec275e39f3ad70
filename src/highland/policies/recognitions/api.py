"""Recognition API: the rule sets with pool counts, one pool's firms, a pool's export.
Thin adapters over recognitions.pools; callers who may match policies only."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import today_local
from highland.platform.web.params import DbInt
from highland.policies.recognitions import catalogue
from highland.policies.recognitions.exports import pool_download
from highland.policies.recognitions.pools import check_pool, horizon, pool_counts, pools

router = APIRouter(prefix="/api/v1", tags=["recognitions"])
MATCH = Depends(require(Permission.policies_match))
PER_PAGE = 100


class RuleSetOut(BaseModel):
    """A recognition rule set, its document and the firms in each pool today."""

    id: str
    title: str
    title_en: str | None
    qualification: str
    document: str | None
    article: str | None
    issuer: str
    effective: date
    note: str | None
    as_of: date
    horizon: date
    counts: dict[str, int]


class PoolRow(BaseModel):
    """A firm in a pool: how it stands against the criteria (eligible, ineligible, unknown),
    the criterion it lacks (near) or the fields to supply (missing)."""

    uscc: str
    status: str
    name: str | None
    district: str | None
    industry: str | None
    revenue_fen: int | None
    near: list[str]
    missing: list[str]


class PoolPage(BaseModel):
    """One page of a pool."""

    ruleset: str
    pool: str
    as_of: date
    total: int
    page: int
    rows: list[PoolRow]


def _out(ruleset_id: str, db: Session) -> RuleSetOut:
    today = today_local()
    rs = catalogue.get(ruleset_id)
    counts = pool_counts(db, rs.id, today)
    p = rs.policy
    return RuleSetOut(
        id=p.id, title=p.title, title_en=p.title_en, qualification=rs.qualification,
        document=p.document, article=p.article, issuer=p.issuer, effective=p.effective,
        note=p.benefit.note, as_of=today, horizon=horizon(today), counts=counts,
    )  # fmt: skip


@router.get("/recognitions", response_model=list[RuleSetOut])
def list_api(db: Session = DB, principal: Principal = MATCH) -> list[RuleSetOut]:
    """Every recognition rule set with its pool counts as of today."""
    return [_out(rs.id, db) for rs in catalogue.rulesets()]


@router.get("/recognitions/{ruleset_id}", response_model=RuleSetOut)
def one_api(ruleset_id: str, db: Session = DB, principal: Principal = MATCH) -> RuleSetOut:
    """One rule set with its pool counts as of today."""
    return _out(catalogue.get(ruleset_id).id, db)


@router.get("/recognitions/{ruleset_id}/pools/{pool}", response_model=PoolPage)
def pool_api(
    ruleset_id: str,
    pool: str,
    district: str = Query("", max_length=40),
    industry: str = Query("", max_length=40),
    chain: str = Query("", max_length=40),
    page: DbInt = Query(1, ge=1, le=100_000),
    db: Session = DB,
    principal: Principal = MATCH,
) -> PoolPage:
    """One pool's firms (criteria as rule labels, fields as portrait field names)."""
    check_pool(pool)
    today = today_local()
    result = pools(db, catalogue.get(ruleset_id).id, today)
    part = result.rows(pool, district, industry, chain)
    chunk = part.slice((page - 1) * PER_PAGE, PER_PAGE)
    names = registry.names_by_uscc(db, principal, chunk["uscc"].to_list())
    criteria = result.compiled.criteria
    rows = [
        PoolRow(
            uscc=r["uscc"],
            status=r["status"],
            name=names.get(r["uscc"], (None, None))[0],
            district=r["district"],
            industry=r["industry"],
            revenue_fen=r["revenue"],
            near=[criteria[int(i)].label for i in r["near"].split(";") if i],
            missing=[f for f in r["missing"].split(";") if f],
        )  # fmt: skip
        for r in chunk.iter_rows(named=True)
    ]
    return PoolPage(ruleset=ruleset_id, pool=pool, as_of=today, total=part.height, page=page,
                    rows=rows)  # fmt: skip


@router.get("/recognitions/{ruleset_id}/pools/{pool}/export")
def export_api(
    ruleset_id: str,
    pool: str,
    format: str = Query("csv", max_length=10),  # noqa: A002 - the query parameter's name
    district: str = Query("", max_length=40),
    industry: str = Query("", max_length=40),
    chain: str = Query("", max_length=40),
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """One pool as CSV or XLSX (Chinese headers unless headers=codes; revenue exact yuan)."""
    file = pool_download(db, principal, ruleset_id, pool, (district, industry, chain), format,
                         headers or "")  # fmt: skip
    disposition = {"content-disposition": f'attachment; filename="{file.filename}"'}
    return Response(file.content, media_type=file.media_type, headers=disposition)
