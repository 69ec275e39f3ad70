"""Amounts over a whole frame: each distinct amount expression evaluated once.

A policy library has many policies and few amount formulas (`min(rd_spend * 0.1, 2000000)`
under one rounding is shared by a dozen policies). `shared_totals` groups the policies by
their formula (its parsed form, so spacing does not matter) and rounding, evaluates each
formula once, exactly (rules/amount: Int64 where the frame's largest inputs prove it enough,
Int128 otherwise), over the rows eligible for any policy of its group, then sums each policy
over its own eligible rows (the bitsets read by Polars without a copy). The totals are exact
sums in Int128.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import reduce

import numpy as np
import polars as pl

from highland.policies.rules import framebits
from highland.policies.rules.amount import polars_amount_fen
from highland.policies.rules.amount.syntax import BinOp, Call, Neg, Node, Num, Ref
from highland.policies.rules.arrowbits import boolean_series, popcount
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.model import Compiled


def bounds(rows: pl.DataFrame, fields: Sequence[str]) -> dict[str, int]:
    """The largest magnitude of each field in `rows` (0 when all missing)."""
    if not fields or not rows.height:
        return {}
    top = rows.select(pl.col(f).abs().max() for f in fields).row(0, named=True)
    return {f: int(v) if v is not None else 0 for f, v in top.items()}


def amount_expr(cp: Compiled, bounds: Mapping[str, int]) -> pl.Expr:
    """The amount as an Int64 column "__a" (null when it cannot be computed) on rows whose
    inputs lie within `bounds`.

    Exact: Int64 when those bounds prove that nothing can overflow 2**62, Int128 otherwise
    (rules/amount/vector.py); a row with an input beyond its field's catalogue bound has no
    amount, as the plain evaluator says.
    """
    benefit = cp.policy.benefit
    assert benefit.amount is not None
    fields = list(dict.fromkeys(benefit.amount.fields))
    value = polars_amount_fen(benefit.amount, benefit.rounding, narrow=True, bounds=bounds)
    # Only where some value lies beyond its field's catalogue bound is there a row to null.
    inside = [pl.col(f).abs().fill_null(0) <= FIELDS[f].bound
              for f in fields if bounds.get(f, FIELDS[f].bound + 1) > FIELDS[f].bound]  # fmt: skip
    if inside:
        value = pl.when(reduce(lambda a, b: a & b, inside)).then(value)
        value = value.otherwise(pl.lit(None, dtype=pl.Int64))
    return value.cast(pl.Int64).alias("__a")


def _form(node: Node) -> tuple[object, ...]:
    """A formula's parsed form without source positions: equal for the same formula."""
    if isinstance(node, Num):
        return ("num", node.value)
    if isinstance(node, Ref):
        return ("ref", node.name, node.scale, node.bound)
    if isinstance(node, Neg):
        return ("neg", _form(node.operand))
    if isinstance(node, BinOp):
        return (node.op, _form(node.left), _form(node.right))
    assert isinstance(node, Call)
    return (node.func, *map(_form, node.args))


def amount_key(cp: Compiled) -> tuple[object, ...]:
    """What makes two policies' amounts the same per row: formula and rounding."""
    benefit = cp.policy.benefit
    assert benefit.amount is not None
    return (_form(benefit.amount.tree), benefit.rounding)


def shared_totals(frame: pl.DataFrame, wanted: Sequence[tuple[Compiled, np.ndarray]]
                  ) -> list[tuple[int, int]]:  # fmt: skip
    """(total, eligible rows without an amount) of each policy with an amount, given its
    eligible rows as uint64 words; each distinct formula computed once, on the rows eligible
    for any policy using it, and each policy's sum taken over its own rows, all in one Polars
    call (the formulas side by side). The sums are in Int128: exact whatever the counts."""
    n = frame.height
    groups: dict[tuple[object, ...], list[int]] = {}
    for k, (cp, _) in enumerate(wanted):
        groups.setdefault(amount_key(cp), []).append(k)
    fields = sorted({f for cp, _ in wanted for f in cp.policy.benefit.amount.fields})  # type: ignore[union-attr]
    tops = framebits.of(frame).memo(("bounds", *fields), lambda: bounds(frame, fields))
    out: list[tuple[int, int]] = [(0, 0)] * len(wanted)
    queries, evaluated = [], []
    for members in groups.values():
        cp = wanted[members[0]][0]
        inputs = list(dict.fromkeys(cp.policy.benefit.amount.fields))  # type: ignore[union-attr]
        if not inputs:  # a fixed amount: the same on every row
            value = pl.select(amount_expr(cp, {})).item()
            for k in members:
                count = popcount(wanted[k][1])
                out[k] = (0, count) if value is None else (int(value) * count, 0)
            continue
        union = wanted[members[0]][1].copy()
        for k in members[1:]:
            union |= wanted[k][1]
        masks = [boolean_series(wanted[k][1], n, f"__m{k}") for k in members]
        rows = frame.select(inputs).with_columns(boolean_series(union, n, "__u"), *masks)
        a = pl.col("__a")
        sums = [(a.filter(pl.col(m.name)).cast(pl.Int128).sum().alias(f"t{i}"),
                 a.filter(pl.col(m.name)).null_count().alias(f"u{i}"))
                for i, m in enumerate(masks)]  # fmt: skip
        query = rows.lazy().filter(pl.col("__u")).with_columns(amount_expr(cp, tops))
        queries.append(query.select([e for pair in sums for e in pair]))
        evaluated.append(members)
    for members, result in zip(evaluated, pl.collect_all(queries), strict=True):
        row = result.row(0)
        for i, k in enumerate(members):
            out[k] = (int(row[2 * i] or 0), int(row[2 * i + 1]))
    return out
