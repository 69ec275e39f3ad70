"""Pages of enterprises in chain segments and of leading firms: thin adapters over
chains.mapping. Errors re-render the page with the message and write nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.chains import scope
from highland.chains.mapping import leading as lead
from highland.chains.mapping import service as mapping
from highland.chains.models import Chain
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.i18n import error_text, local_name, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
WRITE = Depends(require(Permission.chains_write))
CSRF = [Depends(csrf_protect)]
PER_PAGE = 50


def _words(lang: str) -> Any:
    """The pages' own words (`chains.members.*` in the message catalogue)."""

    def w(key: str, **kw: object) -> str:
        return translate(lang, "chains.members." + key, **kw)

    return w


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _int(text: str | None, name: str, low: int = 0, high: int = 100) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}", field=name,
                           code="chains.whole_number", params={"field": name, "low": low,
                           "high": high, "value": text.strip()}) from None  # fmt: skip
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", field=name,
                           code="chains.between", params={"field": name, "low": low,
                           "high": high, "value": value})  # fmt: skip
    return value


def _can_write(principal: Principal, chain_id: int) -> bool:
    try:
        scope.check_write(principal, chain_id)
    except HighlandError:
        return False
    return True


def _members_page(
    request: Request,
    db: Session,
    principal: Principal,
    chain: Chain,
    args: dict[str, str],
    error: HighlandError | None = None,
    form: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    segments = mapping.current_segments(db, chain)
    names = {s.code: local_name(language(request), s.name, s.name_en) for s in segments}
    page = _int(args.get("page"), "page", 1, 100_000) or 1
    flt = mapping.MemberFilter(
        segment=args.get("segment") or None,
        status=args.get("status") or None,
        evidence=args.get("evidence") or None,
        min_confidence=_int(args.get("min_confidence"), "min_confidence"),
    )
    total, rows = mapping.members(db, chain.id, flt, page, PER_PAGE)
    query = {k: v for k, v in args.items() if v and k != "page"}
    context = {
        "chain": chain, "segments": segments, "segment_names": names, "rows": rows,
        "total": total, "page": page, "pages": max(1, -(-total // PER_PAGE)), "args": args,
        "query": urlencode(query), "w": _words(language(request)), "form": form or {},
        "error": error, "error_text": error_text(language(request), error) if error else None,
        "done": done, "writable": _can_write(principal, chain.id),
        "statuses": mapping.STATUSES, "evidences": mapping.EVIDENCE,
    }  # fmt: skip
    status = error.status_code if error else 200
    return render(request, "chains/mapping_members.html", context, status)


def _chain_or_404(db: Session, chain_id: int) -> Chain:
    return mapping.get_chain(db, chain_id)


@router.get("/chains/{chain_id}/members")
def members_page(
    request: Request,
    chain_id: DbInt,
    segment: str | None = Query(None, max_length=64),
    status: str | None = Query(None, max_length=10),
    evidence: str | None = Query(None, max_length=10),
    min_confidence: str | None = Query(None, max_length=5),
    page: str | None = Query(None, max_length=8),
    done: str | None = Query(None, max_length=200),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """Members and suggestions with filters; bulk accept / reject and a manual-add form."""
    chain = _chain_or_404(db, chain_id)
    args = {"segment": segment or "", "status": status or "", "evidence": evidence or "",
            "min_confidence": min_confidence or "", "page": page or ""}  # fmt: skip
    try:
        return _members_page(request, db, principal, chain, args, done=done)
    except InvalidInput as exc:
        empty = dict.fromkeys(args, "")
        return _members_page(request, db, principal, chain, empty, error=exc)


def _back(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={quote(done)}", status_code=303)


@router.post("/chains/{chain_id}/members", dependencies=CSRF)
def add_member_page(
    request: Request,
    chain_id: DbInt,
    uscc: str = Form(""),
    segment: str = Form(""),
    note: str = Form(""),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Add an enterprise to a segment by hand."""
    chain = _chain_or_404(db, chain_id)
    scope.check_write(principal, chain.id)
    try:
        if not uscc.strip():
            raise InvalidInput("give the enterprise's USCC", field="uscc",
                               code="chains.uscc_required")
        mapping.add_member(db, _actor(principal), chain.id, uscc, segment, note or None)
    except HighlandError as exc:
        db.rollback()
        form = {"uscc": uscc, "segment": segment, "note": note}
        return _members_page(request, db, principal, chain, {}, error=exc, form=form)
    return _back(f"/chains/{chain.id}/members", f"{uscc.strip().upper()} → {segment}")


@router.post("/chains/{chain_id}/members/decide", dependencies=CSRF)
async def decide_page(
    request: Request, chain_id: DbInt, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Accept or reject the ticked rows, or every suggestion of a segment above a confidence."""
    chain = _chain_or_404(db, chain_id)
    scope.check_write(principal, chain.id)
    data = await request.form()
    decision = str(data.get("decision") or "")
    try:
        if data.get("segment"):
            n = mapping.decide(
                db, _actor(principal), chain.id, decision, segment=str(data.get("segment")),
                min_confidence=_int(str(data.get("min_confidence") or ""), "min_confidence"),
            )  # fmt: skip
        else:
            raw = [str(v) for v in data.getlist("ids")]
            if not all(v.isdigit() for v in raw):
                raise InvalidInput("the ticked rows are not row ids", field="ids",
                                   code="chains.bad_ids")
            n = mapping.decide(db, _actor(principal), chain.id, decision,
                               ids=[int(v) for v in raw])  # fmt: skip
    except HighlandError as exc:
        db.rollback()
        return _members_page(request, db, principal, chain, {}, error=exc)
    return _back(f"/chains/{chain.id}/members", f"{decision} × {n}")


def _leading_page(
    request: Request,
    db: Session,
    principal: Principal,
    chain: Chain,
    error: HighlandError | None = None,
    done: str | None = None,
) -> Response:
    suggestions, year = lead.leading_suggestions(db, chain.id, 50)
    context = {
        "chain": chain, "marked": lead.leading_firms(db, chain.id),
        "suggestions": suggestions, "year": year, "w": _words(language(request)),
        "error": error, "error_text": error_text(language(request), error) if error else None,
        "done": done, "writable": _can_write(principal, chain.id),
    }  # fmt: skip
    status = error.status_code if error else 200
    return render(request, "chains/mapping_leading.html", context, status)


@router.get("/chains/{chain_id}/leading")
def leading_page(
    request: Request,
    chain_id: DbInt,
    done: str | None = Query(None, max_length=200),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """Marked leading firms and ranked suggestions, each with the numbers behind its rank."""
    return _leading_page(request, db, principal, _chain_or_404(db, chain_id), done=done)


@router.post("/chains/{chain_id}/leading", dependencies=CSRF)
def mark_page(
    request: Request,
    chain_id: DbInt,
    uscc: str = Form(""),
    reason: str = Form(""),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Mark a leading firm."""
    chain = _chain_or_404(db, chain_id)
    scope.check_write(principal, chain.id)
    try:
        lead.mark_leading(db, _actor(principal), chain.id, uscc, reason or None)
    except HighlandError as exc:
        db.rollback()
        return _leading_page(request, db, principal, chain, error=exc)
    return _back(f"/chains/{chain.id}/leading", uscc.strip().upper())


@router.post("/chains/{chain_id}/leading/{uscc}/unmark", dependencies=CSRF)
def unmark_page(
    request: Request, chain_id: DbInt, uscc: str, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Remove a leading-firm mark."""
    chain = _chain_or_404(db, chain_id)
    scope.check_write(principal, chain.id)
    lead.unmark_leading(db, _actor(principal), chain.id, uscc)
    return _back(f"/chains/{chain.id}/leading", uscc)
