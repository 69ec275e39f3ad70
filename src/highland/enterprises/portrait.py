"""Enterprise portrait: derived fields as of a date, each with the inputs and the rule behind it.

Pure logic, no web framework and no database. Money is integer fen (USD in integer cents).
None means missing, and a missing input makes a derived field missing, never zero.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

SIZE_CLASSES = ("large", "medium", "small", "micro")
LIFECYCLE_STAGES = ("startup", "growth", "expansion", "mature")
PORTRAIT_FIELDS = (
    "age_years",
    "size_class",
    "rd_intensity",
    "revenue_growth",
    "revenue_cagr_3y",
    "lifecycle_stage",
)
# The numeric derived fields a lifecycle rule may compare (size_class is a label, not a number).
LIFECYCLE_FIELDS = ("age_years", "rd_intensity", "revenue_growth", "revenue_cagr_3y")
DEFAULT_LIFECYCLE_PATH = Path(__file__).with_name("lifecycle.yaml")

# The 2017 size table states money in 万元 (10,000 yuan); figures are in fen.
FEN_PER_10K_YUAN = 1_000_000
_MILLIONTH = Decimal("0.000001")

# GB/T 4754-2017 divisions (大类) of each section (门类), inclusive ranges.
# fmt: off
_SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}
# fmt: on

# Groups (中类) that hold a single class (小类), so a 3-digit code still names that class.
# Only the groups the size table distinguishes need to be listed.
SINGLE_CLASS_GROUPS: dict[str, str] = {"701": "7010", "702": "7020"}


# --------------------------------------------------------------------------- inputs and results


@dataclass(frozen=True)
class YearFigures:
    """One enterprise's figures for one year; money in fen, USD in cents, None is missing."""

    year: int
    revenue: int | None = None
    output_value: int | None = None
    tax_paid: int | None = None
    rd_spend: int | None = None
    total_assets: int | None = None
    employees: int | None = None
    rd_staff: int | None = None
    invention_patents: int | None = None
    last_round_usd: int | None = None
    valuation_usd: int | None = None

    def __post_init__(self) -> None:
        """Refuse floats and other non-integers so that money stays exact."""
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name != "year":
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"YearFigures.{f.name} must be an int or None, got {value!r}")


@dataclass(frozen=True)
class EnterpriseFacts:
    """The slow-changing facts a portrait needs: founding date and GB/T 4754-2017 industry."""

    founded_on: date
    industry_code: str
    industry_section: str
    industry_division: str

    def __post_init__(self) -> None:
        """Refuse industry codes that are malformed or contradict each other."""
        _check_industry(self.industry_section, self.industry_division, self.industry_code)


def _check_industry(section: str, division: str, code: str) -> None:
    if section not in _SECTION_DIVISIONS:
        raise ValueError(f"industry_section must be a letter A–T, got {section!r}")
    if len(division) != 2 or not division.isascii() or not division.isdigit():
        raise ValueError(f"industry_division must be 2 digits, got {division!r}")
    low, high = _SECTION_DIVISIONS[section]
    if not low <= int(division) <= high:
        raise ValueError(f"division {division} is not in section {section} ({low:02d}–{high:02d})")
    if not (2 <= len(code) <= 4 and code.isascii() and code.isdigit()):
        raise ValueError(f"industry_code must be 2–4 digits, got {code!r}")
    if not code.startswith(division):
        raise ValueError(f"industry_code {code} is not in division {division}")


@dataclass(frozen=True)
class Derived:
    """One derived field with the inputs and rule that produced it; value None means missing."""

    name: str
    value: object | None
    inputs: dict[str, object | None]
    rule: str
    rule_key: str
    missing: list[str]


@dataclass(frozen=True)
class Portrait:
    """An enterprise's derived fields as of a date, computed from the figures of figures_year."""

    as_of: date
    figures_year: int | None
    fields: dict[str, Derived]


# --------------------------------------------------------------------------- the 2017 size table


@dataclass(frozen=True)
class SizeTier:
    """Lower bounds a firm must all meet to be of `size`; a None bound is not used by the tier."""

    size: str
    employees: int | None = None
    revenue_10k: int | None = None  # 营业收入, 万元
    assets_10k: int | None = None  # 资产总额, 万元

    def bounds(self) -> tuple[tuple[str, int], ...]:
        """The (input name, bound) pairs, money bounds converted to fen."""
        pairs = (
            ("employees", self.employees, 1),
            ("revenue", self.revenue_10k, FEN_PER_10K_YUAN),
            ("total_assets", self.assets_10k, FEN_PER_10K_YUAN),
        )
        return tuple((name, bound * unit) for name, bound, unit in pairs if bound is not None)


@dataclass(frozen=True)
class IndustryMatcher:
    """Which industries a size-table row covers; with no criteria it is the catch-all row."""

    sections: tuple[str, ...] = ()
    divisions: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()  # 4-digit classes (小类)

    @property
    def specificity(self) -> int:
        """3 for classes, 2 for divisions, 1 for sections, 0 for the catch-all."""
        return 3 if self.classes else 2 if self.divisions else 1 if self.sections else 0

    def matches(self, section: str, division: str, industry_code: str) -> bool:
        """Whether an industry falls under this row."""
        if self.specificity == 0:
            return True
        return (
            section in self.sections
            or division in self.divisions
            or industry_class(industry_code) in self.classes
        )

    def describe(self) -> str:
        """The criteria in words, e.g. 'sections B,C,D'."""
        for label, codes in (
            ("classes", self.classes),
            ("divisions", self.divisions),
            ("sections", self.sections),
        ):
            if codes:
                return f"{label} {','.join(codes)}"
        return "all other industries"


@dataclass(frozen=True)
class SizeRow:
    """One row of the 2017 table: the industries it covers and its large/medium/small tiers."""

    key: str
    matcher: IndustryMatcher
    label_zh: str
    label_en: str
    tiers: tuple[SizeTier, SizeTier, SizeTier]

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input names any tier of this row compares, in a fixed order."""
        used = {name for tier in self.tiers for name, _ in tier.bounds()}
        return tuple(n for n in ("employees", "revenue", "total_assets") if n in used)


_Bounds = tuple[int, int, int]


def _tier(size: str, bounds: _Bounds) -> SizeTier:
    """A tier from (employees, revenue 万元, total assets 万元), where 0 marks an unused bound."""
    employees, revenue_10k, assets_10k = bounds
    return SizeTier(size, employees or None, revenue_10k or None, assets_10k or None)


def _row(
    key: str,
    matcher: IndustryMatcher,
    zh: str,
    en: str,
    large: _Bounds,
    medium: _Bounds,
    small: _Bounds,
) -> SizeRow:
    """A size-table row from its large, medium and small bounds."""
    tiers = (_tier("large", large), _tier("medium", medium), _tier("small", small))
    return SizeRow(key, matcher, zh, en, tiers)


_M = IndustryMatcher

# 统计上大中小微型企业划分办法（2017）, 国统字〔2017〕213号. Per tier: (X employees 从业人员,
# Y revenue 营业收入 万元, Z total assets 资产总额 万元), 0 where the standard does not use the
# indicator for that industry. Matchers follow GB/T 4754-2017.
# fmt: off
SIZE_TABLE: tuple[SizeRow, ...] = (
    _row("agriculture", _M(sections=("A",)), "农、林、牧、渔业",
         "agriculture, forestry, animal husbandry and fishery",
         (0, 20000, 0), (0, 500, 0), (0, 50, 0)),
    _row("industry", _M(sections=("B", "C", "D")), "工业", "industry",
         (1000, 40000, 0), (300, 2000, 0), (20, 300, 0)),
    _row("construction", _M(sections=("E",)), "建筑业", "construction",
         (0, 80000, 80000), (0, 6000, 5000), (0, 300, 300)),
    _row("wholesale", _M(divisions=("51",)), "批发业", "wholesale",
         (200, 40000, 0), (20, 5000, 0), (5, 1000, 0)),
    _row("retail", _M(divisions=("52",)), "零售业", "retail",
         (300, 20000, 0), (50, 500, 0), (10, 100, 0)),
    _row("transport", _M(divisions=("53", "54", "55", "56", "57", "58")), "交通运输业",
         "transport", (1000, 30000, 0), (300, 3000, 0), (20, 200, 0)),
    _row("warehousing", _M(divisions=("59",)), "仓储业", "warehousing",
         (200, 30000, 0), (100, 1000, 0), (20, 100, 0)),
    _row("postal", _M(divisions=("60",)), "邮政业", "postal services",
         (1000, 30000, 0), (300, 2000, 0), (20, 100, 0)),
    _row("accommodation", _M(divisions=("61",)), "住宿业", "accommodation",
         (300, 10000, 0), (100, 2000, 0), (10, 100, 0)),
    _row("catering", _M(divisions=("62",)), "餐饮业", "catering",
         (300, 10000, 0), (100, 2000, 0), (10, 100, 0)),
    _row("information_transmission", _M(divisions=("63", "64")), "信息传输业",
         "information transmission", (2000, 100000, 0), (100, 1000, 0), (10, 100, 0)),
    _row("software_it", _M(divisions=("65",)), "软件和信息技术服务业",
         "software and information technology services",
         (300, 10000, 0), (100, 1000, 0), (10, 50, 0)),
    _row("real_estate_development", _M(classes=("7010",)), "房地产开发经营",
         "real estate development", (0, 200000, 10000), (0, 1000, 5000), (0, 100, 2000)),
    _row("property_management", _M(classes=("7020",)), "物业管理", "property management",
         (1000, 5000, 0), (300, 1000, 0), (100, 500, 0)),
    _row("leasing_business", _M(sections=("L",)), "租赁和商务服务业",
         "leasing and business services", (300, 0, 120000), (100, 0, 8000), (10, 0, 100)),
    _row("other", _M(), "其他未列明行业", "other industries",
         (300, 0, 0), (100, 0, 0), (10, 0, 0)),
)
# fmt: on


def _check_size_table(table: Sequence[SizeRow]) -> None:
    """Refuse a malformed table at import, since both Python and SQL classification trust it."""
    if len({row.key for row in table}) != len(table):
        raise ValueError("size table keys must be unique")
    if [row.matcher.specificity for row in table].count(0) != 1:
        raise ValueError("size table needs exactly one catch-all row")
    for row in table:
        m = row.matcher
        if sum(bool(c) for c in (m.sections, m.divisions, m.classes)) > 1:
            raise ValueError(f"size row {row.key} mixes sections, divisions and classes")
        if any(len(c) != 4 or not c.isdigit() for c in m.classes):
            raise ValueError(f"size row {row.key}: classes must be 4-digit codes")
        if any(not tier.bounds() for tier in row.tiers):
            raise ValueError(f"size row {row.key}: every tier needs at least one bound")


_check_size_table(SIZE_TABLE)

# Most specific first, so class rows (K7010) win over the catch-all; the sort is stable.
SIZE_ROWS_BY_SPECIFICITY: tuple[SizeRow, ...] = tuple(
    sorted(SIZE_TABLE, key=lambda row: -row.matcher.specificity)
)


def industry_class(industry_code: str) -> str:
    """The 4-digit class a code names: its first 4 digits, or the sole class of a 3-digit group."""
    return SINGLE_CLASS_GROUPS.get(industry_code, industry_code[:4])


def size_row_for(section: str, division: str, industry_code: str) -> SizeRow:
    """The most specific size-table row covering an industry."""
    for row in SIZE_ROWS_BY_SPECIFICITY:
        if row.matcher.matches(section, division, industry_code):
            return row
    raise AssertionError("unreachable: the catch-all row matches every industry")


def _at_least(value: int | None, bound: int) -> bool | None:
    return None if value is None else value >= bound


def _all_of(truths: Sequence[bool | None]) -> bool | None:
    """Three-valued AND: False if any is False, else unknown if any is unknown."""
    if False in truths:
        return False
    return None if None in truths else True


def _tier_truths(row: SizeRow, values: Mapping[str, int | None]) -> list[bool | None]:
    """For each tier, whether all its bounds are met (None when that is unknown)."""
    return [_all_of([_at_least(values[n], b) for n, b in tier.bounds()]) for tier in row.tiers]


def _decide_size(truths: Sequence[bool | None]) -> str | None:
    """The highest tier whose bounds all hold, provided every higher tier is known to fail.

    An unknown tier above the first certain one leaves the class missing, but once every tier
    is known to fail the class is micro even if some inputs are missing: micro needs only one
    indicator below the small floor, so known inputs can decide it on their own.
    """
    for size, truth in zip(SIZE_CLASSES, truths, strict=False):
        if truth is None:
            return None
        if truth:
            return size
    return "micro"


def classify_size(
    section: str,
    division: str,
    industry_code: str,
    employees: int | None,
    revenue: int | None,
    total_assets: int | None,
) -> str | None:
    """The 2017 size class from employees and fen amounts, or None when inputs leave it open."""
    row = size_row_for(section, division, industry_code)
    values = {"employees": employees, "revenue": revenue, "total_assets": total_assets}
    return _decide_size(_tier_truths(row, values))


# --------------------------------------------------------------------------- size explanation

_INPUT_LABELS = {"employees": "employees", "revenue": "revenue", "total_assets": "total assets"}


def _amount_text(name: str, amount: int) -> str:
    """A count as is, or fen shown exactly in 10k yuan (the unit of the table)."""
    if name == "employees":
        return str(amount)
    text = format(Decimal(amount).scaleb(-6), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bound_text(name: str, bound: int) -> str:
    unit = "" if name == "employees" else " (10k yuan)"
    return f"{_INPUT_LABELS[name]} ≥ {_amount_text(name, bound)}{unit}"


def _comparison_text(name: str, value: int, bound: int) -> str:
    sign = "≥" if value >= bound else "<"
    unit = "" if name == "employees" else " (10k yuan)"
    return (
        f"{_INPUT_LABELS[name]} {_amount_text(name, value)} {sign} "
        f"{_amount_text(name, bound)}{unit}"
    )


def _first_failure(tier: SizeTier, values: Mapping[str, int | None]) -> str:
    """The first known bound of a tier that is not met, as text."""
    for name, bound in tier.bounds():
        value = values[name]
        if value is not None and value < bound:
            return f"{_comparison_text(name, value, bound)} ({tier.size})"
    raise AssertionError("a tier known to fail has a known failing bound")


def _undecided_inputs(
    row: SizeRow, values: Mapping[str, int | None], truths: Sequence[bool | None]
) -> list[str]:
    """The missing inputs of the first tier that cannot be decided."""
    open_tier = row.tiers[list(truths).index(None)]
    return [name for name, _ in open_tier.bounds() if values[name] is None]


def _size_reason(row: SizeRow, values: Mapping[str, int | None], result: str | None) -> str:
    """Why the row's tiers give this result, naming the comparisons that decided it."""
    truths = _tier_truths(row, values)
    failed = [
        _first_failure(t, values) for t, ok in zip(row.tiers, truths, strict=True) if ok is False
    ]
    if result is None:
        absent = ", ".join(_INPUT_LABELS[n] for n in _undecided_inputs(row, values, truths))
        size = row.tiers[truths.index(None)].size
        return f"result missing because without {absent} it cannot be told whether it is {size}"
    if result == "micro":
        absent = ", ".join(_INPUT_LABELS[n] for n in row.inputs if values[n] is None)
        note = f"; {absent} missing but not needed" if absent else ""
        return f"result micro because {'; '.join(failed)}{note}"
    tier = row.tiers[SIZE_CLASSES.index(result)]
    met = " and ".join(_comparison_text(n, _as_int(values[n]), b) for n, b in tier.bounds())
    return f"result {result} because {met}" + (f" but {'; '.join(failed)}" if failed else "")


def _size_spec(row: SizeRow) -> str:
    """The row's tiers and the rules shared by all rows, as text."""
    tiers = "; ".join(
        f"{tier.size} needs {' and '.join(_bound_text(n, b) for n, b in tier.bounds())}"
        for tier in row.tiers
    )
    return (
        f"{row.key} ({row.matcher.describe()}), 统计上大中小微型企业划分办法（2017）: {tiers}; "
        "a tier needs all its bounds, else the firm falls a tier; micro is below any small bound; "
        "a missing input leaves the class missing unless the known inputs already decide it"
    )


def _size_class_field(
    facts: EnterpriseFacts, figs: YearFigures | None, year: int | None
) -> Derived:
    row = size_row_for(facts.industry_section, facts.industry_division, facts.industry_code)
    values = {
        n: getattr(figs, n) if figs else None for n in ("employees", "revenue", "total_assets")
    }
    truths = _tier_truths(row, values)
    result = _decide_size(truths)
    missing: list[str] = []
    if result is None:
        missing = (["figures_year"] if year is None else []) + _undecided_inputs(
            row, values, truths
        )
    no_figures = "; no figures for a year before as_of's year" if year is None else ""
    rule = f"{_size_spec(row)}{no_figures}; {_size_reason(row, values, result)}"
    inputs: dict[str, object | None] = {
        "figures_year": year,
        "industry_section": facts.industry_section,
        "industry_division": facts.industry_division,
        "industry_code": facts.industry_code,
        **{n: values[n] for n in row.inputs},
    }
    return Derived("size_class", result, inputs, rule, f"size_class.{row.key}", missing)


# --------------------------------------------------------------------------- numeric fields


def _round_ratio(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator rounded half-up (ties away from zero) to 6 places, exactly."""
    quotient, remainder = divmod(abs(numerator) * 1_000_000, abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    negative = (numerator < 0) != (denominator < 0)
    return Decimal(-quotient if negative else quotient).scaleb(-6).quantize(_MILLIONTH)


def _integer_root(n: int, k: int) -> int:
    """The largest m with m**k <= n, for n >= 0, by integer Newton steps from above."""
    if n < 2:
        return n
    x = 1 << -(-n.bit_length() // k)  # 2**ceil(bits/k) is at least the root
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def _root_growth(end: int, base: int, years: int) -> Decimal:
    """(end / base) ** (1 / years) - 1 rounded half-up to 6 places, exactly; base > 0, end >= 0.

    Floats can land on the wrong side of a tie such as (129/128)**3, so the root is taken in
    integers of half-millionths and ties are detected exactly.
    """
    scale = (2 * 1_000_000) ** years
    halves = _integer_root(end * scale // base, years)  # floor(2e6 * root)
    exact = halves**years * base == end * scale
    if halves % 2 == 0:
        millionths = halves // 2
    elif exact and end < base:  # a tie below zero growth: half-up rounds away from zero, down
        millionths = (halves - 1) // 2
    else:
        millionths = (halves + 1) // 2
    return Decimal(millionths - 1_000_000).scaleb(-6).quantize(_MILLIONTH)


def _missing(inputs: Mapping[str, object | None]) -> list[str]:
    return [name for name, value in inputs.items() if value is None]


def _age_field(founded_on: date, as_of: date) -> Derived:
    inputs: dict[str, object | None] = {"founded_on": founded_on, "as_of": as_of}
    rule = (
        "completed whole years from founded_on to as_of (a founding on 29 February completes a "
        "year on 1 March in common years)"
    )
    if founded_on > as_of:
        rule += f"; undefined because founded_on {founded_on} is after as_of {as_of}"
        return Derived("age_years", None, inputs, rule, "age_years.completed_years", [])
    # Comparing (month, day) tuples counts a year only once its anniversary has been reached.
    years = as_of.year - founded_on.year
    if (as_of.month, as_of.day) < (founded_on.month, founded_on.day):
        years -= 1
    rule += f"; result {years}"
    return Derived("age_years", years, inputs, rule, "age_years.completed_years", [])


def _rd_intensity_field(figs: YearFigures | None, year: int | None) -> Derived:
    inputs: dict[str, object | None] = {
        "figures_year": year,
        "rd_spend": figs.rd_spend if figs else None,
        "revenue": figs.revenue if figs else None,
    }
    rule = "rd_spend / revenue of figures_year, rounded half-up to 6 decimal places"
    missing = _missing(inputs)
    value: Decimal | None = None
    if missing:
        rule += f"; missing because {', '.join(missing)} missing"
    elif inputs["revenue"] == 0:
        rule += "; undefined because revenue is 0"
    else:
        value = _round_ratio(_as_int(inputs["rd_spend"]), _as_int(inputs["revenue"]))
        rule += f"; result {value}"
    return Derived("rd_intensity", value, inputs, rule, "rd_intensity.ratio", missing)


def _as_int(value: object | None) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected an int, got {value!r}")
    return value


def _revenue_pair(
    by_year: Mapping[int, YearFigures], year: int | None, span: int
) -> dict[str, object | None]:
    """Inputs of a revenue change over `span` years ending in figures_year."""
    if year is None:
        return {"figures_year": None, "revenue": None, "base_revenue": None}
    base = by_year.get(year - span)
    return {
        "figures_year": year,
        "base_year": year - span,
        "revenue": by_year[year].revenue,
        "base_revenue": base.revenue if base else None,
    }


def _revenue_change_field(
    name: str,
    rule_key: str,
    inputs: dict[str, object | None],
    rule: str,
    compute: Callable[[int, int], Decimal],
    undefined: Callable[[int, int], str | None],
) -> Derived:
    """A field computed from revenue and base_revenue, missing or undefined as the rule says."""
    missing = _missing(inputs)
    value: Decimal | None = None
    if missing:
        rule += f"; missing because {', '.join(missing)} missing"
    else:
        end, base = _as_int(inputs["revenue"]), _as_int(inputs["base_revenue"])
        reason = undefined(end, base)
        if reason:
            rule += f"; undefined because {reason}"
        else:
            value = compute(end, base)
            rule += f"; result {value}"
    return Derived(name, value, inputs, rule, rule_key, missing)


def _growth_field(by_year: Mapping[int, YearFigures], year: int | None) -> Derived:
    return _revenue_change_field(
        "revenue_growth",
        "revenue_growth.year_on_year",
        _revenue_pair(by_year, year, 1),
        "revenue / base_revenue - 1 with base_year = figures_year - 1, rounded half-up to 6 "
        "decimal places; undefined when base_revenue ≤ 0",
        lambda end, base: _round_ratio(end - base, base),
        lambda end, base: f"base_revenue {base} ≤ 0" if base <= 0 else None,
    )


def _cagr_field(by_year: Mapping[int, YearFigures], year: int | None) -> Derived:
    def undefined(end: int, base: int) -> str | None:
        """Why the CAGR is undefined for these revenues, or None when it is defined."""
        if base <= 0:
            return f"base_revenue {base} ≤ 0"
        return f"revenue {end} < 0" if end < 0 else None

    return _revenue_change_field(
        "revenue_cagr_3y",
        "revenue_cagr_3y.geometric",
        _revenue_pair(by_year, year, 3),
        "(revenue / base_revenue) ^ (1/3) - 1 with base_year = figures_year - 3, rounded "
        "half-up to 6 decimal places; undefined when base_revenue ≤ 0 or revenue < 0",
        lambda end, base: _root_growth(end, base, 3),
        undefined,
    )


# --------------------------------------------------------------------------- lifecycle rules

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_OP_SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_FIGURE_BASED = frozenset({"rd_intensity", "revenue_growth", "revenue_cagr_3y"})


class LifecycleRulesError(ValueError):
    """Lifecycle rules that cannot be used: bad YAML, unknown stage or field, bad op or value."""


@dataclass(frozen=True)
class LifecycleRule:
    """'stage if field op value', or 'otherwise stage' when otherwise is True."""

    stage: str
    field: str | None = None
    op: str | None = None
    value: Decimal | None = None
    otherwise: bool = False

    def describe(self) -> str:
        """The rule in words, e.g. 'growth if revenue_cagr_3y ≥ 0.2'."""
        if self.otherwise:
            return f"otherwise {self.stage}"
        return f"{self.stage} if {self.field} {_OP_SYMBOLS[self.op or '']} {self.value}"


@dataclass(frozen=True)
class LifecycleRules:
    """Ordered lifecycle rules; the first rule that matches decides the stage."""

    rules: tuple[LifecycleRule, ...]
    source: str = "<mapping>"


def load_lifecycle_rules(path: Path | None = None) -> LifecycleRules:
    """Load and validate lifecycle rules from YAML; the packaged defaults when path is None."""
    source = path if path is not None else DEFAULT_LIFECYCLE_PATH
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LifecycleRulesError(f"{source}: not valid YAML ({exc})") from exc
    return lifecycle_rules_from_mapping(data, str(source))


def lifecycle_rules_from_mapping(data: object, source: str = "<mapping>") -> LifecycleRules:
    """Validate already-parsed rules ({'rules': [...]}) and build LifecycleRules."""
    if not isinstance(data, Mapping) or set(data) != {"rules"}:
        raise LifecycleRulesError(f"{source}: expected a mapping with the single key 'rules'")
    raw = data["rules"]
    if not isinstance(raw, list) or not raw:
        raise LifecycleRulesError(f"{source}: 'rules' must be a non-empty list")
    rules = tuple(_parse_rule(item, f"{source}: rule {i}") for i, item in enumerate(raw, 1))
    if any(rule.otherwise for rule in rules[:-1]):
        raise LifecycleRulesError(f"{source}: only the last rule may be an 'otherwise' rule")
    return LifecycleRules(rules, source)


def _parse_rule(item: object, where: str) -> LifecycleRule:
    """One validated rule; `where` prefixes every error message."""
    if not isinstance(item, Mapping):
        raise LifecycleRulesError(f"{where}: expected a mapping, got {item!r}")
    stage = item.get("stage")
    if stage not in LIFECYCLE_STAGES:
        raise LifecycleRulesError(
            f"{where}: unknown stage {stage!r}; expected one of {', '.join(LIFECYCLE_STAGES)}"
        )
    expected = {"stage", "otherwise"} if "otherwise" in item else {"stage", "field", "op", "value"}
    if set(item) != expected:
        raise LifecycleRulesError(
            f"{where}: keys must be exactly {', '.join(sorted(expected))}; got "
            f"{', '.join(sorted(map(str, item)))}"
        )
    if "otherwise" in item:
        if item["otherwise"] is not True:
            raise LifecycleRulesError(f"{where}: 'otherwise' must be true")
        return LifecycleRule(stage, otherwise=True)
    return LifecycleRule(stage, *_parse_condition(item, where))


def _parse_condition(item: Mapping[Any, Any], where: str) -> tuple[str, str, Decimal]:
    field_name, op, value = item["field"], item["op"], item["value"]
    if field_name not in LIFECYCLE_FIELDS:
        raise LifecycleRulesError(
            f"{where}: unknown field {field_name!r}; expected one of {', '.join(LIFECYCLE_FIELDS)}"
        )
    if op not in _OPS:
        raise LifecycleRulesError(
            f"{where}: bad op {op!r}; expected one of {', '.join(_OPS)} (quote it in YAML)"
        )
    # bool is an int in Python, but 'value: true' is surely a mistake.
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not numeric or not math.isfinite(value):
        raise LifecycleRulesError(f"{where}: value must be a finite number, got {value!r}")
    # Through str so that 0.2 becomes Decimal('0.2'), not the binary float's expansion.
    return field_name, op, Decimal(str(value))


@functools.lru_cache(maxsize=1)
def _default_lifecycle_rules() -> LifecycleRules:
    return load_lifecycle_rules()


def _lifecycle_field(
    derived: Mapping[str, Derived], rules: LifecycleRules, year: int | None
) -> Derived:
    """Apply the rules in order; a missing field before any match makes the stage missing."""
    consulted: dict[str, object | None] = {}
    reasons: list[str] = []
    for rule in rules.rules:
        if rule.otherwise:
            return _stage(rules, rule.stage, consulted, year, [*reasons, "no earlier rule matched"])
        name, op = rule.field or "", rule.op or ""
        value = consulted[name] = derived[name].value
        if value is None:
            return _stage(rules, None, consulted, year, [f"{name} is missing"], [name])
        shown = f"{name} {value} {_OP_SYMBOLS[op]} {rule.value}"
        if _OPS[op](value, rule.value):
            return _stage(rules, rule.stage, consulted, year, [*reasons, shown])
        reasons.append(f"not {shown}")
    return _stage(rules, None, consulted, year, ["no rule matched", *reasons])


def _stage(
    rules: LifecycleRules,
    stage: str | None,
    consulted: dict[str, object | None],
    year: int | None,
    why: list[str],
    missing: Sequence[str] = (),
) -> Derived:
    """The lifecycle Derived; inputs gain figures_year when a consulted field came from figures."""
    spec = "; ".join(rule.describe() for rule in rules.rules)
    rule_text = (
        f"first matching rule wins: {spec}; a missing field makes the stage missing unless an "
        f"earlier rule matched; result {stage or 'missing'} because {'; '.join(why)}"
    )
    inputs = dict(consulted)
    if _FIGURE_BASED.intersection(consulted):
        inputs = {"figures_year": year, **consulted}
    key = f"lifecycle_stage.{stage or 'undecided'}"
    return Derived("lifecycle_stage", stage, inputs, rule_text, key, list(missing))


# --------------------------------------------------------------------------- the portrait


def _figures_by_year(
    figures: Sequence[YearFigures], as_of: date
) -> tuple[dict[int, YearFigures], int | None]:
    """Figures keyed by year, and the latest year strictly before as_of's year."""
    by_year: dict[int, YearFigures] = {}
    for row in figures:
        if row.year in by_year:
            raise ValueError(f"two YearFigures rows for year {row.year}")
        by_year[row.year] = row
    # A year's figures are only complete after it ends, so the current year never counts.
    return by_year, max((y for y in by_year if y < as_of.year), default=None)


def compute_portrait(
    facts: EnterpriseFacts,
    figures: Sequence[YearFigures],
    as_of: date,
    lifecycle: LifecycleRules | None = None,
) -> Portrait:
    """The enterprise's derived fields as of a date, each with its inputs and rule."""
    rules = lifecycle if lifecycle is not None else _default_lifecycle_rules()
    by_year, year = _figures_by_year(figures, as_of)
    current = by_year[year] if year is not None else None
    derived = {
        d.name: d
        for d in (
            _age_field(facts.founded_on, as_of),
            _size_class_field(facts, current, year),
            _rd_intensity_field(current, year),
            _growth_field(by_year, year),
            _cagr_field(by_year, year),
        )
    }
    derived["lifecycle_stage"] = _lifecycle_field(derived, rules, year)
    return Portrait(as_of=as_of, figures_year=year, fields=derived)
