"""The trends page of a chain (/chains/{id}/trends): its indicators month by month as SVG line
charts (members, money in 万元, growth in %, demands) and a table of every month with the exact
values, each one's freshness and whether the month comes from its scheduling record or was
computed. Missing values are gaps in the lines and "no data" in the table, never 0."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.governance.service import get_chain
from highland.chains.trends import service as trends
from highland.platform.deps import DB, require
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import numbers
from highland.platform.web import charts
from highland.platform.web.i18n import error_text, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
T = "chains.trends."
# (chart id, title key, unit key, indicators, integers)
CHARTS = (
    ("members", "chart.members", "unit.firms", ("members", "new_members"), True),
    ("money", "chart.money", "unit.money", ("output_value", "revenue", "tax"), False),
    ("growth", "chart.growth", "unit.pct", ("growth",), False),
    ("demands", "chart.demands", "unit.demands", ("open_demands", "overdue_demands"), True),
)
COLUMNS = tuple(k for k in indicators.ORDER if k != "key_projects")


def fresh_text(value: object) -> str:
    """A freshness for reading: a time in Beijing time to the minute, a date or year as is."""
    if value is None or value == "":
        return "—"
    return numbers.beijing_time(value if isinstance(value, datetime) else str(value))


def plotted(key: str, value: object) -> float | None:
    """The number drawn for a value: counts as they are, fen in 万元, growth in %."""
    if value is None:
        return None
    if key in trends.MONEY:
        return numbers.wan_number(int(str(value)))
    if key == "growth":
        return float(Decimal(str(value)) * 100)
    return float(str(value))


def shown(key: str, value: object, lang: str) -> tuple[str, str]:
    """The value for the table and its hover: money in 万元/亿元 with the exact yuan on hover,
    growth in % (one decimal), counts with their unit (docs/numbers.md)."""
    if key in trends.MONEY:
        fen = int(str(value))
        return numbers.money(fen, lang), numbers.yuan(fen, lang)
    if key == "growth":
        return numbers.percent(Decimal(str(value))), ""
    unit = "demands" if key.endswith("_demands") else "firms"
    return numbers.count(int(str(value)), unit, lang), ""


@dataclass
class Cell:
    """One value of the table."""

    key: str
    value: object
    text: str
    title: str  # the exact yuan of money, on hover
    fresh: str


@dataclass
class Chart:
    """One chart and its months without data, per indicator."""

    id: str
    svg: str
    gaps: list[tuple[str, list[str]]] = field(default_factory=list)


def build_charts(data: dict[str, Any], lang: str) -> list[Chart]:
    """The four line charts of a series (see CHARTS), labelled in the page's language."""
    months = [p["month"] for p in data["points"]]
    out = []
    for cid, title, unit, keys, integers in CHARTS:
        lines = []
        gaps = []
        for key in keys:
            points = data["indicators"][key]
            name = translate(lang, T + "s." + key)
            lines.append((name, [plotted(key, p["value"]) for p in points]))
            missing = [p["month"] for p in points if p["value"] is None]
            if missing:
                gaps.append((name, missing))
        svg = charts.line(months, lines, unit=translate(lang, T + unit), integers=integers,
                          title=translate(lang, T + title),
                          no_data=translate(lang, T + "no_data"))  # fmt: skip
        out.append(Chart(cid, svg, gaps))
    return out


def table(data: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """One row a month, newest first: source, computation time and a cell per indicator."""
    rows = []
    for p in reversed(data["points"]):
        cells = []
        for key in COLUMNS:
            v = p["values"][key]
            text, title = ("", "") if v is None else shown(key, v, lang)
            cells.append(Cell(key, v, text, title, fresh_text(p["freshness"][key])))
        rows.append({"month": p["month"], "source": p["source"], "cells": cells,
                     "computed_at": fresh_text(p["computed_at"])})  # fmt: skip
    return rows


@router.get("/chains/{chain_id}/trends")
def trends_page(
    request: Request,
    chain_id: DbInt,
    to: str | None = Query(None, max_length=20, description="Last month, YYYY-MM"),
    months: str | None = Query(None, max_length=10, description="1 to 36 (default 12)"),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """A chain's indicators month by month: charts and a table (422 naming a bad parameter)."""
    lang = language(request)
    chain = get_chain(db, chain_id)
    form = {"to": to if to is not None else indicators.current_month(),
            "months": months if months is not None else str(trends.DEFAULT_MONTHS)}  # fmt: skip
    ctx: dict[str, Any] = {"nav": "chains", "chain": chain, "form": form, "error": None,
                           "columns": COLUMNS, "data": None}  # fmt: skip
    try:
        data = trends.series(db, chain_id, form["to"], form["months"])
    except InvalidInput as exc:
        ctx["error"], ctx["error_text"] = exc, error_text(lang, exc)
        return render(request, "chains/trends.html", ctx, status_code=exc.status_code)
    ctx.update(data=data, charts=build_charts(data, lang), rows=table(data, lang))
    return render(request, "chains/trends.html", ctx)
