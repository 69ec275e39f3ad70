"""An import's row errors by code and parameters, so that the import report reads in its
reader's language. The checks (validate.py, the kernel's USCC and industry checks) write each
error in English, as the command line, the logs, the API and the CSV error report show it;
every such message has a pattern here that gives its code and parameters, and the catalogue
entry `import.row_error.<code>` words it in either language."""

from __future__ import annotations

import re

from highland.enterprises.portrait.facts import Phrase
from highland.platform.web.i18n import has

_P = re.compile
# (code, the English message as a pattern; its named groups are the parameters)
# fmt: off
ROW_ERRORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("required", _P(r"required; the cell is empty")),
    ("uscc_length", _P(r"a USCC has 18 characters, got (?P<n>\d+)")),
    ("uscc_excluded", _P(r"character (?P<pos>\d+) '(?P<char>.*)' is not allowed "
                         r"\(I, O, S, V, Z never appear in a USCC\)")),
    ("uscc_charset", _P(r"character (?P<pos>\d+) '(?P<char>.*)' is not allowed \(.*\)")),
    ("uscc_org_check", _P(r"organisation code check character \(character 17\) is "
                          r"'(?P<found>.*)', expected '(?P<expected>.*)' .*")),
    ("uscc_check", _P(r"check character is '(?P<found>.*)', expected '(?P<expected>.*)'")),
    ("duplicate_uscc", _P(r"duplicate USCC in this file: first on row (?P<row>\d+)")),
    ("too_long", _P(r"longer than (?P<limit>\d+) characters")),
    ("control_char", _P(r"contains a control character; remove it")),
    ("invisible", _P(r"shows nothing: only invisible characters .*")),
    ("unknown_district", _P(r"unknown district: .*")),
    ("zone_in_district", _P(r"a functional zone, not a district: .*")),
    ("unknown_zone", _P(r"unknown zone: .*")),
    ("district_in_zone", _P(r"a district, not a zone: .*")),
    ("industry_format", _P(r"industry code must be 2–4 digits, .*")),
    ("industry_division", _P(r"unknown division '(?P<division>.*)' \(GB/T 4754-2017 .*\)")),
    ("industry_section", _P(r"section letter '(?P<letter>.*)' does not match division "
                            r"(?P<division>\d+), which is in section (?P<section>\w+)")),
    ("not_date", _P(r"not a date; write YYYY-MM-DD")),
    ("future", _P(r"in the future")),
    ("before_1800", _P(r"before 1800")),
    ("unknown_ownership", _P(r"unknown ownership; .*")),
    ("country_required", _P(r"required for a foreign-funded enterprise .*")),
    ("country_hmt", _P(r"Hong Kong, Macao or Taiwan funding takes HK, MO or TW")),
    ("country_code", _P(r"not an ISO 3166-1 alpha-2 country code .*")),
    ("not_bool", _P(r"write true or false .*")),
    ("qualification_form", _P(r"'(?P<item>.*)' is not code or code@YYYY-MM-DD/YYYY-MM-DD")),
    ("qualification_unknown", _P(r"unknown qualification '(?P<item>.*)'; known: (?P<known>.*)")),
    ("qualification_start", _P(r"'(?P<item>.*)' has an impossible start date")),
    ("qualification_end", _P(r"'(?P<item>.*)' has an impossible end date")),
    ("qualification_order", _P(r"'(?P<item>.*)' ends before it starts")),
    ("qualification_twice", _P(r"'(?P<item>.*)' is listed twice")),
    ("negative", _P(r"must not be negative")),
    ("decimals", _P(r"more than 2 decimal places")),
    ("too_large", _P(r"implausibly large")),
    ("not_amount", _P(r"not an amount; .*")),
    ("not_count", _P(r"not a whole number")),
    ("not_year", _P(r"not a year .*")),
    ("year_range", _P(r"implausible year; expected (?P<low>\d+)–(?P<high>\d+)")),
    ("duplicate_year", _P(r"duplicate USCC and year in this file: first on row (?P<row>\d+)")),
    ("rd_staff", _P(r"more R&D staff than employees")),
    ("tech_staff", _P(r"more S&T staff than employees")),
    ("main_revenue_above", _P(r"main business revenue above revenue")),
    ("hightech_revenue_above", _P(r"high-tech revenue above revenue")),
    ("qualification_level", _P(r"unknown qualification level '(?P<item>.*)'; use national, "
                               r"provincial or municipal")),
    ("unknown_source", _P(r"unknown source; .*")),
    ("no_enterprise", _P(r"no enterprise with this USCC; import the enterprise first")),
)
# fmt: on


def row_error(message: str) -> tuple[str, dict[str, str]] | None:
    """The code and parameters of a row error's English message (None: not one of ours)."""
    for code, pattern in ROW_ERRORS:
        match = pattern.fullmatch(message)
        if match:
            return code, match.groupdict()
    return None


def row_error_phrase(message: str) -> Phrase | str:
    """A row error as catalogue words (its message as it is when it has no code)."""
    found = row_error(message)
    return Phrase(f"import.row_error.{found[0]}", found[1]) if found else message


def column_label(column: str) -> Phrase | str:
    """A column of an import file by the header the import accepts in the reader's language."""
    key = f"import.column.{column}"
    return Phrase(key) if has(key) else column
