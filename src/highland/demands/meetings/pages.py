"""Pages of meeting and visit records: the list, the form that records a meeting with a batch
of demand rows, and the leader's board with its XLSX."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.demands import present, repository, service
from highland.demands.meetings.board import board_rows, board_xlsx, state_counts
from highland.demands.meetings.service import KINDS, MeetingInput, create_meeting
from highland.demands.present import Names, actor_of, form_error, local
from highland.demands.present import render_page as _page
from highland.demands.workflow import PRIORITIES, REQUEST_TYPES, State
from highland.platform.db import utcnow
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput, NotFound
from highland.platform.identity.permissions import Permission, Principal, Role
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.params import DbInt
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.demands_read))
FILE = Depends(require(Permission.demands_file))
CSRF = [Depends(csrf_protect)]
ROW_FIELDS = ("enterprise", "category", "title", "description", "priority", "request_type")


def _staff_only(principal: Principal) -> None:
    if principal.role is Role.enterprise:
        raise NotFound("meeting records are entered by staff", code="demand.meeting_staff_only")


@router.get("/demand-meetings")
def meetings_page(request: Request, db: Session = DB, principal: Principal = READ) -> Response:
    """Meeting and visit records, newest first, with their number of demands."""
    ctx = {
        "nav": "demands",
        "meetings": repository.meetings(db, principal),
        "counts": repository.counts_by_meeting(db, principal),
        "local": local,
    }
    return _page(request, db, "demands/meetings.html", ctx)


def _meeting_form(
    request: Request,
    db: Session,
    form: dict[str, Any],
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "nav": "demands",
        "form": form,
        "kinds": KINDS,
        "categories": repository.categories(db, active=True),
        "names": Names.load(db, language(request)),
        "priorities": PRIORITIES,
        "request_types": REQUEST_TYPES,
        "error": error,
        "can_route": False,
    }
    return _page(request, db, "demands/meeting_new.html", ctx, status_code=status_code)


@router.get("/demand-meetings/new")
def meeting_new_page(request: Request, db: Session = DB, principal: Principal = FILE) -> Response:
    """The meeting form: the record, its attendees and a batch of demand rows on one screen."""
    _staff_only(principal)
    now = utcnow().astimezone(CITY_TZ).replace(second=0, microsecond=0)
    form = {
        "kind": "meeting",
        "held_at": now.strftime("%Y-%m-%dT%H:%M"),
        "rows": [dict.fromkeys(ROW_FIELDS, "") | {"priority": "normal"} for _ in range(3)],
    }
    return _meeting_form(request, db, form)


def _held_at(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"held_at: '{text}' is not a date and time (YYYY-MM-DD HH:MM)",
            field="held_at",
            code="demand.held_at_invalid",
            params={"value": text},
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=CITY_TZ)


@router.post("/demand-meetings/new", dependencies=CSRF)
async def meeting_create(
    request: Request, db: Session = DB, principal: Principal = FILE
) -> Response:
    """Record a meeting and file its rows, all or nothing; a bad row is named by its number."""
    _staff_only(principal)
    raw = await request.form()

    def one(name: str) -> str:
        value = raw.get(name)
        return value.strip() if isinstance(value, str) else ""

    columns = {
        f: [v if isinstance(v, str) else "" for v in raw.getlist(f"row_{f}")] for f in ROW_FIELDS
    }
    n = max((len(v) for v in columns.values()), default=0)
    rows = [
        {f: (columns[f][i] if i < len(columns[f]) else "").strip() for f in ROW_FIELDS}
        for i in range(n)
    ]
    # Trailing empty rows are the unused lines of the table, not demands.
    while rows and not any(v for k, v in rows[-1].items() if k not in ("priority", "request_type")):
        rows.pop()
    form: dict[str, Any] = {
        k: one(k) for k in ("kind", "title", "held_at", "place", "leader", "notes", "attendees")
    }
    dispatch = one("dispatch") in ("1", "true", "on")
    form["dispatch"] = dispatch
    form["rows"] = rows or [dict.fromkeys(ROW_FIELDS, "") | {"priority": "normal"}]
    try:
        m = MeetingInput(
            title=form["title"],
            held_at=_held_at(form["held_at"]),
            place=form["place"],
            leader=form["leader"],
            kind=form["kind"] or "meeting",
            notes=form["notes"] or None,
            attendees=present.parse_lines(form["attendees"]),
        )
        inputs = [
            service.DemandInput(
                enterprise=r["enterprise"],
                category=r["category"],
                title=r["title"],
                description=r["description"],
                priority=r["priority"] or "normal",
                request_type=r["request_type"],
                require_type=True,
            )  # fmt: skip
            for r in rows
        ]
        meeting, _ = create_meeting(
            db, principal, actor_of(principal), m, inputs, dispatch=dispatch
        )
    except NotFound:
        raise
    except HighlandError as exc:
        db.rollback()
        return _meeting_form(request, db, form, form_error(language(request), exc), exc.status_code)
    return RedirectResponse(f"/demand-meetings/{meeting.id}", status_code=303)


@router.get("/demand-meetings/{meeting_id}")
def board_page(
    request: Request, meeting_id: DbInt, db: Session = DB, principal: Principal = READ
) -> Response:
    """The leader's board: the meeting's demands live, with institution, deadlines, state."""
    lang = language(request)
    m = repository.meeting(db, principal, meeting_id)
    rows = board_rows(db, principal, meeting_id, lang)
    ctx = {
        "nav": "demands",
        "m": m,
        "rows": rows,
        "counts": state_counts(rows),
        "attendees": repository.attendees(db, meeting_id, principal),
        "local": local,
        "states": [s.value for s in State],
    }
    return _page(request, db, "demands/board.html", ctx)


@router.get("/demand-meetings/{meeting_id}/export.xlsx")
def board_export(
    meeting_id: DbInt,
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The meeting's demand list as XLSX (Chinese headers; `headers=codes` for scripts)."""
    content = board_xlsx(db, principal, meeting_id, headers=headers or "")
    name = f"meeting-{meeting_id}-demands.xlsx"
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
