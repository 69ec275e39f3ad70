"""Docking records on the platform's workflow engine: staff introduce a need to an achievement
(introduced → met → agreement / no fit); a step out of order, a stale version or a missing
reason is refused with nothing written; the enterprise involved sees its records, others not."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from highland.docking import repository
from highland.docking import workflow as flow
from highland.docking.models import DockingEvent, DockingRecord
from highland.platform.errors import Conflict, Forbidden, InvalidInput
from highland.platform.identity.permissions import Principal, Role
from tests.conftest import ACTOR
from tests.docking.world import bearer, browse, make_world

STAFF = Principal(user_id=0, username="t", role=Role.analyst)
LEADER = Principal(user_id=0, username="l", role=Role.leader)


@pytest.fixture
def world(db: Any, sessions: Any) -> dict[str, Any]:
    return make_world(db, sessions)


def _events(db: Any, record_id: int) -> list[tuple[str, str | None, str]]:
    return [(e.action, e.from_state, e.to_state) for e in repository.events(db, record_id)]


def test_introduce_meet_agree(db: Any, world: Any) -> None:
    row = flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"], "请尽快对接")
    assert (row.state, row.version, row.open) == ("introduced", 1, True)
    assert row.score > 0.9 and row.explanation["why"][0]["key"] == "docking.why.terms"
    flow.act(db, STAFF, ACTOR, row.id, "meet", version=1)
    flow.act(db, STAFF, ACTOR, row.id, "agree", version=2)
    assert (row.state, row.open, row.version) == ("agreement", False, 3)
    assert _events(db, row.id) == [("introduce", None, "introduced"),
                                   ("meet", "introduced", "met"), ("agree", "met", "agreement")]


def test_decline_needs_a_reason(db: Any, world: Any) -> None:
    row = flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"])
    with pytest.raises(InvalidInput) as err:
        flow.act(db, STAFF, ACTOR, row.id, "decline", version=1, data={"reason": "  "})
    assert err.value.code == "docking.record.required_for"
    flow.act(db, STAFF, ACTOR, row.id, "decline", version=1, data={"reason": "成熟度不够"})
    assert row.state == "no_fit"
    assert repository.events(db, row.id)[-1].data == {"reason": "成熟度不够"}


def test_a_step_out_of_order_writes_nothing(db: Any, world: Any) -> None:
    row = flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"])
    with pytest.raises(Conflict) as err:
        flow.act(db, STAFF, ACTOR, row.id, "agree", version=1)
    assert err.value.code == "docking.record.wrong_state"
    assert err.value.params == {"action": "@docking.action.agree",
                                "state": "@docking.state.introduced"}  # fmt: skip
    db.refresh(row)
    assert (row.state, row.version) == ("introduced", 1) and len(_events(db, row.id)) == 1
    with pytest.raises(Conflict) as stale:
        flow.act(db, STAFF, ACTOR, row.id, "meet", version=7)
    assert stale.value.code == "docking.record.stale"


def test_the_same_pair_is_introduced_once(db: Any, world: Any) -> None:
    flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"])
    with pytest.raises(Conflict) as err:
        flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"])
    assert err.value.code == "docking.already_introduced"
    assert db.scalar(select(func.count()).select_from(DockingRecord)) == 1


def test_only_writing_staff_take_steps(db: Any, world: Any) -> None:
    row = flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"])
    with pytest.raises(Forbidden) as err:
        flow.act(db, LEADER, ACTOR, row.id, "meet", version=1)
    assert err.value.code == "docking.record.not_your_part"
    assert flow.allowed_actions(LEADER, row) == [] and flow.allowed_actions(STAFF, row) == [
        "meet", "decline"]  # fmt: skip


def test_events_are_append_only(db: Any, world: Any) -> None:
    row = flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"])
    db.commit()
    with pytest.raises(Exception, match="append-only"):
        db.execute(DockingEvent.__table__.update().where(DockingEvent.record_id == row.id)
                   .values(action="x"))  # fmt: skip
    db.rollback()


def test_enterprise_sees_its_records_and_pages_speak_its_language(
    client: Any, db: Any, world: Any
) -> None:
    own = flow.introduce(db, STAFF, ACTOR, world["need_b"], world["nuaa"])
    other = flow.introduce(db, STAFF, ACTOR, world["need_a"], world["nju"])
    db.commit()
    h = bearer(world, "enterprise")
    assert [r["id"] for r in client.get("/api/v1/docking/records", headers=h).json()["items"]] == [
        own.id]  # fmt: skip
    assert client.get(f"/api/v1/docking/records/{other.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/docking/records/{own.id}", headers=h).json()["actions"] == []
    form = browse(client, world, "analyst")
    resp = client.post(f"/docking/records/{own.id}/actions/agree", data={**form, "version": "1"})
    assert resp.status_code == 409 and "步骤顺序不对" in resp.text
    client.get("/lang/en")
    resp = client.post(f"/docking/records/{own.id}/actions/agree", data={**form, "version": "1"})
    assert "the step is out of order" in resp.text
    resp = client.post(f"/docking/records/{own.id}/actions/meet", data={**form, "version": "1"})
    assert resp.status_code == 303


def test_introduce_from_the_need_page(client: Any, db: Any, world: Any) -> None:
    form = browse(client, world, "analyst")
    resp = client.post("/docking/records", data={**form, "need": str(world["need_a"]),
                                                  "achievement": str(world["nju"])})  # fmt: skip
    assert resp.status_code == 303
    page = client.get(resp.headers["location"])
    assert "已引荐" in page.text and 'data-action="meet"' in page.text
    again = client.post("/api/v1/docking/records", headers=bearer(world, "analyst"),
                        json={"need": world["need_a"], "achievement": world["nju"]})  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "docking.already_introduced"


def test_api_step_out_of_order_and_the_enterprises_view(client: Any, db: Any, world: Any) -> None:
    own = flow.introduce(db, STAFF, ACTOR, world["need_b"], world["nuaa"])
    db.commit()
    h = {**bearer(world, "analyst"), "accept-language": "en"}
    resp = client.post(f"/api/v1/docking/records/{own.id}/actions/agree", headers=h,
                       json={"version": 1})  # fmt: skip
    assert resp.status_code == 409 and resp.json()["code"] == "docking.record.wrong_state"
    resp = client.post(f"/api/v1/docking/records/{own.id}/actions/fly", headers=h,
                       json={"version": 1})  # fmt: skip
    assert resp.status_code == 422 and resp.json()["code"] == "docking.record.unknown_action"
    ok = client.post(f"/api/v1/docking/records/{own.id}/actions/meet", headers=h,
                     json={"version": 1})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["state"] == "met"
    assert ok.json()["actions"] == ["agree", "decline"]
    browse(client, world, "enterprise")
    page = client.get(f"/docking/records/{own.id}")
    assert page.status_code == 200 and "已洽谈" in page.text and "record-action" not in page.text
