"""The plain reference evaluator: one enterprise at a time, in Python's exact fractions.

Written independently of the set-based evaluator (no cross-multiplied bounds: ratios are
`Fraction`s, roots are compared as powers of fractions) so that tests can check that the two
agree. Slow by design; the lists use `frame.classify`.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from highland.growth.rules.decide import Truth, decide
from highland.growth.rules.model import FnLeaf, RuleSet
from highland.policies import public as rules

_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}  # fmt: skip


@dataclass
class Firm:
    """One enterprise as the reference evaluator reads it: figures by name and year."""

    uscc: str
    founded_on: date | None = None
    listed: bool | None = None
    figures: dict[str, dict[int, int | None]] = field(default_factory=dict)
    portrait: Mapping[str, object] = field(default_factory=dict)

    def figure(self, of: str, year: int) -> int | None:
        """A figure of one year (None when missing)."""
        return self.figures.get(of, {}).get(year)


def _age(founded: date, on: date) -> int:
    years = on.year - founded.year
    return years - 1 if (founded.month, founded.day) > (on.month, on.day) else years


def _rate(cur: int | None, prev: int | None, years: int, op: str, r: Fraction) -> Truth:
    if prev is None:
        return None
    if prev <= 0:
        return False  # no growth rate from a non-positive figure
    if cur is None:
        return None
    # The rate over `years` years, (cur/prev)^(1/years) − 1, compared with r as the ratio
    # with (1+r)^years: the root is monotonic, and 1+r > 0 (the loader sees to it).
    return bool(_OPS[op](Fraction(cur, prev), (1 + r) ** years))


def leaf_truth(leaf: FnLeaf, firm: Firm, figures_year: int, reference: date) -> Truth:
    """One function leaf for one enterprise."""
    t = leaf.threshold
    if leaf.fn == "listed":
        return None if firm.listed is None else _OPS[leaf.op](firm.listed, t)
    assert isinstance(t, Fraction)
    if leaf.fn == "age":
        return None if firm.founded_on is None else _OPS[leaf.op](_age(firm.founded_on,
                                                                       reference), t)  # fmt: skip
    assert leaf.of is not None
    fig = [firm.figure(leaf.of, figures_year - k) for k in range(leaf.window + 1)]
    if leaf.fn == "value":
        v = fig[leaf.window]
        return None if v is None else _OPS[leaf.op](Fraction(v), t)
    if leaf.fn == "latest":
        v = next((x for x in fig if x is not None), None)
        return None if v is None else _OPS[leaf.op](Fraction(v), t)
    if leaf.fn == "cagr":
        return _rate(fig[0], fig[leaf.window], leaf.window, leaf.op, t)
    years = [_rate(fig[k], fig[k + 1], 1, leaf.op, t) for k in range(leaf.window)]
    if any(y is False for y in years):
        return False
    return None if any(y is None for y in years) else True


def truths(ruleset: RuleSet, firm: Firm, year: int) -> list[Truth]:
    """Every leaf of a rule set for one enterprise."""
    reference = ruleset.reference_date(year)
    out: list[Truth] = []
    for leaf in ruleset.leaves:
        if isinstance(leaf, FnLeaf):
            out.append(leaf_truth(leaf, firm, ruleset.figures_year(year), reference))
        else:
            c = rules.resolve(leaf.predicate, reference)
            out.append(rules.criterion_truth(c, firm.portrait.get(c.field)))
    return out


def classify(ruleset: RuleSet, firm: Firm, year: int) -> tuple[str, ...]:
    """uscc, category, status, near_miss, failed, missing of one enterprise."""
    return (firm.uscc, *decide(ruleset, truths(ruleset, firm, year)))
