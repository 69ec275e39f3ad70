"""Matches as files: the CLI's CSV of the registry, and who-qualifies exports (CSV or XLSX)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.enterprises import service as enterprise_service
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert, numbers
from highland.platform.kit.money import fen_to_yuan, yuan_text
from highland.platform.web.i18n import translate
from highland.policies.present import Formatter
from highland.policies.rules.model import Criterion
from highland.policies.rules.vector import details, prepare
from highland.policies.service.library import get_version
from highland.policies.service.matching import compiled_in_force, filter_details, policy_details

# --------------------------------------------------------------------------- CSV


def match_csv(
    session: Session,
    as_of: date,
    out: Path,
    policy_id: str | None = None,
    uscc: str | None = None,
    headers: str = "zh",
) -> dict[str, int]:
    """Write the registry's matches (or a subset's): Chinese headers with the result in words
    beside its code by default (MATCH_ZH), `headers="codes"` for
    `uscc,policy_id,status,amount,failed,missing` (docs/numbers.md)."""
    codes = numbers.header_set(headers) == "codes"
    pairs = compiled_in_force(session, as_of)
    if policy_id is not None:
        pairs = [(v, c) for v, c in pairs if v.policy_id == policy_id]
        if not pairs:
            get_version(session, policy_id)  # NotFound when it does not exist at all
            raise InvalidInput(
                f"policy {policy_id} is not in force on {as_of}",
                field="policy",
                code="policies.not_in_force",
                params={"id": policy_id, "date": as_of.isoformat()},
            )
    frame = registry.portrait_frame(session, as_of, usccs=[uscc] if uscc else None)
    if uscc is not None and frame.is_empty():
        raise NotFound(
            f"no enterprise {uscc}", code="enterprises.not_found", params={"uscc": uscc[:40]}
        )
    frame = prepare(frame.sort("uscc"))
    tally = {"rows": 0, "eligible": 0, "ineligible": 0, "unknown": 0}
    words = {s: translate(ZH, f"status.{s}") for s in ("eligible", "ineligible", "unknown")}
    with out.open("wb") as fh:
        fh.write(b"uscc,policy_id,status,amount,failed,missing\n" if codes
                 else (",".join(MATCH_ZH) + "\n").encode("utf-8"))  # fmt: skip
        for _, compiled in pairs:
            part = details(frame, compiled).with_columns(
                yuan_expr().alias("amount"),
                pl.col("status").replace_strict(words, default=pl.col("status")).alias("words"),
            )
            # Empty text as a null, so the CSV has a bare empty field rather than "".
            cols: tuple[str, ...] = ("uscc", "policy_id", "status", "amount", "failed", "missing")
            if not codes:
                cols = ("uscc", "policy_id", "status", "words", "amount", "failed", "missing")
            part.select(
                pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in cols
            ).with_columns(
                inert.csv_out_expr(c) for c in ("policy_id", "failed", "missing")
            ).write_csv(fh, include_header=False)
            tally["rows"] += part.height
            for status, n in part.group_by("status").len().iter_rows():
                tally[status] += n
    return tally


def yuan_expr() -> pl.Expr:
    """amount_fen as yuan with exactly two decimals, empty when null (no float involved)."""
    fen = pl.col("amount_fen")
    sign = pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (fen.abs() // 100).cast(pl.String)
    cents = (fen.abs() % 100).cast(pl.String).str.zfill(2)
    return (
        pl.when(fen.is_null())
        .then(pl.lit(""))
        .otherwise(pl.concat_str([sign, whole, pl.lit("."), cents]))
    )


# --------------------------------------------------------------------------- exports

EXPORT_COLUMNS = ("uscc", "name", "status", "amount", "failed", "missing", "near")
# The Chinese export (the default, docs/numbers.md): each code beside its Chinese words;
# 统一社会信用代码 is the key, the amount exact yuan with two decimals.
ZH_COLUMNS = ("统一社会信用代码", "企业名称", "结果代码", "结果", "金额（元）", "未满足条件代码",
              "未满足的条件", "缺失数据代码", "缺失数据", "仅差此项代码", "仅差此项")  # fmt: skip
ZH = "zh-CN"
MATCH_ZH = ("统一社会信用代码", "政策编号", "结果代码", "结果", "金额（元）", "未满足条件代码",
            "缺失数据代码")  # fmt: skip
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ExportFile:
    """A download: its file name, media type and bytes."""

    filename: str
    media_type: str
    content: bytes


def export_who(
    session: Session,
    principal: Principal,
    policy_id: str,
    as_of: date,
    status: str | None,
    fmt: str,
    headers: str = "zh",
) -> ExportFile:
    """Who qualifies for a policy as CSV (UTF-8 with BOM) or XLSX; amounts in yuan, exact.
    Chinese headers and values by default; `headers="codes"` gives the English machine
    headers and values (EXPORT_COLUMNS) that scripts read."""
    chosen_headers = numbers.header_set(headers)
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(
            "format must be csv or xlsx", field="format", code="export.bad_format", params={}
        )
    _, compiled, _, frame = policy_details(session, policy_id, as_of)
    chosen = filter_details(frame, status)
    limit = enterprise_service.XLSX_MAX_ROWS  # read when called (tests lower it)
    if fmt == "xlsx" and chosen.height > limit:
        raise InvalidInput(
            f"{chosen.height:,} rows do not fit one XLSX sheet ({limit:,} at most); "
            "export CSV or choose a status",
            field="format",
            code="policies.xlsx_too_many_rows",
            params={"rows": chosen.height, "limit": limit},
        )
    # 5,000 USCCs per name query: far fewer round trips for large exports.
    names = registry.names_by_uscc(session, principal, chosen["uscc"].to_list(), 5_000)
    labels = [c.label for c in compiled.criteria]
    rows = [
        (
            r["uscc"], names.get(r["uscc"], ("", None))[0], r["status"], r["amount_fen"],
            r["failed"], r["missing"], ";".join(labels[int(i)] for i in r["near"].split(";") if i),
        )
        for r in chosen.iter_rows(named=True)
    ]  # fmt: skip
    stem = f"policy-{policy_id}-{as_of}-{status or 'all'}"
    head: tuple[str, ...] = EXPORT_COLUMNS
    if chosen_headers == "zh":
        regions = {r.code: (r.name_zh, r.name_en) for r in registry.regions(session)}
        rows, head = _zh_rows(rows, compiled.criteria, Formatter(ZH, regions)), ZH_COLUMNS
    if fmt == "csv":
        return ExportFile(f"{stem}.csv", "text/csv; charset=utf-8", _csv_bytes(head, rows))
    return ExportFile(f"{stem}.xlsx", XLSX_MEDIA, _xlsx_bytes(policy_id, head, rows))


def _zh_rows(
    rows: list[tuple[Any, ...]], criteria: tuple[Criterion, ...], fmt: Formatter
) -> list[tuple[Any, ...]]:
    """The rows with the words beside the codes: the result, the criteria not met, the data
    missing and the one criterion away, in Chinese (policies/present.py)."""
    by_label = {c.label: c for c in criteria}

    def said(labels: str) -> str:
        parts = [fmt.criterion(by_label[x]) if x in by_label else x for x in labels.split(";")]
        return "；".join(p for p in parts if p)

    return [
        (uscc, name, status, translate(ZH, f"status.{status}"), fen, failed, said(failed),
         missing, "；".join(fmt.fields(missing)), near, said(near))
        for uscc, name, status, fen, failed, missing, near in rows
    ]  # fmt: skip


def _amount_column(head: tuple[str, ...]) -> int:
    """Where the amount (fen in the rows, exact yuan in the file) is."""
    return head.index("amount") if "amount" in head else head.index("金额（元）")


def _csv_bytes(head: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    """UTF-8 with BOM, so that Excel reads the Chinese names; amounts exact yuan."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(head)
    at = _amount_column(head)
    writer.writerows(inert.csv_row((*r[:at], yuan_text(r[at]), *r[at + 1 :])) for r in rows)
    return buf.getvalue().encode("utf-8")


def _xlsx_bytes(sheet: str, head: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    at = _amount_column(head)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    inert.append(ws, head)
    for r in rows:
        inert.append(ws, [*r[:at], fen_to_yuan(r[at]), *r[at + 1 :]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
