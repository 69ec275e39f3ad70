"""Values in API shapes: money as yuan strings with two decimals, portrait values and gaps in
human units, ';'-joined lists as lists."""

from __future__ import annotations

from decimal import Decimal

from highland.platform.kit.money import fen_to_yuan
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.model import value_text


def yuan(fen: int | None) -> str | None:
    """Fen as a yuan string with two decimals; None when missing."""
    value = fen_to_yuan(fen)
    return None if value is None else f"{value:.2f}"


def _plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 0.035, 4, 100."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def human(field: str, value: object) -> str | None:
    """A portrait value (integer representation) as a string in the field's human unit."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return value_text(tuple(sorted(str(v) for v in value)))
    spec = FIELDS.get(field)
    if spec is not None and spec.numeric and isinstance(value, int):
        return shortfall_text(field, value)
    return str(value)


def shortfall_text(field: str, n: int) -> str:
    """An amount in the field's integer unit (fen, cents, millionths) in human units."""
    spec = FIELDS[field]
    if spec.kind in ("money", "usd"):
        return f"{Decimal(n).scaleb(-2):.2f}"
    if spec.kind == "ratio":
        return _plain(Decimal(n).scaleb(-6))
    return str(n)


def split(text: str | None) -> list[str]:
    """A ';'-joined column of a details frame as a list."""
    return [x for x in (text or "").split(";") if x]
