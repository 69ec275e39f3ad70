"""The kernel's one pagination and one scoping mechanism, on a real table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.enterprises.models import Enterprise
from highland.platform.identity.permissions import Principal, Role
from highland.platform.pagination import count, paginate
from highland.platform.scoping import Scope


def _firms(session: Session, n: int) -> list[Enterprise]:
    out = []
    for i in range(n):
        e = Enterprise(uscc=f"91320115PG{i:07d}X"[:18], name=f"分页企业{i:02d}",
                       district_code="320115", industry_code="3972", industry_section="C",
                       industry_division="39", founded_on=date(2020, 1, 1))  # fmt: skip
        session.add(e)
        out.append(e)
    session.flush()
    return out


def test_pages_know_their_total_and_neighbours(db: Session) -> None:
    firms = _firms(db, 7)
    ids = sorted(f.id for f in firms)
    stmt = select(Enterprise).where(Enterprise.id.in_(ids)).order_by(Enterprise.id)
    first = paginate(db, stmt, 1, 3)
    assert [e.id for e in first.items] == ids[:3]
    assert (first.total, first.pages, first.has_next, first.has_prev) == (7, 3, True, False)
    last = paginate(db, stmt, 3, 3)
    assert [e.id for e in last.items] == ids[6:]
    assert (last.total, last.has_next, last.has_prev) == (7, False, True)
    beyond = paginate(db, stmt, 9, 3)
    assert (list(beyond.items), beyond.total) == ([], 7)
    assert paginate(db, stmt, 2, 3, counted=False).total is None
    assert count(db, stmt) == 7


def test_a_scope_answers_lists_and_single_rows_alike(db: Session) -> None:
    own, other = _firms(db, 2)
    scope = Scope(Enterprise, {Role.enterprise: lambda p: Enterprise.id == (p.enterprise_id or -1)})
    firm = Principal(user_id=1, username="f", role=Role.enterprise, enterprise_id=own.id)
    admin = Principal(user_id=2, username="a", role=Role.admin)
    mine = db.scalars(scope.apply(select(Enterprise.id), firm)).all()
    assert list(mine) == [own.id]
    assert scope.get(db, firm, other.id) is None
    assert scope.get(db, firm, own.id) is own
    assert scope.allows(db, admin, other.id)
    closed = Scope(Enterprise, {}, default=False)
    assert closed.get(db, admin, own.id) is None
