"""The public reads of Open311: only demands filed as public (the domain's public scope,
demands/scope.py) and only their public columns; confidential ones are never even read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from highland.demands import repository
from highland.demands.models import Demand, DemandCategory
from highland.demands.open311.formats import Open311Error
from highland.demands.scope import public
from highland.demands.workflow import FINAL
from highland.platform.db import utcnow
from highland.platform.institutions.models import Institution
from highland.platform.kit.dates import CITY_TZ

MAX_RESULTS = 1000
WINDOW_DAYS = 90
MAX_IDS = 1000
CLOSED = sorted(s.value for s in FINAL)


def _columns() -> Any:
    """Only the public columns (confidential ones are never even read)."""
    return (
        select(
            Demand.id, Demand.state, Demand.description, Demand.category_code,
            Demand.created_at, Demand.updated_at, Demand.resolution_due, Demand.clock_start,
            Demand.address,
            Demand.lat, Demand.lon, DemandCategory.name.label("cat_name"),
            DemandCategory.name_en.label("cat_name_en"), DemandCategory.response_days,
            DemandCategory.resolution_days, Institution.name.label("inst_name"),
            Institution.name_en.label("inst_name_en"),
        )
        .join(DemandCategory, DemandCategory.code == Demand.category_code)
        .outerjoin(Institution, Institution.code == Demand.institution_code)
        .where(public())
    )  # fmt: skip


def _when(value: str, name: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311Error(
            400,
            f"{name}: '{value}' is not a W3C date-time; write e.g. 2026-01-31T00:00:00+08:00 "
            "or 2026-01-30T16:00:00Z",
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=CITY_TZ)


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _query(db: Session, q: Mapping[str, str]) -> Any:
    stmt = _columns()
    ids = q.get("service_request_id")
    if ids is not None and ids.strip():
        wanted = _list(ids)
        if not all(i.isdigit() and len(i) < 10 for i in wanted):
            raise Open311Error(400, f"service_request_id: '{ids}' is not a comma-separated list "
                                    "of request ids")  # fmt: skip
        if len(wanted) > MAX_IDS:
            raise Open311Error(400, f"service_request_id: at most {MAX_IDS} ids at once")
        return stmt.where(Demand.id.in_({int(i) for i in wanted}))
    codes = _list(q.get("service_code") or "")
    if codes:
        known = repository.active_category_codes(db, codes)
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(400, f"service_code: no service '{unknown[0]}'")
        stmt = stmt.where(Demand.category_code.in_(codes))
    statuses = {s.lower() for s in _list(q.get("status") or "")}
    bad = statuses - {"open", "closed"}
    if bad:
        raise Open311Error(400, f"status: '{sorted(bad)[0]}' is not open or closed")
    if statuses == {"open"}:
        stmt = stmt.where(Demand.state.not_in(CLOSED))
    elif statuses == {"closed"}:
        stmt = stmt.where(Demand.state.in_(CLOSED))
    start = _when(q["start_date"], "start_date") if q.get("start_date") else None
    end = _when(q["end_date"], "end_date") if q.get("end_date") else None
    window = timedelta(days=WINDOW_DAYS)
    if start is not None and end is not None:
        if start > end:
            raise Open311Error(400, "start_date: is after end_date")
        if end - start > window:
            raise Open311Error(400, f"start_date, end_date: may not span more than {WINDOW_DAYS} "
                                    "days")  # fmt: skip
    elif start is not None:
        end = start + window
    elif end is not None:
        start = end - window
    else:
        start = utcnow() - window
    stmt = stmt.where(Demand.created_at >= start)
    if end is not None:
        stmt = stmt.where(Demand.created_at <= end)
    return stmt


def requests(session: Session, params: Mapping[str, str]) -> list[Row[Any]]:
    """Public demands matching the query's parameters, newest first, at most 1,000."""
    stmt = _query(session, params)
    stmt = stmt.order_by(Demand.created_at.desc(), Demand.id.desc()).limit(MAX_RESULTS)
    return list(session.execute(stmt).all())


def request(session: Session, request_id: int) -> Row[Any] | None:
    """One public demand's public columns."""
    return session.execute(_columns().where(Demand.id == request_id)).first()


def token(session: Session, value: str) -> int | None:
    """The id of the demand a token was handed out for."""
    return session.scalar(select(Demand.id).where(Demand.token == value))


def services(session: Session) -> list[DemandCategory]:
    """The active categories, one service each."""
    return repository.categories(session, active=True)


def category(session: Session, code: str) -> DemandCategory | None:
    """A category by code, active or not."""
    return repository.category(session, code)


def service(session: Session, code: str) -> DemandCategory | None:
    """An active category by code."""
    cat = repository.category(session, code)
    return cat if cat is not None and cat.active else None
