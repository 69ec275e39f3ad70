"""The city overview as JSON, for scripts: the same figures as the page, each with its as-of
date and the path of the list behind it. Money is integer fen (None: missing, never 0)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from highland.desk import service
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import clock

router = APIRouter(prefix="/api/v1", tags=["desk"])
OVERVIEW = Depends(require(Permission.demands_metrics))


class Figure(BaseModel):
    """One figure: its value, when it is as of, and the list it counts."""

    value: int | float | None
    as_of: datetime | date | str | None
    link: str


class RateFigure(BaseModel):
    """A rate: numerator over denominator, the percentage (None when nothing counts)."""

    num: int
    den: int
    percent: float | None
    as_of: datetime
    link: str


class ChangeOut(BaseModel):
    """Year Y against Y-1 over the members reporting both years (fen)."""

    year: int | None
    current_fen: int | None
    previous_fen: int | None
    enterprises: int


class ChainOut(BaseModel):
    """One chain's output and tax (fen) as of this month's end, and their change on last
    year."""

    id: int
    code: str
    name: str
    name_en: str | None
    month: str
    members: int | None
    output_fen: int | None
    tax_fen: int | None
    output_change: ChangeOut
    tax_change: ChangeOut
    as_of: str | None
    open_tasks: int
    overdue_tasks: int
    link: str


class OverviewOut(BaseModel):
    """The city overview."""

    now: datetime
    enterprises: Figure
    above_scale: Figure
    qualifications: dict[str, Figure]
    chains: list[ChainOut]
    policy_pairs: Figure | None
    policy_amount_fen: Figure | None
    demands_open: Figure
    demands_overdue: Figure
    on_time: RateFigure
    satisfaction: RateFigure
    chain_tasks_overdue: Figure


def _rate(rate: Any, as_of: datetime) -> RateFigure:
    return RateFigure(num=rate.num, den=rate.den, percent=rate.percent, as_of=as_of,
                      link="/demand-metrics")  # fmt: skip


@router.get("/overview", response_model=OverviewOut)
def overview_api(db: Session = DB, principal: Principal = OVERVIEW) -> OverviewOut:
    """The city overview's figures (those of the page `/overview`)."""
    ov = service.overview(db, principal, clock.now())
    r, d, p = ov.registry, ov.demands, ov.policies
    run = f"/policy-runs/{p.run_id}" if p else "/policy-runs"
    return OverviewOut(
        now=ov.now,
        enterprises=Figure(value=r.enterprises, as_of=r.changed_at, link="/enterprises"),
        above_scale=Figure(value=r.above_scale, as_of=r.changed_at,
                           link="/enterprises?scale=above"),  # fmt: skip
        qualifications={
            code: Figure(value=n, as_of=r.changed_at, link=f"/enterprises?qualification={code}")
            for code, n in r.qualifications.items()
        },
        chains=[
            ChainOut(id=c.id, code=c.code, name=c.name, name_en=c.name_en, month=c.month,
                     members=c.members, output_fen=c.output_fen, tax_fen=c.tax_fen,
                     output_change=ChangeOut(**asdict(c.output_change)),
                     tax_change=ChangeOut(**asdict(c.tax_change)),
                     as_of=c.freshness, open_tasks=c.open_tasks,
                     overdue_tasks=c.overdue_tasks, link=f"/chains/{c.id}")  # fmt: skip
            for c in ov.chains
        ],
        policy_pairs=Figure(value=p.eligible_pairs, as_of=p.as_of, link=run) if p else None,
        policy_amount_fen=Figure(value=p.amount_fen, as_of=p.as_of, link=run) if p else None,
        demands_open=Figure(value=d.open, as_of=d.as_of, link="/demands?open=true"),
        demands_overdue=Figure(value=d.overdue, as_of=d.as_of, link="/demands?overdue=true"),
        on_time=_rate(d.on_time, d.as_of),
        satisfaction=_rate(d.satisfaction, d.as_of),
        chain_tasks_overdue=Figure(value=ov.overdue_tasks, as_of=ov.now, link="/overview"),
    )
