"""REST API of the innovation domain: the registers (list, add one, import a file with its row
report), the pipeline (the funnel, each event's line, the projects, stuck first) and a project's
actions on the workflow engine. Reading needs innovation:read (an enterprise user sees only the
projects its enterprise takes part in); writing registers needs innovation:write; a project's
actions need a part in it (office staff, or the handlers of its follow-up institution)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from highland.innovation import repository
from highland.innovation.pipeline import service, view
from highland.innovation.registry import exports
from highland.innovation.registry import service as registry
from highland.platform.audit.service import Actor
from highland.platform.db import utcnow
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import NotFound
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.params import DbInt
from highland.platform.web.render import language
from highland.platform.web.uploads import read_upload_in_thread

router = APIRouter(prefix="/api/v1/innovation", tags=["innovation"])
READ = Depends(require(Permission.innovation_read))
WRITE = Depends(require(Permission.innovation_write))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, "api")


class ProjectOut(BaseModel):
    """A project with its stages, its review dates and what the caller may do now."""

    id: int
    title: str
    title_en: str | None
    partner: str
    partner_en: str | None
    partner_country: str
    enterprise_id: int | None
    platform_id: int | None
    chain_code: str | None
    segment_code: str | None
    amount_minor: int | None
    currency: str | None
    event_id: int | None
    signed_on: date
    registered_on: date | None
    started_on: date | None
    operating_on: date | None
    stalled_on: date | None
    cancelled_on: date | None
    reason: str | None
    demand_ids: list[int]
    owner_institution: str | None
    next_review: datetime | None
    review_overdue: bool
    state: str
    version: int
    illustrative: bool
    actions: list[str]

    @classmethod
    def of(cls, p: Any, principal: Principal, now: datetime) -> ProjectOut:
        """From a row."""
        values = {k: getattr(p, k) for k in cls.model_fields if hasattr(p, k)}
        return cls(**values, review_overdue=service.overdue(p, now),
                   actions=service.allowed_actions(principal, p))  # fmt: skip


@router.get("/pipeline")
def pipeline_api(
    request: Request,
    event: str | None = Query(None, max_length=64),
    country: str | None = Query(None, max_length=64),
    chain: str | None = Query(None, max_length=64),
    stage: str | None = Query(None, max_length=64),
    db: Session = DB,
    principal: Principal = READ,
) -> dict[str, Any]:
    """The funnel, each event's line and the projects (stuck first) of the filters."""
    now = utcnow()
    v = view.view(db, principal, view.parse_filter(db, event, country, chain, stage),
                  language(request), now)  # fmt: skip
    return {"funnel": vars(v.funnel),
            "events": [{"code": e.event.code, "funnel": vars(e.funnel), "line": e.line}
                       for e in v.lines],
            "projects": [ProjectOut.of(p, principal, now).model_dump(mode="json")
                         for p in v.projects]}  # fmt: skip


@router.get("/projects/{project_id}", response_model=ProjectOut)
def project_api(project_id: DbInt, db: Session = DB, principal: Principal = READ) -> ProjectOut:
    """One project."""
    row = repository.project(db, principal, project_id)
    if row is None:
        raise NotFound(f"project {project_id} not found", code="innovation.project.not_found",
                       params={"id": project_id})  # fmt: skip
    return ProjectOut.of(row, principal, utcnow())


@router.post("/projects/{project_id}/actions/{action}", response_model=ProjectOut,
             dependencies=CSRF)  # fmt: skip
def act_api(
    project_id: DbInt, action: str, body: dict[str, Any] = Body(default_factory=dict),
    db: Session = DB, principal: Principal = READ,
) -> ProjectOut:  # fmt: skip
    """Take an action: {"version": n, "on": "YYYY-MM-DD", "reason": …, "review_days": …}."""
    version = body.get("version")
    row = service.act(db, principal, _actor(principal), project_id, action,
                      version=version if isinstance(version, int) else None,
                      data={k: v for k, v in body.items() if k != "version"})  # fmt: skip
    return ProjectOut.of(row, principal, utcnow())


@router.get("/registers/{kind}")
def register_api(kind: str, db: Session = DB, principal: Principal = READ) -> list[dict[str, Any]]:
    """A register's rows with the columns of its import (codes and stored values)."""
    registry.check_kind(kind)
    cols = exports.columns(kind)
    items = repository.listed(db, principal, kind)
    cells = exports.rows(db, principal, kind, True, items)
    return [
        {"id": i.id, **dict(zip(cols, c, strict=True))} for i, c in zip(items, cells, strict=True)
    ]


@router.post("/registers/{kind}", status_code=201, dependencies=CSRF)
def add_api(
    kind: str, body: dict[str, Any] = Body(...), db: Session = DB, principal: Principal = WRITE
) -> dict[str, Any]:
    """Add one row (the import's columns as keys; a project may give `amount_minor`)."""
    row = registry.add(db, _actor(principal), kind, body)
    return {"id": row.id}


@router.post("/registers/{kind}/import", dependencies=CSRF)
def import_api(
    request: Request, kind: str, file: UploadFile = File(...), db: Session = DB,
    principal: Principal = WRITE,
) -> Any:  # fmt: skip
    """Import a CSV/XLSX file: all rows or none; the row report (422 when a row is refused)."""
    data, name = read_upload_in_thread(request, file)
    report = registry.import_file(db, _actor(principal), kind, data, name)
    if report.errors:
        db.rollback()
        return JSONResponse(report.as_dict(), status_code=422)
    return report.as_dict()
