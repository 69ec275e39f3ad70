"""Why an enterprise is of its size class, in words: the size_class field with its reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from highland.enterprises.portrait.facts import (
    SIZE_CLASSES,
    Derived,
    EnterpriseFacts,
    Joined,
    Local,
    Phrase,
    YearFigures,
)
from highland.enterprises.portrait.numbers import as_int, input_label, labels
from highland.enterprises.portrait.size import (
    SizeRow,
    SizeTier,
    decide_size,
    not_applicable_reason,
    size_row_for,
    tier_truths,
)

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
    truths = tier_truths(row, values)
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
    met = " and ".join(_comparison_text(n, as_int(values[n]), b) for n, b in tier.bounds())
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


# The same explanation in catalogue phrases, for pages in the reader's language.


def _bound_phrase(name: str, bound: int) -> Phrase:
    unit = "" if name == "employees" else "_money"
    amount = _amount_text(name, bound)
    return Phrase(f"portrait.size.bound{unit}", {"field": input_label(name), "amount": amount})


def _comparison_phrase(name: str, value: int, bound: int) -> Phrase:
    unit = "" if name == "employees" else "_money"
    return Phrase(
        f"portrait.size.compare{unit}",
        {
            "field": input_label(name),
            "value": _amount_text(name, value),
            "sign": "≥" if value >= bound else "<",
            "bound": _amount_text(name, bound),
        },
    )


def _size_name(size: str) -> Phrase:
    return Phrase(f"size.{size}")


def _failure_phrase(tier: SizeTier, values: Mapping[str, int | None]) -> Phrase:
    for name, bound in tier.bounds():
        value = values[name]
        if value is not None and value < bound:
            return Phrase(
                "portrait.size.failed",
                {
                    "comparison": _comparison_phrase(name, value, bound),
                    "size": _size_name(tier.size),
                },
            )
    raise AssertionError("a tier known to fail has a known failing bound")


def _reason_phrase(row: SizeRow, values: Mapping[str, int | None], result: str | None) -> Phrase:
    """_size_reason in catalogue phrases."""
    truths = tier_truths(row, values)
    failed = Joined(
        "sep.list",
        tuple(
            _failure_phrase(t, values)
            for t, ok in zip(row.tiers, truths, strict=True)
            if ok is False
        ),
    )
    if result is None:
        size = row.tiers[truths.index(None)].size
        absent = labels(_undecided_inputs(row, values, truths))
        return Phrase("portrait.size.undecided", {"fields": absent, "size": _size_name(size)})
    if result == "micro":
        unused = [n for n in row.inputs if values[n] is None]
        key = "portrait.size.micro_unused" if unused else "portrait.size.micro"
        return Phrase(key, {"failed": failed, "fields": labels(unused)})
    tier = row.tiers[SIZE_CLASSES.index(result)]
    met = Joined(
        "portrait.sep.and",
        tuple(_comparison_phrase(n, as_int(values[n]), b) for n, b in tier.bounds()),
    )
    key = "portrait.size.result_but" if failed.items else "portrait.size.result"
    return Phrase(key, {"size": _size_name(result), "met": met, "failed": failed})


def _industries_phrase(row: SizeRow) -> Phrase | Joined:
    parts = tuple(
        Phrase(f"portrait.size.{label}", {"codes": ",".join(codes)})
        for label, codes in row.matcher.parts()
    )
    if not parts:
        return Phrase("portrait.size.all_other")
    return parts[0] if len(parts) == 1 else Joined("sep.list", parts)


def _spec_phrase(row: SizeRow) -> Phrase:
    """_size_spec in catalogue phrases."""
    tiers = Joined(
        "sep.list",
        tuple(
            Phrase(
                "portrait.size.tier",
                {
                    "size": _size_name(t.size),
                    "bounds": Joined(
                        "portrait.sep.and", tuple(_bound_phrase(n, b) for n, b in t.bounds())
                    ),
                },
            )
            for t in row.tiers
        ),
    )
    return Phrase(
        "portrait.rule.size_class",
        {
            "row": Local(row.label_zh, row.label_en),
            "industries": _industries_phrase(row),
            "tiers": tiers,
        },
    )


def _not_applicable_field(facts: EnterpriseFacts, reason: str) -> Derived:
    """No size class because the 2017 standard does not cover the industry: not applicable,
    which is not missing (no figures would give it a size), so nothing is asked for."""
    inputs: dict[str, object | None] = {
        "industry_section": facts.industry_section,
        "industry_division": facts.industry_division,
        "industry_code": facts.industry_code,
    }
    rule = (
        f"统计上大中小微型企业划分办法（2017） (国统字〔2017〕213号) does not cover industry "
        f"{facts.industry_code} ({reason}): size class not applicable"
    )
    why = (Phrase(f"size.na.{reason}", {"code": facts.industry_code}),)
    return Derived(
        "size_class", None, inputs, rule, f"size_class.not_applicable.{reason}", [], why, reason
    )


def size_class_field(facts: EnterpriseFacts, figs: YearFigures | None, year: int | None) -> Derived:
    reason = not_applicable_reason(
        facts.industry_section, facts.industry_division, facts.industry_code
    )
    if reason is not None:
        return _not_applicable_field(facts, reason)
    row = size_row_for(facts.industry_section, facts.industry_division, facts.industry_code)
    values = {
        n: getattr(figs, n) if figs else None for n in ("employees", "revenue", "total_assets")
    }
    truths = tier_truths(row, values)
    result = decide_size(truths)
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
    why = (
        _spec_phrase(row),
        *((Phrase("portrait.why.no_figures"),) if year is None else ()),
        _reason_phrase(row, values, result),
    )
    return Derived("size_class", result, inputs, rule, f"size_class.{row.key}", missing, why)
