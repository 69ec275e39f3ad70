"""Where the registry reads enterprises' chain memberships: a source the chains domain lends
(registered by the assembly, `highland.wiring`), so that enterprises never read the chains'
tables by name. Other domains reach this through `enterprises.public`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
