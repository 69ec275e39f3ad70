"""The 12345 practice in the services: request types, urgency tiers, extension requests,
callbacks — each refusal with its code and nothing written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.demands import callbacks, extensions, reference, repository, service
from highland.demands.models import Demand, DemandCategory, DemandEvent
from highland.demands.practice.models import DemandCallback, DemandExtension
from highland.platform.audit.models import AuditEntry
from highland.platform.audit.service import Actor
from highland.platform.calendar import load_calendar
from highland.platform.errors import Conflict, Forbidden, HighlandError, InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import error_text
from tests.conftest import ACTOR
from tests.demands.world import T0, World, build, data

URGENT = """\
categories:
  - code: land
    name: 土地与空间
    name_en: Land and space
    response_days: 1
    resolution_days: 10
    urgent: {response_days: 0, resolution_days: 3}
"""


def actor(p: Principal) -> Actor:
    return Actor(p.username, p.role.value, "ui")


def sh(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=CITY_TZ)


@pytest.fixture
def w(db: Session, sessions: Any) -> World:
    return build(db, sessions)


def written(db: Session) -> tuple[int, ...]:
    """Everything a refused request must leave as it was."""
    return tuple(
        db.scalar(select(func.count()).select_from(t))
        for t in (Demand, DemandEvent, DemandExtension, DemandCallback, AuditEntry)
    ) + (db.scalar(select(func.sum(Demand.version))) or 0,)


def refused(db: Session, exc: type[HighlandError], code: str, fn: Any, *a: Any, **kw: Any) -> None:
    before = written(db)
    with pytest.raises(exc) as info, db.begin_nested():
        fn(*a, **kw)
    assert info.value.code == code, info.value.message
    zh, en = error_text("zh-CN", info.value), error_text("en", info.value)
    assert zh != en and "practice." not in zh and "{" not in zh + en, (zh, en)
    assert written(db) == before


def filed(db: Session, w: World, at: datetime = T0, **kw: Any) -> Demand:
    return service.file_demand(
        db, w.analyst, actor(w.analyst), data(w.b, **kw), dispatch=True, now=at
    )


def step(db: Session, p: Principal, d: Demand, action: str, at: datetime, **payload: Any) -> Demand:
    return service.act(db, p, actor(p), d.id, action, version=d.version, data=payload, now=at)


def working(db: Session, w: World, at: datetime = T0, **kw: Any) -> Demand:
    d = filed(db, w, at, **kw)
    d = step(db, w.land, d, "accept", at)
    return step(db, w.land, d, "start", at)


def ask(
    db: Session, p: Principal, d: Demand, days: Any, reason: Any = "需要补充测绘", **kw: Any
) -> Any:
    return extensions.ask(
        db, p, actor(p), d.id, version=d.version, days=days, reason=reason, now=kw.get("at", T0)
    )


def decide(db: Session, p: Principal, d: Demand, req: Any, approve: Any, **kw: Any) -> Any:
    return extensions.decide(
        db, p, actor(p), d.id, req.id, version=d.version, approve=approve,
        reason=kw.get("reason"), now=kw.get("at", T0),
    )  # fmt: skip


# ---------------------------------------------------------------- request types


def test_request_type_is_stored_in_the_event_and_filters_lists(db: Session, w: World) -> None:
    a = filed(db, w, request_type="complaint")
    b = filed(db, w)
    assert (a.request_type, b.request_type) == ("complaint", None)
    first = db.scalar(
        select(DemandEvent).where(DemandEvent.demand_id == a.id, DemandEvent.seq == 1)
    )
    assert first is not None and first.data["request_type"] == "complaint"

    def ids(t: str) -> set[Demand]:
        return set(db.scalars(repository.demands(w.admin, repository.DemandFilter(request_type=t))))

    assert {d.id for d in ids("complaint")} == {a.id}
    assert b.id in {d.id for d in ids("none")} and a.id not in {d.id for d in ids("none")}


def test_unknown_request_type_is_refused_with_nothing_written(db: Session, w: World) -> None:
    refused(
        db, InvalidInput, "practice.request_type_unknown",
        service.file_demand, db, w.analyst, actor(w.analyst), data(w.b, request_type="gripe"),
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        db.scalars(repository.demands(w.admin, repository.DemandFilter(request_type="gripe")))


# ---------------------------------------------------------------- urgency tiers


def test_urgent_tier_sets_same_day_response_and_records_its_limits(db: Session, w: World) -> None:
    reference.load_reference(db, ACTOR, URGENT, "tiers.yaml")
    cat = db.get(DemandCategory, "land")
    assert cat is not None and (cat.urgent_response_days, cat.urgent_resolution_days) == (0, 3)
    d = filed(db, w, priority="urgent")  # Friday 2026-02-13 10:00, a working day
    assert d.response_due == sh(2026, 2, 13, 23, 59).replace(second=59)
    cal = load_calendar(db)
    assert d.resolution_due == cal.add_working_days(T0, 3)
    ev = db.scalar(
        select(DemandEvent).where(DemandEvent.demand_id == d.id, DemandEvent.action == "dispatch")
    )
    assert ev is not None and ev.data["limits"] == [0, 3] and ev.data["tier"] == "urgent"
    normal = filed(db, w, priority="high")
    assert normal.resolution_due == cal.add_working_days(T0, 10)


def test_same_day_response_filed_on_a_holiday_is_due_at_the_end_of_the_next_working_day(
    db: Session, w: World
) -> None:
    reference.load_reference(db, ACTOR, URGENT, "tiers.yaml")
    # Sunday 2026-02-15 is in the Spring Festival holiday (15–23 February).
    d = filed(db, w, at=sh(2026, 2, 15), priority="urgent")
    assert d.response_due == datetime(2026, 2, 24, 23, 59, 59, tzinfo=CITY_TZ)


def test_urgent_priority_without_a_tier_keeps_the_normal_limits(db: Session, w: World) -> None:
    d = filed(db, w, priority="urgent")
    assert d.resolution_due == load_calendar(db).add_working_days(T0, 10)


@pytest.mark.parametrize(
    ("urgent", "where", "code"),
    [
        ("{response_days: 0, resolution_days: 0}", "urgent.resolution_days", "practice.tier_days"),
        ("{response_days: -1, resolution_days: 3}", "urgent.response_days", "practice.tier_days"),
        ("{response_days: 0.5, resolution_days: 3}", "urgent.response_days", "practice.tier_days"),
        ("{response_days: x, resolution_days: 3}", "urgent.response_days", "practice.tier_days"),
        ("{response_days: 0}", "urgent.resolution_days", "practice.tier_incomplete"),
        (
            "{response_days: 0, resolution_days: 3, note: a}",
            "urgent",
            "practice.tier_unknown_field",
        ),
        (
            "{response_days: 0, resolution_days: 30}",
            "urgent.resolution_days",
            "practice.tier_slower",
        ),
        ("{response_days: 3, resolution_days: 2}", "urgent.response_days", "practice.tier_order"),
        ("fast", "urgent", "practice.tier_mapping"),
    ],
)
def test_reference_file_tier_mistakes_are_refused_whole(
    db: Session, w: World, urgent: str, where: str, code: str
) -> None:
    text = (
        "categories:\n"
        "  - {code: new1, name: 新类, name_en: New, response_days: 1, resolution_days: 5}\n"
        f"  - {{code: land, name: 土地, name_en: Land, response_days: 1, resolution_days: 10,"
        f" urgent: {urgent}}}\n"
    )
    before = written(db), db.scalar(select(func.count()).select_from(DemandCategory))
    with pytest.raises(InvalidInput) as info, db.begin_nested():
        reference.load_reference(db, ACTOR, text, "ref.yaml")
    assert info.value.code == code
    assert f"ref.yaml: categories[2].{where}" in info.value.message
    assert f"categories[2].{where}" in error_text("zh-CN", info.value)
    assert (written(db), db.scalar(select(func.count()).select_from(DemandCategory))) == before
    assert db.get(DemandCategory, "new1") is None


# ---------------------------------------------------------------- extensions


def test_approved_extension_moves_the_resolution_deadline_from_the_current_one(
    db: Session, w: World
) -> None:
    d = working(db, w)
    cal = load_calendar(db)
    original, warn, esc = d.resolution_due, d.warn_at, d.escalate_at
    assert original is not None and warn is not None and esc is not None
    req = ask(db, w.land, d, 5)
    assert req.state == "pending" and extensions.pending_of(db, d.id) is req
    req = decide(db, w.analyst, d, req, True)
    assert req.state == "approved" and (req.old_due, req.new_due) == (original, d.resolution_due)
    assert d.resolution_due == cal.add_working_days(original, 5)
    assert d.resolution_due_original == original and d.extension_days == 5
    assert (
        d.warn_at is not None
        and d.warn_at > warn
        and d.escalate_at == cal.add_working_days(d.resolution_due, 3)
    )
    evs = {
        e.action: e.data
        for e in db.scalars(select(DemandEvent).where(DemandEvent.demand_id == d.id))
    }
    assert evs["extend_ask"] == {"days": 5, "reason": "需要补充测绘", "request_id": req.id}
    assert evs["extend_ok"]["new_due"] == d.resolution_due.isoformat()
    assert evs["extend_ok"]["old_due"] == original.isoformat()
    # Resolved before the extended deadline (after the original one): on time.
    late_for_original = cal.add_working_days(original, 2)
    d = step(db, w.land, d, "resolve", late_for_original, resolution="已协调")
    assert d.resolved_on_time is True


def test_refusal_keeps_the_deadline_and_needs_a_reason(db: Session, w: World) -> None:
    d = working(db, w)
    due = d.resolution_due
    req = ask(db, w.land, d, 3)
    refused(
        db, InvalidInput, "practice.extension_refusal_reason", decide, db, w.leader, d, req, False
    )
    req = decide(db, w.leader, d, req, False, reason="理由不充分")
    assert req.state == "refused" and d.resolution_due == due and d.extension_days == 0
    refused(db, Conflict, "practice.extension_decided", decide, db, w.analyst, d, req, True)


@pytest.mark.parametrize(
    ("days", "code"),
    [
        (0, "practice.extension_days_range"),
        (-2, "practice.extension_days_range"),
        ("1.5", "practice.extension_days_invalid"),
        (2.5, "practice.extension_days_invalid"),
        ("三", "practice.extension_days_invalid"),
        (16, "practice.extension_days_range"),
        ("", "practice.extension_days_required"),
    ],
)
def test_bad_extension_days_are_refused(db: Session, w: World, days: Any, code: str) -> None:
    d = working(db, w)
    refused(db, InvalidInput, code, ask, db, w.land, d, days)


def test_one_pending_request_at_a_time_and_at_most_the_allowed_number(
    db: Session, w: World
) -> None:
    d = working(db, w)
    db.info["extension_max_count"] = 1
    try:
        req = ask(db, w.land, d, 2)
        refused(db, Conflict, "practice.extension_pending", ask, db, w.land, d, 2)
        decide(db, w.analyst, d, req, True)
        refused(db, Conflict, "practice.extension_too_many", ask, db, w.land, d, 2)
    finally:
        db.info.pop("extension_max_count")


def test_who_may_ask_and_decide(db: Session, w: World) -> None:
    d = working(db, w)
    refused(db, Forbidden, "practice.extension_ask_forbidden", ask, db, w.owner_b, d, 2)
    refused(db, Forbidden, "practice.extension_ask_forbidden", ask, db, w.analyst, d, 2)
    req = ask(db, w.land, d, 2)
    for p in (w.land, w.owner_b, w.team):
        refused(db, Forbidden, "practice.extension_decide_forbidden", decide, db, p, d, req, True)
    # An admin may ask (admins act as handlers) but not decide their own request.
    other = working(db, w)
    mine = ask(db, w.admin, other, 2)
    refused(db, Forbidden, "practice.extension_own", decide, db, w.admin, other, mine, True)
    decide(db, w.analyst, other, mine, True)


def test_extension_only_while_the_institution_works_and_before_the_deadline(
    db: Session, w: World
) -> None:
    d = filed(db, w)  # dispatched, not accepted
    refused(db, Conflict, "practice.extension_state", ask, db, w.land, d, 2)
    d = step(db, w.land, d, "accept", T0)
    late = load_calendar(db).add_working_days(T0, 11)
    refused(db, Conflict, "practice.extension_after_due", ask, db, w.land, d, 2, at=late)


def test_pending_request_lapses_when_the_demand_is_resolved(db: Session, w: World) -> None:
    d = working(db, w)
    req = ask(db, w.land, d, 2)
    d = step(db, w.land, d, "resolve", T0, resolution="办结")
    assert req.state == "lapsed" and extensions.pending_of(db, d.id) is None
    refused(db, Conflict, "practice.extension_decided", decide, db, w.analyst, d, req, True)


def test_stale_version_is_refused(db: Session, w: World) -> None:
    d = working(db, w)
    before = written(db)
    with pytest.raises(Conflict) as info, db.begin_nested():
        extensions.ask(
            db, w.land, actor(w.land), d.id, version=d.version - 1, days=2, reason="r", now=T0
        )
    assert info.value.code == "demand.stale" and written(db) == before


# ---------------------------------------------------------------- callbacks


def _call(
    db: Session, p: Principal, d: Demand, reached: Any, satisfied: Any = None, **kw: Any
) -> Any:
    return callbacks.record_callback(
        db, p, actor(p), d.id, reached=reached, satisfied=satisfied, note=kw.get("note"), now=T0
    )


def test_callbacks_on_a_resolved_demand_do_not_change_it(db: Session, w: World) -> None:
    d = working(db, w)
    refused(db, Conflict, "practice.callback_state", _call, db, w.analyst, d, True, True)
    d = step(db, w.land, d, "resolve", T0, resolution="办结")
    state, version = d.state, d.version
    first = _call(db, w.analyst, d, "no", note="无人接听")
    second = _call(db, w.admin, d, True, False, note="认为进度慢")
    assert (first.reached, first.satisfied, second.reached, second.satisfied) == (
        False,
        None,
        True,
        False,
    )
    assert (d.state, d.version) == (state, version)
    assert [c.id for c in callbacks.callbacks_of(db, d.id)] == [first.id, second.id]
    ev = db.scalars(select(DemandEvent).where(DemandEvent.action == "callback")).all()
    assert [e.data["reached"] for e in ev] == [False, True] and ev[0].to_state == "resolved"
    d = step(db, w.owner_b, d, "confirm", T0, verdict="solved", rating=5)
    _call(db, w.analyst, d, True, True)  # on a confirmed demand too


def test_callback_refusals(db: Session, w: World) -> None:
    d = step(db, w.land, working(db, w), "resolve", T0, resolution="办结")
    refused(
        db,
        InvalidInput,
        "practice.callback_satisfied_unreached",
        _call,
        db,
        w.analyst,
        d,
        False,
        True,
    )
    refused(db, InvalidInput, "practice.callback_satisfied_required", _call, db, w.analyst, d, True)
    refused(db, InvalidInput, "practice.callback_reached_required", _call, db, w.analyst, d, None)
    refused(db, InvalidInput, "practice.callback_flag_invalid", _call, db, w.analyst, d, "maybe")
    for p in (w.land, w.owner_b, w.leader, w.team):
        refused(db, Forbidden, "practice.callback_forbidden", _call, db, p, d, True, True)
