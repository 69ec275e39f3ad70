"""Exact money: integer fen (or cents) in, text out; never floats."""

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


def wan_text(fen: int | None, digits: int = 1) -> str:
    """Format fen as 10,000 yuan (万元) with thousands separators, '—' for missing."""
    if fen is None:
        return "—"
    wan = (Decimal(fen) / 1_000_000).quantize(Decimal(1).scaleb(-digits))
    return f"{wan:,}"


def yuan_display(fen: int | None, symbol: str = "¥") -> str:
    """Format fen for reading: ¥1,234,567 (cents only when there are any), '—' for missing."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{whole:,}" + (f".{cents:02d}" if cents else "")
