"""The set-based evaluator: a rule set over a frame of the enterprises' yearly series, in Polars.

The frame has one row per enterprise: `uscc`, `founded_on` (Date), `listed` (Boolean) and, for
each yearly figure a rule reads, `<figure>@<k>` (Int64, null = missing) holding the figure of k
years before the figures year; with portrait criteria, the portrait's columns too. Each leaf
becomes a nullable boolean column (null = unknown) in exact Int128 arithmetic — a threshold
r = n/d is compared by cross-multiplying, never by rounding a ratio — and the categories
combine them with the policy engine's three-valued logic. The texts (category, near miss,
failed and missing criteria) depend only on the leaves' truths, so they are decided once per
distinct combination and joined back: no loop over enterprises.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl

from highland.growth.rules.decide import OUTPUT_COLUMNS, decide, truths_of
from highland.growth.rules.model import FieldLeaf, FnLeaf, RuleSet
from highland.policies import public as rules

_NULL = pl.lit(None, dtype=pl.Boolean)
_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}  # fmt: skip


def series_column(of: str, back: int) -> str:
    """The frame column of a figure `back` years before the figures year."""
    return f"{of}@{back}"


def _i(value: int | pl.Expr) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value.cast(pl.Int128)
    return pl.lit(value, dtype=pl.Int128)


def _compare(lhs: pl.Expr, op: str, rhs: pl.Expr) -> pl.Expr:
    result: pl.Expr = _OPS[op](lhs, rhs)
    return result


def _versus(value: pl.Expr, op: str, t: Fraction) -> pl.Expr:
    """value op t, exactly: value·d op n."""
    return _compare(_i(value) * _i(t.denominator), op, _i(t.numerator))


def _growth(cur: pl.Expr, prev: pl.Expr, op: str, r: Fraction, power: int) -> pl.Expr:
    """(cur/prev)^(1/power) − 1 op r, exactly: cur·dᵖ op prev·(n+d)ᵖ. Unknown when either
    figure is missing; false when the earlier figure is not positive (no growth rate)."""
    lhs = _i(cur) * _i(r.denominator**power)
    rhs = _i(prev) * _i((r.numerator + r.denominator) ** power)
    return (
        pl.when(prev.is_null()).then(_NULL)
        .when(prev <= 0).then(pl.lit(False))
        .otherwise(_compare(lhs, op, rhs))
    )  # fmt: skip


def _age(reference: date) -> pl.Expr:
    founded = pl.col("founded_on")
    later = founded.dt.month().cast(pl.Int64) * 100 + founded.dt.day().cast(pl.Int64) > (
        reference.month * 100 + reference.day
    )
    return reference.year - founded.dt.year().cast(pl.Int64) - later.cast(pl.Int64)


def fn_expr(leaf: FnLeaf, reference: date) -> pl.Expr:
    """One function leaf as a nullable boolean column."""
    t = leaf.threshold
    if leaf.fn == "listed":
        return _compare(pl.col("listed"), leaf.op, pl.lit(t, dtype=pl.Boolean))
    assert isinstance(t, Fraction)
    if leaf.fn == "age":
        return _versus(_age(reference), leaf.op, t)
    assert leaf.of is not None
    col = [pl.col(series_column(leaf.of, k)) for k in range(leaf.window + 1)]
    if leaf.fn == "value":
        return _versus(col[leaf.window], leaf.op, t)
    if leaf.fn == "latest":
        return _versus(pl.coalesce(col), leaf.op, t)
    if leaf.fn == "cagr":
        return _growth(col[0], col[leaf.window], leaf.op, t, leaf.window)
    years = [_growth(col[k], col[k + 1], leaf.op, t, 1) for k in range(leaf.window)]
    out = years[0]
    for y in years[1:]:
        out = out & y  # Kleene: one failed year decides, a missing one leaves it open
    return out


def leaf_exprs(ruleset: RuleSet, year: int) -> list[pl.Expr]:
    """Every leaf of a rule set as a named nullable boolean column `__l<i>`."""
    reference = ruleset.reference_date(year)
    out = []
    for i, leaf in enumerate(ruleset.leaves):
        if isinstance(leaf, FnLeaf):
            expr = fn_expr(leaf, reference)
        else:
            expr = rules.criterion_expr(rules.resolve(leaf.predicate, reference))
        out.append(expr.alias(f"__l{i}"))
    return out


def needs_portrait(ruleset: RuleSet) -> bool:
    """Whether a rule set has portrait criteria (the frame then needs the portrait)."""
    return any(isinstance(leaf, FieldLeaf) for leaf in ruleset.leaves)


_PACKED = 39  # leaves whose base-3 digits fit an Int64 (3**40 > 2**63)


def _combination_key(names: list[str]) -> tuple[pl.Expr, Callable[[Any], str]]:
    """The key of a combination of leaf truths, and its text: each leaf a digit 0 (false),
    1 (true), 2 (unknown), leaf 0 first. Packed in base 3 into one integer when the digits fit
    (summing integer columns is several times cheaper than concatenating texts); the text
    itself otherwise."""
    digits = [pl.col(n).cast(pl.Int8).fill_null(2) for n in names]
    if len(names) > _PACKED:
        return pl.concat_str([d.cast(pl.String) for d in digits]), str
    key = pl.sum_horizontal([d.cast(pl.Int64) * 3**i for i, d in enumerate(digits)])

    def text(k: int) -> str:
        return "".join(str(k // 3**i % 3) for i in range(len(names)))

    return key, text


def classify(frame: pl.DataFrame, ruleset: RuleSet, year: int) -> pl.DataFrame:
    """uscc, category, status, near_miss, failed, missing per enterprise (the frame's order),
    `status:<category>` for each category, and `__truths` (each leaf as 0 false, 1 true,
    2 unknown: what `decide.reasons` reads)."""
    if needs_portrait(ruleset) and "qualifications" in frame.columns:
        frame = rules.prepare(frame)  # a whole portrait: its qualification mask and null fields
    names = [f"__l{i}" for i in range(len(ruleset.leaves))]
    leaves = frame.lazy().select(pl.col("uscc"), *leaf_exprs(ruleset, year))
    statuses = [
        rules.tree_expr(c.tree, [pl.col(n) for n in names]).alias(f"status:{c.id}")
        for c in ruleset.categories
    ]
    key, text = _combination_key(names)
    done = leaves.with_columns(*statuses, key.alias("__key")).collect()
    combos = done.get_column("__key").unique().to_list()
    table = pl.DataFrame(
        [(k, text(k), *decide(ruleset, truths_of(text(k)))) for k in combos],
        schema=["__key", "__truths", *OUTPUT_COLUMNS[1:]],
        orient="row",
    )
    out = done.join(table, on="__key", how="left", maintain_order="left")
    status_text = [
        pl.when(pl.col(f"status:{c.id}")).then(pl.lit("eligible"))
        .when(pl.col(f"status:{c.id}").not_()).then(pl.lit("ineligible"))
        .otherwise(pl.lit("unknown")).alias(f"status:{c.id}")
        for c in ruleset.categories
    ]  # fmt: skip
    return out.select(*OUTPUT_COLUMNS, *status_text, "__truths")
