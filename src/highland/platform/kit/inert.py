"""Exports that cannot run code (OWASP "CSV injection") and text that cannot hide itself.

A spreadsheet treats a cell starting with `= + - @`, a tab or a carriage return as a formula;
an enterprise could otherwise put `=HYPERLINK("http://evil…")` into the leader's board.

- XLSX: every text value is written as a string cell (never a formula), with the control
  characters XML cannot hold removed (they made the board answer 500).
- CSV: a text value starting with one of those characters gets a leading `'` (the convention
  spreadsheets hide); a value that already starts with `'` before one of them gets one more,
  so `csv_value_in` gives back exactly the value that was exported (lossless re-import).
  Numbers written from numeric columns stay numbers: `-12.5` is a number, not a formula.

Pure: imports neither FastAPI nor SQLAlchemy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The characters an XLSX (XML 1.0) cell cannot hold: C0 controls other than tab, LF, CR.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Refused in one-line text at input: every C0 control (tab and newlines included), DEL, C1.
LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Refused in multi-line text at input: the same, but tab, LF and CR are allowed.
BLOCK_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _escaped(text: str) -> bool:
    """True when a CSV cell must carry a leading `'`: a trigger first, after any quotes."""
    return text.lstrip("'").startswith(TRIGGERS)


def csv_value(value: Any) -> Any:
    """One CSV cell made inert: text starting with a trigger (after any `'`) gets a `'`."""
    if isinstance(value, str) and _escaped(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row with every text cell made inert."""
    return [csv_value(v) for v in values]


def csv_value_in(text: str) -> str:
    """The exported value back from an inert CSV cell (the inverse of `csv_value`)."""
    if text.startswith("'") and _escaped(text[1:]):
        return text[1:]
    return text


def xlsx_text(text: str) -> str:
    """Text an XLSX cell can hold: the control characters XML refuses removed."""
    return XML_ILLEGAL.sub("", text)


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for `ws.append`: every text value as a string cell (never a formula)."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for v in values:
        if isinstance(v, str):
            cell = WriteOnlyCell(ws, value=xlsx_text(v))
            cell.data_type = "s"  # openpyxl makes "=…" a formula; this keeps it text
            out.append(cell)
        else:
            out.append(v)
    return out


def append(ws: Any, values: Iterable[Any]) -> None:
    """Append an inert row to a worksheet (normal or write-only)."""
    ws.append(xlsx_row(ws, values))


def control_char(text: str, multiline: bool = False) -> str | None:
    """The first control character in the text (as U+XXXX), or None."""
    m = (BLOCK_CONTROLS if multiline else LINE_CONTROLS).search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


def invisible_only(text: str) -> bool:
    """True when the text is not empty but shows nothing: only format characters (zero-width
    spaces and joiners, bidi overrides and isolates, BOM), spaces and controls."""
    return bool(text) and all(
        ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn")
        for ch in text
    )


# The same two rules as Polars expressions, for frames written or read in bulk.
_TRIGGER_CLASS = r"[=+\-@\t\r]"


def csv_out_expr(column: str) -> Any:
    """`csv_value` over a Polars text column."""
    import polars as pl

    col = pl.col(column)
    return (pl.when(col.str.contains(f"^'*{_TRIGGER_CLASS}")).then("'" + col).otherwise(col)).alias(
        column
    )


def csv_in_expr(column: str) -> Any:
    """`csv_value_in` over a Polars text column."""
    import polars as pl

    col = pl.col(column)
    return (
        pl.when(col.str.contains(f"^'+{_TRIGGER_CLASS}")).then(col.str.slice(1)).otherwise(col)
    ).alias(column)


def check_text(
    text: str | None, where: str, label: str, *, multiline: bool = False, visible: bool = False
) -> None:
    """Refuse text with a control character (tab and newlines allowed only when `multiline`)
    and, when `visible`, text made only of invisible characters; `label` is the catalogue
    key of the field's name. Raises InvalidInput; None and empty text pass."""
    from highland.platform.errors import InvalidInput

    if not text:
        return
    bad = control_char(text, multiline)
    if bad is not None:
        raise InvalidInput(
            f"{where}: contains the control character {bad}; remove it",
            field=where,
            code="text.control_char",
            params={"field": f"@{label}", "char": bad},
        )
    if visible and invisible_only(text):
        raise InvalidInput(
            f"{where}: shows nothing (only invisible characters such as zero-width spaces or "
            "direction marks)",
            field=where,
            code="text.invisible",
            params={"field": f"@{label}"},
        )
