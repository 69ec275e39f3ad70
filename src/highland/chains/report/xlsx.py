"""The monthly chain report as an XLSX workbook (openpyxl), laid out from a `report.Report`.

Sheets, named in the report's language (指标 / 产业链环节 / 短板 / 调度事项 / 说明); with the
`codes` header set (`?headers=codes`, `--headers codes`) the fixed English names scripts read
(Indicators / Segments / Gaps / Decisions / About). Headers are in the report's language:

- Indicators: key, indicator, value, unit, reported, missing, freshness, basis, source;
- Segments: the chain map's data — stream, code, segment, parent, members, members with
  revenue, revenue (yuan), LQ, tier, bottleneck, leading firms;
- Gaps: rank, code, segment, stream, bottleneck, members, LQ, tier, score, top prospects;
- Decisions: this month's tasks, then earlier months' tasks still open — group, month, task,
  title, owner, due (Asia/Shanghai), state, overdue, on time, result;
- About: the chain, month, data date, generation time and user, the indicators' source.

Money is yuan with two decimals: a Decimal made from the exact integer fen (fen / 100, so
never a rounded float), number format #,##0.00. Growth is the exact ratio, format 0.0%.
A missing figure is an empty cell, never 0.
"""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from highland.platform.kit import numbers
from highland.platform.kit.dates import CITY_TZ
from highland.platform.kit.inert import append

if TYPE_CHECKING:
    from highland.chains.report.service import Report

R = "chains.report."
YUAN = "#,##0.00"
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")


def yuan(fen: int | None) -> Decimal | None:
    """Fen as a Decimal of yuan (exact; None stays None)."""
    return None if fen is None else Decimal(int(fen)) / 100


def _lq(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _sheet(
    wb: Workbook, title: str, headers: list[str], widths: list[int], first: bool = False
) -> Worksheet:
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    append(ws, headers)
    for i, cell in enumerate(ws[1]):
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = widths[i] if i < len(widths) else 14
    ws.freeze_panes = "A2"
    return ws


SHEETS = {"Indicators": "indicators", "Segments": "segments", "Gaps": "gaps",
          "Decisions": "decisions", "About": "about"}  # fmt: skip


def _name(r: Report, sheet: str) -> str:
    """A sheet's name: the report's language, or the fixed English one for scripts."""
    return sheet if r.codes else r.t(R + "sheet." + SHEETS[sheet])


def _formats(ws: Worksheet, row: int, formats: dict[int, str]) -> None:
    for col, fmt in formats.items():
        ws.cell(row=row, column=col).number_format = fmt


def _indicators(wb: Workbook, r: Report) -> None:
    t = r.t
    heads = [t(R + "x.key"), t("chains.governance.indicator"), t(R + "x.value"),
             t(R + "unit"), t(R + "x.reported"), t(R + "x.missing"),
             t("chains.governance.freshness"), t("chains.governance.coverage"),
             t(R + "x.source")]  # fmt: skip
    ws = _sheet(wb, _name(r, "Indicators"), heads, [16, 30, 18, 10, 10, 10, 20, 34, 40], first=True)
    source = (t(R + "x.recorded", month=r.month) if r.indicators_recorded
              else t(R + "x.computed"))  # fmt: skip
    source += f" · {r.computed_at or '—'}"
    for it in r.indicators:
        value: Any = it.value
        fmt = None
        if value is not None and it.unit == "fen":
            value, fmt = yuan(int(value)), YUAN
        elif value is not None and it.unit == "ratio":
            value, fmt = Decimal(str(value)), "0.0%"
        append(ws, [it.key, it.name, value, t(R + "xunit." + it.unit), it.reported, it.missing,
                       it.freshness_text, it.basis, source])  # fmt: skip
        if fmt:
            _formats(ws, ws.max_row, {3: fmt})


def _segments(wb: Workbook, r: Report) -> None:
    t = r.t
    heads = [t(R + "x.stream"), t(R + "x.code"), t(R + "gap.segment"), t(R + "x.parent"),
             t(R + "gap.members"), t(R + "x.with_output"), t(R + "x.output"), t(R + "gap.lq"),
             t(R + "gap.tier"), t("chains.bottleneck"), t("chains.pictures.leading")]  # fmt: skip
    ws = _sheet(wb, _name(r, "Segments"), heads, [10, 14, 26, 14, 10, 12, 20, 10, 24, 10, 30])
    for b in r.boxes:
        append(ws, [
            t("chains.stream." + b.stream), b.code, ("　" * b.depth) + b.name, b.parent or None,
            b.members, b.with_output, yuan(b.output_fen), _lq(b.lq),
            r.labels.get("tier." + b.tier, b.tier), t(R + ("yes" if b.bottleneck else "no")),
            t("sep.enum").join(b.leading) or None,
        ])  # fmt: skip
        _formats(ws, ws.max_row, {7: YUAN, 8: "0.000"})


def _gaps(wb: Workbook, r: Report) -> None:
    t = r.t
    heads = [t(R + "gap.rank"), t(R + "x.code"), t(R + "gap.segment"), t(R + "x.stream"),
             t("chains.bottleneck"), t(R + "gap.members"), t(R + "gap.lq"), t(R + "gap.tier"),
             t(R + "gap.score"), t(R + "gap.prospects")]  # fmt: skip
    ws = _sheet(wb, _name(r, "Gaps"), heads, [6, 14, 26, 10, 10, 10, 10, 24, 10, 60])
    for g in r.gaps:
        append(ws, [
            g.rank, g.segment, g.name, t("chains.stream." + g.stream),
            t(R + ("yes" if g.bottleneck else "no")), g.members, _lq(g.lq),
            r.labels.get("tier." + g.tier, g.tier) if g.tier else None,
            _lq(g.score), "; ".join(g.prospects) or None,
        ])  # fmt: skip
        _formats(ws, ws.max_row, {7: "0.000", 9: "0.000"})


def _decisions(wb: Workbook, r: Report) -> None:
    t = r.t
    g = "chains.governance."
    heads = [t(R + "x.group"), t(R + "x.month"), "#", t(g + "task_title"), t(g + "owner"),
             t(R + "x.due"), t(g + "state"), t(R + "overdue"), t(g + "on_time"),
             t(g + "result")]  # fmt: skip
    ws = _sheet(wb, _name(r, "Decisions"), heads, [16, 10, 8, 40, 30, 18, 14, 8, 10, 40])
    if not r.recorded:
        append(ws, [t(R + "x.this_month"), r.month, None, t(R + "no_record")])
    for group, lines in (("x.this_month", r.decisions), ("x.earlier", r.earlier)):
        for x in lines:
            on_time = None if x.done_on_time is None else t(R + ("yes" if x.done_on_time else "no"))
            due = x.due.astimezone(_shanghai()).replace(tzinfo=None)
            append(ws, [t(R + group), x.month, x.id, x.title, x.owner, due, x.state_text,
                       t(R + ("yes" if x.overdue else "no")), on_time, x.result])  # fmt: skip
            _formats(ws, ws.max_row, {6: "yyyy-mm-dd hh:mm"})


def _shanghai() -> Any:

    return CITY_TZ


def _about(wb: Workbook, r: Report) -> None:
    from highland.chains.report.service import local

    t = r.t
    ws = _sheet(wb, _name(r, "About"), [t(R + "x.item"), t(R + "x.value_col")], [24, 80])
    rows = [
        (t(R + "chain"), r.name), (t(R + "x.name_en"), r.name_en), (t(R + "x.code"), r.chain_code),
        (t(R + "month"), r.month), (t(R + "as_of"), local(r.as_of, seconds=True)),
        (t(R + "generated_at"), local(r.generated_at, seconds=True)),
        (t(R + "generated_by"), r.generated_by),
        (t(R + "x.source"), t(R + "x.recorded", month=r.month) if r.indicators_recorded
         else t(R + "x.computed")),
        (t(R + "x.money"), t(R + "x.money_note")),
        (t(R + "x.missing_rule"), t(R + "x.missing_note")),
        (t(R + "map_note_key"), t(R + "map_note")),
    ]  # fmt: skip
    for k, v in rows:
        append(ws, [k, v])
        ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True)


def workbook(r: Report, headers: str = "zh") -> bytes:
    """The report's workbook as bytes (`headers`: zh, the default, or codes; kit.numbers)."""
    r = replace(r, codes=numbers.header_set(headers) == "codes")
    wb = Workbook()
    _indicators(wb, r)
    _segments(wb, r)
    _gaps(wb, r)
    _decisions(wb, r)
    _about(wb, r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
