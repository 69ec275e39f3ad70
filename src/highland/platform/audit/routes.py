"""Audit log for administrators: the page (filters, search, the chain's verification), its
CSV/XLSX exports and the API. Thin: the queries are in repository.py, the words in present.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from highland.platform.audit import present
from highland.platform.audit import repository as repo
from highland.platform.audit.service import verify
from highland.platform.deps import DB, require, streamed
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.clock import today_local
from highland.platform.web.i18n import error_text
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AUDIT = Depends(require(Permission.audit_read))
PER_PAGE = 50


def _form(
    actor: str | None = Query(None, max_length=1000),
    action: str | None = Query(None, max_length=1000),
    entity: str | None = Query(None, max_length=1000),
    key: str | None = Query(None, max_length=1000),
    channel: str | None = Query(None, max_length=1000),
    date_from: str | None = Query(None, alias="from", max_length=1000),
    date_to: str | None = Query(None, alias="to", max_length=1000),
    q: str | None = Query(None, max_length=1000),
) -> present.FilterForm:
    """The filter's fields as typed (checked by `FilterForm.parse`)."""
    return present.FilterForm(
        actor=actor or "", action=action or "", entity=entity or "", key=key or "",
        channel=channel or "", date_from=date_from or "", date_to=date_to or "", q=q or "",
    )  # fmt: skip


FORM = Depends(_form)


def _page(
    request: Request,
    db: Session,
    form: present.FilterForm,
    page: int,
    error: str | None,
    check: bool = False,
) -> Response:
    lang = language(request)
    listed = None
    if error is None:
        try:
            listed = repo.entries(db, form.parse(), page, PER_PAGE)
        except InvalidInput as exc:
            error = error_text(lang, exc)
    query = form.params()
    names = present.Names(db)
    return render(
        request,
        "audit.html",
        {
            "nav": "audit",
            "form": form,
            "error": error,
            "listed": listed,
            "entries": [present.show(lang, e, names) for e in listed.items] if listed else [],
            "page": page,
            "query": urlencode(query),
            "filtered": bool(query),
            "actions": present.choices(lang, present.ACTION),
            "entities": present.choices(lang, present.ENTITY),
            "channels": present.choices(lang, present.CHANNEL),
            # Recomputing the whole chain reads every entry: done when asked, not on every view.
            "verify": verify(db) if check else None,
        },
    )


@pages.get("/audit")
def audit_page(
    request: Request,
    page: DbInt = Query(1, ge=1, le=100_000),
    check: bool = Query(False, alias="verify"),
    form: present.FilterForm = FORM,
    db: Session = DB,
    principal: Principal = AUDIT,
) -> Response:
    """Newest changes first, filtered and searched; the chain's verification when asked
    (`verify=1`); a wrong filter is said on the page, the form kept as typed."""
    return _page(request, db, form, page, None, check)


def _export_name(ext: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="audit-{today_local()}.{ext}"'}


@pages.get("/audit/export.csv")
def audit_export_csv(
    request: Request, form: present.FilterForm = FORM, db: Session = DB,
    principal: Principal = AUDIT,
) -> Response:  # fmt: skip
    """The filtered entries as CSV, in the reader's language (Chinese headers by default)."""
    try:
        flt = form.parse()
    except InvalidInput as exc:
        return _page(request, db, form, 1, error_text(language(request), exc))
    return StreamingResponse(
        streamed(db, present.export_csv(db, language(request), flt)),
        media_type="text/csv; charset=utf-8",
        headers=_export_name("csv"),
    )


@pages.get("/audit/export.xlsx")
def audit_export_xlsx(
    request: Request, form: present.FilterForm = FORM, db: Session = DB,
    principal: Principal = AUDIT,
) -> Response:  # fmt: skip
    """The filtered entries as an XLSX workbook."""
    lang = language(request)
    try:
        body = present.export_xlsx(db, lang, form.parse())
    except InvalidInput as exc:
        return _page(request, db, form, 1, error_text(lang, exc))
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_export_name("xlsx"),
    )


@api.get("")
def audit_list(
    request: Request,
    page: DbInt = Query(1, ge=1, le=100_000),
    form: present.FilterForm = FORM,
    db: Session = DB,
    principal: Principal = AUDIT,
) -> dict[str, Any]:
    """A page of audit entries, newest first, filtered like the page (422 on a wrong filter);
    each with its codes, its raw values and the same in the reader's language."""
    lang = language(request)
    listed = repo.entries(db, form.parse(), page, PER_PAGE)
    items = []
    names = present.Names(db)
    for e in listed.items:
        s = present.show(lang, e, names)
        items.append({
            "seq": e.seq, "at": e.at.isoformat(), "at_local": s.at, "actor": e.actor,
            "actor_role": e.actor_role, "channel": e.channel, "channel_name": s.channel,
            "action": e.action, "action_name": s.action, "entity": e.entity,
            "entity_name": s.entity, "entity_key": e.entity_key, "before": e.before,
            "after": e.after, "change": present.change_text(s), "summary": e.summary,
            "hash": e.hash,
        })  # fmt: skip
    return {"page": page, "total": listed.total, "has_next": listed.has_next, "items": items}


@api.get("/verify")
def audit_verify(db: Session = DB, principal: Principal = AUDIT) -> dict[str, Any]:
    """Recompute the hash chain and report the first broken entry, if any."""
    r = verify(db)
    return {
        "ok": r.ok,
        "checked": r.checked,
        "first_bad_seq": r.first_bad_seq,
        "problem": r.problem,
    }
