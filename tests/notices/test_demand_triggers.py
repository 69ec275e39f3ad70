"""Demand events → notices (demands/notices.py): who gets each, who does not, rendered in zh and
en, never twice for one event (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.demands import notices as demand_notices
from highland.demands import service
from highland.demands.models import Demand
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor
from highland.platform.errors import Conflict
from highland.platform.identity import service as identity
from highland.platform.identity.models import User
from highland.platform.identity.permissions import Principal, Role
from highland.platform.notices import service as notices
from highland.platform.notices.models import Notification
from tests.conftest import ACTOR
from tests.demands.test_sweep import NOW, World, build_world, text_of
from tests.demands.test_sweep import notices as stored
from tests.factories import uscc


@pytest.fixture
def world(db: Session, sessions: Any) -> World:
    """The sweep's world plus two routers and one account per enterprise."""
    w = build_world(db, sessions)
    for name, role, extra in (
        ("router1", "analyst", {}),
        ("router2", "analyst", {}),
        ("boss2", "leader", {}),
    ):
        u = identity.create_user(db, ACTOR, username=name, password="password-123", role=role,
                                 **extra)  # fmt: skip
        w.users[name] = u.id
    for n in (1, 2):
        eid = db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(n)))
        u = identity.create_user(db, ACTOR, username=f"ent{n}", password="password-123",
                                 role="enterprise", enterprise_id=eid)  # fmt: skip
        w.users[f"ent{n}"] = u.id
    db.flush()
    return w


def who(db: Session, w: World, name: str) -> tuple[Principal, Actor]:
    user = db.get(User, w.users[name])
    assert user is not None
    r = Role(user.role)
    p = Principal(user_id=user.id, username=name, role=r, enterprise_id=user.enterprise_id,
                  institution_code=user.institution_code)  # fmt: skip
    return p, Actor(name, r.value, "ui")


def dispatched(db: Session, w: World, n: int = 1) -> Demand:
    p, a = who(db, w, "router1")
    data = service.DemandInput(enterprise=uscc(n), category="permit", title="新厂房施工许可",
                               description="需要加快审批。")  # fmt: skip
    return service.file_demand(db, p, a, data, dispatch=True, now=NOW)


def act(db: Session, w: World, name: str, d: Demand, action: str, **data: Any) -> Demand:
    p, a = who(db, w, name)
    return service.act(db, p, a, d.id, action, version=d.version, data=data,
                       now=NOW + timedelta(hours=1))  # fmt: skip


def users_of(db: Session, kind: str, d: Demand) -> list[int]:
    return [n.user_id for n in stored(db, kind=kind, ref=f"demand:{d.id}")]


def test_dispatch_reaches_the_lead_and_co_handlers_only(db: Session, world: World) -> None:
    u = world.users
    d = dispatched(db, world)
    assert users_of(db, "demand.dispatched", d) == [u["zw1"], u["zw2"], u["sj1"]]
    assert not stored(db, user_id=u["gx1"]) and not stored(db, user_id=u["ent1"])
    assert not stored(db, user_id=u["router1"])  # the actor is not told of their own action
    n = stored(db, kind="demand.dispatched", user_id=u["zw1"])[0]
    assert (n.ref, n.link, n.dedupe_key) == (f"demand:{d.id}", f"/demands/{d.id}", "e2")
    zh, en = text_of(n), text_of(n, "en")
    assert zh[0] == f"【新交办】诉求 #{d.id}：新厂房施工许可"
    assert "区政务服务管理办公室" in zh[1] and "2026-03-09 23:59（北京时间）" in zh[1]
    assert en[0] == f"[New] Demand #{d.id}: 新厂房施工许可"
    assert "District Government Services Office" in en[1] and "Nanjing Test 1" in en[1]
    assert "2026-03-04 23:59" in en[1]  # the response deadline, Beijing time


def test_return_reaches_the_router_who_dispatched(db: Session, world: World) -> None:
    u = world.users
    d = dispatched(db, world)
    act(db, world, "zw1", d, "return", reason="不属于本单位职责")
    assert users_of(db, "demand.returned", d) == [u["router1"]]
    (n,) = stored(db, kind="demand.returned")
    assert "不属于本单位职责" in text_of(n)[1] and "区政务服务管理办公室" in text_of(n)[1]
    assert not stored(db, user_id=u["router2"])


def test_transfer_reaches_the_router_and_the_new_institution(db: Session, world: World) -> None:
    u = world.users
    d = dispatched(db, world)
    act(db, world, "router2", d, "transfer", institution="GX", reason="职责调整")
    assert users_of(db, "demand.transferred", d) == [u["router1"]]
    assert users_of(db, "demand.transferred_in", d) == [u["gx1"]]
    assert not stored(db, kind="demand.transferred", user_id=u["router2"])  # the actor
    n = stored(db, kind="demand.transferred_in")[0]
    assert "区政务服务管理办公室" in text_of(n)[1] and "区工业和信息化局" in text_of(n)[1]
    assert "District Government Services Office" in text_of(n, "en")[1]
    assert "区工业和信息化局" in text_of(n, "en")[1]  # no English name: the Chinese one


def test_resolve_asks_the_enterprise_to_confirm_and_rate(db: Session, world: World) -> None:
    u = world.users
    d = dispatched(db, world)
    act(db, world, "zw1", d, "accept")
    act(db, world, "zw1", d, "resolve", resolution="已办结")
    assert users_of(db, "demand.resolved", d) == [u["ent1"]]
    assert not stored(db, user_id=u["ent2"])
    (n,) = stored(db, kind="demand.resolved")
    assert n.link == f"/demands/{d.id}#action-confirm"
    assert "评分" in text_of(n)[1] and "rate" in text_of(n, "en")[1]
    # Not solved: the institution hears it back.
    p, a = who(db, world, "ent1")
    service.act(db, p, a, d.id, "confirm", version=d.version,
                data={"verdict": "not", "rating": 2, "comment": "仍未解决"},
                now=NOW + timedelta(hours=2))  # fmt: skip
    assert users_of(db, "demand.reopened", d) == [u["zw1"], u["zw2"], u["sj1"]]


def test_events_of_other_branches_map_by_action(db: Session, world: World) -> None:
    """reclock (calendar), extend_ask / extend_ok / extend_no (practice), written through the
    one event writer, as those branches will."""
    u = world.users
    d = dispatched(db, world)
    old, new = d.resolution_due.isoformat(), (d.resolution_due + timedelta(days=3)).isoformat()
    a = Actor("system", None, "system")

    def log(action: str, data: dict[str, Any]) -> None:
        service._log(db, d, a, action, d.state, d.state, data, NOW + timedelta(hours=3))

    log("reclock", {"year": 2027, "resolution_due": [old, new]})
    assert users_of(db, "demand.reclock", d) == [u["zw1"], u["zw2"]]
    (n,) = stored(db, kind="demand.reclock", user_id=u["zw1"])
    assert "2027 年" in text_of(n)[1] and "2026-03-09 23:59" in text_of(n)[1]
    assert "2026-03-12 23:59" in text_of(n, "en")[1]
    log("extend_ask", {"days": 5, "reason": "需现场核查", "request_id": 1})
    assert sorted(users_of(db, "demand.extend_ask", d)) == sorted(
        [u["router1"], u["boss"], u["boss2"]]
    )
    log("extend_ok", {"request_id": 1, "days": 5, "old_due": old, "new_due": new})
    assert users_of(db, "demand.extend_ok", d) == [u["zw1"], u["zw2"]]
    log("extend_no", {"request_id": 2, "reason": "理由不充分"})
    assert users_of(db, "demand.extend_no", d) == [u["zw1"], u["zw2"]]
    assert "理由不充分" in text_of(stored(db, kind="demand.extend_no")[0])[1]
    # Nothing else reaches another institution or an enterprise.
    assert not stored(db, user_id=u["gx1"]) and not stored(db, user_id=u["ent1"])
    # An action no one maps (a callback) notifies nobody.
    before = db.scalar(select(func.count()).select_from(Notification))
    log("callback", {"reached": True})
    assert db.scalar(select(func.count()).select_from(Notification)) == before


def test_no_duplicate_on_retry_or_resubmission(db: Session, world: World) -> None:
    d = dispatched(db, world)
    count = db.scalar(select(func.count()).select_from(Notification))
    # A retry of the notify step for the same event (same seq) stores nothing new.
    again = demand_notices.on_event(db, d, Actor("router1", "analyst", "ui"), "dispatch",
                                    "dispatched", {"institution": "ZW", "co": ["SJ"]},
                                    NOW)  # fmt: skip
    assert again == 0
    # Re-submitting a form (the same version) is refused and writes no notice.
    act(db, world, "zw1", d, "return", reason="不属于本单位")
    count = db.scalar(select(func.count()).select_from(Notification))
    p, a = who(db, world, "router1")
    with pytest.raises(Conflict):
        service.act(db, p, a, d.id, "dispatch", version=d.version - 1, data={})
    assert db.scalar(select(func.count()).select_from(Notification)) == count
    # A second dispatch is a new event: the handlers are told again (key e<seq>).
    act(db, world, "router1", d, "dispatch")
    keys = [n.dedupe_key for n in stored(db, kind="demand.dispatched", user_id=world.users["zw1"])]
    assert keys == ["e2", "e4"]
    # The same notice given twice in one call is stored once.
    n = notices.Notice("legacy", f"demand:{d.id}", f"/demands/{d.id}", {"subject": "x"}, "k")
    assert notices.notify(db, [world.users["zw1"], world.users["zw1"]], n) == 1
    assert notices.notify(db, [world.users["zw1"]], n) == 0


def test_a_notice_without_a_demand_is_unique_too(db: Session, world: World) -> None:
    """NULLs never take part: a notice about a task (no demand) exists once per key."""
    n = notices.Notice("task.assigned", "task:7", "/chain-tasks/7", {"id": 7, "title": "走访"},
                       "e1")  # fmt: skip
    assert notices.notify(db, [world.users["team1"]], n) == 1
    assert notices.notify(db, [world.users["team1"]], n) == 0
    rows = notices.row(world.users["team1"], n, NOW)
    assert notices.store_rows(db, [rows, rows]) == 0
