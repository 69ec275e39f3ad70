"""A growth rule set once read: dated, citing its document, categories in precedence order,
each an eligibility tree whose leaves are portrait criteria or functions of yearly series.

A function leaf compares a number derived from an enterprise's yearly figures with a threshold
held as an exact fraction (`Fraction` of the human value, e.g. 1/2 for 0.5, 500000000 fen for
¥500万), so both evaluators compare integers and never round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

# The yearly series a function may read, and the kind of their unit (fields.py's scales).
SERIES: dict[str, str] = {
    "revenue": "money", "main_revenue": "money", "output_value": "money", "tax_paid": "money",
    "total_assets": "money", "rd_spend": "money", "equity_raised": "money", "employees": "count",
    "rd_staff": "count", "tech_staff": "count", "valuation_usd": "usd", "last_round_usd": "usd",
}  # fmt: skip
SCALES = {"money": 100, "usd": 100, "count": 1}  # integer units per human unit (fen per yuan)

# fn → (the window key it needs, whether it reads a series `of`, whether it is fixed).
FUNCTIONS: dict[str, tuple[str | None, bool, bool]] = {
    "value": ("back", True, False),  # the figure `back` years before the figures year
    "latest": ("within", True, False),  # the newest known figure within `within` years back
    "growth_each": ("years", True, False),  # each yearly growth of the last `years` years
    "cagr": ("years", True, False),  # compound annual growth over `years` years
    "listed": (None, False, True),  # listed on a stock exchange (the registry's flag)
    "age": (None, False, True),  # completed years since founding at the reference date
}
NUMERIC_OPS = ("==", "!=", "<", "<=", ">", ">=")
RATIO_FUNCTIONS = ("growth_each", "cagr")  # their value is a ratio (0.5 = 50 %)


@dataclass(frozen=True)
class FnLeaf:
    """A function of the yearly series compared with a threshold.

    `window` is back / within / years as the function reads it (0 for listed and age);
    `threshold` is exact: fen or cents for money, a plain fraction for ratios and ages, a bool
    for `listed`."""

    fn: str
    of: str | None
    window: int
    op: str
    threshold: Fraction | bool
    written: str  # the value as written (labels)
    line: int
    cite: str | None = None

    @property
    def label(self) -> str:
        """How the criterion is named in lists and exports: `cagr(revenue, 3y) >= 0.5`,
        `value(revenue, -3y) >= 5000000`, `age <= 10`."""
        if self.of is None:
            return f"{self.fn} {self.op} {self.written}"
        span = f"-{self.window}y" if self.fn == "value" else f"{self.window}y"
        return f"{self.fn}({self.of}, {span}) {self.op} {self.written}"

    @property
    def fixed(self) -> bool:
        """A condition the enterprise cannot change (its age, being listed): never a near miss."""
        return FUNCTIONS[self.fn][2]

    @property
    def reach(self) -> int:
        """How many years before the figures year the function reads."""
        return self.window if self.of else 0


@dataclass(frozen=True)
class FieldLeaf:
    """A portrait criterion as policies write it (`{field, op, value}`), read by the policy
    engine; `predicate` is the engine's Predicate."""

    predicate: Any
    line: int

    @property
    def reach(self) -> int:
        """A portrait field reads no past year."""
        return 0


Leaf = FnLeaf | FieldLeaf
# A tree over leaf indexes, as the policy engine combines them: ("leaf", i) | ("all"|"any",
# (…)) | ("not", t).
Tree = tuple[Any, ...]


@dataclass(frozen=True)
class Category:
    """One category of a list (unicorn, gazelle …) and its eligibility tree."""

    id: str
    title: str
    title_en: str
    tree: Tree
    cite: str | None = None


@dataclass(frozen=True)
class RuleSet:
    """A dated rule set: its document, the categories in precedence order (one per firm: the
    first that holds), and the leaves every category's tree indexes into."""

    id: str
    title: str
    title_en: str
    issuer: str
    document: str
    dated: date
    figures_offset: int  # the figures year is the list year plus this (0 or -1)
    reference: tuple[int, int]  # (month, day) in the figures year: ages and listings
    categories: tuple[Category, ...]
    leaves: tuple[Leaf, ...]
    source: str = ""  # the YAML as written
    path: str = ""

    def figures_year(self, year: int) -> int:
        """The year of the figures a list year reads."""
        return year + self.figures_offset

    def reference_date(self, year: int) -> date:
        """The day ages and listings are counted at for a list year."""
        return date(self.figures_year(year), *self.reference)

    @property
    def reach(self) -> int:
        """How many years before the figures year the rule set reads."""
        return max((leaf.reach for leaf in self.leaves), default=0)

    def category(self, category_id: str) -> Category:
        """A category by id (KeyError when it has none)."""
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(category_id)

    def leaf_label(self, i: int) -> str:
        """The name of leaf i in lists and exports."""
        leaf = self.leaves[i]
        return (
            leaf.label
            if isinstance(leaf, FnLeaf)
            else str(leaf.predicate.field)
            + " "
            + str(leaf.predicate.op)
            + " "
            + _written(leaf.predicate.values[0][1])
        )


def _written(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_written(v) for v in value) + "]"
    return str(value)


def tree_leaves(tree: Tree) -> list[int]:
    """The leaf indexes of a tree, in order."""
    if tree[0] == "leaf":
        return [tree[1]]
    if tree[0] == "not":
        return tree_leaves(tree[1])
    return [i for child in tree[1] for i in tree_leaves(child)]
