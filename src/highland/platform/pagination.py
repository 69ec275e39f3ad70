"""One way to page through a list: a statement, a page number and a page size give a `Page`.

Every list of the platform (pages, API, exports that page) goes through `paginate`, so the
count, the offset arithmetic and the "is there a next page" answer are written once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `total` is None when the caller chose not to count."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int | None
    more: bool

    @property
    def pages(self) -> int | None:
        """How many pages the list has (None when not counted)."""
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.more

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def count(session: Session, stmt: Select[Any]) -> int:
    """How many rows a statement yields (its ordering is dropped for the count)."""
    sub = stmt.order_by(None).subquery()
    return int(session.execute(select(func.count()).select_from(sub)).scalar_one())


def paginate(
    session: Session,
    stmt: Select[Any],
    page: int,
    per_page: int,
    *,
    counted: bool = True,
    rows: bool = False,
) -> Page[Any]:
    """Page `page` (from 1) of `stmt`, `per_page` long. `counted=False` skips the count (a
    list that only offers "next"); `rows=True` yields whole rows instead of the first column's
    objects (for statements selecting several columns)."""
    page = max(1, page)
    per_page = max(1, per_page)
    window = stmt.limit(per_page + 1).offset((page - 1) * per_page)
    fetched: list[Any] = (
        list(session.execute(window).all()) if rows else list(session.scalars(window).all())
    )
    more = len(fetched) > per_page
    items = fetched[:per_page]
    total: int | None = None
    if counted:
        # The last page tells the total without a count; any other page counts.
        if not more and (items or page == 1):
            total = (page - 1) * per_page + len(items)
        else:
            total = count(session, stmt)
    return Page(items=items, page=page, per_page=per_page, total=total, more=more)
