"""Small builders of valid (and deliberately broken) import files."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from highland.enterprises.vocab import FINANCIAL_COLUMNS
from highland.platform.kit.uscc import make_uscc

ENT_HEADER = [
    "uscc",
    "name",
    "district_code",
    "industry_code",
    "founded_on",
    "name_en",
    "ownership",
    "country",
    "listed",
    "qualifications",
    "address",
]
# The contract's columns without the optional source ones.
FIN_HEADER = list(FINANCIAL_COLUMNS[:-2])


def uscc(n: int, region: str = "320115") -> str:
    """A valid USCC numbered n."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = ""
    for _ in range(8):
        body = alphabet[n % 31] + body
        n //= 31
    return make_uscc(region, body)


def ent_row(n: int, **over: str) -> dict[str, str]:
    """A valid enterprise row."""
    row = {
        "uscc": uscc(n),
        "name": f"南京测试{n}号软件科技有限公司",
        "district_code": "320115",
        "industry_code": "6513",
        "founded_on": "2015-06-01",
        "name_en": f"Nanjing Test {n}",
        "ownership": "private",
        "country": "",
        "listed": "false",
        "qualifications": "high_tech@2023-01-01/2025-12-31",
        "address": "南京市江宁区秣陵街道1号",
    }
    row.update(over)
    return row


def fin_row(n: int, year: int, **over: str) -> dict[str, str]:
    """A valid yearly-figures row."""
    row = {
        "uscc": uscc(n),
        "year": str(year),
        "revenue": "12000000.00",
        "output_value": "",
        "tax_paid": "600000.50",
        "employees": "150",
        "rd_spend": "960000.00",
        "rd_staff": "30",
        "invention_patents": "4",
        "total_assets": "20000000.00",
        "last_round_usd": "",
        "valuation_usd": "",
    }
    row.update(over)
    return row


def to_csv(
    rows: Sequence[dict[str, str]], header: Sequence[str] | None = None, encoding: str = "utf-8"
) -> bytes:
    """Serialise rows to CSV bytes."""
    header = list(header or rows[0].keys())
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue().encode(encoding)


def to_xlsx(rows: Sequence[dict[str, object]], header: Sequence[str] | None = None) -> bytes:
    """Serialise rows to an XLSX workbook."""
    from openpyxl import Workbook

    header = list(header or rows[0].keys())
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
