"""Types of request parameters shared by every route.

An integer in a path, a query or a body is bounded to what every id, version, page and year
column stores on both databases — PostgreSQL's `integer`, a signed 32-bit number — so that
`GET /api/v1/demands/2147483648` is refused as out of range (422) rather than failing inside the
database driver; the bound shows in the OpenAPI schema too.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

DB_INT_MAX = 2**31 - 1

DbInt = Annotated[int, Interval(ge=-DB_INT_MAX - 1, le=DB_INT_MAX)]
"""An integer the database can hold (ids, versions, pages, years, counts)."""

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of an XLSX workbook (exports declare it in the OpenAPI document)."""
