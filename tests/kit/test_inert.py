"""kit.inert: CSV cells escaped losslessly, XLSX text as string cells, text checks."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook

from highland.platform.errors import InvalidInput
from highland.platform.kit import inert

DANGEROUS = [
    '=HYPERLINK("http://evil.example/","点我")',
    "+86 25 1234",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "\tlead tab",
    "\rlead cr",
    "'=already quoted",
    "''+twice",
]
HARMLESS = ["南京测试软件科技有限公司", "'just a quote", "''", "a=b", "", "100%"]


@pytest.mark.parametrize("value", DANGEROUS + HARMLESS)
def test_csv_round_trip_is_lossless(value: str) -> None:
    cell = inert.csv_value(value)
    assert inert.csv_value_in(cell) == value
    if value in DANGEROUS:
        assert cell.startswith("'") and not cell.startswith(inert.TRIGGERS)
    else:
        assert cell == value
    frame = pl.DataFrame({"v": [value]})
    assert frame.with_columns(inert.csv_out_expr("v"))["v"][0] == cell
    assert pl.DataFrame({"v": [cell]}).with_columns(inert.csv_in_expr("v"))["v"][0] == value


def test_numbers_stay_numbers() -> None:
    assert inert.csv_row([-12, 3.5, None, "-1"]) == [-12, 3.5, None, "'-1"]


def test_xlsx_text_is_a_string_cell_and_control_characters_go() -> None:
    for write_only in (False, True):
        wb = Workbook(write_only=write_only)
        ws = wb.create_sheet("s")
        inert.append(ws, ["=1+1", "a\x07b\x00c", 5, None, "+x"])
        buf = io.BytesIO()
        wb.save(buf)
        row = next(load_workbook(io.BytesIO(buf.getvalue()))["s"].iter_rows())
        assert [c.value for c in row] == ["=1+1", "abc", 5, None, "+x"]
        assert [c.data_type for c in row] == ["s", "s", "n", "n", "s"]


def test_csv_writer_output_opens_as_text() -> None:
    buf = io.StringIO()
    csv.writer(buf).writerow(inert.csv_row(["=cmd", "ok"]))
    assert buf.getvalue().strip() == "'=cmd,ok"


@pytest.mark.parametrize(
    ("text", "multiline", "code"),
    [
        ("标题\x07", False, "text.control_char"),
        ("two\nlines", False, "text.control_char"),
        ("bad\x1b[31m", True, "text.control_char"),
        ("\u0085", True, "text.control_char"),
        ("\u200b\u200b", False, "text.invisible"),
        ("\u202e\u2066\ufeff", False, "text.invisible"),
    ],
)
def test_check_text_refuses(text: str, multiline: bool, code: str) -> None:
    with pytest.raises(InvalidInput) as e:
        inert.check_text(text, "title", "demands.field.title", multiline=multiline, visible=True)
    assert e.value.code == code and e.value.field == "title"
    assert e.value.params["field"] == "@demands.field.title"


def test_check_text_accepts() -> None:
    for text in ("正常标题", "two\nlines\tand tab", "\u202eabc", "", None):
        inert.check_text(text, "description", "demands.field.description", multiline=True,
                         visible=True)  # fmt: skip
