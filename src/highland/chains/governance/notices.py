"""Which chain-task events notify whom: the one mapping of the chains' monthly scheduling onto
the notification service (highland.platform.notices). `governance._log` — the single writer of task
events — calls `on_event`; the task sweep calls `sweep_notices` for its marks.

A task's owner is an institution code and/or a free-text name (governance.DecisionInput). It
maps to users like this: the handler users of the owner institution when the task names one
and that institution has active users; otherwise the chain's team (chain_team users of the
task's chain), who track tasks owned by people without an account.

De-duplication: event notices are keyed by the event's seq, deadline notices by the deadline.
The acting user is never notified of their own action.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains.models import Chain, ChainTask
from highland.platform import institutions
from highland.platform.audit.service import Actor
from highland.platform.notices import service as notices
from highland.platform.notices.recipients import Directory

EVENT_ACTIONS = frozenset({"create", "reassign", "reopen", "reclock", "done"})


def owners(who: Directory, chain_id: int, owner_institution: str | None) -> list[int]:
    """The users a task's owner maps to (see the module's docstring)."""
    users = who.of_institutions([owner_institution]) if owner_institution else []
    return users or who.team(chain_id)


def _params(session: Session, task_id: int, chain_id: int, title: str, due: datetime,
            owner_institution: str | None, owner_name: str | None) -> dict[str, Any]:  # fmt: skip
    chain = session.execute(
        select(Chain.name, Chain.name_en).where(Chain.id == chain_id)
    ).one_or_none()
    inst = (
        institutions.names(session, [owner_institution]).get(owner_institution)
        if owner_institution
        else None
    )
    owner = inst[0] if inst else (owner_name or owner_institution or "—")
    return {
        "id": task_id,
        "title": title,
        "chain": chain[0] if chain else str(chain_id),
        "chain_en": chain[1] if chain else None,
        "owner": owner,
        "owner_en": inst[1] if inst and inst[1] else None,
        "due": due.isoformat(),
    }


def on_event(
    session: Session,
    task: ChainTask,
    actor: Actor,
    action: str,
    data: dict[str, Any],
    now: datetime,
) -> int:
    """Notify the people a task event concerns (called by `governance._log` after the event is
    added: `task.event_count` is its seq). Returns how many notices were new."""
    if action not in EVENT_ACTIONS:
        return 0
    who = Directory.load(session)
    me = who.by_name.get(actor.name)
    params = _params(session, task.id, task.chain_id, task.title, task.due,
                     task.owner_institution, task.owner_name)  # fmt: skip
    users: Iterable[int]
    if action in ("create", "reassign"):
        kind, users = "task.assigned", owners(who, task.chain_id, task.owner_institution)
    elif action == "reopen":
        kind, users = "task.reopened", owners(who, task.chain_id, task.owner_institution)
        params["reason"] = str(data.get("reason") or "")[:500]
    elif action == "reclock":
        kind, users = "task.reclock", owners(who, task.chain_id, task.owner_institution)
        old_new = data.get("due") or [None, task.due.isoformat()]
        params |= {"year": data.get("year"), "old_due": old_new[0], "new_due": old_new[1]}
    else:  # done: the chain head confirms or reopens
        kind, users = "task.done", who.heads(task.chain_id)
    n = notices.Notice(kind, f"task:{task.id}", f"/chain-tasks/{task.id}", params,
                       f"e{task.event_count}")  # fmt: skip
    return notices.notify(session, [u for u in users if u != me], n, now=now)


class Mark(Protocol):
    """A task marked by the sweep (chains.governance.sweep._Marked)."""

    kind: str
    id: int
    chain_id: int
    title: str
    due: datetime


def sweep_notices(session: Session, marks: list[Any], now: datetime) -> int:
    """Notices for the task sweep's marks, keyed by the deadline: warning → the owner;
    breach (overdue) → the owner and the chain's head(s). A warning first found after the
    deadline is left to the breach notice."""
    if not marks:
        return 0
    who = Directory.load(session)
    ids = sorted({m.id for m in marks})
    owner_of = {
        tid: (inst, name)
        for tid, inst, name in session.execute(
            select(ChainTask.id, ChainTask.owner_institution, ChainTask.owner_name).where(
                ChainTask.id.in_(ids)
            )
        )
    }
    rows: list[dict[str, Any]] = []
    for m in marks:
        if m.kind == "warning" and m.due < now:
            continue
        inst, name = owner_of.get(m.id, (None, None))
        users = owners(who, m.chain_id, inst)
        if m.kind == "breach":
            users = [*users, *(h for h in who.heads(m.chain_id) if h not in users)]
        params = _params(session, m.id, m.chain_id, m.title, m.due, inst, name)
        n = notices.Notice(f"task.{m.kind}", f"task:{m.id}", f"/chain-tasks/{m.id}", params,
                           m.due.isoformat())  # fmt: skip
        rows.extend(notices.row(uid, n, now) for uid in users)
    return notices.store_rows(session, rows)
