"""Demo data of the demands module: 江宁区 (320115) institutions and routing, a breakfast
meeting with its demands in every state (some overdue), and a few demands outside it.

Every demand is built through `service.file_demand` and `service.act` with explicit past
times, so its event log is genuine and its projection is what the workflow wrote. Loading is
idempotent: a second call finds the meeting and adds nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from highland.demands import service
from highland.demands.demo.script import (
    DISTRICT,
    MEETING,
    MEETING_LEADER,
    MEETING_PLACE,
    MEETING_TITLE,
    N_ENTERPRISES,
    OTHERS,
    PRACTICE_STEPS,
    ROUTER,
    Spec,
    Step,
)
from highland.demands.models import Demand, Meeting, MeetingAttendee
from highland.demands.reference import load_reference
from highland.enterprises.public import EnterpriseRef, ref_columns, registry
from highland.platform.audit.service import Actor, Change, record
from highland.platform.calendar import CalendarUnknown, load_calendar
from highland.platform.config import get_settings
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ


def _reference_text() -> str:
    return resources.files("highland.demands.demo").joinpath("reference.yaml").read_text("utf-8")


def demo_time(session: Session, now: datetime) -> datetime:
    """The moment the demo happens 'now': `now` itself. A deadline reaching a year without a
    holiday notice is counted provisionally (docs/calendar.md), never refused; only a moment
    whose deadlines leave the years Highland counts in at all is refused."""
    margin = 20 + int(get_settings().demand_escalate_after_days) + 5
    try:
        load_calendar(session).add_working_days(now, margin)
    except CalendarUnknown as exc:
        raise InvalidInput(
            f"demo: {exc.message}", field="calendar", code=exc.code, params=exc.params
        ) from None
    return now


def _enterprises(session: Session) -> list[EnterpriseRef]:
    reg = registry()
    manufacturing = case((reg.c.industry_section == "C", 0), else_=1)
    local = case((reg.c.district_code == DISTRICT, 0), else_=1)
    ents = [
        EnterpriseRef.of(r)
        for r in session.execute(
            select(*ref_columns(reg)).order_by(local, manufacturing, reg.c.id).limit(N_ENTERPRISES)
        )
    ]
    if not ents:
        raise InvalidInput(
            "demo demands: the registry has no enterprises; load them first",
            field="enterprises",
            code="demand.demo_no_enterprises",
        )
    return ents


def _principal(role: Role, name: str, **scope: Any) -> Principal:
    return Principal(user_id=0, username=name, role=role, channel="system", **scope)


def _handler_name(code: str | None) -> str:
    return f"jn-{(code or 'x').split('-')[-1].lower()}"


def _run(
    session: Session,
    spec: Spec,
    ents: list[EnterpriseRef],
    filed: datetime,
    meeting_id: int | None,
    by_owner: bool,
) -> Demand:
    ent = ents[spec.ent % len(ents)]
    router = _principal(Role.analyst, ROUTER)
    router_actor = Actor(ROUTER, Role.analyst.value, "system")
    owner = _principal(Role.enterprise, f"ent-{ent.id}", enterprise_id=ent.id)
    owner_actor = Actor(f"ent-{ent.id}", Role.enterprise.value, "system")
    data = service.DemandInput(
        enterprise=ent.uscc, category=spec.category, title=spec.title,
        description=spec.description, priority=spec.priority, tags=list(spec.tags),
        meeting_id=meeting_id, request_type=spec.request_type,
    )  # fmt: skip
    who, who_actor = (owner, owner_actor) if by_owner else (router, router_actor)
    d = service.file_demand(
        session, who, who_actor, data, source="meeting" if meeting_id else None, now=filed
    )
    base = filed
    if spec.dispatch:
        base = filed + timedelta(hours=20)
        d = service.act(
            session, router, router_actor, d.id, "dispatch", version=d.version, now=base
        )
    for step in spec.steps:
        at = base + timedelta(days=step.days)
        if step.action in PRACTICE_STEPS:
            _practice_step(session, d, step, at)
            continue
        if step.action in ("dispatch", "transfer", "recategorise"):
            p, a = router, router_actor
        elif step.action == "confirm" or (step.action == "withdraw" and by_owner):
            p, a = owner, owner_actor
        elif step.action == "withdraw":
            p, a = router, router_actor
        else:
            name = _handler_name(d.institution_code)
            p = _principal(Role.handler, name, institution_code=d.institution_code)
            a = Actor(name, Role.handler.value, "system")
        d = service.act(session, p, a, d.id, step.action, version=d.version, data=step.data, now=at)
    return d


def _practice_step(session: Session, d: Demand, step: Step, at: datetime) -> None:
    """An extension asked (by the handler) or decided (by the router or the leader), or a
    callback (by the router): the 12345 practice's own services, not workflow actions."""
    from highland.demands import callbacks, extensions

    router = _principal(Role.analyst, ROUTER)
    router_actor = Actor(ROUTER, Role.analyst.value, "system")
    if step.action == "extend_ask":
        name = _handler_name(d.institution_code)
        p = _principal(Role.handler, name, institution_code=d.institution_code)
        a = Actor(name, Role.handler.value, "system")
        extensions.ask(
            session, p, a, d.id, version=d.version, days=step.data["add"],
            reason=step.data["reason"], now=at,
        )  # fmt: skip
    elif step.action in ("extend_ok", "extend_no"):
        pending = extensions.pending_of(session, d.id)
        assert pending is not None
        p, a = router, router_actor
        if step.data.get("by") == "leader":
            p = _principal(Role.leader, "jn-leader")
            a = Actor("jn-leader", Role.leader.value, "system")
        extensions.decide(
            session, p, a, d.id, pending.id, version=d.version,
            approve=step.action == "extend_ok", reason=step.data.get("reason"), now=at,
        )  # fmt: skip
    else:
        callbacks.record_callback(
            session, router, router_actor, d.id, reached=step.data["reached"],
            satisfied=step.data.get("satisfied"), note=step.data.get("note"), now=at,
        )  # fmt: skip


def load_demo_reference(session: Session, actor: Actor) -> dict[str, int]:
    """The demo's institutions, categories and routing alone (idempotent), so that the demo's
    handler accounts can exist before its demands are filed and dispatched to them."""
    begin_write(session)
    return load_reference(session, actor, _reference_text(), "demo_reference.yaml")


def first_owner(session: Session) -> int | None:
    """The enterprise of the first demo demand (the demo's enterprise account belongs to it)."""
    ents = _enterprises(session) if session.scalar(select(registry().c.id).limit(1)) else []
    return ents[MEETING[0].ent % len(ents)].id if ents else None


def first_demand_owner(session: Session) -> int | None:
    """The enterprise of the first demand filed, else the one the demo's first demand will be
    filed for (the demo's enterprise account belongs to it, so that it has some)."""
    owner = session.scalar(select(Demand.enterprise_id).order_by(Demand.id).limit(1))
    return owner if owner is not None else first_owner(session)


def load_demo(session: Session, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Load the demo reference data, meeting and demands; return counts (all zero but
    `already` when the demo meeting is there already)."""
    begin_write(session)
    if session.scalar(select(Meeting.id).where(Meeting.title == MEETING_TITLE)) is not None:
        return {
            "categories": 0,
            "institutions": 0,
            "routing": 0,
            "meetings": 0,
            "demands": 0,
            "already": 1,
        }
    ents = _enterprises(session)
    t0 = demo_time(session, now or utcnow())
    counts = load_reference(session, actor, _reference_text(), "demo_reference.yaml")
    day = (t0 - timedelta(days=21)).astimezone(CITY_TZ).date()
    while day.weekday() >= 5:  # a breakfast meeting on a weekday
        day -= timedelta(days=1)
    held = datetime.combine(day, time(7, 30), CITY_TZ)
    meeting = Meeting(
        kind="meeting", title=MEETING_TITLE, held_at=held, place=MEETING_PLACE,
        leader=MEETING_LEADER, district_code=DISTRICT, created_at=held + timedelta(hours=3),
        created_by=ROUTER,
        notes="示例数据：区领导与重点工业企业早餐会，现场收集企业诉求并当场登记。",
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    used = sorted({ents[s.ent % len(ents)].id for s in MEETING} | {e.id for e in ents})
    for ent_id in used:
        session.add(MeetingAttendee(meeting_id=meeting.id, enterprise_id=ent_id))
    filed = held + timedelta(hours=2)
    demands = [_run(session, s, ents, filed, meeting.id, False) for s in MEETING]
    for spec, by_owner, days_before in OTHERS:
        demands.append(_run(session, spec, ents, t0 - timedelta(days=days_before), None, by_owner))
    record(session, actor, Change("create", "demand_meeting", str(meeting.id), after={
        "title": meeting.title, "held_at": held.isoformat(), "demo": True,
        "demands": [d.id for d in demands]}))  # fmt: skip
    session.flush()
    return {**counts, "meetings": 1, "demands": len(demands), "already": 0}


def state_counts(session: Session) -> dict[str, int]:
    """Demands per state (for the demo command's summary and tests)."""
    return {
        str(state): int(n)
        for state, n in session.execute(
            select(Demand.state, func.count()).group_by(Demand.state)
        ).all()
    }
