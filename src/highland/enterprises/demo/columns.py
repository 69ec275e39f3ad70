"""The import-file contract the demo frames follow: their columns, and the demo-data label."""

from __future__ import annotations

ENTERPRISE_COLUMNS = (
    "uscc",
    "name",
    "name_en",
    "district_code",
    "zone_code",
    "industry_code",
    "founded_on",
    "ownership",
    "country",
    "listed",
    "qualifications",
    "address",
    "business_scope",
    "niche_since",
)
FINANCIAL_COLUMNS = (
    "uscc",
    "year",
    "revenue",
    "output_value",
    "tax_paid",
    "employees",
    "rd_spend",
    "rd_staff",
    "invention_patents",
    "total_assets",
    "last_round_usd",
    "valuation_usd",
    "main_revenue",
    "hightech_revenue",
    "tech_staff",
    "ip_class1",
    "ip_class2",
    "equity_raised",
)

EARLIEST_YEAR = 1990
MAX_N = 10**8  # organisation-code bodies stay unique up to here


def synthetic_marker() -> str:
    """Return the bilingual label the UI shows next to generated data."""
    return "演示数据（合成） / Demo data (synthetic)"
