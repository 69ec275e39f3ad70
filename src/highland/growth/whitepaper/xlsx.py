"""The white paper as an XLSX workbook: one sheet per section, headers in the paper's language
(Chinese by default), money exact — yuan with two decimals made from the integer fen, US
dollars with two decimals from the cents (Decimal, never a rounded float); growth the exact
ratio (format 0.0%); a missing figure is an empty cell, never 0."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from highland.growth.whitepaper.service import Tally, WhitePaper
from highland.platform.kit import numbers
from highland.platform.kit.inert import append

X = "whitepaper."
MONEY = "#,##0.00"
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
REASONS = ("closed", "moved_away", "listed", "data_missing", "criterion_failed")
SHEETS = ("counts", "exits", "chain", "district", "zone", "industry", "age", "money", "movers",
          "newcomers", "pool", "method")  # fmt: skip


def _cents(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(int(value)) / 100


def _sheet(wb: Workbook, p: WhitePaper, key: str, heads: list[str]) -> Worksheet:
    first = wb.sheetnames == ["Sheet"]
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = p.t(X + "sheet." + key)
    append(ws, heads)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        ws.column_dimensions[cell.column_letter].width = 16
    ws.column_dimensions["A"].width = 28
    ws.freeze_panes = "A2"
    return ws


def _formats(ws: Worksheet, formats: dict[int, str]) -> None:
    for col, fmt in formats.items():
        ws.cell(row=ws.max_row, column=col).number_format = fmt


def _tally(wb: Workbook, p: WhitePaper, key: str, rows: list[Tally], first: str) -> None:
    cats = p.categories
    ws = _sheet(wb, p, key, [first] + [t for _, t in cats] + [p.t(X + "col.total")])
    for r in rows:
        append(ws, [r.label] + [r.by.get(c, 0) for c, _ in cats] + [r.total])
    append(ws, [p.t(X + "col.total")] + [sum(r.by.get(c, 0) for r in rows) for c, _ in cats]
           + [sum(r.total for r in rows)])  # fmt: skip


def _counts(wb: Workbook, p: WhitePaper) -> None:
    t = p.t
    prev = p.previous.year if p.previous else "—"
    ws = _sheet(wb, p, "counts", [t(X + "col.category"), t(X + "col.count", year=p.year),
                                  t(X + "col.previous", year=prev), t(X + "col.change"),
                                  t(X + "col.new"), t(X + "col.changed"), t(X + "col.kept"),
                                  t(X + "col.exited")])  # fmt: skip
    for c in p.counts:
        append(ws, [c.title, c.count, c.previous, c.change, c.entered["new"],
                    c.entered["changed"], c.entered["kept"], sum(c.exited.values())])  # fmt: skip
    ws2 = _sheet(wb, p, "exits", [t(X + "col.category")]
                 + [t("growth.reason." + r) for r in REASONS] + [t(X + "col.total")])  # fmt: skip
    for c in p.counts:
        append(ws2, [c.title] + [c.exited[r] for r in REASONS] + [sum(c.exited.values())])


def _money(wb: Workbook, p: WhitePaper) -> None:
    t = p.t
    fy = p.row.figures_year
    ws = _sheet(wb, p, "money", [t(X + "col.category"), t(X + "col.firms"), t(X + "col.valued"),
                                 t(X + "x.valuation_usd"), t(X + "col.reporting"),
                                 t(X + "x.revenue_yuan", year=fy)])  # fmt: skip
    for m in p.money:
        append(ws, [m.title, m.firms, m.valued, _cents(m.valuation_cents), m.reporting,
                    numbers.yuan_exact(m.revenue_fen)])  # fmt: skip
        _formats(ws, {4: MONEY, 6: MONEY})


def _movers(wb: Workbook, p: WhitePaper) -> None:
    t = p.t
    fy = p.row.figures_year
    ws = _sheet(wb, p, "movers", [t(X + "col.uscc"), t(X + "col.firm"), t(X + "col.category"),
                                  t(X + "x.revenue_yuan", year=fy - 1),
                                  t(X + "x.revenue_yuan", year=fy),
                                  t(X + "col.growth")])  # fmt: skip
    for m in p.movers:
        append(ws, [m.uscc, m.name, m.category, numbers.yuan_exact(m.before_fen),
                    numbers.yuan_exact(m.now_fen), m.growth])  # fmt: skip
        _formats(ws, {4: MONEY, 5: MONEY, 6: "0.0%"})
    ws2 = _sheet(wb, p, "newcomers", [t(X + "col.uscc"), t(X + "col.firm"),
                                      t(X + "col.movement"), t(X + "x.valuation_usd")])  # fmt: skip
    for m in p.newcomers:
        append(ws2, [m.uscc, m.name, t("growth.movement." + m.movement), _cents(m.valuation_cents)])
        _formats(ws2, {4: MONEY})


def _pool_and_method(wb: Workbook, p: WhitePaper) -> None:
    t = p.t
    ws = _sheet(wb, p, "pool", [t(X + "col.category"), t(X + "col.criterion"), t(X + "col.firms")])
    for n in p.near_misses or []:
        append(ws, [n.category, n.criterion, n.firms])
    ws2 = _sheet(wb, p, "method", [t(X + "x.item"), t(X + "x.value")])
    rs, row = p.rs, p.row
    lines: list[list[Any]] = [
        [t(X + "col.ruleset"), f"{rs.id} · {p.title}"],
        [t(X + "col.document"), f"{rs.document} ({rs.issuer}, {rs.dated.isoformat()})"],
        *[[c.title, "; ".join(c.criteria)] for c in p.method],
        [t(X + "col.figures_year"), row.figures_year],
        [t(X + "col.published_at"), f"{numbers.beijing_time(row.published_at)} "
                                    f"({t(X + 'beijing')})"],
        [t(X + "col.classified"), row.enterprises],
        [t(X + "col.digest"), row.digest],
        [t(X + "col.generated_at"), f"{numbers.beijing_time(p.generated_at)} ({t(X + 'beijing')})"],
    ]  # fmt: skip
    for line in lines:
        append(ws2, line)
    ws2.column_dimensions["B"].width = 80


def workbook(p: WhitePaper) -> bytes:
    """The workbook's bytes."""
    wb = Workbook()
    t = p.t
    _counts(wb, p)
    _tally(wb, p, "chain", p.by_chain, t(X + "col.chain"))
    _tally(wb, p, "district", p.by_district, t(X + "col.district"))
    _tally(wb, p, "zone", p.by_zone, t(X + "col.zone"))
    _tally(wb, p, "industry", p.by_industry, t(X + "col.industry"))
    _tally(wb, p, "age", p.by_age, t(X + "col.age"))
    _money(wb, p)
    _movers(wb, p)
    _pool_and_method(wb, p)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
