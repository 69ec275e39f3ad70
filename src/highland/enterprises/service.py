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
from highland.platform.kit import inert, numbers
from highland.platform.kit.industry import DIVISIONS
from highland.platform.kit.regions import DEFAULT_ZONES, districts_of
from highland.platform.web.i18n import translate

XLSX_MAX_ROWS = 1_048_575


def seed_regions(session: Session, city_code: str) -> int:
    """Insert the city's GB/T 2260 districts and default functional zones that are missing."""
    have = set(session.scalars(select(Region.code)))
    added = 0
    for r in [*districts_of(city_code), *DEFAULT_ZONES.get(city_code, [])]:
        if r.code not in have:
            session.add(
                Region(
                    code=r.code,
                    city_code=city_code,
                    name_zh=r.name_zh,
                    name_en=r.name_en,
                    kind=r.kind,
                    level=r.level,
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
        main_revenue=f.main_revenue,
        hightech_revenue=f.hightech_revenue,
        tech_staff=f.tech_staff,
        ip_class1=f.ip_class1,
        ip_class2=f.ip_class2,
        equity_raised=f.equity_raised,
    )


def facts_of(ent: Enterprise) -> EnterpriseFacts:
    """The slow-changing facts of an enterprise that its portrait reads."""
    return EnterpriseFacts(
        ent.founded_on,
        ent.industry_code,
        ent.industry_section,
        ent.industry_division,
        ent.niche_since,
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
    years = [to_year_figures(f) for f in figures]
    p = compute_portrait(facts_of(ent), years, as_of, lifecycle_rules())
    return PortraitView(ent, figures, p)


EXPORT_COLUMNS = (*ENTERPRISE_COLUMNS, "size_class", "figures_year")


def _not_applicable(e: Enterprise) -> str:
    """The export's size for an enterprise without one: "not_applicable" for an industry the
    2017 size standard does not cover, else "" (no size yet: the figures are missing)."""
    out = not_applicable_reason(e.industry_section, e.industry_division, e.industry_code)
    return "" if out is None else repo.SIZE_NOT_APPLICABLE


def _export_row(e: Enterprise) -> list[str]:
    quals = ";".join(
        q.code
        + (f":{q.level}" if q.level else "")
        + (f"@{q.valid_from or ''}/{q.valid_to or ''}" if q.valid_from or q.valid_to else "")
        for q in e.qualifications
    )
    listed = "" if e.listed is None else ("true" if e.listed else "false")
    return [
        e.uscc,
        e.name,
        e.name_en or "",
        e.district_code or "",
        e.zone_code or "",
        e.industry_code,
        e.founded_on.isoformat(),
        e.ownership or "",
        e.country or "",
        listed,
        quals,
        e.address or "",
        str(e.niche_since or ""),
        e.size_class or _not_applicable(e),
        str(e.figures_year or ""),
    ]


# The Chinese export (the default, docs/numbers.md): Chinese headers and values, each code in a
# column of its own whose header the importers read (HEADER_ALIASES), and the names beside
# them under headers the importers ignore; 统一社会信用代码 stays the key.
ZH_COLUMNS = (
    "统一社会信用代码", "企业名称", "英文名称", "行政区划代码", "所属区名称", "功能区代码",
    "功能区名称", "行业代码",
    "行业名称", "成立日期", "所有制代码", "所有制名称", "国别", "是否上市", "资质代码", "资质名称",
    "地址", "细分市场起始年份", "规模代码", "企业规模", "数据年份",
)  # fmt: skip
ZH = "zh-CN"


def _zh_row(e: Enterprise, places: dict[str, str]) -> list[str]:
    """An enterprise as the Chinese export writes it (codes and their names side by side); a
    district not given (NULL) is written 未填, a firm in no zone leaves both zone cells empty."""
    codes = _export_row(e)
    division = DIVISIONS.get(e.industry_division)
    listed = "" if e.listed is None else translate(ZH, "bool.yes" if e.listed else "bool.no")
    quals = "；".join(
        translate(ZH, f"vocab.qualification.{q.code}")
        + (f"（{translate(ZH, f'vocab.level.{q.level}')}）" if q.level else "")
        for q in e.qualifications
    )
    district = places.get(e.district_code, "") if e.district_code else translate(
        ZH, "zones.not_given"
    )
    return [
        *codes[:4], district, codes[4], places.get(e.zone_code or "", ""), codes[5],
        division[1] if division else "",
        codes[6], codes[7], translate(ZH, f"vocab.ownership.{e.ownership}") if e.ownership else "",
        codes[8], listed, codes[10], quals, codes[11], codes[12], codes[13],
        translate(ZH, f"size.{codes[13]}") if codes[13] else "", codes[14],
    ]  # fmt: skip


def _export_rows(
    session: Session, principal: Principal, flt: repo.EnterpriseFilter, headers: str
) -> tuple[tuple[str, ...], Iterator[list[str]]]:
    """The header and the rows of an export in the chosen header set (kit.numbers)."""
    rows = repo.iter_filtered(session, principal, flt)
    if numbers.header_set(headers) == "codes":
        return EXPORT_COLUMNS, (_export_row(e) for e in rows)
    districts = {r.code: r.name_zh for r in repo.regions(session)}
    return ZH_COLUMNS, (_zh_row(e, districts) for e in rows)


def export_csv(
    session: Session, principal: Principal, flt: repo.EnterpriseFilter, headers: str = "zh"
) -> Iterator[str]:
    """Stream the filtered list as CSV (UTF-8 with BOM so that Excel reads Chinese); Chinese
    headers and values by default, `headers="codes"` for the English machine headers."""
    head, rows = _export_rows(session, principal, flt, headers)
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(head)
    for i, row in enumerate(rows, 1):
        writer.writerow(inert.csv_row(row))
        if i % 2000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export_xlsx(
    session: Session, principal: Principal, flt: repo.EnterpriseFilter, headers: str = "zh"
) -> bytes:
    """Return the filtered list as an XLSX workbook (header sets as `export_csv`)."""
    head, rows = _export_rows(session, principal, flt, headers)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("enterprises" if head is EXPORT_COLUMNS else "企业名录")
    inert.append(ws, head)
    for i, row in enumerate(rows, 1):
        if i > XLSX_MAX_ROWS:
            raise InvalidInput(
                f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; narrow the filter or "
                "export CSV",
                field="format",
                code="export.xlsx_too_many_rows",
                params={"limit": XLSX_MAX_ROWS},
            )
        inert.append(ws, row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
