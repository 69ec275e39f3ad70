"""Who receives notices: active users found by where they work (institution, chain, enterprise)
or by user name. Only active users are ever returned; each user once, in id order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.platform.identity.models import User
from highland.platform.identity.permissions import Role

CHUNK = 2000
STAFF = (Role.handler, Role.chain_head, Role.chain_team, Role.leader)


def _unique(ids: Iterable[int]) -> list[int]:
    out: list[int] = []
    for i in ids:
        if i not in out:
            out.append(i)
    return out


@dataclass
class Directory:
    """The active staff who receive notices, loaded in one query (the sweep uses it for
    thousands of notices; an event uses it for one)."""

    handlers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    chain_heads: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    chain_teams: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    leaders: list[int] = field(default_factory=list)
    by_name: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Directory:
        """Load the active handlers, chain heads and teams, leaders, routers (one query)."""
        d = cls()
        rows = session.execute(
            select(User.id, User.username, User.role, User.institution_code, User.chain_id)
            .where(User.is_active.is_(True), User.role != Role.enterprise.value)
            .order_by(User.id)
        )
        for uid, name, role, inst, chain in rows:
            d.by_name[name] = uid
            if role == Role.handler.value and inst:
                d.handlers[inst].append(uid)
            elif role == Role.chain_head.value and chain is not None:
                d.chain_heads[chain].append(uid)
            elif role == Role.chain_team.value and chain is not None:
                d.chain_teams[chain].append(uid)
            elif role == Role.leader.value:
                d.leaders.append(uid)
        return d

    def of_institutions(self, codes: Iterable[str | None]) -> list[int]:
        """The handler users of these institutions."""
        return _unique(uid for code in codes for uid in self.handlers.get(code or "", []))

    def heads(self, chain_id: int | None) -> list[int]:
        """The chain-head users of a chain."""
        return list(self.chain_heads.get(chain_id, [])) if chain_id is not None else []

    def team(self, chain_id: int | None) -> list[int]:
        """The chain-team users of a chain."""
        return list(self.chain_teams.get(chain_id, [])) if chain_id is not None else []

    def escalation(self, chain_id: int | None) -> list[int]:
        """The chain head(s) of the chain, else every leader."""
        return self.heads(chain_id) or list(self.leaders)

    def named(self, *usernames: str | None) -> list[int]:
        """Staff users by user name (e.g. the router who dispatched a demand); unknown names
        (a CLI or system actor) give nobody."""
        return _unique(self.by_name[n] for n in usernames if n and n in self.by_name)


def enterprise_users(session: Session, enterprise_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active enterprise-role users by enterprise id."""
    ids = sorted(set(enterprise_ids))
    out: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        for uid, eid in session.execute(
            select(User.id, User.enterprise_id)
            .where(
                User.is_active.is_(True),
                User.role == Role.enterprise.value,
                User.enterprise_id.in_(ids[start : start + CHUNK]),
            )
            .order_by(User.id)
        ):
            if eid is not None:
                out[eid].append(uid)
    return out


def user_id(session: Session, username: str | None) -> int | None:
    """The id of an active user by name (None for unknown names and CLI/system actors)."""
    if not username:
        return None
    return session.scalar(
        select(User.id).where(User.username == username, User.is_active.is_(True))
    )
