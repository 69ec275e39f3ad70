"""Chain analytics page: the numbers of analytics.analyse with each method next to them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.chains.analytics import measures
from highland.chains.analytics import service as analytics
from highland.platform.deps import DB, require
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.params import DbInt
from highland.platform.web.render import render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))


@router.get("/chains/{chain_id}/analytics")
def analytics_page(
    request: Request,
    chain_id: DbInt,
    region: str = Query(measures.DEFAULT_REGION, max_length=16),
    year: str | None = Query(None, max_length=8),
    measure: str = Query("employment", max_length=16),
    few: DbInt = Query(analytics.DEFAULT_FEW, ge=1, le=1000),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """LQ of the chain, segments and districts; concentration; gaps with prospects."""
    the_year: int | None = None
    if year:
        if not year.isdigit():
            raise InvalidInput(f"year must be a year such as 2024, got {year!r}", field="year",
                               code="chains.bad_year", params={"value": year})  # fmt: skip
        the_year = int(year)
    result = analytics.analyse(
        db, chain_id, region=region or measures.DEFAULT_REGION, year=the_year,
        measure=measure, few=few,
    )  # fmt: skip
    built = datetime.fromisoformat(result["figures_built_at"]).astimezone(CITY_TZ)
    ctx = {
        "nav": "chains",
        "a": result,
        "figures_at": built.strftime("%Y-%m-%d %H:%M"),
        "measures": measures.MEASURES,
        "f": {"region": region, "year": year or "", "measure": measure, "few": few},
        "hhi_high": measures.HHI_HIGH,
        "hhi_moderate": measures.HHI_MODERATE,
        "weight": analytics.BOTTLENECK_WEIGHT,
    }
    return render(request, "chains/analytics_chain.html", ctx)
