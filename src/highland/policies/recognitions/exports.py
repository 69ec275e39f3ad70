"""A cultivation pool as a file: CSV (UTF-8 with BOM) or XLSX, Chinese headers by default,
`headers=codes` for scripts; revenue in exact yuan (docs/numbers.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

import polars as pl
from openpyxl import Workbook
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert, numbers
from highland.platform.kit.dates import today_local
from highland.platform.kit.money import fen_to_yuan, yuan_text
from highland.platform.web.i18n import translate
from highland.policies.present import Formatter
from highland.policies.recognitions import catalogue
from highland.policies.recognitions.pools import Pools, check_pool, pools
from highland.policies.service import ExportFile
from highland.policies.service.exports import XLSX_MEDIA

CODE_COLUMNS = (
    "uscc", "name", "pool", "status", "district", "industry", "revenue", "near", "missing",
)  # fmt: skip
# Each code beside its Chinese words; 统一社会信用代码 is the key, revenue exact yuan.
ZH_COLUMNS = (
    "统一社会信用代码", "企业名称", "培育库代码", "培育库", "对照认定条件代码", "对照认定条件",
    "所在区代码", "所在区", "行业代码",
    "营业收入（元）", "仅差此项代码", "仅差此项", "缺失数据代码", "缺失数据",
)  # fmt: skip
ZH = "zh-CN"
FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # one sheet, below its header


def check_format(fmt: str) -> str:
    """csv or xlsx, else the export's coded refusal."""
    if fmt not in FORMATS:
        raise InvalidInput(
            "format must be csv or xlsx", field="format", code="export.bad_format", params={}
        )
    return fmt


def pool_download(
    session: Session,
    principal: Principal,
    ruleset_id: str,
    pool: str,
    filters: tuple[str, str, str],
    fmt: str,
    headers: str = "zh",
) -> ExportFile:
    """One pool of a rule set as of today, filtered by (district, industry, chain), as a file;
    names only of the firms in the caller's scope."""
    check_pool(pool)
    check_format(fmt)
    numbers.header_set(headers)
    result = pools(session, catalogue.get(ruleset_id).id, today_local())
    part = result.rows(pool, *filters)
    names = registry.names_by_uscc(session, principal, part["uscc"].to_list(), 5_000)
    regions = {r.code: (r.name_zh, r.name_en) for r in registry.regions(session)}
    return pool_file(result, pool, part, names, regions, fmt, headers)


def pool_file(
    result: Pools,
    pool: str,
    part: pl.DataFrame,
    names: Mapping[str, tuple[str, str | None]],
    regions: Mapping[str, tuple[str, str]],
    fmt: str,
    headers: str = "zh",
) -> ExportFile:
    """One pool's rows (`part`, from Pools.rows) as a download."""
    chosen = numbers.header_set(headers)
    check_format(fmt)
    if fmt == "xlsx" and part.height > XLSX_MAX_ROWS:
        raise InvalidInput(
            f"{part.height:,} rows do not fit one XLSX sheet; export CSV",
            field="format",
            code="policies.xlsx_too_many_rows",
            params={"rows": part.height, "limit": XLSX_MAX_ROWS},
        )
    criteria = result.compiled.criteria
    say = Formatter(ZH, regions)
    rows: list[tuple[Any, ...]] = []
    for r in part.iter_rows(named=True):
        name = names.get(r["uscc"], ("", None))[0]
        near = ";".join(criteria[int(i)].label for i in r["near"].split(";") if i)
        if chosen == "codes":
            rows.append((r["uscc"], name, r["pool"], r["status"], r["district"] or "",
                         r["industry"] or "",
                         r["revenue"], near, r["missing"]))  # fmt: skip
        else:
            rows.append((
                r["uscc"], name, r["pool"], translate(ZH, f"rec.pool.{r['pool']}"), r["status"],
                translate(ZH, f"status.{r['status']}"),
                r["district"] or "", say.code("district", r["district"]) if r["district"] else "",
                r["industry"] or "", r["revenue"], near, "；".join(say.labels(r["near"], criteria)),
                r["missing"], "；".join(say.fields(r["missing"])),
            ))  # fmt: skip
    head = CODE_COLUMNS if chosen == "codes" else ZH_COLUMNS
    money_at = head.index("revenue" if chosen == "codes" else "营业收入（元）")
    stem = f"recognition-{result.ruleset.id}-{result.as_of}-{pool}"
    if fmt == "csv":
        return ExportFile(f"{stem}.csv", "text/csv; charset=utf-8", _csv(head, rows, money_at))
    return ExportFile(f"{stem}.xlsx", XLSX_MEDIA, _xlsx(result.ruleset.id, head, rows, money_at))


def _csv(head: tuple[str, ...], rows: list[tuple[Any, ...]], at: int) -> bytes:
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(head)
    writer.writerows(inert.csv_row((*r[:at], yuan_text(r[at]), *r[at + 1 :])) for r in rows)
    return buf.getvalue().encode("utf-8")


def _xlsx(sheet: str, head: tuple[str, ...], rows: list[tuple[Any, ...]], at: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    inert.append(ws, head)
    for r in rows:
        inert.append(ws, [*r[:at], fen_to_yuan(r[at]), *r[at + 1 :]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
