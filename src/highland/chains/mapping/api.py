"""REST API of enterprises in chain segments and leading firms (JSON), over chains.mapping."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from highland.chains import scope
from highland.chains.mapping import leading as lead
from highland.chains.mapping import service as mapping
from highland.chains.models import EnterpriseSegment, LeadingFirm
from highland.enterprises.public import EnterpriseRef
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.params import DbInt

router = APIRouter(prefix="/api/v1", tags=["chains"])
READ = Depends(require(Permission.chains_read))
WRITE = Depends(require(Permission.chains_write))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, "api")


class MemberOut(BaseModel):
    """An enterprise in a segment: the evidence, its confidence and the decision."""

    id: int
    uscc: str
    name: str
    segment: str
    evidence: str
    detail: str | None
    confidence: int
    status: str
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, row: EnterpriseSegment, ent: EnterpriseRef) -> MemberOut:
        """From a row and its enterprise."""
        return cls(
            id=row.id, uscc=ent.uscc, name=ent.name, segment=row.segment_code,
            evidence=row.evidence, detail=row.detail, confidence=row.confidence,
            status=row.status, decided_by=row.decided_by, decided_at=row.decided_at,
        )  # fmt: skip


class MemberPage(BaseModel):
    """One page of a chain's members and suggestions."""

    total: int
    page: int
    per_page: int
    items: list[MemberOut]


class MemberIn(BaseModel):
    """A manual link: an enterprise (by USCC) in a segment of the chain."""

    uscc: str = Field(min_length=1, max_length=18)
    segment: str = Field(min_length=1, max_length=64)
    note: str | None = Field(None, max_length=300)


class DecideIn(BaseModel):
    """Accept or reject suggestions: by ids, or every suggestion of a segment at or above a
    confidence."""

    decision: Literal["accept", "reject"]
    ids: list[DbInt] = Field(default_factory=list, max_length=10_000)
    segment: str | None = Field(None, max_length=64)
    min_confidence: DbInt | None = Field(None, ge=0, le=100)


class DecideOut(BaseModel):
    """How many rows changed."""

    changed: int


class LeadingIn(BaseModel):
    """Mark an accepted member as a leading firm."""

    uscc: str = Field(min_length=1, max_length=18)
    reason: str | None = Field(None, max_length=300)


class LeadingOut(BaseModel):
    """A marked leading firm."""

    uscc: str
    name: str
    reason: str | None
    marked_by: str
    marked_at: datetime

    @classmethod
    def of(cls, firm: LeadingFirm, ent: EnterpriseRef) -> LeadingOut:
        """From a mark and its enterprise."""
        return cls(uscc=ent.uscc, name=ent.name, reason=firm.reason, marked_by=firm.marked_by,
                   marked_at=firm.marked_at)  # fmt: skip


class SuggestionOut(BaseModel):
    """A ranked candidate leading firm and the numbers that explain its rank."""

    uscc: str
    name: str
    segments: list[str]
    year: int | None
    revenue_fen: int | None = Field(description="null: no revenue that year (missing, not 0)")
    chain_revenue_fen: int = Field(description="total over members with a known revenue")
    share: str | None = Field(description="revenue share, e.g. '0.666667' (6 places)")
    upstream_members: int = Field(
        description="other accepted members in segments upstream of the firm's own; a proxy "
        "for linked local suppliers (there is no supplier data)"
    )
    marked: bool


class LeadingPage(BaseModel):
    """The marked leading firms and the ranked suggestions."""

    marked: list[LeadingOut]
    year: int | None
    suggestions: list[SuggestionOut]


@router.get("/chains/{chain_id}/members", response_model=MemberPage)
def list_members(
    chain_id: DbInt,
    db: Session = DB,
    principal: Principal = READ,
    segment: str | None = Query(None, max_length=64),
    status: str | None = Query(None, max_length=10),
    evidence: str | None = Query(None, max_length=10),
    min_confidence: DbInt | None = Query(None, ge=0, le=100),
    page: DbInt = Query(1, ge=1, le=100_000),
    per_page: DbInt = Query(50, ge=1, le=500),
) -> MemberPage:
    """Enterprises in the chain's segments and suggestions, highest confidence first."""
    mapping.get_chain(db, chain_id)
    flt = mapping.MemberFilter(segment, status, evidence, min_confidence)
    total, rows = mapping.members(db, chain_id, flt, page, per_page)
    items = [MemberOut.of(r, e) for r, e in rows]
    return MemberPage(total=total, page=page, per_page=per_page, items=items)


@router.post(
    "/chains/{chain_id}/members", response_model=MemberOut, status_code=201, dependencies=CSRF
)
def add_member(
    chain_id: DbInt, body: MemberIn, db: Session = DB, principal: Principal = WRITE
) -> MemberOut:
    """Put an enterprise in a segment by hand (confidence 100, accepted)."""
    mapping.get_chain(db, chain_id)
    scope.check_write(principal, chain_id)
    row = mapping.add_member(db, _actor(principal), chain_id, body.uscc, body.segment, body.note)
    return MemberOut.of(row, mapping.enterprise(db, row.enterprise_id))


@router.post("/chains/{chain_id}/members/decide", response_model=DecideOut, dependencies=CSRF)
def decide(chain_id: DbInt, body: DecideIn, db: Session = DB, principal: Principal = WRITE
           ) -> DecideOut:  # fmt: skip
    """Accept or reject in bulk (audited)."""
    mapping.get_chain(db, chain_id)
    scope.check_write(principal, chain_id)
    changed = mapping.decide(
        db, _actor(principal), chain_id, body.decision, ids=body.ids, segment=body.segment,
        min_confidence=body.min_confidence,
    )  # fmt: skip
    return DecideOut(changed=changed)


def _suggestion(s: lead.LeadingSuggestion) -> SuggestionOut:
    share = None if s.share is None else f"{float(s.share):.6f}"
    return SuggestionOut(
        uscc=s.uscc, name=s.name, segments=list(s.segments), year=s.year,
        revenue_fen=s.revenue_fen, chain_revenue_fen=s.chain_revenue_fen, share=share,
        upstream_members=s.upstream_members, marked=s.marked,
    )  # fmt: skip


@router.get("/chains/{chain_id}/leading", response_model=LeadingPage)
def list_leading(
    chain_id: DbInt,
    db: Session = DB,
    principal: Principal = READ,
    limit: DbInt = Query(20, ge=1, le=200),
) -> LeadingPage:
    """The chain's leading firms and ranked suggestions with their reasons."""
    mapping.get_chain(db, chain_id)
    suggestions, year = lead.leading_suggestions(db, chain_id, limit)
    return LeadingPage(
        marked=[LeadingOut.of(f, e) for f, e in lead.leading_firms(db, chain_id)],
        year=year,
        suggestions=[_suggestion(s) for s in suggestions],
    )


@router.post(
    "/chains/{chain_id}/leading", response_model=LeadingOut, status_code=201, dependencies=CSRF
)
def mark_leading(
    chain_id: DbInt, body: LeadingIn, db: Session = DB, principal: Principal = WRITE
) -> LeadingOut:
    """Mark a leading firm (audited)."""
    mapping.get_chain(db, chain_id)
    scope.check_write(principal, chain_id)
    firm = lead.mark_leading(db, _actor(principal), chain_id, body.uscc, body.reason)
    return LeadingOut.of(firm, mapping.enterprise(db, firm.enterprise_id))


@router.delete(
    "/chains/{chain_id}/leading/{uscc}", status_code=204, response_class=Response,
    dependencies=CSRF,
)  # fmt: skip
def unmark_leading(
    chain_id: DbInt, uscc: str, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Remove a leading-firm mark (audited)."""
    mapping.get_chain(db, chain_id)
    scope.check_write(principal, chain_id)
    lead.unmark_leading(db, _actor(principal), chain_id, uscc)
    return Response(status_code=204)
