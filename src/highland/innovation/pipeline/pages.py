"""Pages of the pipeline: the leader's view (filters by event, country, chain and stage; the
funnel; each event's line; the projects, stuck ones first; exports) and one project (its stages,
its log, the actions the caller may take). Errors re-render the project with the message in
the reader's language and write nothing."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.chains import public as chains
from highland.demands import public as demands
from highland.enterprises import public as enterprises
from highland.innovation import iso, repository
from highland.innovation.pipeline import service, view
from highland.innovation.registry import exports
from highland.innovation.vocab import STAGES
from highland.platform import institutions
from highland.platform.audit.service import actor_of
from highland.platform.db import utcnow
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, NotFound
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import numbers
from highland.platform.kit.dates import today_local
from highland.platform.web.i18n import error_text
from highland.platform.web.params import XLSX_TYPE, DbInt
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.innovation_read))
CSRF = [Depends(csrf_protect)]
FORM_FIELDS = ("on", "reason", "note", "review_days", "owner_institution", "demand")


@router.get("/innovation/pipeline")
def pipeline_page(
    request: Request,
    event: str | None = Query(None, max_length=64),
    country: str | None = Query(None, max_length=64),
    chain: str | None = Query(None, max_length=64),
    stage: str | None = Query(None, max_length=64),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The leader's view of the cooperation projects."""
    lang = language(request)
    f = view.parse_filter(db, event, country, chain, stage)
    v = view.view(db, principal, f, lang, utcnow())
    ents = enterprises.refs(db, [p.enterprise_id for p in v.projects if p.enterprise_id])
    countries = sorted(
        {p.partner_country for p in v.projects} | ({f.country} if f.country else set())
    )
    context = {
        "nav": "innovation",
        "v": v,
        "funnel_svg": view.funnel_svg(v.funnel, lang),
        "enterprises": ents,
        "now": utcnow(),
        "stages": STAGES,
        "countries": [(c, iso.country_names(c)) for c in countries],
        "query": request.url.query,
        "selected": {
            "event": event or "",
            "country": f.country or "",
            "chain": chain or "",
            "stage": stage or "",
        },
        "institutions": institutions.names(db),
    }
    return render(request, "innovation/pipeline.html", context)


def pipeline_filter(
    event: str | None = Query(None, max_length=64),
    country: str | None = Query(None, max_length=64),
    chain: str | None = Query(None, max_length=64),
    stage: str | None = Query(None, max_length=64),
    db: Session = DB,
) -> repository.Filter:
    """The pipeline's filters from the query string, checked (the exports and the API)."""
    return view.parse_filter(db, event, country, chain, stage)


FILTER = Depends(pipeline_filter)


def _filtered(db: Session, principal: Principal, f: repository.Filter) -> list[object]:
    return list(repository.pipeline(db, principal, f, utcnow(), limit=100_000))


@router.get("/innovation/pipeline/export.csv")
def pipeline_csv(
    f: repository.Filter = FILTER,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The filtered projects as CSV, the stuck ones first."""
    items = _filtered(db, principal, f)
    return Response(
        exports.export_csv(db, principal, "projects", headers, items),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="pipeline-{today_local()}.csv"'},
    )


@router.get("/innovation/pipeline/export.xlsx")
def pipeline_xlsx(
    f: repository.Filter = FILTER,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The filtered projects as XLSX, the stuck ones first."""
    items = _filtered(db, principal, f)
    return Response(
        exports.export_xlsx(db, principal, "projects", headers, items),
        media_type=XLSX_TYPE,
        headers={"content-disposition": f'attachment; filename="pipeline-{today_local()}.xlsx"'},
    )


def _amount(minor: int | None, currency: str | None) -> str | None:
    """The exact amount with thousands separators ("12,000,000.00"), or None."""
    text = exports.amount_text(minor, currency)
    return None if text is None else numbers.number(Decimal(text))


def _project(
    request: Request,
    db: Session,
    principal: Principal,
    project_id: int,
    error: HighlandError | None = None,
    done: str | None = None,
) -> Response:
    row = repository.project(db, principal, project_id)
    if row is None:
        raise NotFound(
            f"project {project_id} not found",
            code="innovation.project.not_found",
            params={"id": project_id},
        )
    lang = language(request)
    context = {
        "nav": "innovation",
        "p": row,
        "events": repository.project_events(db, row.id),
        "actions": service.allowed_actions(principal, row),
        "now": utcnow(),
        "enterprise": enterprises.ref(db, row.enterprise_id),
        "platform": repository.platforms_by_id(
            db, [row.platform_id] if row.platform_id else []
        ).get(row.platform_id or -1),
        "event": {e.id: e for e in repository.events(db)}.get(row.event_id or -1),
        "needs": {a: service.MACHINE.transitions[a].needs for a in service.MACHINE.transitions},
        "institutions": institutions.names(db),
        "overdue": service.overdue(row, utcnow()),
        "amount": _amount(row.amount_minor, row.currency),
        "chain": chains.chain_refs(db).get(row.chain_code or ""),
        "error": error_text(lang, error) if error else None,
        "done": done,
        "country": iso.country_names(row.partner_country),
        "demands": demands.demand_refs(db, principal, list(row.demand_ids or [])),
    }
    return render(request, "innovation/project.html", context, error.status_code if error else 200)


@router.get("/innovation/projects/{project_id}")
def project_page(
    request: Request,
    project_id: DbInt,
    done: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """One project: its stages, its log and the actions the caller may take."""
    return _project(request, db, principal, project_id, done=done)


@router.post("/innovation/projects/{project_id}/actions/{action}", dependencies=CSRF)
async def act_page(
    request: Request,
    project_id: DbInt,
    action: str,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """Take an action from the project's page (403 when the caller has no part in it)."""
    form = await request.form()
    data = {k: str(form.get(k) or "") for k in FORM_FIELDS if str(form.get(k) or "").strip()}
    raw = str(form.get("version") or "").strip()
    try:
        service.act(
            db,
            principal,
            actor_of(principal),
            project_id,
            action,
            version=int(raw) if raw.isdigit() else None,
            data=data,
        )
    except HighlandError as exc:
        db.rollback()
        if exc.status_code in (403, 404):
            raise
        return _project(request, db, principal, project_id, error=exc)
    return RedirectResponse(
        f"/innovation/projects/{project_id}?done={quote(action)}", status_code=303
    )
