"""Small crafted files that cost a careless reader gigabytes or minutes (built, never stored)."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook

DIMENSION = r"<dimension ref=\"[^\"]*\"/>"
FAR_ROW = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """A plain XLSX with the given sheets and rows."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, change: dict[str, str]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = body.decode()
                for old, new in change.items():
                    text = re.sub(old, lambda _m, new=new: new, text, count=1 if "B2" in old else 0)
                body = text.encode()
            dst.writestr(info.filename, body)
    return out.getvalue()


def dimension_bomb(sheets: dict[str, list[list[object]]]) -> bytes:
    """Every sheet declares A1:XFD1048576 and has one more cell at row 1,048,576."""
    return _rewrite(
        workbook(sheets),
        {DIMENSION: '<dimension ref="A1:XFD1048576"/>',
         "</sheetData>": FAR_ROW + "</sheetData>"},
    )  # fmt: skip


def wide_bomb(sheets: dict[str, list[list[object]]]) -> bytes:
    """Every sheet has one cell in its last column (XFD) on a second row."""
    far = '<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    return _rewrite(workbook(sheets), {r"<row r=\"2\".*?</row>": far})


def huge_cell(sheets: dict[str, list[list[object]]], chars: int) -> bytes:
    """Cell B2 of every sheet holds `chars` characters (compressed to almost nothing); written
    into the XML, as openpyxl itself cuts a cell to Excel's 32,767 characters."""
    big = '<c r="B2" t="inlineStr"><is><t>' + "A" * chars + "</t></is></c>"
    return _rewrite(workbook(sheets), {r'<c r="B2"[^>]*?(/>|>.*?</c>)': big})


def alias_bomb(levels: int = 9) -> str:
    """YAML whose aliases expand to 9**levels items."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def deep_not(depth: int) -> str:
    """A policy rule whose criteria are {not: {not: …}} `depth` levels deep."""
    return "{not: " * depth + "{field: revenue, op: '>=', value: 1}" + "}" * depth


def rowless_bomb(sheets: dict[str, list[list[object]]], rows: int = 500_001) -> bytes:
    """Every sheet ends with `rows` empty rows stored without references (`<row/>`): no
    reference to refuse up front, so the rows are counted as they are read."""
    return _rewrite(workbook(sheets), {"</sheetData>": "<row/>" * rows + "</sheetData>"})
