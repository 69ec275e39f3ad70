"""Callbacks (回访) of the 12345 practice: staff call the enterprise after the institution
resolved its demand, independently of the enterprise's own confirmation and rating.

Staff who route demands (admin, analyst) record a call on a resolved or confirmed demand:
reached or not, and — only when reached — satisfied or not, with a note. Several calls may
be recorded (e.g. not reached, then reached); each is a row and an event `callback` of the
demand's log that leaves the state as it is and does not make anyone's open form stale.
Leaders read the results but do not record calls (they are not the ones who phone).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands import service
from highland.demands.extensions import locked
from highland.demands.practice.models import DemandCallback
from highland.demands.workflow import State
from highland.platform.audit.service import Actor
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Conflict, Forbidden, InvalidInput
from highland.platform.identity.permissions import Principal, Role

CALLERS = frozenset({Role.admin, Role.analyst})
# A call follows the institution's answer: resolved (awaiting the enterprise) or confirmed.
CALLABLE = frozenset({State.resolved.value, State.confirmed.value})
NOTE_LIMIT = 2000
_YES = ("1", "true", "yes", "on", "y")
_NO = ("0", "false", "no", "off", "n")


def can_call(principal: Principal, state: str) -> bool:
    """Whether the caller may record a callback on a demand in this state (buttons)."""
    return principal.role in CALLERS and state in CALLABLE


def callbacks_of(session: Session, demand_id: int) -> list[DemandCallback]:
    """A demand's callbacks, oldest first."""
    return list(
        session.scalars(
            select(DemandCallback)
            .where(DemandCallback.demand_id == demand_id)
            .order_by(DemandCallback.id)
        )
    )


def _flag(value: Any, name: str) -> bool | None:
    """A yes/no answer from JSON or a form; None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InvalidInput(
        f"{name}: '{value}' is not yes or no",
        field=name,
        code="practice.callback_flag_invalid",
        params={"field": f"@practice.callback.{name}", "value": str(value)},
    )


def record_callback(
    session: Session,
    principal: Principal,
    actor: Actor,
    demand_id: int,
    *,
    reached: Any,
    satisfied: Any = None,
    note: Any = None,
    now: datetime | None = None,
) -> DemandCallback:
    """Record one follow-up call on a resolved or confirmed demand."""
    begin_write(session)
    now = now or utcnow()
    d = locked(session, principal, demand_id)
    if principal.role not in CALLERS:
        raise Forbidden(
            "only staff who route demands (admin, analyst) record callbacks",
            code="practice.callback_forbidden",
        )
    if d.state not in CALLABLE:
        raise Conflict(
            f"a callback is recorded only after the institution resolved the demand; it is "
            f"{d.state}",
            field="action",
            code="practice.callback_state",
            params={"state": f"@demands.state.{d.state}"},
        )
    got = _flag(reached, "reached")
    if got is None:
        raise InvalidInput(
            "reached: say whether the enterprise was reached",
            field="reached",
            code="practice.callback_reached_required",
        )
    sat = _flag(satisfied, "satisfied")
    if not got and sat is not None:
        raise InvalidInput(
            "satisfied: only an enterprise that was reached can say whether it is satisfied",
            field="satisfied",
            code="practice.callback_satisfied_unreached",
        )
    if got and sat is None:
        raise InvalidInput(
            "satisfied: say whether the enterprise is satisfied",
            field="satisfied",
            code="practice.callback_satisfied_required",
        )
    text = str(note or "").strip() or None
    if text is not None and len(text) > NOTE_LIMIT:
        raise InvalidInput(
            f"note: at most {NOTE_LIMIT} characters (got {len(text)})",
            field="note",
            code="practice.note_too_long",
            params={"max": NOTE_LIMIT, "got": len(text)},
        )
    cb = DemandCallback(
        demand_id=d.id,
        institution_code=d.institution_code,
        at=now,
        by=actor.name,
        by_role=actor.role,
        reached=got,
        satisfied=sat,
        note=text,
    )
    session.add(cb)
    session.flush()
    data = {"callback_id": cb.id, "reached": got, "satisfied": sat, "note": text}
    # Not a transition: the state stays and the version is not bumped (like the sweep's marks).
    service._log(session, d, actor, "callback", d.state, d.state, data, now)
    session.flush()
    return cb
