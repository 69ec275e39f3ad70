"""Exact rates and rating summaries of the demand metrics (numerator over denominator; None
when nothing counts: missing is not zero)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from highland.platform.kit import numbers


@dataclass(frozen=True)
class Rate:
    """An exact rate: numerator over denominator (None when the denominator is 0)."""

    num: int
    den: int

    @property
    def value(self) -> Fraction | None:
        """The exact fraction, or None when nothing counts."""
        return Fraction(self.num, self.den) if self.den else None

    @property
    def percent(self) -> float | None:
        """Rounded percentage for display (one decimal), or None."""
        return round(100 * self.num / self.den, 1) if self.den else None

    def __str__(self) -> str:
        return "–" if not self.den else f"{numbers.percent(self.value)} ({self.num}/{self.den})"


@dataclass(frozen=True)
class Satisfaction:
    """Ratings: how many, their sum, and how many are 4 or 5."""

    count: int
    total: int
    high: int

    @property
    def mean(self) -> Fraction | None:
        """Exact mean rating, or None without ratings."""
        return Fraction(self.total, self.count) if self.count else None

    @property
    def mean_display(self) -> float | None:
        """Mean rating rounded to two decimals, or None."""
        return round(self.total / self.count, 2) if self.count else None

    @property
    def high_share(self) -> Rate:
        """Share of ratings ≥ 4."""
        return Rate(self.high, self.count)
