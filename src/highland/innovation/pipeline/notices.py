"""Which cooperation-project events notify whom: the one mapping of the pipeline onto the
notification service. A project's follow-up institution maps to its handler users; stalls and
escalations also reach the city's leaders. The acting user is never notified of their own
action; event notices are keyed by the event's seq, sweep notices by the deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from highland.innovation.models import CoopProject
from highland.platform import institutions
from highland.platform.audit.service import Actor
from highland.platform.notices import service as notices
from highland.platform.notices.recipients import Directory

EVENT_KINDS = {"sign": "innovation.assigned", "assign": "innovation.assigned",
               "stall": "innovation.stalled"}  # fmt: skip


def _params(session: Session, row: Any, due: datetime | None) -> dict[str, Any]:
    inst = institutions.names(session, [row.owner_institution]).get(row.owner_institution or "")
    return {"id": row.id, "title": row.title, "partner": row.partner,
            "owner": inst[0] if inst else "—", "owner_en": inst[1] if inst else None,
            "due": due.isoformat() if due else None}  # fmt: skip


def on_event(session: Session, row: CoopProject, actor: Actor, action: str,
             data: dict[str, Any], now: datetime) -> int:  # fmt: skip
    """Notify the people a project event concerns; how many notices were new."""
    kind = EVENT_KINDS.get(action)
    if kind is None:
        return 0
    who = Directory.load(session)
    users = who.of_institutions([row.owner_institution])
    if action == "stall":
        users = [*users, *(u for u in who.leaders if u not in users)]
    me = who.by_name.get(actor.name)
    params = _params(session, row, row.next_review)
    if action == "stall":
        params["reason"] = str(data.get("reason") or "")[:500]
    n = notices.Notice(kind, f"innovation_project:{row.id}", f"/innovation/projects/{row.id}",
                       params, f"e{row.event_count}")  # fmt: skip
    return notices.notify(session, [u for u in users if u != me], n, now=now)


def sweep_notices(session: Session, marks: list[Any], now: datetime) -> int:
    """Notices of the sweep's marks: a missed review → the follow-up institution's handlers (the
    leaders when it has none); an escalation → them and the leaders."""
    if not marks:
        return 0
    who = Directory.load(session)
    rows: list[dict[str, Any]] = []
    for m in marks:
        users = who.of_institutions([m.owner_institution]) or list(who.leaders)
        if m.kind == "escalation":
            users = [*users, *(u for u in who.leaders if u not in users)]
        n = notices.Notice(f"innovation.{m.kind}", f"innovation_project:{m.id}",
                           f"/innovation/projects/{m.id}", _params(session, m, m.due),
                           m.due.isoformat() if m.due else "")  # fmt: skip
        rows.extend(notices.row(uid, n, now) for uid in users)
    return notices.store_rows(session, rows)
