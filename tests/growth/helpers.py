"""Enterprises described once, for both evaluators: a frame for the set-based one and `Firm`s
for the reference one."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from highland.growth.rules.model import SERIES, RuleSet
from highland.growth.rules.reference import Firm

PORTRAIT = ("industry_section",)


def frame_of(firms: list[Firm], ruleset: RuleSet, year: int) -> pl.DataFrame:
    """The set-based evaluator's frame of these firms."""
    fy = ruleset.figures_year(year)
    cols: dict[str, Any] = {
        "uscc": [f.uscc for f in firms],
        "founded_on": [f.founded_on for f in firms],
        "listed": [f.listed for f in firms],
    }
    schema: dict[str, Any] = {"uscc": pl.String, "founded_on": pl.Date, "listed": pl.Boolean}
    for of in SERIES:
        for k in range(ruleset.reach + 1):
            cols[f"{of}@{k}"] = [f.figure(of, fy - k) for f in firms]
            schema[f"{of}@{k}"] = pl.Int64
    for name in PORTRAIT:
        cols[name] = [f.portrait.get(name) for f in firms]
        schema[name] = pl.String
    return pl.DataFrame(cols, schema=schema)


def firm(
    uscc: str = "F1",
    section: str | None = "G",
    founded: date | None = date(2018, 3, 1),
    listed: bool | None = False,
    **series: dict[int, int | None],
) -> Firm:
    """A firm with figures by name ({year: value}), in the integer units (fen, cents)."""
    return Firm(uscc, founded, listed, dict(series), {"industry_section": section})
