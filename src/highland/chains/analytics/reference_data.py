"""Loading reference figures (for location quotients) and prospect lists (for gaps) from CSV
or XLSX: every row checked first, every error reported with its row and column, and nothing
written unless the whole file is valid."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains.models import Prospect, ReferenceFigure
from highland.enterprises.vocab import HEADER_ALIASES
from highland.platform.audit.service import Actor, Change, record
from highland.platform.errors import InvalidInput
from highland.platform.kit.industry import IndustryError, parse_industry
from highland.platform.kit.tables import ROW, read_table
from highland.platform.kit.uscc import USCCError, validate

REFERENCE_COLUMNS = ("region", "year", "industry_code", "measure", "value", "source")
PROSPECT_COLUMNS = (
    "name", "uscc", "region", "industry_code", "revenue", "employees", "products", "patents",
    "source",
)  # fmt: skip
# File measure → stored measure. Revenue is written in yuan (up to 2 decimals), kept in fen.
MEASURES = {"employment": "employment", "enterprises": "enterprises", "revenue": "revenue_fen"}
REGION_RE = re.compile(r"^(?:[0-9]{6}|CN)$")  # GB/T 2260 code or CN for the nation
YEARS = (1978, 2100)


@dataclass(frozen=True)
class RowError:
    """One problem in a file: its row (header = 1), column and what is wrong."""

    row: int
    column: str
    message: str  # English (the CLI, the API); code and params name the catalogue entry
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


def _error(
    row: int, column: str, message: str, *, code: str, params: dict[str, Any] | None = None
) -> RowError:
    return RowError(row, column, message, code, dict(params or {}))


class FileErrors(InvalidInput):
    """A file with errors; nothing was written. `errors` lists every one."""

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(
            f"{len(errors)} error(s) in the file; nothing was written: {first}",
            field=first.column,
            code="chains.rows_refused",
            params={"n": len(errors), "row": first.row, "column": first.column,
                    "first": first.message},
        )  # fmt: skip
        self.errors = errors


def _required(row: dict[str, Any], col: str, hint: str = "") -> RowError:
    return _error(row[ROW], col, "required" + hint, code="chains.row.required")


def _no_rows() -> InvalidInput:
    return InvalidInput("the file has no rows", field="file", code="chains.no_rows")


def _text(row: dict[str, Any], col: str) -> str | None:
    value = row.get(col)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _int(
    row: dict[str, Any], col: str, errors: list[RowError], required: bool = False
) -> int | None:
    text = _text(row, col)
    if text is None:
        if required:
            errors.append(_required(row, col))
        return None
    if not re.fullmatch(r"-?[0-9]+", text.replace(",", "")):
        errors.append(_error(row[ROW], col, f"not a whole number: {text!r}",
                             code="chains.row.whole_number", params={"value": text}))  # fmt: skip
        return None
    value = int(text.replace(",", ""))
    if value < 0:
        errors.append(_error(row[ROW], col, f"negative: {value}", code="chains.row.negative",
                             params={"value": value}))  # fmt: skip
        return None
    return value


def _fen(
    row: dict[str, Any], col: str, errors: list[RowError], required: bool = False
) -> int | None:
    """Yuan with at most two decimals, as fen (exact)."""
    text = _text(row, col)
    if text is None:
        if required:
            errors.append(_required(row, col))
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        errors.append(_error(row[ROW], col, f"not an amount in yuan: {text!r}",
                             code="chains.row.not_yuan", params={"value": text}))  # fmt: skip
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        errors.append(_error(row[ROW], col, f"more than 2 decimals (yuan): {text!r}",
                             code="chains.row.decimals", params={"value": text}))  # fmt: skip
        return None
    if value < 0:
        errors.append(_error(row[ROW], col, f"negative: {text}", code="chains.row.negative",
                             params={"value": text}))  # fmt: skip
        return None
    return int(value * 100)


def _industry(row: dict[str, Any], col: str, errors: list[RowError], star: bool) -> str | None:
    text = _text(row, col)
    if text is None:
        errors.append(_required(row, col, ' ("*" for the total)' if star else ""))
        return None
    if star and text == "*":
        return "*"
    try:
        return parse_industry(text).code
    except IndustryError as exc:
        errors.append(_error(row[ROW], col, f"unknown industry code: {exc.message}",
                             code="chains.file.industry", params={"value": text,
                             "problem": f"@chains.file.industry_{exc.reason}"}))  # fmt: skip
        return None


def check_reference(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Validated reference rows, or FileErrors with every error."""
    table = read_table(data, filename, REFERENCE_COLUMNS, REFERENCE_COLUMNS, HEADER_ALIASES)
    errors: list[RowError] = []
    out: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in table.frame.iter_rows(named=True):
        n = row[ROW]
        before = len(errors)
        region = _text(row, "region")
        if region is None or not REGION_RE.match(region):
            errors.append(_error(n, "region", f"a 6-digit GB/T 2260 code or CN, got {region!r}",
                                 code="chains.row.region",
                                 params={"value": region or ""}))  # fmt: skip
        year_text = _text(row, "year")
        year = int(year_text) if year_text and re.fullmatch(r"[0-9]{4}", year_text) else None
        if year is None or not YEARS[0] <= year <= YEARS[1]:
            errors.append(_error(n, "year", f"a year {YEARS[0]}–{YEARS[1]}, got {year_text!r}",
                                 code="chains.row.year", params={"value": year_text or "",
                                 "low": YEARS[0], "high": YEARS[1]}))  # fmt: skip
        code = _industry(row, "industry_code", errors, star=True)
        measure_text = (_text(row, "measure") or "").lower()
        measure = MEASURES.get(measure_text)
        if measure is None:
            errors.append(_error(n, "measure", f"one of {', '.join(MEASURES)}, got "
                                 f"{measure_text!r}", code="chains.row.one_of",
                                 params={"value": measure_text,
                                         "allowed": ", ".join(MEASURES)}))  # fmt: skip
        value = (
            _fen(row, "value", errors, required=True)
            if measure == "revenue_fen"
            else _int(row, "value", errors, required=True)
        )
        source = _text(row, "source")
        if source is None or len(source) > 300:
            errors.append(_text_limit(n, "source", 300))
        if len(errors) > before:
            continue
        key = (region, year, code, measure)
        if key in seen:
            errors.append(_error(
                n, "industry_code",
                f"duplicate of row {seen[key]} (same region, year, industry code and measure)",
                code="chains.row.duplicate",
                params={"first": seen[key], "same": "@chains.row.same_figure"},
            ))  # fmt: skip
            continue
        seen[key] = n
        out.append({"region": region, "year": year, "industry_code": code, "measure": measure,
                    "value": value, "source": source})  # fmt: skip
    if errors:
        raise FileErrors(errors)
    if not out:
        raise _no_rows()
    return out


def _text_limit(row: int, column: str, limit: int, required: bool = True) -> RowError:
    what = "required, at most" if required else "at most"
    return _error(row, column, f"{what} {limit} characters",
                  code="chains.row.required_text" if required else "chains.row.too_long",
                  params={"limit": limit})  # fmt: skip


def load_reference(db: Session, actor: Actor, data: bytes, filename: str) -> dict[str, int]:
    """Store reference figures (a figure already there for the same region, year, code and
    measure is replaced). All or nothing; returns created/updated/unchanged counts."""
    rows = check_reference(data, filename)
    existing = {
        (r.region, r.year, r.industry_code, r.measure): r
        for r in db.scalars(
            select(ReferenceFigure).where(
                ReferenceFigure.region.in_({r["region"] for r in rows}),
                ReferenceFigure.year.in_({r["year"] for r in rows}),
            )
        )
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for r in rows:
        old = existing.get((r["region"], r["year"], r["industry_code"], r["measure"]))
        if old is None:
            db.add(ReferenceFigure(**r, loaded_by=actor.name))
            counts["created"] += 1
        elif (old.value, old.source) == (r["value"], r["source"]):
            counts["unchanged"] += 1
        else:
            old.value, old.source, old.loaded_by = r["value"], r["source"], actor.name
            counts["updated"] += 1
    db.flush()
    record(db, actor, Change("load", "chain_reference_figure", filename, None, counts,
                             f"reference figures from {filename}"))  # fmt: skip
    return counts


def check_prospects(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Validated prospect rows, or FileErrors with every error."""
    table = read_table(data, filename, PROSPECT_COLUMNS, ("name", "source"), HEADER_ALIASES)
    errors: list[RowError] = []
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in table.frame.iter_rows(named=True):
        n = row[ROW]
        before = len(errors)
        name = _text(row, "name")
        if name is None or len(name) > 200:
            errors.append(_text_limit(n, "name", 200))
        uscc = _text(row, "uscc")
        if uscc is not None:
            try:
                uscc = validate(uscc)
            except USCCError as exc:
                errors.append(_error(n, "uscc", f"invalid USCC {uscc!r}: {exc}",
                                     code="chains.row.uscc", params={"value": uscc}))  # fmt: skip
        code = (
            _industry(row, "industry_code", errors, star=False)
            if _text(row, "industry_code")
            else None
        )
        revenue = _fen(row, "revenue", errors)
        employees = _int(row, "employees", errors)
        patents = _int(row, "patents", errors)
        source = _text(row, "source")
        if source is None or len(source) > 300:
            errors.append(_text_limit(n, "source", 300))
        region = _text(row, "region")
        if region is not None and len(region) > 100:
            errors.append(_text_limit(n, "region", 100, required=False))
        if len(errors) > before:
            continue
        key = ("uscc", uscc) if uscc else ("name", f"{name}|{region or ''}")
        if key in seen:
            what = "USCC" if uscc else "name and region"
            same = "@chains.row.same_uscc" if uscc else "@chains.row.same_name"
            errors.append(_error(n, key[0], f"duplicate of row {seen[key]} (same {what})",
                                 code="chains.row.duplicate",
                                 params={"first": seen[key], "same": same}))  # fmt: skip
            continue
        seen[key] = n
        out.append({"name": name, "uscc": uscc, "region": region, "industry_code": code,
                    "revenue_fen": revenue, "employees": employees,
                    "products": _text(row, "products"), "patents": patents,
                    "source": source})  # fmt: skip
    if errors:
        raise FileErrors(errors)
    if not out:
        raise _no_rows()
    return out


def load_prospects(db: Session, actor: Actor, data: bytes, filename: str) -> dict[str, int]:
    """Store prospects: one with the same USCC (or, without a USCC, the same name and region)
    is updated, others are added. All or nothing; returns created/updated counts."""
    rows = check_prospects(data, filename)
    by_uscc = {p.uscc: p for p in db.scalars(select(Prospect).where(Prospect.uscc.is_not(None)))}
    by_name = {
        (p.name, p.region or ""): p
        for p in db.scalars(select(Prospect).where(Prospect.uscc.is_(None)))
    }
    counts = {"created": 0, "updated": 0}
    for r in rows:
        old = by_uscc.get(r["uscc"]) if r["uscc"] else by_name.get((r["name"], r["region"] or ""))
        if old is None:
            db.add(Prospect(**r))
            counts["created"] += 1
        else:
            for k, v in r.items():
                setattr(old, k, v)
            counts["updated"] += 1
    db.flush()
    record(db, actor, Change("load", "chain_prospect", filename, None, counts,
                             f"prospects from {filename}"))  # fmt: skip
    return counts
