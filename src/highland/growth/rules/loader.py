"""Reading a growth rule set from YAML: every problem with its line and a catalogue code.

```yaml
id: nanjing-2024
title: …            title_en: …         issuer: …         document: …
dated: 2024-05-20   # the document's date
figures_year: -1    # the list of year Y reads the figures of Y-1
reference_date: 12-31   # ages and listings counted on this day of the figures year
precedence: [unicorn, cultivated-unicorn, gazelle]   # one category per firm: the first
categories:
  - id: gazelle
    title: 瞪羚企业
    title_en: Gazelle
    eligibility:
      all:
        - {field: industry_section, op: "==", value: C}            # a portrait criterion
        - {fn: value, of: revenue, back: 3, op: ">=", value: 3000000}
        - {fn: growth_each, of: revenue, years: 3, op: ">", value: 0}
        - {fn: cagr, of: revenue, years: 3, op: ">=", value: 0.2}
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from highland.growth.rules.model import (
    FUNCTIONS,
    NUMERIC_OPS,
    RATIO_FUNCTIONS,
    SCALES,
    SERIES,
    Category,
    FieldLeaf,
    FnLeaf,
    Leaf,
    RuleSet,
    Tree,
)
from highland.platform.kit.yaml_lines import LineDict, LineList
from highland.policies import public as rules

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
KEYS = {"id", "title", "title_en", "issuer", "document", "dated", "figures_year",
        "reference_date", "precedence", "categories", "note", "source_url"}  # fmt: skip
CATEGORY_KEYS = {"id", "title", "title_en", "eligibility", "cite", "note"}
FN_KEYS = {"fn", "of", "back", "within", "years", "op", "value", "cite"}
MAX_WINDOW = 20
WHERE = {"rule set": "@growth.where.ruleset", "category": "@growth.where.category"}
# Products in the set-based evaluator stay inside Int128: a figure (< 2**63) times the
# threshold's numerator or denominator raised to the window.
MAX_FACTOR = 2**63


@dataclass
class Problem:
    """One problem in a rule set: where, what (English), and its catalogue code."""

    path: str
    line: int
    message: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class RuleSetError(ValueError):
    """A rule set that cannot be read: every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class _Reader:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []
        self.leaves: list[Leaf] = []

    def error(self, line: int, message: str, code: str, **params: Any) -> None:
        if "where" in params:  # a part of the file, named in the reader's language
            params["where"] = WHERE.get(params["where"], params["where"])
        self.problems.append(Problem(self.path, line, message, f"growth.{code}", params))

    def text(self, data: LineDict, key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.error(data.lines.get(key, data.line), f"{where}: {key!r} must be a text",
                       "missing_key", key=key, where=where)  # fmt: skip
            return ""
        return value.strip()

    def unknown(self, data: LineDict, allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.error(data.lines[key], f"unknown key {key!r} in {where}", "unknown_key",
                           key=str(key), where=where)  # fmt: skip

    # ----------------------------------------------------------------- trees

    def node(self, raw: object, line: int, where: str) -> Tree | None:
        if not isinstance(raw, LineDict):
            self.error(line, f"{where}: a criterion must be a mapping", "criterion_mapping",
                       where=where)  # fmt: skip
            return None
        groups = [k for k in ("all", "any", "not") if k in raw]
        if groups:
            key = groups[0]
            if len(raw) != 1:
                self.error(raw.line, f"{key!r} must stand alone in its mapping",
                           "combinator_alone", key=key)  # fmt: skip
                return None
            if key == "not":
                child = self.node(raw["not"], raw.lines["not"], where)
                return ("not", child) if child is not None else None
            items = raw[key]
            if not isinstance(items, LineList) or not items:
                self.error(raw.lines[key], f"{key!r} needs a non-empty list", "combinator_list",
                           key=key)  # fmt: skip
                return None
            children = [self.node(i, ln, where) for i, ln in zip(items, items.lines, strict=True)]
            if any(c is None for c in children):
                return None
            return (key, tuple(children))
        leaf = self.fn_leaf(raw, where) if "fn" in raw else self.field_leaf(raw)
        if leaf is None:
            return None
        self.leaves.append(leaf)
        return ("leaf", len(self.leaves) - 1)

    def field_leaf(self, raw: LineDict) -> FieldLeaf | None:
        predicate, errors = rules.read_criterion(raw, self.path, len(self.leaves))
        for e in errors:
            self.problems.append(Problem(e.path, e.line, e.message, e.code or "growth.criterion",
                                         dict(e.params)))  # fmt: skip
        return FieldLeaf(predicate, raw.line) if predicate is not None else None

    def fn_leaf(self, raw: LineDict, where: str) -> FnLeaf | None:
        self.unknown(raw, FN_KEYS, where)
        fn = raw["fn"]
        if fn not in FUNCTIONS:
            self.error(raw.lines["fn"], f"unknown function {fn!r}; use one of "
                       f"{', '.join(FUNCTIONS)}", "unknown_function", fn=str(fn)[:40],
                       known=", ".join(FUNCTIONS))  # fmt: skip
            return None
        window_key, reads, _ = FUNCTIONS[fn]
        of, window = None, 0
        if reads:
            of = raw.get("of")
            if of not in SERIES:
                self.error(raw.lines.get("of", raw.line), f"{fn}: unknown yearly figure {of!r}; "
                           f"use one of {', '.join(SERIES)}", "unknown_series", fn=fn,
                           field=str(of)[:40], known=", ".join(SERIES))  # fmt: skip
                return None
        for key in ("back", "within", "years"):
            if key in raw and key != window_key:
                self.error(raw.lines[key], f"{fn} takes no {key!r}", "window_key", fn=fn, key=key)
                return None
        if window_key is not None:
            got = raw.get(window_key, 0 if window_key != "years" else None)
            low = 1 if window_key == "years" else 0
            if isinstance(got, bool) or not isinstance(got, int) or not low <= got <= MAX_WINDOW:
                self.error(raw.lines.get(window_key, raw.line), f"{fn}: {window_key!r} must be a "
                           f"whole number of years from {low} to {MAX_WINDOW}", "bad_window",
                           fn=fn, key=window_key, low=low, high=MAX_WINDOW)  # fmt: skip
                return None
            window = got
        op = raw.get("op")
        if op not in NUMERIC_OPS:
            self.error(raw.lines.get("op", raw.line), f"{fn}: unknown operator {op!r}",
                       "bad_op", fn=fn, op=str(op)[:20], known=" ".join(NUMERIC_OPS))  # fmt: skip
            return None
        if "value" not in raw:
            self.error(raw.line, f"{fn}: missing 'value'", "missing_key", key="value", where=fn)
            return None
        threshold = self.threshold(fn, of, window, op, raw["value"], raw.lines["value"])
        if threshold is None:
            return None
        cite = raw.get("cite")
        return FnLeaf(fn, of, window, op, threshold, _written(raw["value"]), raw.line,
                      str(cite) if cite is not None else None)  # fmt: skip

    def threshold(self, fn: str, of: str | None, window: int, op: str, value: object,
                  line: int) -> Fraction | bool | None:  # fmt: skip
        if fn == "listed":
            if not isinstance(value, bool) or op not in ("==", "!="):
                self.error(line, "listed: write op == or != and value true or false",
                           "bad_listed")  # fmt: skip
                return None
            return value
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.error(line, f"{fn}: {value!r} is not a number", "bad_value", fn=fn,
                       value=str(value)[:40])  # fmt: skip
            return None
        exact = Fraction(value)
        if of is not None and fn not in RATIO_FUNCTIONS:
            exact *= SCALES[SERIES[of]]
        if fn in RATIO_FUNCTIONS and exact <= -1:
            self.error(line, f"{fn}: a growth rate must be above -1", "bad_rate", fn=fn,
                       value=str(value))  # fmt: skip
            return None
        power = window if fn == "cagr" else 1
        big = max(abs(exact.numerator), exact.denominator, abs(exact.numerator + exact.denominator))
        if big**power >= MAX_FACTOR:
            self.error(line, f"{fn}: {value} is too fine or too large to compare exactly",
                       "threshold_too_fine", fn=fn, value=str(value))  # fmt: skip
            return None
        return exact


def _written(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _reference(text: object) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{2})-(\d{2})", str(text))
    if not match:
        return None
    month, day = int(match[1]), int(match[2])
    try:
        date(2001, month, day)  # not a leap year: 02-29 has no day every year
    except ValueError:
        return None
    return month, day


def read_ruleset(text: str, path: str) -> RuleSet:
    """A rule set from its YAML text (RuleSetError with every problem, lines in `path`)."""
    r = _Reader(path)
    try:
        data = yaml.load(text, Loader=rules.LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        r.error(line, f"not valid YAML: {getattr(exc, 'problem', exc)}", "yaml",
                problem=str(getattr(exc, "problem", exc))[:120])  # fmt: skip
        raise RuleSetError(r.problems) from None
    if not isinstance(data, LineDict):
        r.error(1, "a rule set is a mapping", "not_mapping")
        raise RuleSetError(r.problems)
    r.unknown(data, KEYS, "rule set")
    ident = r.text(data, "id", "rule set")
    if ident and not ID_RE.match(ident):
        r.error(data.lines["id"], f"id {ident!r}: lower-case letters, digits and '-'", "bad_id",
                id=ident[:40])  # fmt: skip
    texts = {k: r.text(data, k, "rule set") for k in ("title", "title_en", "issuer", "document")}
    dated = data.get("dated")
    if not isinstance(dated, date):
        r.error(data.lines.get("dated", data.line), "'dated' must be a date (YYYY-MM-DD)",
                "bad_date", key="dated")  # fmt: skip
    offset = data.get("figures_year", 0)
    if offset not in (0, -1) or isinstance(offset, bool):
        r.error(data.lines.get("figures_year", data.line), "figures_year: 0 or -1", "bad_offset")
        offset = 0
    reference = _reference(data.get("reference_date", "12-31"))
    if reference is None:
        r.error(data.lines.get("reference_date", data.line), "reference_date: MM-DD",
                "bad_reference")  # fmt: skip
    categories = _categories(r, data)
    order = _precedence(r, data, categories)
    if r.problems:
        raise RuleSetError(r.problems)
    assert isinstance(dated, date) and reference is not None
    return RuleSet(ident, texts["title"], texts["title_en"], texts["issuer"], texts["document"],
                   dated, int(offset), reference, tuple(categories[c] for c in order),
                   tuple(r.leaves), text, path)  # fmt: skip


def _categories(r: _Reader, data: LineDict) -> dict[str, Category]:
    raw = data.get("categories")
    out: dict[str, Category] = {}
    if not isinstance(raw, LineList) or not raw:
        r.error(data.lines.get("categories", data.line), "'categories' must be a non-empty list",
                "no_categories")  # fmt: skip
        return out
    for item, line in zip(raw, raw.lines, strict=True):
        if not isinstance(item, LineDict):
            r.error(line, "a category is a mapping", "category_mapping")
            continue
        r.unknown(item, CATEGORY_KEYS, "category")
        cid = r.text(item, "id", "category")
        if cid in out:
            r.error(item.lines["id"], f"category {cid!r} twice", "category_twice", category=cid)
        where = cid or "category"
        title, title_en = r.text(item, "title", where), r.text(item, "title_en", where)
        if "eligibility" not in item:
            r.error(item.line, f"{where}: missing 'eligibility'", "missing_key",
                    key="eligibility", where=where)  # fmt: skip
            continue
        tree = r.node(item["eligibility"], item.lines["eligibility"], where)
        cite = item.get("cite")
        if tree is not None and cid:
            out[cid] = Category(cid, title, title_en, tree, str(cite) if cite else None)
    return out


def _precedence(r: _Reader, data: LineDict, categories: dict[str, Category]) -> list[str]:
    order = data.get("precedence")
    line = data.lines.get("precedence", data.line)
    if not isinstance(order, LineList) or not all(isinstance(c, str) for c in order):
        r.error(line, "'precedence' must list the category ids", "bad_precedence")
        return []
    for c in order:
        if c not in categories and not r.problems:
            r.error(line, f"precedence names {c!r}, which is no category", "unknown_precedence",
                    category=c)  # fmt: skip
    missing = [c for c in categories if c not in order]
    if missing or len(set(order)) != len(order):
        r.error(line, "precedence must name every category once", "precedence_incomplete",
                categories=", ".join(categories))  # fmt: skip
    return [c for c in order if c in categories]


BUILT_IN = Path(__file__).resolve().parent.parent / "rulesets"


def built_in() -> dict[str, Path]:
    """The rule sets shipped with the platform, by id (file name)."""
    return {p.stem: p for p in sorted(BUILT_IN.glob("*.yaml"))}


def load(name_or_path: str) -> RuleSet:
    """A built-in rule set by id, or a rule set file (RuleSetError; FileNotFoundError)."""
    path = built_in().get(name_or_path)
    if path is None:
        path = Path(name_or_path)
        if not path.is_file():
            raise FileNotFoundError(name_or_path)
    return read_ruleset(path.read_text(encoding="utf-8"), str(path))
