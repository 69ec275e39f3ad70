"""The high-growth lists and their cultivation pools as files: CSV (UTF-8 with BOM) or XLSX,
Chinese headers and words by default, `headers=codes` for scripts; revenue in exact yuan and
valuation in exact US dollars (docs/numbers.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from highland.growth import repository, why
from highland.growth.pool import PoolView
from highland.growth.rules.loader import RuleSetError, read_ruleset
from highland.growth.views import ListView
from highland.platform.errors import InvalidInput
from highland.platform.kit import inert, numbers
from highland.platform.kit.money import fen_to_yuan, yuan_text
from highland.platform.web.i18n import translate

ZH = "zh-CN"
FORMATS = ("csv", "xlsx")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_575
LIST_COLUMNS = ("uscc", "name", "district", "zone", "industry_section", "chains", "category",
                "movement", "previous_category", "reason", "detail", "revenue",
                "valuation_usd")  # fmt: skip
POOL_COLUMNS = ("uscc", "name", "district", "zone", "industry_section", "kind", "category",
                "failed", "missing", "supply")  # fmt: skip
MONEY = ("revenue", "valuation_usd")  # exact yuan / US dollars (integer fen / cents held)


@dataclass(frozen=True)
class ExportFile:
    """A download: its file name, media type and bytes."""

    name: str
    media_type: str
    body: bytes


def _header(column: str) -> str:
    key = f"growth.export.{column}"
    return translate(ZH, key if column in ("uscc", "name", "district", "industry_section",
                                           "category", "movement", "previous_category",
                                           "reason", "detail")
                     else f"growthpages.export.{column}")  # fmt: skip


def _file(stem: str, head: Sequence[str], rows: list[list[Any]], fmt: str) -> ExportFile:
    """Rows (money cells as integer fen/cents wrapped in _Money) as CSV or XLSX."""
    if fmt not in FORMATS:
        raise InvalidInput("format must be csv or xlsx", field="format",
                           code="export.bad_format", params={})  # fmt: skip
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf)
        w.writerow(head)
        w.writerows(inert.csv_row(yuan_text(c.v) if isinstance(c, _Money) else c for c in r)
                    for r in rows)  # fmt: skip
        return ExportFile(f"{stem}.csv", "text/csv; charset=utf-8", buf.getvalue().encode())
    if len(rows) > XLSX_MAX_ROWS:
        raise InvalidInput(f"{len(rows):,} rows do not fit one XLSX sheet; export CSV",
                           field="format", code="policies.xlsx_too_many_rows",
                           params={"rows": len(rows), "limit": XLSX_MAX_ROWS})  # fmt: skip
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(stem[:31])
    inert.append(ws, head)
    for r in rows:
        inert.append(ws, [fen_to_yuan(c.v) if isinstance(c, _Money) else c for c in r])
    out = io.BytesIO()
    wb.save(out)
    return ExportFile(f"{stem}.xlsx", XLSX_MEDIA, out.getvalue())


@dataclass(frozen=True)
class _Money:
    v: int | None


def list_file(session: Session, view: ListView, headers: str | None, fmt: str) -> ExportFile:
    """A published list's lines (listed, then exits) with the figures year's revenue and
    valuation."""
    codes = numbers.header_set(headers) == "codes"
    chosen = view.chosen
    stem = f"growth-{chosen.ruleset_id}-{chosen.year}" if chosen else "growth"
    lines = [line for group in view.listed.values() for line in group] + view.exits
    money = (
        repository.figures_of_year(session, [x.entry.enterprise_id for x in lines
                                             if x.entry.enterprise_id], chosen.figures_year)
        if chosen else {}
    )  # fmt: skip
    rs = None
    if chosen is not None and not codes:
        try:
            rs = read_ruleset(chosen.ruleset_source, chosen.ruleset_id)
        except RuleSetError:  # valid when published; the codes stand in
            rs = None
    titles = {c.id: c.title for c in view.categories}

    def word(kind: str, value: str | None) -> str:
        if value is None or codes:
            return value or ""
        if kind == "category":
            return titles.get(value, value)
        return translate(ZH, f"growth.{kind}.{value}")

    rows: list[list[Any]] = []
    for x in lines:
        e = x.entry
        revenue, valuation = money.get(e.enterprise_id or -1, (None, None))
        detail = e.detail or ""
        if rs is not None and chosen is not None and detail:
            detail = "；".join(why.phrases(rs, detail, chosen.year, ZH))
        rows.append([
            e.uscc, x.name or "", x.district or "", x.zone or "", x.industry or "",
            ";".join(x.chains), word("category", e.category), word("movement", e.movement),
            word("category", e.previous_category), word("reason", e.reason), detail,
            _Money(revenue), _Money(valuation),
        ])  # fmt: skip
    head = LIST_COLUMNS if codes else [_header(c) for c in LIST_COLUMNS]
    return _file(stem, head, rows, fmt)


def pool_file(view: PoolView, headers: str | None, fmt: str) -> ExportFile:
    """A list's cultivation pool: each firm, near or unknown, its category, the criteria it
    fails or lacks data for, and the data to supply (Chinese words; codes with headers=codes
    for the category and kind)."""
    codes = numbers.header_set(headers) == "codes"
    chosen = view.chosen
    stem = f"growth-pool-{chosen.ruleset_id}-{chosen.year}" if chosen else "growth-pool"
    rows: list[list[Any]] = []
    for x in view.lines:
        kind = x.kind if codes else translate(ZH, f"growthpages.kind.{x.kind}")
        category = x.category if codes else view.titles.get(x.category, (x.category, ""))[0]
        rows.append([x.uscc, x.name or "", x.district or "", x.zone or "", x.industry or "",
                     kind, category, "；".join(x.failed), "；".join(x.missing),
                     "；".join(x.supply)])  # fmt: skip
    head = POOL_COLUMNS if codes else [_header(c) for c in POOL_COLUMNS]
    return _file(stem, head, rows, fmt)
