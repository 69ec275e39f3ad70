"""Pages of enterprises in chain segments and of leading firms: thin adapters over
chains.mapping. Errors re-render the page with the message and write nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.audit.service import Actor
from highland.chains import mapping
from highland.chains import mapping_leading as lead
from highland.chains.models import Chain
from highland.deps import DB, csrf_protect, require
from highland.errors import HighlandError, InvalidInput
from highland.identity.permissions import Permission, Principal
from highland.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
WRITE = Depends(require(Permission.chains_write))
CSRF = [Depends(csrf_protect)]
PER_PAGE = 50

# The pages' own words (zh-CN, en): kept here so the shared catalogue need not change.
WORDS: dict[str, tuple[str, str]] = {
    "members": ("链上企业", "Enterprises in the chain"),
    "leading": ("链主企业", "Leading firms"),
    "segment": ("环节", "Segment"),
    "status": ("状态", "Status"),
    "evidence": ("依据", "Evidence"),
    "detail": ("匹配内容", "Matched"),
    "confidence": ("置信度", "Confidence"),
    "min_confidence": ("最低置信度", "Min. confidence"),
    "decided": ("决定人 / 时间", "Decided by / on"),
    "enterprise": ("企业", "Enterprise"),
    "uscc": ("统一社会信用代码", "USCC"),
    "note": ("备注", "Note"),
    "reason": ("理由", "Reason"),
    "filter": ("筛选", "Filter"),
    "any": ("全部", "Any"),
    "accept": ("采纳所选", "Accept selected"),
    "reject": ("驳回所选", "Reject selected"),
    "accept_segment": ("采纳该环节不低于此置信度的全部建议", "Accept every suggestion of the "
                       "segment at or above the confidence"),
    "bulk": ("按环节批量处理", "In bulk by segment"),
    "add": ("手工加入环节", "Add to a segment by hand"),
    "add_btn": ("加入", "Add"),
    "empty": ("暂无记录。运行 highland chains suggest 生成建议。",
              "Nothing yet. Run highland chains suggest for suggestions."),
    "total": ("共 {n} 条", "{n} rows"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "done": ("已保存：{what}", "Saved: {what}"),
    "marked": ("已标记的链主", "Marked leading firms"),
    "suggestions": ("链主建议", "Suggested leading firms"),
    "mark": ("标记为链主", "Mark as leading firm"),
    "unmark": ("取消标记", "Unmark"),
    "marked_by": ("标记人 / 时间", "Marked by / on"),
    "revenue": ("营业收入（{year}年，万元）", "Revenue ({year}, 10k yuan)"),
    "share": ("占链上本地营收", "Share of the chain's local revenue"),
    "upstream": ("上游本地企业数", "Local firms upstream"),
    "missing": ("缺失", "missing"),
    "method": (
        "排序依据：(1) {year} 年营业收入占本链已采纳企业营收合计的比重（缺少营收的企业不计为 0，"
        "排在最后）；(2) 位于其所在环节上游环节的其他本地已采纳企业数量——这是“带动本地配套企业”"
        "的替代指标：系统没有供应商数据。",
        "Ranked by (1) the share of the chain's local revenue in {year} (accepted members only; "
        "a firm without revenue is missing, not zero, and ranks last), then (2) how many other "
        "accepted local firms sit in segments upstream of the firm's own — a proxy for linked "
        "local suppliers: there is no supplier data.",
    ),
    "no_members": ("本链尚无已采纳的企业。", "The chain has no accepted members yet."),
    "yes": ("是", "yes"),
    "s.suggested": ("待定", "suggested"),
    "s.accepted": ("已采纳", "accepted"),
    "s.rejected": ("已驳回", "rejected"),
    "e.manual": ("手工", "manual"),
    "e.industry": ("行业代码", "industry code"),
    "e.keyword": ("经营范围关键词", "business-scope keyword"),
}  # fmt: skip


def _words(lang: str) -> Any:
    i = 0 if lang == "zh-CN" else 1

    def w(key: str, **kw: object) -> str:
        pair = WORDS.get(key)
        text = pair[i] if pair else key
        return text.format(**kw) if kw else text

    return w


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _int(text: str | None, name: str, low: int = 0, high: int = 100) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}",
                           field=name) from None  # fmt: skip
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", field=name)
    return value


def _can_write(principal: Principal, chain_id: int) -> bool:
    try:
        mapping.check_write(principal, chain_id)
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
    names = {s.code: s.name if language(request) == "zh-CN" else (s.name_en or s.name)
             for s in segments}  # fmt: skip
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
        "error": error, "done": done, "writable": _can_write(principal, chain.id),
        "statuses": mapping.STATUSES, "evidences": mapping.EVIDENCE,
    }  # fmt: skip
    status = error.status_code if error else 200
    return render(request, "chains/mapping_members.html", context, status)


def _chain_or_404(db: Session, chain_id: int) -> Chain:
    return mapping.get_chain(db, chain_id)


@router.get("/chains/{chain_id}/members")
def members_page(
    request: Request,
    chain_id: int,
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
    chain_id: int,
    uscc: str = Form(""),
    segment: str = Form(""),
    note: str = Form(""),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Add an enterprise to a segment by hand."""
    chain = _chain_or_404(db, chain_id)
    mapping.check_write(principal, chain.id)
    try:
        if not uscc.strip():
            raise InvalidInput("give the enterprise's USCC", field="uscc")
        mapping.add_member(db, _actor(principal), chain.id, uscc, segment, note or None)
    except HighlandError as exc:
        db.rollback()
        form = {"uscc": uscc, "segment": segment, "note": note}
        return _members_page(request, db, principal, chain, {}, error=exc, form=form)
    return _back(f"/chains/{chain.id}/members", f"{uscc.strip().upper()} → {segment}")


@router.post("/chains/{chain_id}/members/decide", dependencies=CSRF)
async def decide_page(
    request: Request, chain_id: int, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Accept or reject the ticked rows, or every suggestion of a segment above a confidence."""
    chain = _chain_or_404(db, chain_id)
    mapping.check_write(principal, chain.id)
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
                raise InvalidInput("the ticked rows are not row ids", field="ids")
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
        "error": error, "done": done, "writable": _can_write(principal, chain.id),
    }  # fmt: skip
    status = error.status_code if error else 200
    return render(request, "chains/mapping_leading.html", context, status)


@router.get("/chains/{chain_id}/leading")
def leading_page(
    request: Request,
    chain_id: int,
    done: str | None = Query(None, max_length=200),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """Marked leading firms and ranked suggestions, each with the numbers behind its rank."""
    return _leading_page(request, db, principal, _chain_or_404(db, chain_id), done=done)


@router.post("/chains/{chain_id}/leading", dependencies=CSRF)
def mark_page(
    request: Request,
    chain_id: int,
    uscc: str = Form(""),
    reason: str = Form(""),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Mark a leading firm."""
    chain = _chain_or_404(db, chain_id)
    mapping.check_write(principal, chain.id)
    try:
        lead.mark_leading(db, _actor(principal), chain.id, uscc, reason or None)
    except HighlandError as exc:
        db.rollback()
        return _leading_page(request, db, principal, chain, error=exc)
    return _back(f"/chains/{chain.id}/leading", uscc.strip().upper())


@router.post("/chains/{chain_id}/leading/{uscc}/unmark", dependencies=CSRF)
def unmark_page(
    request: Request, chain_id: int, uscc: str, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Remove a leading-firm mark."""
    chain = _chain_or_404(db, chain_id)
    mapping.check_write(principal, chain.id)
    lead.unmark_leading(db, _actor(principal), chain.id, uscc)
    return _back(f"/chains/{chain.id}/leading", uscc)
