"""Registry use cases: reference data, portraits, exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.enterprises import repository as repo
from highland.enterprises.models import Enterprise, Financial, Region
from highland.enterprises.portrait import (
    EnterpriseFacts,
    LifecycleRules,
    Portrait,
    YearFigures,
    compute_portrait,
    load_lifecycle_rules,
    not_applicable_reason,
)
from highland.enterprises.vocab import ENTERPRISE_COLUMNS
from highland.platform.config import get_settings
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert
from highland.platform.kit.regions import DEFAULT_CUSTOM_REGIONS, districts_of

XLSX_MAX_ROWS = 1_048_575


def seed_regions(session: Session, city_code: str) -> int:
    """Insert the city's GB/T 2260 districts and default custom regions that are missing."""
    have = set(session.scalars(select(Region.code)))
    added = 0
    for r in [*districts_of(city_code), *DEFAULT_CUSTOM_REGIONS.get(city_code, [])]:
        if r.code not in have:
            session.add(
                Region(
                    code=r.code,
                    city_code=city_code,
                    name_zh=r.name_zh,
                    name_en=r.name_en,
                    kind=r.kind,
                )
            )
            added += 1
    session.flush()
    return added


_rules: LifecycleRules | None = None


def lifecycle_rules() -> LifecycleRules:
    """Return the configured lifecycle rules (loaded once)."""
    global _rules
    if _rules is None:
        _rules = load_lifecycle_rules(get_settings().lifecycle_rules)
    return _rules


def to_year_figures(f: Financial) -> YearFigures:
    """Convert a figures row to the portrait's input."""
    return YearFigures(
        year=f.year,
        revenue=f.revenue,
        output_value=f.output_value,
        tax_paid=f.tax_paid,
        rd_spend=f.rd_spend,
        total_assets=f.total_assets,
        employees=f.employees,
        rd_staff=f.rd_staff,
        invention_patents=f.invention_patents,
        last_round_usd=f.last_round_usd,
        valuation_usd=f.valuation_usd,
    )


@dataclass
class PortraitView:
    """An enterprise with its figures and its portrait as of a date."""

    enterprise: Enterprise
    figures: list[Financial]
    portrait: Portrait


def portrait(session: Session, principal: Principal, uscc: str, as_of: date) -> PortraitView:
    """Return an enterprise's portrait as of a date (NotFound when out of scope)."""
    ent = repo.get_by_uscc(session, principal, uscc)
    figures = repo.figures_of(session, ent.id)
    facts = EnterpriseFacts(
        ent.founded_on, ent.industry_code, ent.industry_section, ent.industry_division
    )
    p = compute_portrait(facts, [to_year_figures(f) for f in figures], as_of, lifecycle_rules())
    return PortraitView(ent, figures, p)


EXPORT_COLUMNS = (*ENTERPRISE_COLUMNS, "size_class", "figures_year")


def _not_applicable(e: Enterprise) -> str:
    """The export's size for an enterprise without one: "not_applicable" for an industry the
    2017 size standard does not cover, else "" (no size yet: the figures are missing)."""
    out = not_applicable_reason(e.industry_section, e.industry_division, e.industry_code)
    return "" if out is None else repo.SIZE_NOT_APPLICABLE


def _export_row(e: Enterprise) -> list[str]:
    quals = ";".join(
        q.code + (f"@{q.valid_from or ''}/{q.valid_to or ''}" if q.valid_from or q.valid_to else "")
        for q in e.qualifications
    )
    listed = "" if e.listed is None else ("true" if e.listed else "false")
    return [
        e.uscc,
        e.name,
        e.name_en or "",
        e.district_code,
        e.industry_code,
        e.founded_on.isoformat(),
        e.ownership or "",
        e.country or "",
        listed,
        quals,
        e.address or "",
        e.size_class or _not_applicable(e),
        str(e.figures_year or ""),
    ]


def export_csv(session: Session, principal: Principal, flt: repo.EnterpriseFilter) -> Iterator[str]:
    """Stream the filtered list as CSV (UTF-8 with BOM so that Excel reads Chinese)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(EXPORT_COLUMNS)
    for i, e in enumerate(repo.iter_filtered(session, principal, flt), 1):
        writer.writerow(inert.csv_row(_export_row(e)))
        if i % 2000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export_xlsx(session: Session, principal: Principal, flt: repo.EnterpriseFilter) -> bytes:
    """Return the filtered list as an XLSX workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("enterprises")
    inert.append(ws, EXPORT_COLUMNS)
    for i, e in enumerate(repo.iter_filtered(session, principal, flt), 1):
        if i > XLSX_MAX_ROWS:
            raise InvalidInput(
                f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; narrow the filter or "
                "export CSV",
                field="format",
                code="export.xlsx_too_many_rows",
                params={"limit": XLSX_MAX_ROWS},
            )
        inert.append(ws, _export_row(e))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
