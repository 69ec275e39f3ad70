"""Pages of chain governance: the monthly scheduling records of a chain (list and new form with
decision rows), one record (indicators with their freshness, tasks with deadlines, states and
action buttons). Thin adapters over chains.governance; errors re-render with the message and
write nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.governance import service as gov
from highland.chains.mapping.service import check_write
from highland.chains.models import Chain, ChainMeeting
from highland.platform import institutions
from highland.platform.audit.service import Actor
from highland.platform.calendar import load_calendar
from highland.platform.calendar.provisional import reclock_text, task_due_provisional
from highland.platform.db import utcnow
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
WRITE = Depends(require(Permission.chains_write))
CSRF = [Depends(csrf_protect)]
ROWS = 5  # empty decision rows on the new form
FIELDS = ("month", "held_at", "place", "chaired_by", "attendees", "matters")


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _writable(principal: Principal, chain_id: int) -> bool:
    try:
        check_write(principal, chain_id)
    except HighlandError:
        return False
    return True


def _held_at(text: str) -> datetime | None:
    """A datetime-local field ("2026-09-30T10:00"), taken in Asia/Shanghai."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"held_at: '{text}' is not a date and time (YYYY-MM-DDTHH:MM)",
            field="held_at",
            code="chains.governance.bad_held_at",
            params={"value": text},
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=CITY_TZ)


def _list_page(
    request: Request,
    db: Session,
    principal: Principal,
    chain: Chain,
    error: HighlandError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    rows = [(m, gov.tasks(db, m.id)) for m in gov.meetings(db, chain.id)]
    now = utcnow().astimezone(CITY_TZ)
    form = form or {"month": indicators.current_month(), "held_at": now.strftime("%Y-%m-%dT%H:%M"),
                    "decisions": []}  # fmt: skip
    blank = {"title": "", "owner_institution": "", "owner_name": "", "working_days": ""}
    decisions = list(form.get("decisions") or []) + [blank] * ROWS
    context = {
        "chain": chain, "rows": rows, "error": error, "form": form,
        "decisions": decisions[: max(ROWS, len(form.get("decisions") or []))],
        "writable": _writable(principal, chain.id), "institutions": _institutions(db),
    }  # fmt: skip
    return render(request, "chains/governance_list.html", context,
                  error.status_code if error else 200)  # fmt: skip


def _institutions(db: Session) -> list[tuple[str, str]]:
    return [(i.code, i.name) for i in institutions.listed(db)]


@router.get("/chains/{chain_id}/meetings")
def meetings_page(
    request: Request, chain_id: DbInt, db: Session = DB, principal: Principal = READ
) -> Response:
    """A chain's monthly scheduling records and the form for a new one."""
    return _list_page(request, db, principal, gov.get_chain(db, chain_id))


@router.post("/chains/{chain_id}/meetings", dependencies=CSRF)
async def create_page(
    request: Request, chain_id: DbInt, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Create a record from the form; decision rows with an empty title are skipped."""
    chain = gov.get_chain(db, chain_id)
    check_write(principal, chain.id)
    data = await request.form()
    form: dict[str, Any] = {k: str(data.get(k) or "") for k in FIELDS}
    cols = {k: [str(v) for v in data.getlist(f"row_{k}")]
            for k in ("title", "owner_institution", "owner_name", "working_days")}  # fmt: skip
    width = max((len(v) for v in cols.values()), default=0)
    rows = [{k: (v[i] if i < len(v) else "") for k, v in cols.items()} for i in range(width)]
    form["decisions"] = [r for r in rows if any(x.strip() for x in r.values())]
    try:
        meeting_in = gov.MeetingInput(
            month=form["month"].strip(), held_at=_held_at(form["held_at"]),
            place=form["place"], chaired_by=form["chaired_by"], attendees=form["attendees"],
            matters=form["matters"],
        )  # fmt: skip
        decisions = [gov.DecisionInput(**r) for r in form["decisions"]]
        meeting, _ = gov.create_meeting(db, principal, _actor(principal), chain.id, meeting_in,
                                        decisions)  # fmt: skip
    except HighlandError as exc:
        db.rollback()
        return _list_page(request, db, principal, chain, error=exc, form=form)
    return RedirectResponse(f"/chains/{chain.id}/meetings/{meeting.month}", status_code=303)


def _meeting_page(
    request: Request,
    db: Session,
    principal: Principal,
    chain: Chain,
    meeting: ChainMeeting,
    error: HighlandError | None = None,
    done: str | None = None,
) -> Response:
    rows = [(t, gov.allowed_actions(principal, t), gov.events(db, t.id))
            for t in gov.tasks(db, meeting.id)]  # fmt: skip
    cal = load_calendar(db)
    provisional = {t.id for t, _a, _e in rows if task_due_provisional(cal, t)}
    snapshot: dict[str, Any] = dict(meeting.indicators or {})
    items: dict[str, Any] = dict(snapshot.get("items") or {})
    context = {
        "chain": chain, "meeting": meeting, "rows": rows, "snapshot": snapshot,
        "items": [(k, items[k]) for k in indicators.ORDER if k in items],
        "error": error, "done": done, "writable": _writable(principal, chain.id),
        "provisional_ids": provisional, "reclock_text": reclock_text,
        "institutions": dict(_institutions(db)), "needs": {a: t.needs for a, t in
                                                           gov.TRANSITIONS.items()},
    }  # fmt: skip
    return render(request, "chains/governance_meeting.html", context,
                  error.status_code if error else 200)  # fmt: skip


@router.get("/chains/{chain_id}/meetings/{month}")
def meeting_page(
    request: Request,
    chain_id: DbInt,
    month: str,
    done: str | None = None,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """One record: indicators with freshness, tasks with deadlines, states and actions."""
    chain = gov.get_chain(db, chain_id)
    meeting = gov.get_meeting(db, chain_id, month)
    return _meeting_page(request, db, principal, chain, meeting, done=_done(request, done))


def _done(request: Request, done: str | None) -> str | None:
    """The saved notice in the page's language: "#12 start" → "#12 开始办理"."""
    text = (done or "").strip()[:200]
    if not text:
        return None
    lang = language(request)
    if text == "indicators":
        return translate(lang, "chains.governance.recompute")
    number, _, action = text.partition(" ")
    if number.startswith("#") and action in gov.TRANSITIONS:
        return f"{number} {translate(lang, 'chains.governance.a.' + action)}"
    return text


@router.post("/chains/{chain_id}/meetings/{month}/indicators", dependencies=CSRF)
def recompute_page(
    request: Request, chain_id: DbInt, month: str, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Recompute the record's indicators (the old ones stay in the audit log)."""
    gov.recompute(db, principal, _actor(principal), chain_id, month)
    return RedirectResponse(f"/chains/{chain_id}/meetings/{month}?done=indicators",
                            status_code=303)  # fmt: skip


@router.get("/chain-tasks/{task_id}")
def task_page(task_id: DbInt, db: Session = DB, principal: Principal = READ) -> Response:
    """A task's address (used in notices): its record's page, at the task."""
    task = gov.get_task(db, task_id)
    month = gov.task_month(db, task)
    return RedirectResponse(
        f"/chains/{task.chain_id}/meetings/{month}#task-{task.id}", status_code=303
    )


@router.post("/chain-tasks/{task_id}/actions/{action}", dependencies=CSRF)
async def act_page(
    request: Request, task_id: DbInt, action: str, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Take an action from a task's buttons; errors re-render the record with the message."""
    task = gov.get_task(db, task_id)
    month = gov.task_month(db, task)
    chain_id = task.chain_id
    data = await request.form()
    fields = {k: str(data.get(k) or "") for k in ("result", "reason", "note", "working_days")}
    raw = str(data.get("version") or "").strip()
    try:
        version = int(raw) if raw.isdigit() else None
        gov.act(db, principal, _actor(principal), task_id, action, version=version,
                data={k: v for k, v in fields.items() if v.strip()})  # fmt: skip
    except HighlandError as exc:
        db.rollback()
        chain = gov.get_chain(db, chain_id)
        return _meeting_page(request, db, principal, chain, gov.get_meeting(db, chain_id, month),
                             error=exc)  # fmt: skip
    done = quote(f"#{task_id} {action}")
    return RedirectResponse(f"/chains/{chain_id}/meetings/{month}?done={done}#task-{task_id}",
                            status_code=303)  # fmt: skip
