"""Exact integer arithmetic on Polars columns, as the portrait's Python arithmetic does it."""

from __future__ import annotations

import polars as pl

MILLION = 1_000_000


def i128(value: int | pl.Expr) -> pl.Expr:
    """A column or a number as Int128 (products of two Int64 values fit)."""
    if isinstance(value, pl.Expr):
        return value.cast(pl.Int128)
    return pl.lit(value, dtype=pl.Int128)


def round_ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """portrait._round_ratio in Int128 millionths: half-up, ties away from zero."""
    n, d = i128(numerator), i128(denominator)
    # |n| <= 2**66, so |n| * 10**6 < 2**86: far inside Int128.
    scaled, den = n.abs() * i128(MILLION), d.abs()
    quotient = scaled // den
    rounded = quotient + (2 * (scaled - quotient * den) >= den).cast(pl.Int128)
    sign = pl.when((n < 0) != (d < 0)).then(i128(-1)).otherwise(i128(1))
    return sign * rounded
