"""The metrics page: per institution the response, on-time, actual resolution rate and
satisfaction with their volumes, and the 12345 practice's on-time rate over what fell due."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.demands import repository
from highland.demands.metrics.institutions import institution_metrics
from highland.demands.practice import pages as practice_pages
from highland.demands.practice.metrics import practice_metrics
from highland.demands.present import Names, chain_id, day, form_error
from highland.demands.present import render_page as _page
from highland.platform.deps import DB, require
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
METRICS = Depends(require(Permission.demands_metrics))


@router.get("/demand-metrics")
def metrics_page(
    request: Request,
    start: str | None = Query(None, max_length=10),
    end: str | None = Query(None, max_length=10),
    category: str | None = Query(None, max_length=32),
    chain: str | None = Query(None, max_length=6),
    sort: str = Query("composite", pattern="^(composite|response|on_time|solved|satisfaction)$"),
    due_month: str | None = Query(None, max_length=7),
    due_from: str | None = Query(None, max_length=10),
    due_to: str | None = Query(None, max_length=10),
    db: Session = DB,
    principal: Principal = METRICS,
) -> Response:
    """Per-institution response, on-time, actual resolution rate and satisfaction, each with
    its volume; ranks only for institutions above the minimum volume."""
    lang = language(request)
    f = {
        "start": start or "",
        "end": end or "",
        "category": category or "",
        "chain": chain or "",
        "sort": sort,
    }
    error = None
    rows: list[dict[str, Any]] = []
    report = practice = None
    f.update({"due_month": due_month or "", "due_from": due_from or "", "due_to": due_to or ""})
    try:
        filters: dict[str, Any] = {"category": category or None, "chain_id": chain_id(chain or "")}
        period = (day(start, "start"), day(end, "end", end=True))
        due_start, due_end, shown = practice_pages.due_period(due_month, due_from, due_to)
        f.update(shown)
        report = institution_metrics(
            db, *period, **filters, min_volume=request.app.state.settings.demand_ranking_min_volume
        )
        rows = report.as_rows(sort)
        practice = practice_metrics(
            db, *period, **filters, due_start=due_start, due_end=due_end, now=report.now
        )
    except InvalidInput as exc:
        error = form_error(lang, exc)
    names = Names.load(db, lang)
    for r in rows:
        r["label"] = names.institution(r["institution"])
        r["practice"] = practice.institution_row(r["institution"]) if practice else None
    ctx = {
        "nav": "demands",
        "rows": rows,
        "report": report,
        "f": f,
        "error": error,
        "categories": repository.categories(db, active=True),
        "names": names,
        "min_volume": report.min_volume if report else None,
        "practice": practice,
        "due_rows": practice_pages.due_rows(practice, names) if practice else [],
        "due_span": practice_pages.span(practice) if practice else "",
    }
    return _page(request, db, "demands/metrics.html", ctx, 422 if error else 200)
