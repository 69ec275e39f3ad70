"""Chain tasks and official policy runs → notices: the task's owner (institution handlers, else
the chain's team) and on breach the chain head; enterprises that newly qualify for a policy
after an official run, once per (policy version, enterprise) (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains.governance import service as gov
from highland.chains.governance import sweep as task_sweep
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity import service as identity
from highland.platform.identity.models import User
from highland.platform.notices.models import Notification
from highland.platform.notices.service import text
from highland.policies import service as policies
from tests.chains.test_governance import HEAD, TEAM, act, create
from tests.chains.test_indicators import GovWorld, at, build_world
from tests.conftest import ACTOR
from tests.factories import FIN_HEADER, to_csv, uscc
from tests.policies.test_api import _fin
from tests.policies.test_api import world as policy_world

__all__ = ["policy_world"]


def mine(db: Session, uid: int, **where: Any) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == uid).order_by(Notification.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(Notification, k) == v)
    return list(db.scalars(stmt))


@pytest.fixture
def gw(db: Session) -> GovWorld:
    return build_world(db)


def users(db: Session) -> dict[str, int]:
    out = {}
    for name, role, extra in (
        ("t_head", "chain_head", {"chain_id": 1}),
        ("t_head2", "chain_head", {"chain_id": 2}),
        ("t_team", "chain_team", {"chain_id": 1}),
        ("t_team2", "chain_team", {"chain_id": 2}),
        ("t_zrzy", "handler", {"institution_code": "320115-ZRZY"}),
        ("t_other", "handler", {"institution_code": "320115-OTHER"}),
    ):
        u = identity.create_user(db, ACTOR, username=name, password="password-123", role=role,
                                 **extra)  # fmt: skip
        out[name] = u.id
    return out


def test_assigned_task_reaches_its_owner(db: Session, gw: GovWorld) -> None:
    u = users(db)
    _, (task, short) = create(db, HEAD)
    # Owned by an institution: its handlers; owned by a name only: the chain's team.
    (n,) = mine(db, u["t_zrzy"])
    assert (n.kind, n.ref, n.link, n.dedupe_key) == (
        "task.assigned",
        f"task:{task.id}",
        f"/chain-tasks/{task.id}",
        "e1",
    )
    zh, en = text("zh-CN", n.kind, n.params), text("en", n.kind, n.params)
    assert zh[0] == f"【新任务】产业链任务 #{task.id}：协调用地" and "集成电路" in zh[1]
    assert en[0].startswith(f"[New task] Chain task #{task.id}") and "2026-10-13 23:59" in en[1]
    (m,) = mine(db, u["t_team"])
    assert m.ref == f"task:{short.id}" and "李科长" in text("zh-CN", m.kind, m.params)[1]
    for other in ("t_other", "t_team2", "t_head2", "t_head"):
        assert mine(db, u[other]) == [], other


def test_overdue_task_reaches_owner_and_chain_head_once(db: Session, gw: GovWorld) -> None:
    u = users(db)
    _, (task, short) = create(db, HEAD)
    act(db, TEAM, short, "wait", at(2026, 10, 1), reason="等待")
    task_sweep.sweep_tasks(db, at(2026, 10, 14, 9))
    task_sweep.sweep_tasks(db, at(2026, 10, 14, 10))  # again: nothing new
    assert [n.kind for n in mine(db, u["t_zrzy"])] == ["task.assigned", "task.breach"]
    assert [n.kind for n in mine(db, u["t_head"])] == ["task.breach"]
    assert mine(db, u["t_head2"]) == [] and mine(db, u["t_other"]) == []
    # Done: the chain head is asked to confirm; reopened: the owner hears it.
    act(db, TEAM, task, "done", at(2026, 10, 14, 11), result="完成")
    assert [n.kind for n in mine(db, u["t_head"])] == ["task.breach", "task.done"]
    act(db, HEAD, task, "reopen", at(2026, 10, 14, 12), reason="材料不全")
    assert mine(db, u["t_zrzy"])[-1].kind == "task.reopened"


def test_task_reclock_event_reaches_the_owner(db: Session, gw: GovWorld) -> None:
    u = users(db)
    _, (task, _) = create(db, HEAD)
    old = task.due.isoformat()
    data = {"year": 2027, "due": [old, "2026-10-16T23:59:59+08:00"]}
    gov._log(db, task, ACTOR, "reclock", task.state, task.state, data, at(2026, 10, 2))
    (n,) = mine(db, u["t_zrzy"], kind="task.reclock")
    assert "2026-10-13 23:59" in text("zh-CN", n.kind, n.params)[1]
    assert "2026-10-16 23:59" in text("en", n.kind, n.params)[1]


# ---------------------------------------------------------------- policies


def accounts(db: Session) -> dict[int, int]:
    """An enterprise account for enterprises 1 and 2 (the fixture has one for 2 already)."""
    out = {}
    for n in (1, 2):
        eid = db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(n)))
        u = identity.create_user(db, ACTOR, username=f"firm{n}", password="password-123",
                                 role="enterprise", enterprise_id=eid)  # fmt: skip
        out[n] = u.id
    return out


def refs(db: Session, uid: int) -> list[tuple[str, str]]:
    return [(n.kind, n.ref) for n in mine(db, uid) if n.kind.startswith("policy.")]


def test_official_run_tells_enterprises_what_they_newly_qualify_for(
    db: Session, sessions: Any, policy_world: Any
) -> None:
    firm = accounts(db)
    when = date(2025, 6, 30)
    policies.run_match(db, when, ACTOR)
    # 1 qualifies for all three (t-rd is 免申即享); 2 misses t-rd by R&D intensity.
    assert sorted(refs(db, firm[1])) == [
        ("policy.apply", "policy:t-award"), ("policy.apply", "policy:t-staff"),
        ("policy.auto", "policy:t-rd")]  # fmt: skip
    assert sorted(refs(db, firm[2])) == [
        ("policy.apply", "policy:t-award"), ("policy.apply", "policy:t-staff")]  # fmt: skip
    n = mine(db, firm[1], ref="policy:t-rd")[0]
    assert n.link == f"/enterprises/{uscc(1)}/policies"
    assert "免申即享" in text("zh-CN", n.kind, n.params)[0]
    assert "R&D subsidy (test)" in text("en", n.kind, n.params)[0]
    # Handlers and other staff are never told.
    told = db.scalars(
        select(User.role).join(Notification, Notification.user_id == User.id)
        .where(Notification.kind.like("policy.%"))
    )  # fmt: skip
    assert set(told) == {"enterprise"}
    # The next official run: nothing is new.
    before = len(refs(db, firm[1])) + len(refs(db, firm[2]))
    policies.run_match(db, when, ACTOR)
    assert len(refs(db, firm[1])) + len(refs(db, firm[2])) == before
    # Enterprise 2 spends more on R&D: it newly qualifies for t-rd, and only that is new.
    more = to_csv([_fin(2, "10000000.00", "900000.00", "30")], FIN_HEADER)
    run_import(sessions, ACTOR, "financials", more, "f.csv")
    policies.run_match(db, when, ACTOR)
    assert sorted(refs(db, firm[2]))[-1] == ("policy.auto", "policy:t-rd")
    assert len(refs(db, firm[2])) == 3 and len(refs(db, firm[1])) == 3
