"""Set-based refresh of the portrait fields that lists filter on (size class)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from highland.db import table_of
from highland.enterprises.models import Enterprise, Financial
from highland.enterprises.size_sql import size_class_case
from highland.kit.dates import today_local


def refresh_size_classes(session: Session, enterprise_ids: Any | None = None) -> int:
    """Recompute figures_year and size_class from the latest year before this year.

    `enterprise_ids` is a SELECT of ids to refresh, or None for the whole registry. The
    materialised value matches the portrait as of today; `highland portraits refresh`
    reruns it after New Year, when the year that counts moves on.
    """
    e = table_of(Enterprise)
    f = table_of(Financial)
    cutoff = today_local().year
    latest = (
        select(func.max(f.c.year))
        .where(f.c.enterprise_id == e.c.id, f.c.year < cutoff)
        .scalar_subquery()
    )
    f2 = f.alias("latest_f")
    size = (
        select(
            size_class_case(
                e.c.industry_section,
                e.c.industry_division,
                e.c.industry_code,
                f2.c.employees,
                f2.c.revenue,
                f2.c.total_assets,
            )
        )
        .where(f2.c.enterprise_id == e.c.id, f2.c.year == latest)
        .scalar_subquery()
    )
    stmt = update(e).values(figures_year=latest, size_class=size)
    if enterprise_ids is not None:
        stmt = stmt.where(e.c.id.in_(enterprise_ids))
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
