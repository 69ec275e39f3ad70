"""A docking record's small workflow on the platform's one engine: staff introduce a need to an
achievement's owner (introduced), the two sides meet (met), and it ends in an agreement or no
fit. A step out of order is refused by the engine (409, `docking.record.wrong_state`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from highland.docking import repository
from highland.docking.index import Match
from highland.docking.matching import achievement_index, explain, query_of
from highland.docking.models import DockingEvent, DockingRecord
from highland.docking.scope import RECORDS
from highland.docking.service import staff_only
from highland.platform.audit.service import Actor
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Conflict
from highland.platform.identity.permissions import Principal, Role
from highland.platform.workflow import EventLog, Machine, Transition, Workflow


class State(StrEnum):
    """Where a docking record is."""

    introduced = "introduced"
    met = "met"
    agreement = "agreement"  # final: the two sides signed (transfer, licence, joint work)
    no_fit = "no_fit"  # final: not a fit, with the reason


FINAL = frozenset({State.agreement, State.no_fit})
STAFF = frozenset({"staff"})
S = State
TRANSITIONS = {
    t.action: t
    for t in (
        Transition("meet", frozenset({S.introduced}), S.met, STAFF),
        Transition("agree", frozenset({S.met}), S.agreement, STAFF),
        Transition("decline", frozenset({S.introduced, S.met}), S.no_fit, STAFF, ("reason",)),
    )
}
MACHINE = Machine.declare(State, FINAL, (), TRANSITIONS.values(),
                          given=lambda v: bool(str(v or "").strip()))  # fmt: skip
WORKFLOW = Workflow(
    MACHINE,
    DockingRecord,
    EventLog(DockingEvent, "record_id"),
    noun="docking record",
    prefix="docking.record",
    action_key="docking.action.{}",
    state_key="docking.state.{}",
    field_key="docking.input.{}",
    entity="docking_record",
)
WRITERS = (Role.admin, Role.analyst)


def parts_of(principal: Principal) -> frozenset[str]:
    """The caller's part in docking records: staff who may write take the steps."""
    return STAFF if principal.role in WRITERS else frozenset()


def allowed_actions(principal: Principal, row: DockingRecord) -> list[str]:
    """The steps the caller may take now (for buttons and the API)."""
    return MACHINE.allowed(row.state, parts_of(principal))


def introduce(
    session: Session,
    principal: Principal,
    actor: Actor,
    need_id: int,
    achievement_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> DockingRecord:
    """Introduce a need to an achievement's owner: a new record, introduced (409 when the pair
    is introduced already). The match's score and explanation are kept on the record."""
    now = now or utcnow()
    staff_only(principal)
    begin_write(session)
    need = repository.get_need(session, principal, need_id)
    achievement = repository.get_achievement(session, achievement_id)
    if repository.record_of_pair(session, need.id, achievement.id) is not None:
        raise _taken(need.id, achievement.id)
    m = _pair_match(session, need, achievement)
    row = DockingRecord(
        need_id=need.id, achievement_id=achievement.id, enterprise_id=need.enterprise_id,
        score=m.score if m else 0.0,
        explanation={"why": explain(m, need.field).plain()} if m else {"why": []},
        note=(note or "").strip()[:2000] or None, state=State.introduced.value, open=True,
        version=1, event_count=0, created_by=actor.name, created_at=now, updated_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise _taken(need.id, achievement.id) from None
    WORKFLOW.log(session, row, actor, "introduce", None, State.introduced,
                 {"need": need.id, "achievement": achievement.id, "score": row.score}, now)
    session.flush()
    return row


def _pair_match(session: Session, need: Any, achievement: Any) -> Match | None:
    """The pair's score as the need's match list computes it."""
    return achievement_index(session).one(query_of(need), achievement.id)


def _taken(need_id: int, achievement_id: int) -> Conflict:
    return Conflict(f"need {need_id} is already introduced to achievement {achievement_id}",
                    field="achievement", code="docking.already_introduced",
                    params={"need": need_id, "achievement": achievement_id})  # fmt: skip


def act(
    session: Session,
    principal: Principal,
    actor: Actor,
    record_id: int,
    action: str,
    *,
    version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> DockingRecord:
    """Take one declared step on a record (see TRANSITIONS)."""
    now = now or utcnow()
    data = dict(data or {})
    row, t = WORKFLOW.begin(
        session, record_id, action, parts_of=lambda _row: parts_of(principal), version=version,
        data=data, visible=lambda r: RECORDS.allows(session, principal, r.id),
    )  # fmt: skip
    before = row.state
    event: dict[str, Any] = {}
    for key in ("reason", "note"):
        text = str(data.get(key) or "").strip()[:2000]
        if text:
            event[key] = text
    assert t.to is not None
    row.state = str(t.to)
    WORKFLOW.log(session, row, actor, action, before, row.state, event, now)
    WORKFLOW.finish(row, now)
    session.flush()
    return row
