"""Exact evaluation in Python, per enterprise, with Fractions; one half-up rounding to the unit."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from highland.policies.rules.amount.syntax import (
    FEN_PER_YUAN,
    INT64_MAX,
    UNITS,
    AmountExpr,
    BinOp,
    Neg,
    Node,
    Num,
    Ref,
    apply_op,
)

# --- exact evaluation in Python -----------------------------------------------------------


def _value(node: Node, values: Mapping[str, int]) -> Fraction:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        return Fraction(values[node.name], node.scale)
    if isinstance(node, Neg):
        return -_value(node.operand, values)
    if isinstance(node, BinOp):
        return apply_op(node.op, _value(node.left, values), _value(node.right, values))
    args = [_value(a, values) for a in node.args]
    return min(args) if node.func == "min" else max(args)


def evaluate_amount(expr: AmountExpr, values: Mapping[str, int | None]) -> Fraction | None:
    """The exact amount in yuan, or None when a used field is missing or a divisor is zero."""
    known: dict[str, int] = {}
    for name in expr.fields:
        value = values.get(name)
        if value is None:
            return None
        known[name] = value
    try:
        return _value(expr.tree, known)
    except ZeroDivisionError:
        return None


def fen_per_unit(unit: str) -> int:
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}") from None


def half_up(numerator: int, denominator: int) -> int:
    # Round |n/d| half-up and reapply the sign: ties go away from zero.
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def round_to_unit(value: Fraction, unit: str) -> int:
    """Round an exact yuan value once, half-up, to a whole number of `unit`; result in fen."""
    unit_fen = fen_per_unit(unit)
    in_units = value * FEN_PER_YUAN / unit_fen
    return half_up(in_units.numerator, in_units.denominator) * unit_fen


def amount_fen(expr: AmountExpr, values: Mapping[str, int | None], unit: str) -> int | None:
    """The amount rounded to `unit`, in fen; None when missing or when it does not fit Int64."""
    value = evaluate_amount(expr, values)
    if value is None:
        return None
    fen = round_to_unit(value, unit)
    # Polars returns Int64; both evaluators treat an amount beyond it as not computable.
    return fen if fits_int64(fen) else None


def fits_int64(value: int) -> bool:
    return -(2**63) <= value <= INT64_MAX
