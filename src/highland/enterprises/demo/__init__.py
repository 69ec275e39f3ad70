"""Synthetic Nanjing enterprises and yearly figures for demos, in the import-file contract.

`generate(n, seed)` gives the (enterprises, financials) frames; the parts it draws from live
beside it: `places` (districts), `industries` (classes, registration types, business scopes),
`traits` (ownership, trade names, qualifications, growth), `figures` (yearly figures and
financing), `vectors` (the numpy/Polars helpers) and `columns` (the file contract).
"""

from highland.enterprises.demo.columns import (
    ENTERPRISE_COLUMNS,
    FINANCIAL_COLUMNS,
    synthetic_marker,
)
from highland.enterprises.demo.generator import generate

__all__ = [
    "ENTERPRISE_COLUMNS",
    "FINANCIAL_COLUMNS",
    "generate",
    "synthetic_marker",
]
