"""Recognition pages: the rule sets with their pool counts, one rule set's pools, exports.
Thin adapters over recognitions.pools; staff who match policies only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import today_local
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render
from highland.policies.present import Formatter
from highland.policies.recognitions import catalogue
from highland.policies.recognitions.exports import pool_download
from highland.policies.recognitions.pools import POOLS, Pools, check_pool, pool_counts, pools

router = APIRouter(include_in_schema=False)
MATCH = Depends(require(Permission.policies_match))
PER_PAGE = 50
POOL = Query("qualify", max_length=20)
FILTER = Query("", max_length=40)


def _fmt(request: Request) -> Formatter:
    return Formatter(language(request), request.app.state.region_names)


def rows_of(db: Session, principal: Principal, fmt: Formatter, result: Pools, part: Any
            ) -> list[dict[str, Any]]:  # fmt: skip
    """A page of a pool with names, places and criteria in the reader's language."""
    names = registry.names_by_uscc(db, principal, part["uscc"].to_list())
    criteria = result.compiled.criteria
    return [
        {
            **r,
            "name": names.get(r["uscc"], ("—", None))[0],
            "name_en": names.get(r["uscc"], ("—", None))[1],
            "district_name": fmt.code("district", r["district"]) if r["district"] else "—",
            "revenue_text": fmt.money(r["revenue"]),
            "near_text": fmt.labels(r["near"], criteria),
            "missing_text": fmt.fields(r["missing"]),
        }
        for r in part.iter_rows(named=True)
    ]


@router.get("/recognitions")
def index(request: Request, db: Session = DB, principal: Principal = MATCH) -> Response:
    """Each recognition rule set with its document and the firms in each pool."""
    today = today_local()
    fmt = _fmt(request)
    sets = [
        {"rs": rs, "title": fmt.title(rs.policy), "counts": pool_counts(db, rs.id, today)}
        for rs in catalogue.rulesets()
    ]
    ctx = {"nav": "policies", "sets": sets, "pools": POOLS, "as_of": today}
    return render(request, "recognitions/index.html", ctx)


@router.get("/recognitions/{ruleset_id}")
def detail(
    request: Request,
    ruleset_id: str,
    pool: str = POOL,
    district: str = FILTER,
    industry: str = FILTER,
    chain: str = FILTER,
    page: DbInt = Query(1, ge=1, le=100_000),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """A rule set: its criteria and document, and one pool's firms, filtered and paged."""
    check_pool(pool)
    today = today_local()
    result = pools(db, catalogue.get(ruleset_id).id, today)
    part = result.rows(pool, district, industry, chain)
    fmt = _fmt(request)
    query = urlencode({"pool": pool, "district": district, "industry": industry, "chain": chain})
    ctx = {
        "nav": "policies",
        "rs": result.ruleset,
        "p": result.ruleset.policy,
        "title": fmt.title(result.ruleset.policy),
        "tree": fmt.tree(result.ruleset.policy.eligibility),
        "fmt": fmt,
        "result": result,
        "counts": result.counts(),
        "pools": POOLS,
        "pool": pool,
        "filters": {"district": district, "industry": industry, "chain": chain},
        # The choices are the districts and chains found among the pools' firms.
        "districts": [
            (c, fmt.code("district", c))
            for c in result.frame.get_column("district").drop_nulls().unique().sort()
        ],
        "chains": result.frame.get_column("chains").explode().drop_nulls().unique().sort(),
        "query": query,
        "total": part.height,
        "page": page,
        "pages": max(1, -(-part.height // PER_PAGE)),
        "rows": rows_of(db, principal, fmt, result, part.slice((page - 1) * PER_PAGE, PER_PAGE)),
    }
    return render(request, "recognitions/detail.html", ctx)


def export(db: Session, principal: Principal, ruleset_id: str, pool: str, district: str,
           industry: str, chain: str, fmt: str, headers: str) -> Response:  # fmt: skip
    """A pool as a download."""
    file = pool_download(db, principal, ruleset_id, pool, (district, industry, chain), fmt, headers)
    disposition = {"content-disposition": f'attachment; filename="{file.filename}"'}
    return Response(file.content, media_type=file.media_type, headers=disposition)


@router.get("/recognitions/{ruleset_id}/export.csv")
def export_csv(
    ruleset_id: str,
    pool: str = POOL,
    district: str = FILTER,
    industry: str = FILTER,
    chain: str = FILTER,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """One pool as CSV (UTF-8 with BOM; revenue in exact yuan)."""
    return export(db, principal, ruleset_id, pool, district, industry, chain, "csv",
                  headers or "")  # fmt: skip


@router.get("/recognitions/{ruleset_id}/export.xlsx")
def export_xlsx(
    ruleset_id: str,
    pool: str = POOL,
    district: str = FILTER,
    industry: str = FILTER,
    chain: str = FILTER,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """One pool as XLSX (revenue an exact decimal of yuan)."""
    return export(db, principal, ruleset_id, pool, district, industry, chain, "xlsx",
                  headers or "")  # fmt: skip
