"""REST API of a chain's indicator trends: the indicators month by month, each month from its
scheduling record ("recorded") or computed as of the month's end ("computed")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.trends import service as trends
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.params import DbInt

router = APIRouter(prefix="/api/v1", tags=["chains"])
READ = Depends(require(Permission.chains_read))


@router.get("/chains/{chain_id}/trends")
def chain_trends(
    chain_id: DbInt,
    to: str | None = Query(None, max_length=20, description="Last month, YYYY-MM (default: now)"),
    months: str | None = Query(None, max_length=10, description="Months, 1 to 36 (default 12)"),
    db: Session = DB,
    principal: Principal = READ,
) -> dict[str, Any]:
    """The chain's indicators for each month of the window ending at `to`, oldest first:
    `points` (month, source recorded | computed, computed_at, values, freshness, items) and
    `indicators` (per indicator one {month, value, freshness, source} a month). Money is in
    integer fen, growth a decimal string; a missing value is null, never 0. 422 naming `to` or
    `months` (a month after the current one is refused), 404 for an unknown chain."""
    last = to if to is not None else indicators.current_month()
    count = months if months is not None else trends.DEFAULT_MONTHS
    return trends.series(db, chain_id, last, count)
