"""Pages of the 12345 practice: asking for and deciding extensions, recording callbacks (forms
on the demand's page), and the period of the on-time rate over what fell due. Thin adapters
over demands/extensions.py, demands/callbacks.py and demands/practice/metrics.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.demands import callbacks, extensions, repository
from highland.demands.models import Demand
from highland.demands.present import actor_of, form_error
from highland.demands.tiers import tier_of
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import HighlandError, InvalidInput, NotFound
from highland.platform.identity.permissions import Permission, Principal, Role
from highland.platform.kit import clock
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.demands_read))
CSRF = [Depends(csrf_protect)]


def demand_context(db: Session, principal: Principal, d: Demand) -> dict[str, Any]:
    """What the demand page shows of the practice: tier, extensions, callbacks, and which of
    their forms the caller may use."""
    cat = repository.category(db, d.category_code)
    lim = extensions.limits(db)
    requests = extensions.requests_of(db, d.id)
    pending = next((r for r in requests if r.state == "pending"), None)
    return {
        "tier": tier_of(cat, d.priority) if cat is not None else "normal",
        "requests": requests,
        "pending": pending,
        "can_ask": extensions.can_ask(principal, d) and pending is None,
        "can_decide": pending is not None
        and extensions.can_decide(principal)
        and pending.asked_by != principal.username,
        "limits": lim,
        "callbacks": callbacks.callbacks_of(db, d.id),
        "can_call": callbacks.can_call(principal, d.state),
        # Callbacks are the bureau's own check on the institution: not shown to the enterprise.
        "can_see_callbacks": principal.role is not Role.enterprise,
    }


def _version(text: str) -> int | None:
    try:
        return int(text) if text.strip() else None
    except ValueError:
        raise InvalidInput(
            f"version: '{text}' is not a version number",
            field="version",
            code="practice.version_required",
        ) from None


def _again(
    request: Request,
    db: Session,
    principal: Principal,
    demand_id: DbInt,
    exc: HighlandError,
    form: dict[str, Any],
) -> Response:
    """The demand's page again with the error next to the form, nothing written."""
    from highland.demands.pages import _demand_page  # the demand's page imports this module

    db.rollback()
    err = form_error(language(request), exc)
    if exc.status_code == 409 and exc.field == "version":
        err["lead"] = translate(language(request), "demands.error.stale")
    err["action"] = form.get("action")
    return _demand_page(request, db, principal, demand_id, err, form, exc.status_code)


@router.post("/demands/{demand_id}/extensions", dependencies=CSRF)
def extension_ask(
    request: Request,
    demand_id: DbInt,
    version: str = Form(""),
    days: str = Form(""),
    reason: str = Form(""),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The handler asks for more working days (延期申请)."""
    form = {"action": "extend_ask", "days": days, "reason": reason}
    try:
        extensions.ask(
            db, principal, actor_of(principal), demand_id,
            version=_version(version), days=days, reason=reason,
        )  # fmt: skip
    except NotFound:
        raise
    except HighlandError as exc:
        return _again(request, db, principal, demand_id, exc, form)
    return RedirectResponse(f"/demands/{demand_id}#extensions", status_code=303)


@router.post("/demands/{demand_id}/extensions/{request_id}/decision", dependencies=CSRF)
def extension_decide(
    request: Request,
    demand_id: DbInt,
    request_id: DbInt,
    version: str = Form(""),
    decision: str = Form(""),
    reason: str = Form(""),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """A router or a leader approves or refuses the pending request."""
    form = {"action": "extend_decide", "decision": decision, "decision_reason": reason}
    approve = {"approve": True, "refuse": False}.get(decision.strip())
    try:
        extensions.decide(
            db, principal, actor_of(principal), demand_id, request_id,
            version=_version(version), approve=approve, reason=reason,
        )  # fmt: skip
    except NotFound:
        raise
    except HighlandError as exc:
        return _again(request, db, principal, demand_id, exc, form)
    return RedirectResponse(f"/demands/{demand_id}#extensions", status_code=303)


@router.post("/demands/{demand_id}/callbacks", dependencies=CSRF)
def callback_record(
    request: Request,
    demand_id: DbInt,
    reached: str = Form(""),
    satisfied: str = Form(""),
    note: str = Form(""),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """Staff record a follow-up call (回访)."""
    form = {"action": "callback", "reached": reached, "satisfied": satisfied, "note": note}
    try:
        callbacks.record_callback(
            db, principal, actor_of(principal), demand_id,
            reached=reached, satisfied=satisfied, note=note,
        )  # fmt: skip
    except NotFound:
        raise
    except HighlandError as exc:
        return _again(request, db, principal, demand_id, exc, form)
    return RedirectResponse(f"/demands/{demand_id}#callbacks", status_code=303)


# ---------------------------------------------------------------- the fell-due period


def _date(text: str, name: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(
            f"{name}: '{text}' is not a date; write YYYY-MM-DD",
            field=name,
            code="practice.date_invalid",
            params={"value": text},
        ) from None


def due_period(
    month: str | None, due_from: str | None, due_to: str | None
) -> tuple[datetime, datetime, dict[str, str]]:
    """The period [start, end) of the on-time rate over what fell due, in Beijing time: a
    month (YYYY-MM), or from/to dates (both days included), else the current month."""
    if due_from or due_to:
        first = _date(due_from, "due_from") if due_from else None
        last = _date(due_to, "due_to") if due_to else None
        if first is None or last is None:
            first = first or date(last.year, last.month, 1)  # type: ignore[union-attr]
            last = last or clock.today_local()
        if last < first:
            raise InvalidInput(
                "due_to: the period's last day is before its first",
                field="due_to",
                code="practice.period_order",
            )
        start, end = first, last + timedelta(days=1)
        shown = {"due_month": "", "due_from": first.isoformat(), "due_to": last.isoformat()}
    else:
        text = (month or "").strip() or clock.today_local().strftime("%Y-%m")
        try:
            start = datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise InvalidInput(
                f"due_month: '{text}' is not a month; write YYYY-MM",
                field="due_month",
                code="practice.month_invalid",
                params={"value": text},
            ) from None
        end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        shown = {"due_month": text, "due_from": "", "due_to": ""}
    return (
        datetime.combine(start, datetime.min.time(), CITY_TZ),
        datetime.combine(end, datetime.min.time(), CITY_TZ),
        shown,
    )


def due_rows(report: Any, names: Any) -> list[dict[str, Any]]:
    """Institutions with demands that fell due in the period, lowest on-time rate first."""
    rows = []
    for code, c in report.institutions.items():
        if c.due:
            r = c.on_time_due
            rows.append(
                {
                    "institution": code,
                    "label": names.institution(code),
                    "rate": {"num": r.num, "den": r.den, "percent": r.percent},
                }
            )
    rows.sort(key=lambda r: (r["rate"]["num"] / r["rate"]["den"], -r["rate"]["den"]))
    return rows


def span(report: Any) -> str:
    """The period's first and last day in Beijing time, e.g. '2026-12-01 – 2026-12-31'."""
    first = report.due_start.astimezone(CITY_TZ).date()
    last = (report.due_end.astimezone(CITY_TZ) - timedelta(days=1)).date()
    return f"{first.isoformat()} – {last.isoformat()}"
