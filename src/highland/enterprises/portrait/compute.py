"""The portrait: an enterprise's derived fields as of a date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from highland.enterprises.portrait.facts import EnterpriseFacts, Portrait, YearFigures
from highland.enterprises.portrait.lifecycle import (
    LifecycleRules,
    default_lifecycle_rules,
    lifecycle_field,
)
from highland.enterprises.portrait.numbers import (
    age_field,
    cagr_field,
    growth_field,
    rd_intensity_field,
)
from highland.enterprises.portrait.recognition import recognition_fields
from highland.enterprises.portrait.size_reason import size_class_field

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
    rules = lifecycle if lifecycle is not None else default_lifecycle_rules()
    by_year, year = _figures_by_year(figures, as_of)
    current = by_year[year] if year is not None else None
    derived = {
        d.name: d
        for d in (
            age_field(facts.founded_on, as_of),
            size_class_field(facts, current, year),
            rd_intensity_field(current, year),
            growth_field(by_year, year),
            cagr_field(by_year, year),
        )
    }
    derived["lifecycle_stage"] = lifecycle_field(derived, rules, year)
    for d in recognition_fields(
        by_year, year, facts.founded_on, facts.niche_since, as_of, derived["rd_intensity"]
    ):
        derived[d.name] = d
    return Portrait(as_of=as_of, figures_year=year, fields=derived)
