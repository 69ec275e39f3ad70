"""Where the registry reads enterprises' chain memberships and high-growth categories: sources
the chains and growth domains lend (registered by the assembly, `highland.wiring`), so that
enterprises never read those domains' tables by name. Other domains reach this through
`enterprises.public`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class MembershipSource:
    """Where enterprises' accepted chain memberships are read: a FROM clause, the condition of
    an accepted membership in a chain not retired, and the columns of the enterprise id, the
    chain code and the segment code."""

    source: Any
    where: ColumnElement[bool]
    enterprise_id: ColumnElement[Any]
    chain: ColumnElement[Any]
    segment: ColumnElement[Any]


_provider: Callable[[], MembershipSource] | None = None


def register_chain_memberships(provider: Callable[[], MembershipSource]) -> None:
    """Lend the registry the chains' memberships (without it, every enterprise has none)."""
    global _provider
    _provider = provider


def membership_source() -> MembershipSource | None:
    """The memberships lent by the chains domain, or None when none is registered."""
    return _provider() if _provider is not None else None


@dataclass(frozen=True)
class CategorySource:
    """Where enterprises' categories on the high-growth list valid at a date are read (lent by
    the growth domain): a FROM clause, the condition of a line of that list, and the columns
    of the enterprise id and the category code."""

    source: Any
    where: ColumnElement[bool]
    enterprise_id: ColumnElement[Any]
    category: ColumnElement[Any]


_categories: Callable[[date], CategorySource] | None = None


def register_growth_categories(provider: Callable[[date], CategorySource]) -> None:
    """Lend the registry the high-growth categories (without it, every firm is on no list)."""
    global _categories
    _categories = provider


def category_source(as_of: date) -> CategorySource | None:
    """The categories lent by the growth domain as of a date, or None when none is lent."""
    return _categories(as_of) if _categories is not None else None
