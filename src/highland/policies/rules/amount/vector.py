"""Exact evaluation in Polars, set-based, with Int128 (or, when proven enough, Int64)
numerator/denominator pairs.

Polars Int128 arithmetic wraps silently on overflow, so every step is bounded from the
catalogue bounds and refused (AmountSyntaxError) before it could exceed 2**126."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TypeAlias

import polars as pl

from highland.policies.rules.amount.exact import fen_per_unit, fits_int64, half_up
from highland.policies.rules.amount.syntax import (
    FEN_PER_YUAN,
    INT128_LIMIT,
    MAX_REFS,
    OUTPUT_NAME,
    AmountExpr,
    AmountSyntaxError,
    BinOp,
    Neg,
    Node,
    Num,
    Ref,
)

# --- exact evaluation in Polars -----------------------------------------------------------

# An int is a value known statically, kept out of Polars for as long as possible.
_Term: TypeAlias = int | pl.Expr


@dataclass(frozen=True)
class _Pair:
    """num/den with den > 0; the value is null exactly when num is null.

    The *_refs count column references once Polars expands the shared sub-expressions into a
    tree: planning time grows with them, and min/max and division reference operands twice.
    """

    num: _Term
    den: _Term
    num_max: int  # bound on |num|
    den_max: int
    num_refs: int
    den_refs: int


# The integer type of the evaluation and the bound every intermediate value must stay under:
# Int128 (2**126) always works; Int64 (2**62) is several times faster and is used when the
# bounds prove it enough (polars_amount_fen(narrow=True)).
_WIDTH: ContextVar[tuple[type[pl.DataType], int]] = ContextVar(
    "amount_width", default=(pl.Int128, INT128_LIMIT)
)
NARROW_LIMIT = 2**62
# Bounds of the inputs tighter than the catalogue's: the largest magnitude in the data.
_BOUNDS: ContextVar[Mapping[str, int] | None] = ContextVar("amount_bounds", default=None)


def _lit(term: _Term) -> pl.Expr:
    return pl.lit(term, dtype=_WIDTH.get()[0]) if isinstance(term, int) else term


def _mul(x: _Term, y: _Term) -> _Term:
    if isinstance(x, int) and isinstance(y, int):
        return x * y
    # Multiplying by zero stays in Polars so that a null operand still yields null.
    if isinstance(y, int) and y == 1:
        return x
    if isinstance(x, int) and x == 1:
        return y
    return _lit(x) * _lit(y)


def _add(x: _Term, y: _Term, sign: int) -> _Term:
    if isinstance(x, int) and isinstance(y, int):
        return x + sign * y
    return _lit(x) + _lit(y) if sign > 0 else _lit(x) - _lit(y)


def _neg(x: _Term) -> _Term:
    # Polars 2.1 has no unary negation for Int128; subtraction from zero works.
    return -x if isinstance(x, int) else pl.lit(0, dtype=_WIDTH.get()[0]) - x


def _fit(value: int, column: int) -> int:
    if value > _WIDTH.get()[1]:
        raise AmountSyntaxError(
            "expression too large to evaluate exactly (intermediate values could exceed 2**126)",
            column,
            "too_large",
        )
    return value


def _affordable(refs: int, column: int) -> None:
    if refs > MAX_REFS:
        raise AmountSyntaxError(
            "expression too complex (too many nested min/max or /)", column, "too_complex"
        )


def _static(value: Fraction, column: int) -> _Pair:
    num, den = value.numerator, value.denominator
    return _Pair(num, den, _fit(abs(num), column), _fit(den, column), 0, 0)


def _sum(x: _Pair, y: _Pair, sign: int, column: int) -> _Pair:
    if isinstance(x.den, int) and isinstance(y.den, int):
        # A common static denominator keeps the numbers far smaller than cross multiplication.
        den = math.lcm(x.den, y.den)
        fx, fy = den // x.den, den // y.den
        num = _add(_mul(x.num, fx), _mul(y.num, fy), sign)
        num_max = _fit(x.num_max * fx + y.num_max * fy, column)
        return _Pair(num, den, num_max, _fit(den, column), x.num_refs + y.num_refs, 0)
    num = _add(_mul(x.num, y.den), _mul(y.num, x.den), sign)
    return _Pair(
        num,
        _mul(x.den, y.den),
        _fit(x.num_max * y.den_max + y.num_max * x.den_max, column),
        _fit(x.den_max * y.den_max, column),
        _all_refs(x) + _all_refs(y),
        x.den_refs + y.den_refs,
    )


def _all_refs(pair: _Pair) -> int:
    return pair.num_refs + pair.den_refs


def _cancel(num: _Term, num_max: int, den: _Term, den_max: int) -> _Pair:
    if isinstance(num, int) and isinstance(den, int) and num:
        g = math.gcd(num, den)
        return _Pair(num // g, den // g, abs(num) // g, den // g, 0, 0)
    return _Pair(num, den, num_max, den_max, 0, 0)


def _product(x: _Pair, y: _Pair, column: int) -> _Pair:
    a = _cancel(x.num, x.num_max, y.den, y.den_max)  # x.num over y.den
    b = _cancel(y.num, y.num_max, x.den, x.den_max)  # y.num over x.den
    return _Pair(
        _mul(a.num, b.num),
        _mul(b.den, a.den),
        _fit(a.num_max * b.num_max, column),
        _fit(a.den_max * b.den_max, column),
        x.num_refs + y.num_refs,
        x.den_refs + y.den_refs,
    )


def _quotient(x: _Pair, y: _Pair, column: int) -> _Pair:
    if isinstance(y.num, int):
        if y.num == 0:
            raise AmountSyntaxError("division by zero", column, "division_by_zero")
        return _product(x, _static(1 / Fraction(y.num, _static_den(y)), column), column)
    # A zero divisor becomes null, which then propagates: a division by zero has no amount.
    nonzero = pl.when(y.num != 0).then(y.num)
    return _Pair(
        _lit(_mul(x.num, y.den)) * nonzero.sign(),  # the sign moves up: den stays positive
        _mul(x.den, nonzero.abs()),
        _fit(x.num_max * y.den_max, column),
        _fit(x.den_max * y.num_max, column),
        x.num_refs + y.den_refs + y.num_refs,
        x.den_refs + y.num_refs,
    )


def _static_den(pair: _Pair) -> int:
    assert isinstance(pair.den, int), "a static numerator always has a static denominator"
    return pair.den


def _extreme(func: str, x: _Pair, y: _Pair, column: int) -> _Pair:
    if isinstance(x.den, int) and isinstance(y.den, int):
        return _extreme_static(func, x, y, x.den, y.den, column)
    _fit(x.num_max * y.den_max, column)
    _fit(y.num_max * x.den_max, column)
    left, right = _lit(_mul(x.num, y.den)), _lit(_mul(y.num, x.den))
    first = left <= right if func == "min" else left >= right
    # Two whens and no otherwise: a null comparison (null operand) gives a null result.
    num = pl.when(first).then(_lit(x.num)).when(first.not_()).then(_lit(y.num))
    den = pl.when(first).then(_lit(x.den)).otherwise(_lit(y.den))
    refs = _all_refs(x) + _all_refs(y)
    return _Pair(
        num,
        den,
        max(x.num_max, y.num_max),
        max(x.den_max, y.den_max),
        2 * refs + x.num_refs + y.num_refs,
        refs + x.den_refs + y.den_refs,
    )


def _extreme_static(func: str, x: _Pair, y: _Pair, xden: int, yden: int, column: int) -> _Pair:
    # Over a common static denominator only the numerators matter, and
    # min/max(a, c) = (a + c -/+ |a - c|) / 2 references each side twice instead of three times
    # and lets nulls propagate by themselves.
    den = math.lcm(xden, yden)
    fx, fy = den // xden, den // yden
    a, c = _mul(x.num, fx), _mul(y.num, fy)
    if isinstance(a, int) and isinstance(c, int):
        return _static(Fraction(min(a, c) if func == "min" else max(a, c), den), column)
    num_max = _fit(max(x.num_max * fx, y.num_max * fy), column)
    _fit(2 * num_max, column)
    spread = _lit(_add(a, c, -1)).abs()
    twice = _add(_add(a, c, 1), spread, -1 if func == "min" else 1)
    refs = 2 * (x.num_refs + y.num_refs)
    if _WIDTH.get()[1] == NARROW_LIMIT:  # twice over 2·den: the same value, no division
        return _Pair(twice, 2 * den, _fit(2 * num_max, column), _fit(2 * den, column), refs, 0)
    num = _lit(twice) // pl.lit(2, dtype=_WIDTH.get()[0])  # exact: twice is always even
    return _Pair(num, den, num_max, _fit(den, column), refs, 0)


_BINARY: dict[str, Callable[[_Pair, _Pair, int], _Pair]] = {
    "+": lambda x, y, column: _sum(x, y, 1, column),
    "-": lambda x, y, column: _sum(x, y, -1, column),
    "*": _product,
    "/": _quotient,
}


def compile_pair(node: Node) -> _Pair:
    if isinstance(node, Num):
        return _static(node.value, node.column)
    if isinstance(node, Ref):
        column = pl.col(node.name).cast(_WIDTH.get()[0])
        bound = min(node.bound, (_BOUNDS.get() or {}).get(node.name, node.bound))
        return _Pair(column, node.scale, bound, node.scale, 1, 0)
    if isinstance(node, Neg):
        inner = compile_pair(node.operand)
        return replace(inner, num=_neg(inner.num))
    if isinstance(node, BinOp):
        pair = _BINARY[node.op](compile_pair(node.left), compile_pair(node.right), node.column)
    else:
        pair = _fold_extreme(node.func, [compile_pair(a) for a in node.args], node.column)
    _affordable(_all_refs(pair), node.column)
    return pair


def _fold_extreme(func: str, pairs: Sequence[_Pair], column: int) -> _Pair:
    result = pairs[0]
    for pair in pairs[1:]:
        result = _extreme(func, result, pair, column)
        _affordable(_all_refs(result), column)
    return result


def rounded(pair: _Pair, unit_fen: int, column: int) -> pl.Expr:
    num, den = _mul(pair.num, FEN_PER_YUAN), _mul(pair.den, unit_fen)
    num_max, den_max = pair.num_max * FEN_PER_YUAN, pair.den_max * unit_fen
    _fit(2 * num_max + den_max, column)
    _fit(2 * den_max, column)
    if _WIDTH.get()[1] == NARROW_LIMIT:  # the amount itself must fit too (no cast to null)
        # The rounded magnitude is at most (2|num| + den) // 2den, den >= 1 when not static.
        least_den = den if isinstance(den, int) else 1
        _fit((2 * num_max + den_max) // (2 * least_den) * unit_fen, column)
    _affordable(2 * _all_refs(pair), column)
    if isinstance(num, int) and isinstance(den, int):
        exact = half_up(num, den) * unit_fen
        return pl.lit(exact if fits_int64(exact) else None, dtype=pl.Int64)
    # Half-up on the magnitude, then the sign back; both operands of // are non-negative, so
    # Polars' floor division cannot differ from truncation here.
    magnitude = (_lit(num).abs() * 2 + _lit(den)) // (_lit(den) * 2)
    fen = _lit(_mul(magnitude * _lit(num).sign(), unit_fen))
    # A non-strict cast turns an amount beyond Int64 into null, as amount_fen returns None.
    return fen.cast(pl.Int64, strict=False)


def polars_amount_fen(
    expr: AmountExpr, unit: str, narrow: bool = False, bounds: Mapping[str, int] | None = None
) -> pl.Expr:
    """A Polars Int64 expression, named 'amount_fen', equal to `amount_fen` on every row.

    narrow: evaluate in Int64 when the bounds prove that no intermediate value can exceed
    2**62, else in Int128 as always. `bounds` may tighten the catalogue's bound of an input
    (the largest magnitude actually present). Only for rows whose inputs lie within both
    bounds (beyond them the Int64 arithmetic could wrap): callers null the other rows.
    """
    unit_fen = fen_per_unit(unit)
    if narrow:
        width = _WIDTH.set((pl.Int64, NARROW_LIMIT))
        tight = _BOUNDS.set(bounds or {})
        try:
            return rounded(compile_pair(expr.tree), unit_fen, expr.tree.column).alias(OUTPUT_NAME)
        except AmountSyntaxError:
            pass  # too large for Int64: the Int128 evaluation below
        finally:
            _BOUNDS.reset(tight)
            _WIDTH.reset(width)
    return rounded(compile_pair(expr.tree), unit_fen, expr.tree.column).alias(OUTPUT_NAME)
