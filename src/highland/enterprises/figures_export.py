"""The yearly-figures export: the filtered registry's figures, one row per enterprise and year,
in the financials import format so that an export edited and imported back changes only what
was edited (docs/import-formats.md).

Money is exact yuan (US dollars for the rounds) with two decimals, as the import reads it; a
missing figure is an empty cell, never 0. Chinese headers and values by default, the import's
column names with `headers="codes"` (kit.numbers.header_set)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from highland.enterprises import repository as repo
from highland.enterprises import service
from highland.enterprises.models import Financial
from highland.enterprises.vocab import (
    FIGURE_MONEY,
    FINANCIAL_COLUMNS,
    FINANCIAL_ZH_HEADERS,
    USD_COLUMNS,
)
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert, numbers
from highland.platform.kit.money import fen_to_yuan
from highland.platform.web.i18n import translate

ZH = "zh-CN"
MONEY = frozenset((*FIGURE_MONEY, *USD_COLUMNS))
# The figures after the key: what the rows carry, in the import's column order.
FIGURES = tuple(c for c in FINANCIAL_COLUMNS if c not in ("uscc", "year", "source", "source_date"))
# The Chinese export names the enterprise beside its code (the import ignores 企业名称 there).
ZH_COLUMNS = (
    FINANCIAL_ZH_HEADERS["uscc"],
    "企业名称",
    *(FINANCIAL_ZH_HEADERS[c] for c in FINANCIAL_COLUMNS[1:]),
)
# An XLSX number cell is a binary float: exact up to 15 significant digits. A larger amount
# (10 trillion yuan and up) is written as text so that it reads back to the fen.
EXACT_IN_FLOAT = 10**15
Years = tuple[int | None, int | None]


def year_range(year: int | None, first: int | None, last: int | None) -> Years:
    """The years an export covers (both ends included, None: unbounded), from one year or a
    range; a range whose start is after its end, or a year given with a range, is refused."""
    if year is not None and (first is not None or last is not None):
        raise InvalidInput(
            "year: give one year or a range (from, to), not both",
            field="year",
            code="export.year_and_range",
            params={},
        )
    if year is not None:
        return year, year
    if first is not None and last is not None and first > last:
        raise InvalidInput(
            f"from: {first} is after to: {last}",
            field="from",
            code="export.years_reversed",
            params={"first": first, "last": last},
        )
    return first, last


def _values(f: Financial) -> list[Any]:
    """The figures of one row: money as Decimal yuan, counts as int, missing as None."""
    out: list[Any] = []
    for c in FIGURES:
        v = getattr(f, c)
        out.append(fen_to_yuan(v) if c in MONEY else v)
    return out


def _code_row(uscc: str, name: str, f: Financial) -> list[Any]:
    date = f.source_date.isoformat() if f.source_date else None
    return [uscc, f.year, *_values(f), f.source, date]


def _zh_row(uscc: str, name: str, f: Financial) -> list[Any]:
    date = f.source_date.isoformat() if f.source_date else None
    source = translate(ZH, f"vocab.source.{f.source}") if f.source else None
    return [uscc, name, f.year, *_values(f), source, date]


def _rows(
    session: Session, principal: Principal, flt: repo.EnterpriseFilter, years: Years, headers: str
) -> tuple[tuple[str, ...], Iterator[list[Any]]]:
    """The header and the rows in the chosen header set."""
    found = repo.iter_figures(session, principal, flt, years)
    if numbers.header_set(headers) == "codes":
        return FINANCIAL_COLUMNS, (_code_row(*r) for r in found)
    return ZH_COLUMNS, (_zh_row(*r) for r in found)


def export_csv(
    session: Session,
    principal: Principal,
    flt: repo.EnterpriseFilter,
    years: Years = (None, None),
    headers: str = "zh",
) -> Iterator[str]:
    """Stream the figures of the filtered registry as CSV (UTF-8 with BOM, for Excel)."""
    head, rows = _rows(session, principal, flt, years, headers)
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(head)
    for i, row in enumerate(rows, 1):
        writer.writerow(inert.csv_row(row))  # None → "", Decimal → "1234.50"
        if i % 2000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal) and abs(value) * 100 >= EXACT_IN_FLOAT:
        return str(value)
    return value


def export_xlsx(
    session: Session,
    principal: Principal,
    flt: repo.EnterpriseFilter,
    years: Years = (None, None),
    headers: str = "zh",
) -> bytes:
    """Return the figures of the filtered registry as an XLSX workbook (numbers as numbers)."""
    head, rows = _rows(session, principal, flt, years, headers)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("figures" if head is FINANCIAL_COLUMNS else "年度数据")
    inert.append(ws, head)
    for i, row in enumerate(rows, 1):
        if i > (limit := service.XLSX_MAX_ROWS):
            raise InvalidInput(
                f"an XLSX sheet holds at most {limit:,} rows; narrow the filter or export CSV",
                field="format",
                code="export.xlsx_too_many_rows",
                params={"limit": limit},
            )
        inert.append(ws, [_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
