"""API shapes. Money is a decimal string in yuan (USD for *_usd), null when missing."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from highland.enterprises.models import Enterprise, Financial
from highland.enterprises.service import PortraitView
from highland.platform.kit.money import fen_to_yuan


class QualificationOut(BaseModel):
    """A qualification with its validity."""

    code: str
    # Who granted it: national | provincial | municipal; null when not stated.
    level: str | None = None
    valid_from: date | None
    valid_to: date | None


class EnterpriseOut(BaseModel):
    """An enterprise's registry record."""

    uscc: str
    name: str
    name_en: str | None
    district_code: str | None
    zone_code: str | None
    industry_code: str
    industry_section: str
    industry_division: str
    founded_on: date
    ownership: str | None
    country: str | None
    listed: bool | None
    address: str | None
    size_class: str | None
    figures_year: int | None
    # The year it began in its niche market (专精特新's 从事细分市场年限); null if not known.
    niche_since: int | None = None
    synthetic: bool
    qualifications: list[QualificationOut]

    @classmethod
    def of(cls, e: Enterprise) -> EnterpriseOut:
        """Build from a model."""
        return cls(
            uscc=e.uscc,
            name=e.name,
            name_en=e.name_en,
            district_code=e.district_code,
            zone_code=e.zone_code,
            industry_code=e.industry_code,
            industry_section=e.industry_section,
            industry_division=e.industry_division,
            founded_on=e.founded_on,
            ownership=e.ownership,
            country=e.country,
            listed=e.listed,
            address=e.address,
            size_class=e.size_class,
            figures_year=e.figures_year,
            niche_since=e.niche_since,
            synthetic=e.synthetic,
            qualifications=[
                QualificationOut(
                    code=q.code, level=q.level, valid_from=q.valid_from, valid_to=q.valid_to
                )
                for q in e.qualifications
            ],
        )


class EnterprisePage(BaseModel):
    """A page of the filtered list; `capped` means there are more than `total`."""

    items: list[EnterpriseOut]
    total: int
    capped: bool
    page: int
    per_page: int


def _money(v: int | None) -> str | None:
    d = fen_to_yuan(v)
    return None if d is None else f"{d:.2f}"


class FiguresOut(BaseModel):
    """One year's figures."""

    year: int
    revenue: str | None
    output_value: str | None
    tax_paid: str | None
    rd_spend: str | None
    total_assets: str | None
    last_round_usd: str | None
    valuation_usd: str | None
    employees: int | None
    rd_staff: int | None
    invention_patents: int | None
    # What the recognitions test: money in yuan, counts as they are; null when missing.
    main_revenue: str | None = None
    hightech_revenue: str | None = None
    equity_raised: str | None = None
    tech_staff: int | None = None
    ip_class1: int | None = None
    ip_class2: int | None = None
    source: str
    source_date: date | None

    @classmethod
    def of(cls, f: Financial) -> FiguresOut:
        """Build from a model."""
        return cls(
            year=f.year,
            revenue=_money(f.revenue),
            output_value=_money(f.output_value),
            tax_paid=_money(f.tax_paid),
            rd_spend=_money(f.rd_spend),
            total_assets=_money(f.total_assets),
            last_round_usd=_money(f.last_round_usd),
            valuation_usd=_money(f.valuation_usd),
            employees=f.employees,
            rd_staff=f.rd_staff,
            invention_patents=f.invention_patents,
            main_revenue=_money(f.main_revenue),
            hightech_revenue=_money(f.hightech_revenue),
            equity_raised=_money(f.equity_raised),
            tech_staff=f.tech_staff,
            ip_class1=f.ip_class1,
            ip_class2=f.ip_class2,
            source=f.source,
            source_date=f.source_date,
        )


class DerivedOut(BaseModel):
    """A derived field: its value (null when missing or not applicable), inputs and rule."""

    value: Any
    inputs: dict[str, Any]
    rule: str
    rule_key: str
    missing: list[str]
    # Why the field does not apply (size_class: railway, financial, ...), null if it does:
    # then value is null and nothing is missing.
    not_applicable: str | None = None


class PortraitOut(BaseModel):
    """An enterprise, its figures and its portrait as of a date."""

    enterprise: EnterpriseOut
    as_of: date
    figures_year: int | None
    portrait: dict[str, DerivedOut]
    figures: list[FiguresOut]

    @classmethod
    def of(cls, view: PortraitView) -> PortraitOut:
        """Build from a service view."""
        p = view.portrait
        return cls(
            enterprise=EnterpriseOut.of(view.enterprise),
            as_of=p.as_of,
            figures_year=p.figures_year,
            portrait={
                k: DerivedOut(
                    value=_plain(d.value),
                    inputs={i: _plain(v) for i, v in d.inputs.items()},
                    rule=d.rule,
                    rule_key=d.rule_key,
                    missing=list(d.missing),
                    not_applicable=d.not_applicable,
                )
                for k, d in p.fields.items()
            },
            figures=[FiguresOut.of(f) for f in view.figures],
        )


def _plain(v: Any) -> Any:
    from decimal import Decimal

    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    return v


class RegionOut(BaseModel):
    """A GB/T 2260 district (kind "district") or a functional zone or park (kind "zone", with
    its level: national, provincial, municipal or null)."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    level: str | None = None


class ImportErrorOut(BaseModel):
    """One problem: the row a person sees (header = 1), the column, the value, what is wrong."""

    row: int
    column: str
    value: str | None
    error: str


class ImportOut(BaseModel):
    """What an import did or would do."""

    kind: str
    filename: str
    encoding: str
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[ImportErrorOut]
    ignored_columns: list[str]
    dry_run: bool
    written: bool
