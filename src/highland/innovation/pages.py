"""Pages of the innovation domain: the front page (event lines, the charts, the import form),
each register's list with its exports, and the import with its row report. Thin adapters over
`registry` and `pipeline.view`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.chains import public as chains
from highland.enterprises import public as enterprises
from highland.innovation import repository
from highland.innovation.pipeline import view as pipeline_view
from highland.innovation.registry import exports
from highland.innovation.registry import service as registry
from highland.innovation.vocab import COLUMNS, KINDS
from highland.platform.audit.service import actor_of
from highland.platform.db import utcnow
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import today_local
from highland.platform.web.i18n import error_text
from highland.platform.web.params import XLSX_TYPE
from highland.platform.web.render import language, render
from highland.platform.web.uploads import read_upload_in_thread

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.innovation_read))
WRITE = Depends(require(Permission.innovation_write))
CSRF = [Depends(csrf_protect)]


def _front(
    request: Request,
    db: Session,
    principal: Principal,
    report: Any = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    lang = language(request)
    v = pipeline_view.view(db, principal, repository.Filter(), lang, utcnow())
    context = {
        "nav": "innovation",
        "counts": repository.counts(db),
        "lines": v.lines,
        "kinds": KINDS,
        "report": report,
        "error": error,
        **pipeline_view.chart_context(db, principal, lang),
    }
    if report is not None:
        context["report_rows"] = [
            (e.row, e.error.field, error_text(lang, e.error)) for e in report.errors
        ]
    return render(request, "innovation/front.html", context, status)


@router.get("/innovation")
def front_page(request: Request, db: Session = DB, principal: Principal = READ) -> Response:
    """The domain's front page: each event's line, the charts, the registers."""
    return _front(request, db, principal)


@router.post("/innovation/imports", dependencies=CSRF)
def import_page(
    request: Request,
    kind: str = Form(""),
    file: UploadFile | None = File(None),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Import a CSV/XLSX file into a register; the row report on the front page (422 and
    nothing written when a row is refused)."""
    lang = language(request)
    try:
        if file is None or not file.filename:
            raise InvalidInput("file: choose a file", field="file", code="innovation.no_file")
        data, name = read_upload_in_thread(request, file)
        report = registry.import_file(db, actor_of(principal), kind, data, name)
    except HighlandError as exc:
        db.rollback()
        return _front(request, db, principal, error=error_text(lang, exc), status=exc.status_code)
    if report.errors:
        db.rollback()
    return _front(request, db, principal, report=report, status=422 if report.errors else 200)


# The form's label of a column where the list's header would mislead.
FORM_LABELS = {"uscc": "innovation.col.uscc_code", "start_on": "innovation.col.start_date",
               "countries": "innovation.col.country_list", "chains": "innovation.col.chain_links",
               "amount": "innovation.col.amount_major"}  # fmt: skip


def _register(request: Request, db: Session, principal: Principal, kind: str,
              error: str | None = None, form: dict[str, str] | None = None,
              status: int = 200) -> Response:  # fmt: skip
    items = [] if kind == "projects" else repository.listed(db, principal, kind)
    ids = [i.enterprise_id for i in items if getattr(i, "enterprise_id", None)]
    context = {
        "nav": "innovation",
        "kind": kind,
        "items": items,
        "columns": COLUMNS[kind],
        "labels": {c: FORM_LABELS.get(c, f"innovation.col.{c}") for c in COLUMNS[kind]},
        "enterprises": enterprises.refs(db, ids),
        "chains": chains.chain_refs(db),
        "error": error,
        "form": form or {},
        "done": request.query_params.get("done") == "1",
    }
    return render(request, "innovation/register.html", context, status)


@router.get("/innovation/registers/{kind}")
def register_page(
    request: Request, kind: str, db: Session = DB, principal: Principal = READ
) -> Response:
    """One register's rows (projects: the pipeline) and, for staff who write, the form of a new
    row."""
    registry.check_kind(kind)
    return _register(request, db, principal, kind)


@router.post("/innovation/registers/{kind}", dependencies=CSRF)
async def add_page(
    request: Request, kind: str, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Add one row from the form; a refusal re-renders the form with the reason in the
    reader's language and writes nothing."""
    registry.check_kind(kind)
    data = await request.form()
    form = {c: str(data.get(c) or "") for c in COLUMNS[kind]}
    values: dict[str, object] = {k: v for k, v in form.items() if k != "illustrative"}
    values["illustrative"] = bool(form.get("illustrative"))
    try:
        row = registry.add(db, actor_of(principal), kind, values)
    except HighlandError as exc:
        db.rollback()
        return _register(request, db, principal, kind, error_text(language(request), exc),
                         form, exc.status_code)  # fmt: skip
    if kind == "projects":
        return RedirectResponse(f"/innovation/projects/{row.id}", status_code=303)
    return RedirectResponse(f"/innovation/registers/{kind}?done=1", status_code=303)


@router.get("/innovation/registers/{kind}/export.csv")
def register_csv(
    kind: str,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """A register as CSV (Chinese headers; headers=codes for scripts)."""
    registry.check_kind(kind)
    return Response(
        exports.export_csv(db, principal, kind, headers),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="innovation-{kind}-{today_local()}.csv"'
        },
    )


@router.get("/innovation/registers/{kind}/export.xlsx")
def register_xlsx(
    kind: str,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """A register as XLSX."""
    registry.check_kind(kind)
    return Response(
        exports.export_xlsx(db, principal, kind, headers),
        media_type=XLSX_TYPE,
        headers={
            "content-disposition": f'attachment; filename="innovation-{kind}-{today_local()}.xlsx"'
        },
    )
