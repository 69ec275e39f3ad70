"""Exact money: integer fen (or cents) in, exact yuan out; never floats. What a person reads
(万元/亿元, exact yuan on hover) is written by `highland.platform.kit.numbers`."""

from __future__ import annotations

from decimal import Decimal


def fen_to_yuan(fen: int | None) -> Decimal | None:
    """Convert fen to a Decimal amount of yuan (None stays None: missing is not zero)."""
    if fen is None:
        return None
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def yuan_text(fen: int | None) -> str:
    """Format fen as yuan with 2 decimals, empty for missing (import/export format)."""
    value = fen_to_yuan(fen)
    return "" if value is None else f"{value:.2f}"
