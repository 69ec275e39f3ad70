"""Audit log for administrators: a page and the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.platform.audit.service import entries_page, verify
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.params import DbInt
from highland.platform.web.render import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AUDIT = Depends(require(Permission.audit_read))
PER_PAGE = 50


@pages.get("/audit")
def audit_page(
    request: Request,
    page: DbInt = Query(1, ge=1, le=100_000),
    db: Session = DB,
    principal: Principal = AUDIT,
) -> Response:
    """Newest changes first, with the chain's verification."""
    listed = entries_page(db, page, PER_PAGE)
    return render(
        request,
        "audit.html",
        {
            "nav": "audit",
            "entries": listed.items,
            "page": page,
            "has_next": listed.has_next,
            "verify": verify(db),
        },
    )


@api.get("")
def audit_list(
    page: DbInt = Query(1, ge=1, le=100_000), db: Session = DB, principal: Principal = AUDIT
) -> dict[str, Any]:
    """A page of audit entries, newest first."""
    listed = entries_page(db, page, PER_PAGE)
    return {
        "page": page,
        "has_next": listed.has_next,
        "items": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "actor_role": e.actor_role,
                "channel": e.channel,
                "action": e.action,
                "entity": e.entity,
                "entity_key": e.entity_key,
                "before": e.before,
                "after": e.after,
                "summary": e.summary,
                "hash": e.hash,
            }
            for e in listed.items
        ],
    }


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
