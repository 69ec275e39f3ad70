"""A year's holiday schedule as a YAML file (`highland calendar load FILE`, the Calendar page).

A file with any mistake is refused whole; the error names the file, the line and the field, in
English (`message`) and, through its code `calendar.file.<problem>` and parameters, in the
reader's language on pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from highland.platform.calendar.core import MAKEUP_NAME, MAX_NAME, MAX_SOURCE, MAX_YEAR, MIN_YEAR
from highland.platform.errors import InvalidInput
from highland.platform.kit.yaml_lines import BoundedLoader

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOP_KEYS = ("year", "source", "holidays", "workdays")
_ITEM_KEYS = ("date", "name")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NULL = "tag:yaml.org,2002:null"


def _error(where: str, line: int | None, fld: str, text: str, code: str,
           **params: Any) -> InvalidInput:  # fmt: skip
    """The file's error: "file:line: field: problem" in English, a coded entry for pages."""
    at = f":{line}" if line is not None else ""
    message = f"{where}{at}: {fld}: {text}" if fld != "-" else f"{where}{at}: {text}"
    return InvalidInput(
        message,
        field=fld if fld != "-" else "file",
        code=f"calendar.file.{code}",
        params={"file": where, "line": line if line is not None else "–",
                "field": f"@demands.field.{fld}" if fld in _TOP_KEYS else fld, **params},
    )  # fmt: skip


def parse_year_file(text: str, where: str) -> tuple[int, str, dict[date, tuple[bool, str | None]]]:
    """Read a year's calendar from YAML; return (year, source, {day: (working, name)}).

    ```yaml
    year: 2027
    source: 国办发明电〔2026〕N号
    holidays:            # days off: dates or ranges, optionally named
      - 2027-01-01
      - {date: 2027-02-06..2027-02-13, name: 春节}
    workdays:            # weekend days worked (调休上班)
      - 2027-02-14
    ```

    Only exceptions are returned: weekday holidays (False) and worked weekend days (True);
    weekend days inside a holiday range are off anyway and left out. Any problem raises
    InvalidInput naming the file, the line and the field.
    """
    # long: with its docstring, because its small helpers are closures over the file's name and
    # its parsed nodes, so that every error names the file and line without passing them around.

    def fail(node: Node | None, fld: str, problem: str, code: str, **params: Any) -> InvalidInput:
        line = node.start_mark.line + 1 if node is not None else None
        return _error(where, line, fld, problem, code, **params)

    try:
        root = yaml.compose(text, Loader=BoundedLoader)  # no aliases, bounded depth
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise _error(where, mark.line + 1 if mark is not None else None, "-",
                     f"not valid YAML: {problem}", "yaml", problem=problem) from None  # fmt: skip
    if root is None:
        raise _error(where, None, "-", "the file is empty; expected year, source, holidays and "
                     "workdays", "empty")  # fmt: skip
    if not isinstance(root, MappingNode):
        raise fail(root, "file", "expected a mapping with year, source, holidays and workdays",
                   "not_mapping")  # fmt: skip

    fields: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in root.value:
        if not isinstance(key_node, ScalarNode):
            raise fail(key_node, "file", "keys must be plain names", "bad_key")
        key = key_node.value
        if key not in _TOP_KEYS:
            raise fail(key_node, key, f"unknown field '{key}'; expected {', '.join(_TOP_KEYS)}",
                       "unknown_field", name=key, expected=", ".join(_TOP_KEYS))  # fmt: skip
        if key in fields:
            raise fail(key_node, key, "given twice", "twice")
        fields[key] = (key_node, value_node)
    for key in _TOP_KEYS:
        if key not in fields:
            if key == "workdays":
                raise fail(root, key, "missing (write `workdays: []` if no weekend day is "
                           "worked)", "missing_workdays")  # fmt: skip
            raise fail(root, key, "missing", "missing")

    def scalar(node: Node, fld: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag == _NULL:
            raise fail(node, fld, "expected a single value", "not_scalar")
        return str(node.value).strip()

    year_node = fields["year"][1]
    year_text = scalar(year_node, "year")
    if not re.fullmatch(r"\d{4}", year_text) or not MIN_YEAR <= int(year_text) <= MAX_YEAR:
        raise fail(year_node, "year", f"'{year_text}' is not a year between {MIN_YEAR} and "
                   f"{MAX_YEAR}", "bad_year", value=year_text, first=MIN_YEAR,
                   last=MAX_YEAR)  # fmt: skip
    year = int(year_text)
    source_node = fields["source"][1]
    source = scalar(source_node, "source")
    if not source:
        raise fail(source_node, "source", "say which notice this follows", "no_source")
    if len(source) > MAX_SOURCE:
        raise fail(source_node, "source", f"longer than {MAX_SOURCE} characters", "too_long",
                   limit=MAX_SOURCE)  # fmt: skip

    def one_date(node: Node, fld: str, text: str) -> date:
        if not _DATE.fullmatch(text):
            raise fail(node, fld, f"'{text}' is not a date; write YYYY-MM-DD", "bad_date",
                       value=text)  # fmt: skip
        try:
            d = date.fromisoformat(text)
        except ValueError:
            raise fail(node, fld, f"'{text}' is not a date; write YYYY-MM-DD", "bad_date",
                       value=text) from None  # fmt: skip
        if d.year != year:
            raise fail(node, fld, f"{d} is outside {year}", "outside_year", day=d.isoformat(),
                       year=year)  # fmt: skip
        return d

    def dates_of(node: Node, fld: str, text: str) -> list[date]:
        if ".." in text:
            lo_text, _, hi_text = text.partition("..")
            lo, hi = one_date(node, fld, lo_text.strip()), one_date(node, fld, hi_text.strip())
            if hi < lo:
                raise fail(node, fld, f"range {text} ends before it starts", "backwards",
                           value=text)  # fmt: skip
            return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        return [one_date(node, fld, text)]

    def items(key: str) -> Iterable[tuple[Node, date, str | None]]:
        node = fields[key][1]
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return
        if not isinstance(node, SequenceNode):
            raise fail(node, key, "expected a list of dates", "not_list")
        for item in node.value:
            name: str | None = None
            if isinstance(item, MappingNode):
                parts: dict[str, Node] = {}
                for k, v in item.value:
                    k_text = k.value if isinstance(k, ScalarNode) else "?"
                    if k_text not in _ITEM_KEYS:
                        raise fail(k, key, f"unknown field '{k_text}'; expected date and name",
                                   "unknown_item_field", name=k_text)  # fmt: skip
                    if k_text in parts:
                        raise fail(k, key, f"'{k_text}' given twice", "item_twice", name=k_text)
                    parts[k_text] = v
                if "date" not in parts:
                    raise fail(item, key, "each entry needs a date", "no_date")
                text = scalar(parts["date"], key)
                if "name" in parts:
                    name = scalar(parts["name"], key) or None
                    if name is not None and len(name) > MAX_NAME:
                        raise fail(parts["name"], key, f"name longer than {MAX_NAME} characters",
                                   "name_too_long", limit=MAX_NAME)  # fmt: skip
                where_node: Node = parts["date"]
            else:
                text = scalar(item, key)
                where_node = item
            for d in dates_of(where_node, key, text):
                yield where_node, d, name

    off: dict[date, tuple[Node, str | None]] = {}
    for node, d, name in items("holidays"):
        if d not in off or name is not None:
            off[d] = (node, name)
    days: dict[date, tuple[bool, str | None]] = {}
    for d, (_node, name) in off.items():
        if d.weekday() < 5:
            days[d] = (False, name)
    for node, d, name in items("workdays"):
        if d in off:
            other = off[d][0].start_mark.line + 1
            raise fail(node, "workdays", f"{d} is also listed in holidays (line {other}); a day "
                       "cannot be both", "both", day=d.isoformat(), other=other)  # fmt: skip
        if d.weekday() < 5:
            raise fail(node, "workdays", f"{d} is a {_WEEKDAYS[d.weekday()]}, a working day "
                       "anyway; list only the weekend days that are worked", "weekday_worked",
                       day=d.isoformat(), weekday=f"@calendar.weekday.{d.weekday()}")  # fmt: skip
        days[d] = (True, name or MAKEUP_NAME)
    return year, source, dict(sorted(days.items()))
