"""Types of request parameters shared by every route.

An integer in a path, a query or a body is bounded to what the database stores (a signed 64-bit
integer), so that `GET /api/v1/demands/9223372036854775808` is refused as out of range (422)
rather than failing inside the database driver; the bound shows in the OpenAPI schema too.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

DB_INT_MAX = 2**63 - 1

DbInt = Annotated[int, Interval(ge=-DB_INT_MAX - 1, le=DB_INT_MAX)]
"""An integer the database can hold (ids, versions, pages, years, counts)."""

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of an XLSX workbook (exports declare it in the OpenAPI document)."""
