"""Who may see which rows, declared once per domain.

A domain declares a `Scope` for each table whose rows are not visible to everyone: one rule per
role that turns the signed-in principal into a SQL condition on that table. Pages, API routes,
exports and Open311 all ask the same scope, for lists (`apply`/`condition`) and for one row
(`get`), so a role can never see in one channel what another channel hides from it. A role
without a rule sees every row (`default=True`) or none (`default=False`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from highland.platform.identity.permissions import Principal, Role

Rule = Callable[[Principal], ColumnElement[bool]]
M = TypeVar("M")


class Scope:
    """The visibility of one table's rows by role."""

    def __init__(self, model: Any, rules: Mapping[Role, Rule], *, default: bool = True) -> None:
        self.model = model
        self.rules = dict(rules)
        self.default = default

    def condition(self, principal: Principal) -> ColumnElement[bool]:
        """The SQL condition the principal's visible rows meet."""
        rule = self.rules.get(principal.role)
        if rule is None:
            return true() if self.default else false()
        return rule(principal)

    def apply(self, stmt: Select[Any], principal: Principal) -> Select[Any]:
        """`stmt` narrowed to the rows the principal may see."""
        return stmt.where(self.condition(principal))

    def select(self, principal: Principal) -> Select[Any]:
        """All rows of the table the principal may see."""
        return self.apply(select(self.model), principal)

    def get(self, session: Session, principal: Principal, row_id: Any) -> Any | None:
        """One row by primary key, or None when it does not exist or is out of scope (the
        caller answers 404 either way: never say which)."""
        mapper = self.model.__mapper__
        (key,) = mapper.primary_key
        stmt = select(self.model).where(key == row_id)
        return session.scalars(self.apply(stmt, principal)).first()

    def allows(self, session: Session, principal: Principal, row_id: Any) -> bool:
        """Whether the principal may see the row."""
        return self.get(session, principal, row_id) is not None
