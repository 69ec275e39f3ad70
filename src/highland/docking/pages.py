"""Pages of tech docking: the achievements registry (search, import with its row report,
export), one achievement with the needs it meets, the needs (list, new form, one need with the
achievements that meet it and "introduce" buttons) and the docking records with their steps.
Thin adapters over the docking service; an error re-renders the page in the reader's language
and writes nothing."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from highland.chains import service as chains
from highland.docking import matching, repository, service
from highland.docking import workflow as flow
from highland.docking.scope import is_staff
from highland.docking.vocab import FIELDS
from highland.enterprises import public as enterprises
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import inert
from highland.platform.web.i18n import error_text, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render
from highland.platform.web.uploads import read_upload

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.enterprises_read))
WRITE = Depends(require(Permission.enterprises_write))
CSRF = [Depends(csrf_protect)]
PAGE = Query(1, ge=1, le=100_000)
NEED_FIELDS = ("enterprise", "title", "description", "keywords", "field", "chain", "segment")
EXPORT = ("ref", "title", "title_en", "abstract", "keywords", "field", "institution", "trl",
          "contact", "chain_id", "segment_code", "illustrative")  # fmt: skip


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _error(request: Request, exc: HighlandError | None) -> str | None:
    return error_text(language(request), exc) if exc is not None else None


def _chains(db: Session) -> dict[int, Any]:
    return {c.id: c for c in chains.list_chains(db, include_retired=True)}


def _phrase(lang: str, key: str, params: dict[str, Any]) -> Markup:
    """A catalogue phrase with its `@key` parameters translated too; the matched terms are
    quoted as written (marked Chinese: they are the texts' own words)."""
    shown: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, str) and v.startswith("@"):
            shown[k] = escape(translate(lang, v[1:]))
        elif k == "terms":
            shown[k] = Markup('<span lang="zh-CN">{}</span>').format(v)
        else:
            shown[k] = escape(v)
    return Markup(translate(lang, key, **shown))  # noqa: S704 - every parameter is escaped


def _why(request: Request, m: Any, field: str) -> list[Markup]:
    lang = language(request)
    return [_phrase(lang, key, params) for key, params in matching.explain(m, field).phrases]


# ---------------------------------------------------------------- achievements


def _achievements_page(
    request: Request, db: Session, q: str | None, field: str | None, page: int,
    report: service.ImportReport | None = None, error: HighlandError | None = None,
) -> Response:
    result = repository.achievements(db, page, q, field if field in FIELDS else None)
    status = error.status_code if error else (422 if report and report.problems else 200)
    context = {"result": result, "q": q or "", "field": field or "", "fields": FIELDS,
               "report": report, "error_message": _error(request, error),
               "problems": [(p, error_text(language(request), p.error))
                            for p in (report.problems if report else [])][:200],
               "chains": _chains(db)}  # fmt: skip
    return render(request, "docking/achievements.html", context, status)


@router.get("/docking")
def achievements_page(
    request: Request, q: str | None = Query(None, max_length=100),
    field: str | None = Query(None, max_length=20), page: int = PAGE, db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The achievements registry: search by words and field; staff import here."""
    return _achievements_page(request, db, q, field, page)


@router.post("/docking/imports", dependencies=CSRF)
async def import_page(
    request: Request, file: UploadFile | None = File(None), db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Import achievements from a CSV or XLSX file: all rows or none, with the row report."""
    upload = file
    try:
        if upload is None or not upload.filename:
            raise InvalidInput("file: choose a file", field="file",
                                       code="docking.no_file")  # fmt: skip
        data, name = await read_upload(request, upload)
        report = service.import_achievements(db, _actor(principal), data, name)
    except HighlandError as exc:
        db.rollback()
        return _achievements_page(request, db, None, None, 1, error=exc)
    if report.problems:
        db.rollback()
    return _achievements_page(request, db, None, None, 1, report=report)


@router.get("/docking/achievements/export.csv")
def export_csv(headers: str = Query("zh", pattern="^(zh|codes)$"), db: Session = DB,
               principal: Principal = READ) -> Response:
    """Every achievement as CSV (Chinese headers; headers=codes for scripts)."""
    names = list(EXPORT) if headers == "codes" else [
        translate("zh", f"docking.col.{c}") for c in EXPORT]  # fmt: skip

    # Written whole before the response starts: the request's session ends with the handler.
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(names)
    for a in repository.export_rows(db):
        values = [getattr(a, c) for c in EXPORT]
        values[4] = "；".join(a.keywords or [])
        writer.writerow(inert.csv_row(values))
    return Response(buf.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="achievements.csv"'})


@router.get("/docking/achievements/{achievement_id}")
def achievement_page(
    request: Request, achievement_id: DbInt, db: Session = DB, principal: Principal = READ
) -> Response:
    """One achievement and, for staff, the needs it best meets with the reasons."""
    a = repository.get_achievement(db, achievement_id)
    rows: list[Any] = []
    if is_staff(principal):
        found = matching.for_achievement(db, a, 10)
        refs = enterprises.refs(db, (n.enterprise_id for n, _m in found))
        done = repository.records_of_achievement(db, a.id)
        rows = [(n, m, _why(request, m, a.field), refs.get(n.enterprise_id), done.get(n.id))
                for n, m in found]  # fmt: skip
    context = {"a": a, "rows": rows, "chains": _chains(db), "staff": is_staff(principal)}
    return render(request, "docking/achievement.html", context)


# ---------------------------------------------------------------- needs


def _needs_page(request: Request, db: Session, principal: Principal, page: int,
                error: HighlandError | None = None, form: dict[str, str] | None = None) -> Response:
    result = repository.needs(db, principal, page)
    refs = enterprises.refs(db, (n.enterprise_id for n in result.items))
    context = {"result": result, "refs": refs, "fields": FIELDS, "chains": _chains(db),
               "form": form or {}, "error_message": _error(request, error),
               "error_field": error.field if error else None}  # fmt: skip
    return render(request, "docking/needs.html", context, error.status_code if error else 200)


@router.get("/docking/needs")
def needs_page(request: Request, page: int = PAGE, db: Session = DB,
               principal: Principal = READ) -> Response:
    """The technology needs the caller sees and, for staff who write, the form for a new one."""
    return _needs_page(request, db, principal, page)


@router.post("/docking/needs", dependencies=CSRF)
async def create_need_page(request: Request, db: Session = DB,
                           principal: Principal = WRITE) -> Response:
    """Record a need from the form; an error re-renders the form with what was typed."""
    data = await request.form()
    form = {k: str(data.get(k) or "")[:20_000] for k in NEED_FIELDS}
    try:
        need = service.create_need(db, _actor(principal), service.NeedInput(**form))
    except HighlandError as exc:
        db.rollback()
        return _needs_page(request, db, principal, 1, error=exc, form=form)
    return RedirectResponse(f"/docking/needs/{need.id}", status_code=303)


@router.get("/docking/needs/{need_id}")
def need_page(request: Request, need_id: DbInt, db: Session = DB,
              principal: Principal = READ) -> Response:
    """One need, its records and, for staff, the achievements that best meet it."""
    n = repository.get_need(db, principal, need_id)
    done = repository.records_of_need(db, n.id)
    rows: list[Any] = []
    if is_staff(principal):
        rows = [(a, m, _why(request, m, n.field), done.get(a.id))
                for a, m in matching.for_need(db, n, 10)]  # fmt: skip
    context = {"n": n, "ref": enterprises.ref(db, n.enterprise_id), "rows": rows,
               "records": list(done.values()), "chains": _chains(db),
               "staff": is_staff(principal), "writer": bool(flow.parts_of(principal))}  # fmt: skip
    return render(request, "docking/need.html", context)


# ---------------------------------------------------------------- records


@router.post("/docking/records", dependencies=CSRF)
async def introduce_page(request: Request, db: Session = DB,
                         principal: Principal = WRITE) -> Response:
    """Introduce a need to an achievement's owner (from a match list's button)."""
    data = await request.form()
    need_id = str(data.get("need") or "")
    achievement_id = str(data.get("achievement") or "")
    if not (need_id.isdigit() and achievement_id.isdigit()):
        raise InvalidInput("need, achievement: give both ids", field="need",
                                   code="docking.pair_missing")  # fmt: skip
    row = flow.introduce(db, principal, _actor(principal), int(need_id), int(achievement_id),
                         str(data.get("note") or ""))  # fmt: skip
    return RedirectResponse(f"/docking/records/{row.id}", status_code=303)


@router.get("/docking/records")
def records_page(request: Request, state: str | None = Query(None, max_length=16),
                 page: int = PAGE, db: Session = DB, principal: Principal = READ) -> Response:
    """The docking records the caller sees, latest change first."""
    known = state if state in {s.value for s in flow.State} else None
    result = repository.records(db, principal, page, known)
    needs = repository.needs_by_id(db, (r.need_id for r in result.items))
    achs = repository.achievements_by_id(db, (r.achievement_id for r in result.items))
    refs = enterprises.refs(db, (r.enterprise_id for r in result.items))
    context = {"result": result, "needs": needs, "achs": achs, "refs": refs,
               "state": state or "", "states": list(flow.State)}  # fmt: skip
    return render(request, "docking/records.html", context)


def _record_page(request: Request, db: Session, principal: Principal, record_id: int,
                 error: HighlandError | None = None, done: str | None = None) -> Response:
    r = repository.get_record(db, principal, record_id)
    lang = language(request)
    explanation: dict[str, Any] = dict(r.explanation or {})
    kept: list[dict[str, Any]] = list(explanation.get("why") or [])
    why = [_phrase(lang, w["key"], w.get("params") or {}) for w in kept]
    context = {"r": r, "need": repository.get_need(db, principal, r.need_id),
               "a": repository.get_achievement(db, r.achievement_id),
               "ref": enterprises.ref(db, r.enterprise_id), "why": why,
               "events": repository.events(db, r.id),
               "actions": flow.allowed_actions(principal, r),
               "needs": {a: t.needs for a, t in flow.TRANSITIONS.items()},
               "error_message": _error(request, error), "done": done}  # fmt: skip
    return render(request, "docking/record.html", context, error.status_code if error else 200)


@router.get("/docking/records/{record_id}")
def record_page(request: Request, record_id: DbInt, done: str | None = Query(None, max_length=16),
                db: Session = DB, principal: Principal = READ) -> Response:
    """One docking record: the pair, why it matched, its steps and what may be done now."""
    shown = done if done in flow.TRANSITIONS or done == "introduce" else None
    return _record_page(request, db, principal, record_id, done=shown)


@router.post("/docking/records/{record_id}/actions/{action}", dependencies=CSRF)
async def act_page(request: Request, record_id: DbInt, action: str, db: Session = DB,
                   principal: Principal = WRITE) -> Response:
    """Take a step from the record's buttons; an error re-renders the record with it."""
    data = await request.form()
    raw = str(data.get("version") or "").strip()
    fields = {k: str(data.get(k) or "") for k in ("reason", "note")}
    try:
        flow.act(db, principal, _actor(principal), record_id, action,
                 version=int(raw) if raw.isdigit() else None,
                 data={k: v for k, v in fields.items() if v.strip()})  # fmt: skip
    except HighlandError as exc:
        db.rollback()
        return _record_page(request, db, principal, record_id, error=exc)
    return RedirectResponse(f"/docking/records/{record_id}?done={quote(action)}",
                            status_code=303)  # fmt: skip
