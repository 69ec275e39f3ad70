"""The desks at `/` (one per role) and the city overview, with its JSON twin for scripts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.chains.public import Change
from highland.desk import service
from highland.desk.charts import overview_charts
from highland.platform.deps import DB, current_principal, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import clock, numbers
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
SIGNED_IN = Depends(current_principal)
OVERVIEW = Depends(require(Permission.demands_metrics))
YI_FEN = 10_000_000_000  # 1 亿元 in fen


def yi_text(fen: int | None) -> str:
    """Money in 亿元 with two decimals, for a table column in that unit; '—' when missing."""
    return numbers.number(None if fen is None else Decimal(fen) / YI_FEN, 2)


def change_of(change: Change) -> str:
    """The change on last year as a signed percentage ('+3.2%', the one rule of
    `kit.numbers`); '—' when either year is missing or last year's is zero."""
    now, before = change.current_fen, change.previous_fen
    if now is None or not before:
        return "—"
    return numbers.percent(Decimal(now) / Decimal(before) - 1, signed=True)


def _helpers(lang: str) -> dict[str, Any]:
    """The desks' formatting, as template functions (one place to swap the formatting)."""
    return {
        "money": lambda fen: numbers.money(fen, lang),
        "yi": yi_text,
        "minute": numbers.beijing_time,
        "change_of": change_of,
        "percent": lambda rate: numbers.percent_of(rate.percent),
    }


def _overview_context(request: Request, db: Session, principal: Principal) -> dict[str, Any]:
    lang = language(request)
    ov = service.overview(db, principal, clock.now())
    return {"ov": ov, "charts": overview_charts(lang, ov.chains), **_helpers(lang)}


@router.get("/")
def desk_page(request: Request, db: Session = DB, principal: Principal = SIGNED_IN) -> Response:
    """The signed-in person's desk: what they do daily, with links onward."""
    lang = language(request)
    kind = service.KINDS[principal.role]
    now = clock.now()
    ctx: dict[str, Any] = {"nav": "desk", "kind": kind, **_helpers(lang)}
    if kind == "overview":
        ctx.update(_overview_context(request, db, principal))
    elif kind == "queue":
        ctx["q"] = service.queue(db, principal, now)
        ctx["institutions"] = service.demands.institution_names(db, lang)
    elif kind == "enterprise":
        ctx["e"] = service.enterprise(db, principal, now, lang, request.app.state.region_names)
    elif kind == "chain":
        ctx["c"] = service.chain(db, principal, now)
        ctx["institutions"] = service.demands.institution_names(db, lang)
    else:
        ctx["d"] = service.data(db, principal, now)
    return render(request, f"desk/{kind}.html", ctx)


@router.get("/overview")
def overview_page(request: Request, db: Session = DB, principal: Principal = OVERVIEW) -> Response:
    """The city overview for every role that reads the metrics (the leader's desk)."""
    ctx = {"nav": "desk", "kind": "overview", **_overview_context(request, db, principal)}
    return render(request, "desk/overview.html", ctx)
