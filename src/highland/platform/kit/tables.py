"""Reading CSV and XLSX files into string tables with canonical column names.

Generic: the domains that read uploaded sheets (the registry's imports, the chains' reference
figures and prospects) name their columns and the headers people write for them."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import polars as pl

from highland.platform.errors import InvalidInput
from highland.platform.kit import inert, sheets

ROW = "__row"  # the row number a person sees in the sheet (header = row 1)


@dataclass
class Table:
    """A file's rows as strings (null = empty cell), with what was learned reading it."""

    frame: pl.DataFrame
    encoding: str
    ignored_columns: list[str] = field(default_factory=list)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf_err:
        try:
            # GB18030 is a superset of GBK and GB2312: what Excel saves as "CSV" on a
            # Chinese Windows machine.
            return data.decode("gb18030"), "gbk"
        except UnicodeDecodeError:
            raise InvalidInput(
                "the file is neither UTF-8 nor GBK/GB18030 text "
                f"(undecodable byte 0x{data[utf_err.start]:02x} at byte {utf_err.start}); "
                "save it as CSV UTF-8 or as XLSX",
                field="file",
                code="upload.not_text",
                params={"byte": f"0x{data[utf_err.start]:02x}", "at": utf_err.start},
            ) from None


def _norm_header(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "").strip()).lower()


def _canonical_headers(
    headers: list[str], known: tuple[str, ...], aliases: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """Map headers to column names; unknown ones get a private name and are reported."""
    out: list[str] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(headers):
        norm = _norm_header(raw or "")
        name = norm if norm in known else aliases.get(norm, aliases.get(raw or ""))
        if name is None or name not in known:
            out.append(f"__ignored_{i}")
            if norm:
                ignored.append(raw)
            continue
        if name in seen:
            raise InvalidInput(
                f"columns '{seen[name]}' and '{raw}' both mean '{name}'; keep one",
                field="header",
                code="upload.same_column",
                params={"first": seen[name], "second": raw, "column": name},
            )
        seen[name] = raw
        out.append(name)
    return out, ignored


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps numbers as binary floats: the shortest repr is what the person typed.
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    text = str(value)
    return text


def _read_xlsx(data: bytes) -> tuple[list[str], list[list[str | None]]]:
    # Rows as stored (not the declared <dimension>), within the caps of kit.sheets.
    wb = sheets.open_workbook(data, "the XLSX file")
    try:
        rows = sheets.sheet_rows(wb.worksheets[0], "the XLSX file")
        header_row = next(rows, None)
        if header_row is None:
            raise InvalidInput(
                "the sheet is empty: no header row", field="file", code="upload.no_header"
            )
        headers = [_cell(v) or "" for v in header_row]
        body: list[list[str | None]] = [[_cell(v) for v in r] for r in rows]
    finally:
        wb.close()
    return headers, body


def read_table(
    data: bytes,
    filename: str,
    known: tuple[str, ...],
    required: tuple[str, ...],
    aliases: Mapping[str, str],
) -> Table:
    """Read a CSV or XLSX file into a string table with canonical column names: a header is
    one of `known` (spaces and case aside) or a key of `aliases` (the other names people write
    for a column, e.g. "统一社会信用代码" → "uscc")."""
    if not data.strip():
        raise InvalidInput("the file is empty", field="file", code="upload.empty")
    lower = filename.lower()
    if lower.endswith(".xls"):
        raise InvalidInput(
            "old .xls workbooks are not read; save it as .xlsx or CSV",
            field="file",
            code="upload.xls",
        )
    if lower.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        headers, body = _read_xlsx(data)
        encoding = "xlsx"
        names, ignored = _canonical_headers(headers, known, aliases)
        width = len(names)
        cols: dict[str, list[str | None]] = {n: [] for n in names}
        for cells in body:
            cells = (cells + [None] * width)[:width]
            for n, v in zip(names, cells, strict=True):
                cols[n].append(v)
        frame = pl.DataFrame(cols, schema={n: pl.String for n in names})
    else:
        sheets.check_csv(data, "the CSV file")
        text, encoding = _decode(data)
        first_line = text.split("\n", 1)[0]
        headers = next(iter(_csv_header(first_line)))
        names, ignored = _canonical_headers(headers, known, aliases)
        # Valid UTF-8 is read as it is (without its BOM); only GBK text is re-encoded.
        if encoding == "utf-8":
            source = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        else:
            source = text.encode("utf-8")
        del text
        try:
            frame = pl.read_csv(
                source,
                has_header=True,
                new_columns=names,
                infer_schema=False,
                quote_char='"',
            )
        except pl.exceptions.PolarsError as exc:
            raise InvalidInput(
                f"the CSV file cannot be read: {_first_line(exc)}",
                field="file",
                code="upload.bad_csv",
                params={"problem": _first_line(exc)},
            ) from None
        # A cell exported with a leading ' (kit.inert) comes back as the value it was.
        frame = frame.with_columns(inert.csv_in_expr(c) for c in frame.columns)
    if frame.height >= sheets.MAX_ROWS:
        raise sheets.too_many_rows("the CSV file")
    longest = frame.select(pl.all().str.len_chars().max()).max_horizontal().item()
    if longest is not None and longest > sheets.MAX_CELL_CHARS:
        raise sheets.cell_too_big("the CSV file")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InvalidInput(
            "required column(s) missing: "
            + ", ".join(missing)
            + f" (found: {', '.join(c for c in frame.columns if not c.startswith('__'))})",
            field="header",
            code="upload.missing_columns",
            # Each column by the header the import accepts in the reader's language.
            params={"columns": [f"@import.column.{c}" for c in missing]},
        )
    keep = [c for c in frame.columns if not c.startswith("__ignored_")]
    frame = frame.select(keep).with_columns([_clean(c) for c in keep]).with_row_index(ROW, offset=2)
    # Rows where every cell is empty are spacing, not data (Excel leaves them behind).
    frame = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in keep]))
    return Table(frame=frame, encoding=encoding, ignored_columns=ignored)


def _clean(column: str) -> pl.Expr:
    # Strip only the cells that need it (most do not), then blank cells become null.
    cell = pl.col(column)
    stripped = pl.when(cell.str.contains(r"^\s|\s$")).then(cell.str.strip_chars()).otherwise(cell)
    return stripped.replace("", None).alias(column)


def _csv_header(line: str) -> list[list[str]]:
    try:
        return [next(csv.reader([line.rstrip("\r")]))]
    except csv.Error as exc:  # e.g. a lone carriage return inside the header line
        raise InvalidInput(
            f"the CSV file cannot be read: header line: {exc}",
            field="file",
            code="upload.bad_csv",
            params={"problem": f"header: {exc}"},
        ) from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]
