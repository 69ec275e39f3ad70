"""REST API of the 12345 practice: extension requests and their decisions, callbacks, and the
practice section of /api/v1/demand-metrics. Thin over extensions.py, callbacks.py and
practice/metrics.py; every refusal answers with its code (never 500)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from highland.demands import callbacks, extensions, repository
from highland.demands.practice.metrics import practice_metrics
from highland.demands.practice.pages import due_period
from highland.demands.schemas import (
    CallbackIn,
    CallbackOut,
    ExtensionAskIn,
    ExtensionDecisionIn,
    ExtensionOut,
)
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import Forbidden
from highland.platform.identity.permissions import Permission, Principal, Role
from highland.platform.web.params import DbInt

router = APIRouter(prefix="/api/v1", tags=["demands"])
READ = Depends(require(Permission.demands_read))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, "api")


@router.get("/demands/{demand_id}/extensions", response_model=list[ExtensionOut])
def list_extensions(
    demand_id: DbInt, db: Session = DB, principal: Principal = READ
) -> list[ExtensionOut]:
    """The demand's extension requests (延期申请), oldest first."""
    repository.demand(db, principal, demand_id)
    return [ExtensionOut.model_validate(r) for r in extensions.requests_of(db, demand_id)]


@router.post(
    "/demands/{demand_id}/extensions",
    response_model=ExtensionOut,
    status_code=201,
    dependencies=CSRF,
)
def ask_extension(
    demand_id: DbInt, body: ExtensionAskIn, db: Session = DB, principal: Principal = READ
) -> ExtensionOut:
    """The handling institution asks for N more working days with a reason."""
    req = extensions.ask(
        db, principal, _actor(principal), demand_id,
        version=body.version, days=body.days, reason=body.reason,
    )  # fmt: skip
    return ExtensionOut.model_validate(req)


@router.post(
    "/demands/{demand_id}/extensions/{request_id}/decision",
    response_model=ExtensionOut,
    dependencies=CSRF,
)
def decide_extension(
    demand_id: DbInt,
    request_id: DbInt,
    body: ExtensionDecisionIn,
    db: Session = DB,
    principal: Principal = READ,
) -> ExtensionOut:
    """A router (admin, analyst) or a leader approves or refuses (with a reason)."""
    approve = {"approve": True, "refuse": False}.get(body.decision.strip())
    req = extensions.decide(
        db, principal, _actor(principal), demand_id, request_id,
        version=body.version, approve=approve, reason=body.reason,
    )  # fmt: skip
    return ExtensionOut.model_validate(req)


@router.get("/demands/{demand_id}/callbacks", response_model=list[CallbackOut])
def list_callbacks(
    demand_id: DbInt, db: Session = DB, principal: Principal = READ
) -> list[CallbackOut]:
    """The demand's follow-up calls (回访); not shown to the enterprise."""
    repository.demand(db, principal, demand_id)
    if principal.role is Role.enterprise:
        raise Forbidden(
            "callbacks are the bureau's own records", code="practice.callback_forbidden"
        )
    return [CallbackOut.model_validate(c) for c in callbacks.callbacks_of(db, demand_id)]


@router.post(
    "/demands/{demand_id}/callbacks",
    response_model=CallbackOut,
    status_code=201,
    dependencies=CSRF,
)
def record_callback(
    demand_id: DbInt, body: CallbackIn, db: Session = DB, principal: Principal = READ
) -> CallbackOut:
    """Staff record a follow-up call on a resolved or confirmed demand."""
    cb = callbacks.record_callback(
        db, principal, _actor(principal), demand_id,
        reached=body.reached, satisfied=body.satisfied, note=body.note,
    )  # fmt: skip
    return CallbackOut.model_validate(cb)


def practice_section(
    month: str | None, due_from: str | None, due_to: str | None
) -> Callable[..., dict[str, Any]]:
    """The practice part of the metrics answer (the period is checked before any query)."""
    due_start, due_end, _ = due_period(month, due_from, due_to)

    def build(
        db: Session,
        report: Any,
        start: datetime | None,
        end: datetime | None,
        category: str | None,
        chain_id: int | None,
    ) -> dict[str, Any]:
        p = practice_metrics(
            db, start, end, category=category, chain_id=chain_id,
            due_start=due_start, due_end=due_end, now=report.now,
        )  # fmt: skip
        rows = report.as_rows()
        total = p.total()
        return {
            "practice": {
                "due_period": {"start": due_start, "end": due_end},
                "on_time_due": {
                    "definition": "resolved by the (extended) deadline / every demand whose "
                    "resolution deadline fell in the period and has passed",
                    "total": {"num": total.due_on_time, "den": total.due,
                              "percent": total.on_time_due.percent},
                    "institutions": {
                        code: p.institution_row(code)["on_time_due"]
                        for code, c in p.institutions.items() if c.due
                    },
                },  # fmt: skip
                "satisfaction_sources": {
                    "rating": "the enterprise's own rating when it confirms (institutions[]."
                    "satisfaction)",
                    "callback": "staff's independent callback: satisfied / reached, the latest "
                    "reaching call per demand",
                },
                "institutions": {r["institution"]: p.institution_row(r["institution"])
                                 for r in rows},
                "by_type": p.type_rows(),
            }
        }  # fmt: skip

    return build
