"""Monthly scheduling records and their tasks: deadlines in working days, every bad input
writing nothing, the task workflow (stale versions, waiting, reopening) and the sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.chains.governance import service as gov
from highland.chains.governance import sweep as task_sweep
from highland.chains.models import ChainMeeting, ChainTask, ChainTaskEvent
from highland.platform.audit.models import AuditEntry
from highland.platform.calendar import load_calendar
from highland.platform.calendar.provisional import task_due_provisional
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.identity import service as identity
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ
from highland.platform.notices.models import Notification
from highland.platform.notices.service import text
from tests.chains.test_indicators import GovWorld, at, build_world
from tests.conftest import ACTOR

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=CITY_TZ)
ADMIN = Principal(user_id=0, username="tester", role=Role.admin)
HEAD = Principal(user_id=0, username="head", role=Role.chain_head, chain_id=1)
TEAM = Principal(user_id=0, username="team", role=Role.chain_team, chain_id=1)
OTHER_HEAD = Principal(user_id=0, username="head2", role=Role.chain_head, chain_id=2)
LEADER = Principal(user_id=0, username="leader", role=Role.leader)


@pytest.fixture
def gw(db: Session) -> GovWorld:
    return build_world(db)


def meeting_in(**over: Any) -> gov.MeetingInput:
    base: dict[str, Any] = {"month": "2026-09", "held_at": at(2026, 9, 30), "place": "区政府",
                            "chaired_by": "张链长", "attendees": "各成员单位",
                            "matters": "产能"}  # fmt: skip
    return gov.MeetingInput(**(base | over))


def decision(**over: Any) -> gov.DecisionInput:
    base: dict[str, Any] = {"title": "协调用地", "owner_institution": "320115-ZRZY",
                            "working_days": 5}  # fmt: skip
    return gov.DecisionInput(**(base | over))


def counts(db: Session) -> tuple[int, int, int]:
    a, b, c = (int(db.scalar(select(func.count()).select_from(m)) or 0)
               for m in (ChainMeeting, ChainTask, ChainTaskEvent))  # fmt: skip
    return a, b, c


def create(db: Session, who: Principal = ADMIN, **over: Any) -> tuple[ChainMeeting, list[Any]]:
    short = decision(title="走访", owner_institution=None, owner_name="李科长", working_days=1)
    decisions = over.pop("decisions", [decision(), short])
    return gov.create_meeting(db, who, ACTOR, 1, meeting_in(**over), decisions, NOW)


def test_create_record_and_tasks(db: Session, gw: GovWorld) -> None:
    meeting, (a, b) = create(db, HEAD)
    assert meeting.month == "2026-09" and meeting.created_by == ACTOR.name
    items: Any = meeting.indicators["items"]
    assert items["members"]["value"] == 3
    # Held on 30 September: 1–7 October are holidays, Saturday 10 October is worked.
    assert a.due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=CITY_TZ)
    assert a.warn_at == datetime(2026, 10, 12, 23, 59, 59, tzinfo=CITY_TZ)
    assert b.due == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CITY_TZ)
    assert b.warn_at == datetime(2026, 9, 30, 23, 59, 59, tzinfo=CITY_TZ)
    assert (a.state, a.open, a.version, a.event_count) == ("open", True, 1, 1)
    assert b.owner_name == "李科长" and b.owner_institution is None
    (ev,) = gov.events(db, a.id)
    assert (ev.seq, ev.action, ev.from_state, ev.to_state) == (1, "create", None, "open")
    assert ev.data["due"] == "2026-10-13T23:59:59+08:00"
    audit = db.scalar(select(AuditEntry).where(AuditEntry.entity == "chain_meeting"))
    assert audit is not None and audit.entity_key == "1/2026-09"
    assert gov.get_meeting(db, 1, "2026-09").id == meeting.id
    assert [m.month for m in gov.meetings(db, 1)] == ["2026-09"]


def test_duplicate_month_is_409(db: Session, gw: GovWorld) -> None:
    create(db)
    before = counts(db)
    with pytest.raises(Conflict) as err:
        create(db, held_at=at(2026, 9, 29))
    assert err.value.status_code == 409 and "already has a scheduling record for 2026-09" in str(
        err.value
    )
    assert counts(db) == before


def test_a_year_without_a_notice_is_provisional_not_refused(db: Session, gw: GovWorld) -> None:
    now = datetime(2026, 12, 30, 12, 0, tzinfo=CITY_TZ)
    record = meeting_in(month="2026-12", held_at=at(2026, 12, 28))
    _, [task] = gov.create_meeting(db, ADMIN, ACTOR, 1, record, [decision(working_days=10)], now)
    # Dec 29–31, then 2027 by the law's statutory days only (1 January off): 12 January.
    assert task.due == datetime(2027, 1, 12, 23, 59, 59, tzinfo=CITY_TZ)
    assert task_due_provisional(load_calendar(db), task) is True
    assert counts(db) == (1, 1, 1)


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"month": "2026-13"}, "month", "YYYY-MM"),
    ({"month": "2026/09"}, "month", "not a month"),
    ({"month": "2026-11"}, "month", "has not begun"),
    ({"held_at": at(2026, 10, 2)}, "held_at", "in the future"),
    ({"held_at": datetime(2026, 9, 30, 10)}, "held_at", "time zone"),
    ({"held_at": None}, "held_at", "required"),
    ({"place": "x" * 201}, "place", "at most 200"),
    ({"decisions": [decision(working_days=0)]}, "decisions[1].working_days", "from 1 to 60"),
    ({"decisions": [decision(working_days=61)]}, "decisions[1].working_days", "from 1 to 60"),
    ({"decisions": [decision(), decision(working_days="x")]}, "decisions[2].working_days", "'x'"),
    ({"decisions": [decision(owner_institution="NOPE")]}, "decisions[1].owner_institution",
     "'NOPE' is not an institution"),
    ({"decisions": [decision(owner_institution="")]}, "decisions[1].owner", "give the owner"),
    ({"decisions": [decision(title=" ")]}, "decisions[1].title", "required"),
]  # fmt: skip


@pytest.mark.parametrize(("over", "field", "text"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_input_writes_nothing(
    db: Session, gw: GovWorld, over: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        create(db, **over)
    assert err.value.field == field and text in err.value.message
    assert counts(db) == (0, 0, 0)


def test_write_access(db: Session, gw: GovWorld) -> None:
    for who in (OTHER_HEAD, LEADER):
        with pytest.raises(Forbidden):
            create(db, who)
    with pytest.raises(NotFound):
        gov.create_meeting(db, ADMIN, ACTOR, 99, meeting_in(), [], NOW)
    assert counts(db) == (0, 0, 0)
    create(db, TEAM)
    with pytest.raises(Forbidden):
        gov.recompute(db, OTHER_HEAD, ACTOR, 1, "2026-09", NOW)


def test_recompute_is_audited(db: Session, gw: GovWorld) -> None:
    meeting, _ = create(db)
    later = datetime(2026, 11, 2, 9, 0, tzinfo=CITY_TZ)
    gov.recompute(db, HEAD, ACTOR, 1, "2026-09", later)
    assert meeting.indicators["computed_at"] == later.isoformat()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "recompute"))
    assert entry is not None


def act(db: Session, who: Principal, task: ChainTask, action: str, when: datetime,
        **data: Any) -> ChainTask:  # fmt: skip
    return gov.act(db, who, ACTOR, task.id, action, version=task.version, data=data, now=when)


def test_workflow_waiting_done_confirm(db: Session, gw: GovWorld) -> None:
    _, (task, _) = create(db)
    act(db, TEAM, task, "start", at(2026, 10, 8))
    with pytest.raises(InvalidInput) as err:
        act(db, TEAM, task, "wait", at(2026, 10, 9))
    assert err.value.field == "reason"
    act(db, TEAM, task, "wait", at(2026, 10, 9), reason="等待规划批复")
    assert task.state == "waiting" and task.paused_at is not None
    # Waited Sat 10 Oct (worked), Mon 12, Tue 13: three working days move the deadline.
    act(db, TEAM, task, "resume", at(2026, 10, 13))
    assert task.state == "in_progress" and task.paused_days == 3
    assert task.due == datetime(2026, 10, 16, 23, 59, 59, tzinfo=CITY_TZ)
    with pytest.raises(Forbidden):
        act(db, TEAM, task, "confirm", at(2026, 10, 14))
    act(db, TEAM, task, "done", at(2026, 10, 14), result="已完成用地预审")
    assert task.done_on_time is True and task.state == "done"
    for who in (OTHER_HEAD, LEADER, TEAM):
        with pytest.raises(Forbidden):
            act(db, who, task, "confirm", at(2026, 10, 15))
    act(db, HEAD, task, "confirm", at(2026, 10, 15))
    assert (task.state, task.open, task.version) == ("confirmed", False, 6)
    seqs = [(e.seq, e.action, e.to_state) for e in gov.events(db, task.id)]
    assert seqs == [(1, "create", "open"), (2, "start", "in_progress"), (3, "wait", "waiting"),
                    (4, "resume", "in_progress"), (5, "done", "done"),
                    (6, "confirm", "confirmed")]  # fmt: skip
    with pytest.raises(Conflict) as stale:
        act(db, HEAD, task, "start", at(2026, 10, 16))
    assert "cannot start a task that is confirmed" in stale.value.message


def test_stale_version_and_reopen(db: Session, gw: GovWorld) -> None:
    _, (task, _) = create(db)
    with pytest.raises(Conflict) as err:
        gov.act(db, TEAM, ACTOR, task.id, "start", version=7, now=at(2026, 10, 8))
    assert err.value.field == "version" and "version 7" in err.value.message
    with pytest.raises(InvalidInput):
        gov.act(db, TEAM, ACTOR, task.id, "fly", version=1, now=at(2026, 10, 8))
    assert task.event_count == 1
    act(db, TEAM, task, "done", at(2026, 10, 14), result="报告")
    assert task.done_on_time is False  # due 13 October
    act(db, HEAD, task, "reopen", at(2026, 10, 15), reason="未落实", working_days=2)
    assert task.state == "reopened" and task.done_at is None
    assert task.due == datetime(2026, 10, 19, 23, 59, 59, tzinfo=CITY_TZ)
    act(db, HEAD, task, "cancel", at(2026, 10, 16), reason="不再需要")
    assert (task.state, task.open) == ("cancelled", False)


def test_sweep_marks_and_notifies(db: Session, gw: GovWorld) -> None:
    head = identity.create_user(db, ACTOR, username="g_head", password="password-123",
                                role="chain_head", chain_id=1)  # fmt: skip
    owner = identity.create_user(db, ACTOR, username="g_zrzy", password="password-123",
                                 role="handler", institution_code="320115-ZRZY")  # fmt: skip
    _, (task, short) = create(db)
    act(db, TEAM, short, "wait", at(2026, 10, 1), reason="等待")
    r = task_sweep.sweep_tasks(db, at(2026, 10, 13, 1))
    assert (r.warned, r.breached, r.notifications) == (1, 0, 1)  # the owner's handler
    db.refresh(task)
    assert task.warned_at is not None and task.version == 1 and task.event_count == 2
    assert task_sweep.sweep_tasks(db, at(2026, 10, 13, 2)).warned == 0
    r = task_sweep.sweep_tasks(db, at(2026, 10, 14, 9))
    assert (r.warned, r.breached) == (0, 1) and "breached 1" in r.summary()
    db.refresh(short)
    assert short.warned_at is None and short.breached_at is None  # waiting: clock stopped
    evs = [(e.seq, e.action, e.actor) for e in gov.events(db, task.id)]
    assert evs == [(1, "create", "tester"), (2, "warning", "system"), (3, "breach", "system")]
    notes = db.scalars(select(Notification).where(Notification.user_id == head.id)).all()
    assert [n.kind for n in notes] == ["task.breach"]  # overdue: the chain head too
    mine = db.scalars(
        select(Notification).where(Notification.user_id == owner.id).order_by(Notification.id)
    ).all()
    assert [n.kind for n in mine] == ["task.assigned", "task.warning", "task.breach"]
    assert {n.link for n in mine} == {f"/chain-tasks/{task.id}"}
    assert "产业链任务" in text("zh-CN", mine[1].kind, mine[1].params)[0]
    # Acting after the sweep: the version did not move, so a form loaded before still works.
    act(db, TEAM, task, "done", at(2026, 10, 14, 10), result="完成")
    assert task.event_count == 4 and task.version == 2
