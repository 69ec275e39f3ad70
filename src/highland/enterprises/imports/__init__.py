"""Importing the registry and yearly figures from files (CSV or XLSX).

The public face of imports for pages, the API, the CLI and other domains:
`run_import` runs one in a transaction of its own (`work`); `registry` and `financials` hold
the validating, set-based merges (they flush, never commit); `reports` the row-level report;
`staging`, `names` and `outcome` what the merges share.
"""

from highland.enterprises.imports.financials import import_financial_frame, import_financials
from highland.enterprises.imports.outcome import ImportResult
from highland.enterprises.imports.registry import import_enterprise_frame, import_enterprises
from highland.enterprises.imports.reports import (
    REPORT_MAX_BYTES,
    keep_report,
    load_report,
    report_csv,
)
from highland.enterprises.imports.work import (
    KINDS,
    run_import,
    save_report,
)

__all__ = [
    "KINDS",
    "REPORT_MAX_BYTES",
    "ImportResult",
    "import_enterprise_frame",
    "import_enterprises",
    "import_financial_frame",
    "import_financials",
    "keep_report",
    "load_report",
    "report_csv",
    "run_import",
    "save_report",
]
