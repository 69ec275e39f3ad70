"""The notices API: a caller's own notices (paginated) and marking them read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from highland.platform.deps import DB, csrf_protect, current_principal
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.notices import service

router = APIRouter(prefix="/api/v1", tags=["notices"])


def _lang(request: Request) -> str:
    accept = (request.headers.get("accept-language") or "").strip().lower()
    return "en" if accept.startswith("en") else "zh-CN"


def _out(request: Request, lang: str, r: service.Rendered, ref: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "ref": ref,
        "subject": r.subject,
        "body": r.body,
        "link": r.link,
        "url": str(request.app.state.settings.base_url).rstrip("/") + r.link,
        "created_at": r.created_at.isoformat(),
        "read_at": r.read_at.isoformat() if r.read_at else None,
    }


@router.get("/notices")
def list_notices(
    request: Request,
    page: str = Query("1"),
    per_page: str = Query("50"),
    unread: bool = Query(False),
    db: Session = DB,
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    """The caller's own notices, unread first, in the language of Accept-Language (zh-CN
    unless it starts with en)."""
    lang = _lang(request)
    listing = service.list_notices(
        db, principal.user_id, page=page, per_page=per_page, unread_only=unread
    )
    return {
        "items": [_out(request, lang, service.render(lang, n), n.ref) for n in listing.items],
        "total": listing.total,
        "unread": listing.unread,
        "page": listing.page,
        "per_page": listing.per_page,
    }


class ReadIn(BaseModel):
    """Which notices to mark read: `ids`, or `all: true`."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Any] | None = None
    all: bool = False


@router.post("/notices/read", dependencies=[Depends(csrf_protect)])
def read_notices(
    body: ReadIn, db: Session = DB, principal: Principal = Depends(current_principal)
) -> dict[str, int]:
    """Mark the caller's notices read; other users' ids are ignored. Returns how many changed
    and how many stay unread."""
    if body.all == (body.ids is not None):
        raise InvalidInput(
            "body: give either ids (a list of notice ids) or all: true",
            field="ids",
            code="notices.ids_or_all",
        )
    ids = None if body.all else service.parse_ids(body.ids or [], "ids")
    if ids == []:
        raise InvalidInput(
            "ids: give at least one notice id (or all: true)",
            field="ids",
            code="notices.ids_or_all",
        )
    changed = service.mark_read(db, principal.user_id, ids)
    return {"read": changed, "unread": service.unread_count(db, principal.user_id)}
