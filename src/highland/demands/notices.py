"""Which demand events notify whom: the one mapping of the demands module onto the notification
service (highland.platform.notices). `service._log` — the single writer of demand events — calls
`on_event` for every event; the overdue sweep calls `sweep_notices` for its marks. Other
branches only write events (`reclock`, `extend_ask`, `extend_ok`, `extend_no`); they never
notify by hand.

De-duplication: an event notice is keyed by the event's seq (`e<seq>`), so a retry of the same
event never notifies twice while a second dispatch (a new event) does; a deadline notice is
keyed by the deadline (ISO), so re-running the sweep never notifies twice while a restarted
clock warns again. The acting user is never notified of their own action.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands.models import Demand
from highland.enterprises.public import registry
from highland.platform.audit.service import Actor
from highland.platform.calendar import CalendarUnknown, load_calendar
from highland.platform.institutions.models import Institution
from highland.platform.notices import service as notices
from highland.platform.notices.recipients import Directory, enterprise_users

CHUNK = 5000
# Event actions that notify (anything else — accept, start, wait, callback … — does not).
EVENT_ACTIONS = frozenset(
    {
        "dispatch",
        "return",
        "transfer",
        "recategorise",
        "resolve",
        "confirm",
        "reclock",
        "extend_ask",
        "extend_ok",
        "extend_no",
    }
)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _names(session: Session, d: Demand) -> dict[str, Any]:
    reg = registry()
    ent = session.execute(
        select(reg.c.name, reg.c.name_en).where(reg.c.id == d.enterprise_id)
    ).one_or_none()
    return {
        "id": d.id,
        "title": d.title,
        "enterprise": ent[0] if ent else "",
        "enterprise_en": ent[1] if ent else None,
        "due": _iso(d.resolution_due),
        "response_due": _iso(d.response_due),
    }


def _institution(session: Session, code: str | None, key: str) -> dict[str, Any]:
    """An institution's names as parameters `key` and `key_en`."""
    if not code:
        return {key: "—", f"{key}_en": None}
    row = session.execute(
        select(Institution.name, Institution.name_en).where(Institution.code == code)
    ).one_or_none()
    return {key: row[0] if row else code, f"{key}_en": row[1] if row else None}


def _without(users: Iterable[int], actor_id: int | None) -> list[int]:
    return [u for u in users if u != actor_id]


def on_event(
    session: Session,
    d: Demand,
    actor: Actor,
    action: str,
    to_state: str,
    data: dict[str, Any],
    now: datetime,
) -> int:
    """Notify the people an event of demand `d` concerns (called by `service._log` after the
    event is added, so `d.event_count` is the event's seq). Returns how many notices were new."""
    if action not in EVENT_ACTIONS:
        return 0
    who = Directory.load(session)
    me = who.by_name.get(actor.name)
    key = f"e{d.event_count}"
    ref = f"demand:{d.id}"
    link = f"/demands/{d.id}"
    base = _names(session, d)
    sends: list[tuple[list[int], notices.Notice]] = []

    def add(users: Iterable[int], kind: str, extra: dict[str, Any], to: str = link) -> None:
        sends.append((_without(users, me), notices.Notice(kind, ref, to, base | extra, key)))

    inst = _institution(session, d.institution_code, "institution")
    if action == "dispatch":
        lead, co = data.get("institution"), list(data.get("co") or [])
        add(who.of_institutions([lead, *co]), "demand.dispatched",
            _institution(session, lead, "institution"))  # fmt: skip
    elif action == "return":
        add(who.named(data.get("router") or d.dispatched_by), "demand.returned",
            _institution(session, data.get("institution"), "institution")
            | {"reason": str(data.get("reason") or "")[:500]})  # fmt: skip
    elif action in ("transfer", "recategorise"):
        src = data.get("from") if action == "transfer" else data.get("institution_from")
        dst = data.get("to") if action == "transfer" else data.get("institution_to")
        if dst:
            moved = _institution(session, src, "from") | _institution(session, dst, "to")
            add(who.named(d.dispatched_by), "demand.transferred", moved)
            add(who.of_institutions([dst, *(d.co_handlers or [])]), "demand.transferred_in",
                moved)  # fmt: skip
    elif action == "resolve":
        users = enterprise_users(session, [d.enterprise_id]).get(d.enterprise_id, [])
        add(users, "demand.resolved", inst, f"{link}#action-confirm")
    elif action == "confirm" and to_state == "reopened":
        add(who.of_institutions([d.institution_code, *(d.co_handlers or [])]), "demand.reopened",
            inst | {"comment": str(data.get("comment") or "")[:500]})  # fmt: skip
    elif action == "reclock" and (data.get("resolution_due") or data.get("response_due")):
        # Only a moved response or resolution deadline is news to the handler; a reclock that
        # moved only the warning or escalation time notifies nobody.
        kind = "demand.reclock" if data.get("resolution_due") else "demand.reclock_response"
        old_new = data.get("resolution_due") or data.get("response_due") or [None, None]
        moved = {"year": data.get("year"), "old_due": old_new[0], "new_due": old_new[1]}
        add(who.of_institutions([d.institution_code]), kind, inst | moved)
    elif action == "extend_ask":
        add([*who.named(d.dispatched_by), *who.leaders], "demand.extend_ask",
            inst | {"days": data.get("days"),
                    "reason": str(data.get("reason") or "")[:500]})  # fmt: skip
    elif action == "extend_ok":
        add(who.of_institutions([d.institution_code]), "demand.extend_ok",
            inst | {"days": data.get("days"), "old_due": data.get("old_due"),
                    "new_due": data.get("new_due")})  # fmt: skip
    elif action == "extend_no":
        add(who.of_institutions([d.institution_code]), "demand.extend_no",
            inst | {"reason": str(data.get("reason") or "")[:500]})  # fmt: skip
    return notices.notify_each(session, ((u, n) for users, n in sends for u in users), now=now)


# ---------------------------------------------------------------- the sweep's marks


class Mark(Protocol):
    """A demand marked by the sweep (a `highland.platform.workflow.sweep.Marked`)."""

    kind: str
    id: int
    institution_code: str | None
    co_handlers: list[str]
    chain_id: int | None
    title: str
    enterprise_id: int
    due: datetime | None


def _sweep_names(
    session: Session, ent_ids: Sequence[int]
) -> tuple[dict[int, tuple[str, str | None]], dict[str, tuple[str, str | None]]]:
    ids = sorted(set(ent_ids))
    enterprises: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(ids), CHUNK):
        reg = registry()
        for eid, name, name_en in session.execute(
            select(reg.c.id, reg.c.name, reg.c.name_en).where(
                reg.c.id.in_(ids[start : start + CHUNK])
            )
        ):
            enterprises[eid] = (name, name_en)
    institutions = {
        code: (name, name_en)
        for code, name, name_en in session.execute(
            select(Institution.code, Institution.name, Institution.name_en)
        )
    }
    return enterprises, institutions


def sweep_notices(
    session: Session, marks: dict[str, list[Any]], now: datetime, calendar: Any
) -> int:
    """Notices for the sweep's marks (one deadline each, keyed by the deadline):
    warning ("due tomorrow") and response breach → the institution's handlers; breach → them
    and the co-handlers; escalation → the institution's handlers (demand.escalated) and the
    chain head(s) of the demand's chain, else every leader (demand.escalation)."""
    if not any(marks.values()):
        return 0
    who = Directory.load(session)
    if marks.get("escalation") and calendar is None:
        calendar = load_calendar(session)
    enterprises, institutions = _sweep_names(
        session, [m.enterprise_id for rows in marks.values() for m in rows]
    )
    rows: list[dict[str, Any]] = []
    for kind, marked in marks.items():
        for m in marked:
            if m.due is None or (kind == "warning" and m.due < now):
                continue  # a warning first found after the deadline: the breach notice says it
            ent = enterprises.get(m.enterprise_id, ("", None))
            inst = institutions.get(m.institution_code or "", (m.institution_code or "—", None))
            params: dict[str, Any] = {
                "id": m.id, "title": m.title, "enterprise": ent[0], "enterprise_en": ent[1],
                "institution": inst[0], "institution_en": inst[1], "due": m.due.isoformat(),
            }  # fmt: skip
            owners = who.of_institutions([m.institution_code])
            sends: list[tuple[list[int], str]]
            if kind == "escalation":
                params["overdue_days"] = _overdue_days(calendar, m.due, now)
                sends = [(owners, "escalated"), (who.escalation(m.chain_id), kind)]
            elif kind == "breach":
                sends = [(who.of_institutions([m.institution_code, *m.co_handlers]), kind)]
            else:
                sends = [(owners, kind)]
            for users, k in sends:
                n = notices.Notice(f"demand.{k}", f"demand:{m.id}", f"/demands/{m.id}", params,
                                   m.due.isoformat())  # fmt: skip
                rows.extend(notices.row(uid, n, now) for uid in users)
    return notices.store_rows(session, rows)


def _overdue_days(calendar: Any, due: datetime, now: datetime) -> int | None:
    """Working days wholly past since the deadline (those before today's date)."""

    try:
        return int(calendar.working_days_between(due, now - timedelta(days=1)))
    except CalendarUnknown:
        return None
