"""Uploaded workbooks and CSV files read within limits: no file may cost more than its rows.

A workbook declares its size in `<dimension ref="A1:XFD1048576"/>`; openpyxl's read-only mode
believes it and pads every row to the declared width, so a 2 KB file became 8 GB. Here the
declared dimension is dropped (`reset_dimensions`) and rows are read as they are stored, with
caps on rows, columns and the characters of one cell. A cell's size is first checked in the
compressed XML before any parser builds it in memory (no text run between two tags may be
longer than ten bytes a character), then exactly on the values (Excel itself keeps at most
32,767 characters in a cell); row and column references past the caps are refused from the
XML too, before openpyxl pads anything.

Every refusal is an InvalidInput (422) whose message and code name the limit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from highland.platform.errors import InvalidInput

MAX_ROWS = 500_000  # rows of one sheet (or CSV file), header included
MAX_COLUMNS = 256  # columns of one sheet (Excel allows 16,384; no upload has more than ~60)
MAX_CELL_CHARS = 32_767  # characters of one cell: Excel's own limit
_CHUNK = 1 << 20
# A character is at most 10 bytes of XML (`&#x10FFFF;`), so a longer text run is surely a
# cell over the cap; the exact count is checked on the values (sheet_rows).
_XML_TEXT = re.compile(rb"[^<]{%d,}" % (MAX_CELL_CHARS * 10 + 1))
_ROW_REF = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_ROW_TAG = re.compile(rb"<row[\s/>]")
_WIDE_REF = re.compile(rb'<c\b[^>]*?\sr="([A-Z]{2,3})(\d+)"')  # columns AA and beyond
_CSV_CELL_BYTES = MAX_CELL_CHARS * 4  # UTF-8: 4 bytes a char


def too_many_rows(where: str) -> InvalidInput:
    """The refusal of a file with more rows than MAX_ROWS."""
    return InvalidInput(
        f"{where}: more than {MAX_ROWS:,} rows (the limit is {MAX_ROWS:,} rows a sheet); "
        "split the file",
        field="file",
        code="upload.too_many_rows",
        params={"where": where, "limit": MAX_ROWS},
    )


def too_many_columns(where: str, row: int, width: int) -> InvalidInput:
    """The refusal of a row wider than MAX_COLUMNS."""
    return InvalidInput(
        f"{where}: row {row} reaches column {width:,} (the limit is {MAX_COLUMNS} columns)",
        field="file",
        code="upload.too_many_columns",
        params={"where": where, "row": row, "width": width, "limit": MAX_COLUMNS},
    )


def cell_too_big(where: str) -> InvalidInput:
    """The refusal of a file with a cell longer than MAX_CELL_CHARS."""
    return InvalidInput(
        f"{where}: a cell is longer than {MAX_CELL_CHARS:,} characters "
        f"(the limit is {MAX_CELL_CHARS:,} characters a cell)",
        field="file",
        code="upload.cell_too_big",
        params={"where": where, "limit": MAX_CELL_CHARS},
    )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_refs(block: bytes, where: str) -> None:
    """Refuse rows and cells whose stored references lie past the caps (cheap, before any
    parser pads up to them); sheet_rows still counts rows stored without a reference."""
    rows = [int(r) for r in _ROW_REF.findall(block)]
    if rows and max(rows) > MAX_ROWS:
        raise too_many_rows(where)
    for letters, row in _WIDE_REF.findall(block):
        width = _column_number(letters)
        if width > MAX_COLUMNS:
            raise too_many_columns(where, int(row), width)


def _scan_member(zf: zipfile.ZipFile, name: str, where: str, sheet: bool) -> None:
    """Refuse a cell longer than the cap without building it: stream the member and look for a
    run of text between tags that long (CDATA, which Excel never writes, is refused too).
    In a sheet, row and column references past the caps are refused too."""
    carry = b""
    rows = 0
    with zf.open(name) as src:
        while chunk := src.read(_CHUNK):
            block = carry + chunk
            if _XML_TEXT.search(block) or b"<![CDATA[" in block:
                raise cell_too_big(where)
            if sheet:
                _check_refs(block, where)
                rows += len(_ROW_TAG.findall(block)) - len(_ROW_TAG.findall(carry))
                if rows > MAX_ROWS:  # rows stored without references count too
                    raise too_many_rows(where)
            cut = block.rfind(b"<")
            carry = block[cut:] if cut >= 0 else block
            carry = carry[-(MAX_CELL_CHARS + 16) :]


def open_workbook(data: bytes, where: str) -> Any:
    """An openpyxl read-only workbook after checking the size of every cell in the file.

    Raises InvalidInput for a file that is not a workbook or has a cell over the cap."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                name = info.filename
                sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
                if sheet or name == "xl/sharedStrings.xml":
                    _scan_member(zf, name, where, sheet)
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InvalidInput:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile and openpyxl raise many kinds
        raise InvalidInput(
            f"not a readable XLSX file ({where}): {str(exc)[:200]}",
            field="file",
            code="upload.not_xlsx",
            params={"where": where},
        ) from None


def sheet_rows(ws: Any, where: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a read-only sheet as stored (the declared dimension ignored), each no
    wider than its last stored cell; refuses past MAX_ROWS rows or MAX_COLUMNS columns."""
    ws.reset_dimensions()
    for number, row in enumerate(ws.iter_rows(values_only=True), 1):
        if number > MAX_ROWS:
            raise too_many_rows(where)
        if len(row) > MAX_COLUMNS:
            raise too_many_columns(where, number, len(row))
        for value in row:
            if type(value) is str and len(value) > MAX_CELL_CHARS:
                raise cell_too_big(where)
        yield row


def check_csv(data: bytes, where: str) -> None:
    """Refuse CSV bytes holding a run longer than any allowed cell (before it is parsed)."""
    # Lines first (a few hundred thousand cuts); the commas only when a line is that long.
    long_line = longest_run(data, b"\n") > _CSV_CELL_BYTES
    if long_line and longest_run(data, b",\n") > _CSV_CELL_BYTES:
        raise cell_too_big(where)


def longest_run(data: bytes, stops: bytes, block: int = 1 << 23) -> int:
    """The most bytes in a row without any of `stops`, vectorised block by block (a regular
    expression for a long run restarts at every byte: 5 s for 50 MB)."""
    import numpy as np

    longest = 0
    run = 0  # the run still open at the end of the previous block
    view = memoryview(data)
    for start in range(0, len(data), block):
        part = np.frombuffer(view[start : start + block], dtype=np.uint8)
        hit = part == stops[0]
        for stop in stops[1:]:
            hit |= part == stop
        cuts = np.flatnonzero(hit)
        if not cuts.size:
            run += part.size
            longest = max(longest, run)
            continue
        longest = max(longest, run + int(cuts[0]))
        if cuts.size > 1:
            longest = max(longest, int(np.diff(cuts).max()) - 1)
        run = part.size - int(cuts[-1]) - 1
    return max(longest, run)
