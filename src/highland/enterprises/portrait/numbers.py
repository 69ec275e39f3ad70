"""The numeric derived fields: age, R&D intensity, revenue growth and its 3-year CAGR, computed
exactly (Decimal, integer roots), a missing input making the field missing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from highland.enterprises.portrait.facts import MILLIONTH, Derived, Joined, Phrase, YearFigures

# --------------------------------------------------------------------------- numeric fields


def _round_ratio(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator rounded half-up (ties away from zero) to 6 places, exactly."""
    quotient, remainder = divmod(abs(numerator) * 1_000_000, abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    negative = (numerator < 0) != (denominator < 0)
    return Decimal(-quotient if negative else quotient).scaleb(-6).quantize(MILLIONTH)


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
    return Decimal(millionths - 1_000_000).scaleb(-6).quantize(MILLIONTH)


def _missing(inputs: Mapping[str, object | None]) -> list[str]:
    return [name for name, value in inputs.items() if value is None]


def input_label(name: str) -> Phrase:
    """An input of a derived field by its name in the catalogue (`portrait.input.<name>`)."""
    return Phrase(f"portrait.input.{name}")


def missing_phrase(names: Sequence[str]) -> Phrase:
    """'missing because … is missing', the inputs by their names in the catalogue."""
    return Phrase("portrait.why.missing", {"fields": labels(names)})


def labels(names: Sequence[str]) -> Joined:
    return Joined("sep.enum", tuple(input_label(n) for n in names))


def _result(value: object) -> Phrase:
    return Phrase("portrait.why.result", {"value": value})


def age_field(founded_on: date, as_of: date) -> Derived:
    inputs: dict[str, object | None] = {"founded_on": founded_on, "as_of": as_of}
    rule = (
        "completed whole years from founded_on to as_of (a founding on 29 February completes a "
        "year on 1 March in common years)"
    )
    why = Phrase("portrait.rule.age_years")
    if founded_on > as_of:
        rule += f"; undefined because founded_on {founded_on} is after as_of {as_of}"
        after = Phrase("portrait.why.founded_after", {"founded_on": founded_on, "as_of": as_of})
        return Derived(
            "age_years", None, inputs, rule, "age_years.completed_years", [], (why, after)
        )
    # Comparing (month, day) tuples counts a year only once its anniversary has been reached.
    years = as_of.year - founded_on.year
    if (as_of.month, as_of.day) < (founded_on.month, founded_on.day):
        years -= 1
    rule += f"; result {years}"
    return Derived(
        "age_years", years, inputs, rule, "age_years.completed_years", [], (why, _result(years))
    )


def rd_intensity_field(figs: YearFigures | None, year: int | None) -> Derived:
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
        outcome = missing_phrase(missing)
    elif inputs["revenue"] == 0:
        rule += "; undefined because revenue is 0"
        outcome = Phrase("portrait.why.zero_revenue")
    else:
        value = _round_ratio(as_int(inputs["rd_spend"]), as_int(inputs["revenue"]))
        rule += f"; result {value}"
        outcome = _result(value)
    why = (Phrase("portrait.rule.rd_intensity"), outcome)
    return Derived("rd_intensity", value, inputs, rule, "rd_intensity.ratio", missing, why)


def as_int(value: object | None) -> int:
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
    undefined: Callable[[int, int], tuple[str, Phrase] | None],
) -> Derived:
    """A field computed from revenue and base_revenue, missing or undefined as the rule says."""
    missing = _missing(inputs)
    value: Decimal | None = None
    if missing:
        rule += f"; missing because {', '.join(missing)} missing"
        outcome = missing_phrase(missing)
    else:
        end, base = as_int(inputs["revenue"]), as_int(inputs["base_revenue"])
        reason = undefined(end, base)
        if reason:
            rule += f"; undefined because {reason[0]}"
            outcome = reason[1]
        else:
            value = compute(end, base)
            rule += f"; result {value}"
            outcome = _result(value)
    why = (Phrase(f"portrait.rule.{name}"), outcome)
    return Derived(name, value, inputs, rule, rule_key, missing, why)


def _base_not_positive(base: int) -> tuple[str, Phrase]:
    return f"base_revenue {base} ≤ 0", Phrase("portrait.why.base_not_positive", {"base": base})


def growth_field(by_year: Mapping[int, YearFigures], year: int | None) -> Derived:
    return _revenue_change_field(
        "revenue_growth",
        "revenue_growth.year_on_year",
        _revenue_pair(by_year, year, 1),
        "revenue / base_revenue - 1 with base_year = figures_year - 1, rounded half-up to 6 "
        "decimal places; undefined when base_revenue ≤ 0",
        lambda end, base: _round_ratio(end - base, base),
        lambda end, base: _base_not_positive(base) if base <= 0 else None,
    )


def cagr_field(by_year: Mapping[int, YearFigures], year: int | None) -> Derived:
    def undefined(end: int, base: int) -> tuple[str, Phrase] | None:
        """Why the CAGR is undefined for these revenues, or None when it is defined."""
        if base <= 0:
            return _base_not_positive(base)
        if end < 0:
            return f"revenue {end} < 0", Phrase("portrait.why.negative_revenue", {"revenue": end})
        return None

    return _revenue_change_field(
        "revenue_cagr_3y",
        "revenue_cagr_3y.geometric",
        _revenue_pair(by_year, year, 3),
        "(revenue / base_revenue) ^ (1/3) - 1 with base_year = figures_year - 3, rounded "
        "half-up to 6 decimal places; undefined when base_revenue ≤ 0 or revenue < 0",
        lambda end, base: _root_growth(end, base, 3),
        undefined,
    )
