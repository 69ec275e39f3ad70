"""The overdue sweep of a workflow: set-based warning, breach and escalation marks with their
events (the domain turns the marks into notices).

Each mark is one `UPDATE <rows> … WHERE <markable> AND <due> AND <mark IS NULL> RETURNING …`
(no Python loop over rows to find them), then one bulk INSERT of the marks' events, and the
same events appended to the audit log in one batch (actor "system", channel "job"; rows as
`Workflow.audit_change` writes them, prepared without per-row objects). The UPDATE
adds one to `event_count` (the event's seq) but never to `version`, so that a form open on the
row does not become stale because the sweep ran. A mark is set once: a second sweep at the same
moment does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, insert, true, update
from sqlalchemy.orm import Session

from highland.platform.audit.service import JOB, record_rows
from highland.platform.db import table_of
from highland.platform.workflow.engine import Workflow

SYSTEM = "system"
CHUNK = 5000


@dataclass(frozen=True)
class Mark:
    """One kind of mark: the event's action ("warning"), the column stamped when marked
    ("warned_at"), when a row is due for it, the deadline its event and notice show (returned
    as `due`) and other deadline columns its event records."""

    kind: str
    stamp: str
    when: Callable[[Table, datetime], ColumnElement[bool]]
    shown: str
    recorded: tuple[str, ...] = ()


class Marked:
    """A row marked by one UPDATE: its kind and the values returned (`id`, `seq`, `state`,
    `due` and the columns the sweep asked for), read as attributes (`m.id`, `m.due`).

    The values are the instance's own attributes, set in one step: the sweep builds one of
    these for every marked row (tens of thousands at a time), so it has no dataclass
    machinery, and `__getattr__` (for the type checker: attributes are the row's columns)
    only runs for a name the row does not have (a row has no column `kind` or `values`)."""

    kind: str
    values: Mapping[str, Any]

    def __init__(self, kind: str, values: Mapping[str, Any]) -> None:
        attrs = vars(self)
        attrs.update(values)
        attrs["kind"] = kind
        attrs["values"] = values

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Marked):
            return NotImplemented
        return (self.kind, self.values) == (other.kind, other.values)

    __hash__ = None  # type: ignore[assignment]  # equal by value, mutable: not hashable

    def __repr__(self) -> str:
        return f"Marked({self.kind!r}, {dict(self.values)!r})"


def sweep_marks(
    session: Session,
    workflow: Workflow,
    marks: Sequence[Mark],
    now: datetime,
    *,
    markable: Callable[[Table], ColumnElement[bool]] | None = None,
    returning: Sequence[str] = (),
) -> dict[str, list[Marked]]:
    """Set every mark due at `now` on the rows in a running state (and `markable`), log an
    event for each (actor "system"); the marked rows by kind, in the order of `marks`."""
    if now.tzinfo is None:
        raise ValueError("sweep: `now` must be timezone-aware")
    session.flush()  # the UPDATEs below must see the session's pending changes
    t = table_of(workflow.model)
    # `open = true` (not `open IS true`): the form partial indexes' WHERE is written in.
    base = and_(t.c.open == true(), t.c.state.in_(sorted(workflow.machine.running)))
    if markable is not None:
        base = and_(base, markable(t))
    out: dict[str, list[Marked]] = {}
    for mark in marks:
        stamp = t.c[mark.stamp]
        extra = dict.fromkeys((*returning, *mark.recorded, *workflow.log_to.copied))
        stmt = (
            update(t)
            .where(base, mark.when(t, now), stamp.is_(None))
            .values({stamp.key: now, "event_count": t.c.event_count + 1})
            .returning(
                t.c.id, t.c.event_count.label("seq"), t.c.state,
                *(t.c[name] for name in extra if name not in ("id", "state")),
                t.c[mark.shown].label("due"),
            )
        )  # fmt: skip
        result = session.execute(stmt)
        # The names once per statement: `dict(row._mapping)` would build them for every row.
        names = tuple(result.keys())
        rows = [Marked(mark.kind, dict(zip(names, r, strict=True))) for r in result]
        out[mark.kind] = rows
        _log(session, workflow, mark, rows, now)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, workflow.model):
            session.expire(obj)  # stale after the Core UPDATEs: reloaded on next use
    return out


def _log(
    session: Session, workflow: Workflow, mark: Mark, rows: list[Marked], now: datetime
) -> None:
    log = workflow.log_to
    events = []
    for m in rows:
        values = m.values
        data: dict[str, Any] = {"due": m.due.isoformat() if m.due is not None else None}
        for name in mark.recorded:
            if values.get(name) is not None:
                data[name] = values[name].isoformat()
        event = {
            log.fk: m.id, "seq": m.seq, "at": now, "actor": SYSTEM, "actor_role": None,
            "action": mark.kind, "from_state": m.state, "to_state": m.state, "data": data,
        }  # fmt: skip
        for name in log.copied:  # (a loop, not a comprehension: one call fewer per row)
            event[name] = values[name]
        events.append(event)
    for start in range(0, len(events), CHUNK):
        session.execute(insert(table_of(log.model)), events[start : start + CHUNK])
    # The same marks in the hash-chained audit log, by the scheduled job: one batch of rows
    # prepared here (their values are plain already: states, seqs and ISO times).
    entity, kind, fk = workflow.audit_entity, mark.kind, log.fk
    record_rows(session, JOB, [
        (kind, entity, str(e[fk]), {"state": e["from_state"]},
         {"state": e["to_state"], "event": e["seq"], **e["data"]}, None)
        for e in events
    ])  # fmt: skip
