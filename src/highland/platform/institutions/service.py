"""Reading institutions: one by code, whether a code exists, all of them, their names."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.platform.institutions.models import Institution


def get(session: Session, code: str) -> Institution | None:
    """The institution with this code, or None."""
    return session.get(Institution, code)


def exists(session: Session, code: str) -> bool:
    """Whether an institution has this code."""
    return session.get(Institution, code) is not None


def listed(session: Session) -> list[Institution]:
    """Every institution, by code."""
    return list(session.scalars(select(Institution).order_by(Institution.code)))


def names(
    session: Session, codes: Iterable[str] | None = None
) -> dict[str, tuple[str, str | None]]:
    """Code → (Chinese name, English name or None), of the codes given (None: of all)."""
    stmt = select(Institution.code, Institution.name, Institution.name_en)
    if codes is not None:
        stmt = stmt.where(Institution.code.in_(sorted(set(codes))))
    return {code: (name, name_en) for code, name, name_en in session.execute(stmt)}


def first_code(session: Session) -> str | None:
    """The smallest code (demo data assigns its first tasks there), or None without any."""
    return session.scalar(select(Institution.code).order_by(Institution.code).limit(1))
