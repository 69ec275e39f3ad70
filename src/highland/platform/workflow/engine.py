"""The workflow engine: one call takes one declared action on one tracked row.

A tracked row (a demand, a chain task, a cooperation project) has the columns `id`, `state`,
`open`, `version` (optimistic lock: every change adds one; a stale edit is refused with 409),
`event_count` (the seq of its last event) and `updated_at`; its events go to an append-only
table with `<fk>`, `seq`, `at`, `actor`, `actor_role`, `action`, `from_state`, `to_state` and
`data` (database triggers refuse UPDATE and DELETE on it).

`Workflow.begin` locks the row and checks, in this order: the action is declared, the row exists
and the caller may see it, the caller's parts may take the action, the version is the row's, the
state allows the action, the needed inputs are given. The domain's handler then does what the
action means and logs its event(s) with `Workflow.log`; `Workflow.finish` bumps the version and
sets `open`. Errors carry codes `<prefix>.unknown_action`, `.not_found`, `.not_your_part`,
`.version_missing`, `.stale`, `.wrong_state`, `.required_for` and name the action and state
through the domain's catalogue keys (`Workflow.action_key`, `state_key`, `field_key`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from highland.platform.audit.present import register_states
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import begin_write
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.kit.dates import local_minute
from highland.platform.workflow.machine import Machine, Transition

# The codes of the engine's errors, after the workflow's own prefix (`<prefix>.<error>`): each
# needs an `error.<prefix>.<error>` entry in the catalogue.
ERRORS = ("unknown_action", "not_found", "not_your_part", "version_missing", "stale",
          "wrong_state", "required_for")  # fmt: skip

# Called with each event as it is logged (the domain's one place events become notices).
OnEvent = Callable[[Session, Any, Actor, str, str, dict[str, Any], datetime], object]


@dataclass(frozen=True)
class EventLog:
    """Where a tracked row's events go: the event model, the column naming the row, columns
    copied from the row onto each event (e.g. the demand's institution) and the hook that turns
    events into notices."""

    model: type[Any]
    fk: str
    copied: tuple[str, ...] = ()
    on_event: OnEvent | None = None

    def row(
        self,
        tracked: Any,
        seq: int,
        actor: Actor,
        action: str,
        from_state: str | None,
        to_state: str,
        data: dict[str, Any],
        now: datetime,
    ) -> dict[str, Any]:
        """One event's columns."""
        return {
            self.fk: tracked.id, "seq": seq, "at": now, "actor": actor.name,
            "actor_role": actor.role, "action": action,
            "from_state": None if from_state is None else str(from_state),
            "to_state": str(to_state), "data": data,
            **{name: getattr(tracked, name) for name in self.copied},
        }  # fmt: skip


@dataclass(frozen=True)
class Workflow:
    """A machine bound to its rows: the tracked model, its event log, the English noun of its
    messages ("demand"), the code prefix of its errors ("demand") and the catalogue keys of its
    actions', states' and fields' words."""

    machine: Machine
    model: type[Any]
    log_to: EventLog
    noun: str
    prefix: str
    # Catalogue keys of an action's, a state's and an input field's words ("demands.action.{}").
    action_key: str
    state_key: str
    field_key: str
    # The English end of a refusal after the action's name (default: " may be done only by:
    # <the parts' names>").
    who: Callable[[Transition, Any], str] | None = field(default=None, compare=False)
    # The audit log's name of a tracked row ("demand", "chain_task"); default: `prefix`.
    entity: str | None = None

    def __post_init__(self) -> None:
        register_states(self.audit_entity, self.state_key)

    @property
    def audit_entity(self) -> str:
        """What the audit log calls a tracked row."""
        return self.entity or self.prefix

    # ------------------------------------------------------------------ one action

    def transition(self, action: str) -> Transition:
        """The declared transition of an action (422 when none is declared)."""
        t = self.machine.transitions.get(action)
        if t is None:
            names = ", ".join(self.machine.transitions)
            raise InvalidInput(
                f"action: unknown action '{action}'; actions are: {names}",
                field="action",
                code=f"{self.prefix}.unknown_action",
                params={"action": action},
            )
        return t

    def begin(
        self,
        session: Session,
        row_id: int,
        action: str,
        *,
        parts_of: Callable[[Any], frozenset[str]],
        version: int | None,
        data: Mapping[str, Any],
        visible: Callable[[Any], bool] | None = None,
    ) -> tuple[Any, Transition]:
        """Lock the row and check that the caller may take the action now (see the module);
        the row and its transition."""
        begin_write(session)
        t = self.transition(action)
        row = session.get(self.model, row_id, with_for_update=True, populate_existing=True)
        if row is None or (visible is not None and not visible(row)):
            raise NotFound(f"{self.noun} {row_id} not found", code=f"{self.prefix}.not_found",
                           params={"id": row_id})  # fmt: skip
        parts = parts_of(row)
        if not t.parts & parts:
            if self.who is not None:
                who = self.who(t, row)
            else:
                who = " may be done only by: " + ", ".join(sorted(t.parts))
            raise Forbidden(f"'{action}'{who}", code=f"{self.prefix}.not_your_part",
                            params={"action": "@" + self.action_key.format(action)})  # fmt: skip
        self.check_version(row, version)
        if row.state not in t.sources:
            allowed = ", ".join(self.machine.allowed(row.state, parts)) or "none"
            raise Conflict(
                f"cannot {action} a {self.noun} that is {row.state}; allowed now: {allowed}",
                field="action",
                code=f"{self.prefix}.wrong_state",
                params={"action": "@" + self.action_key.format(action),
                        "state": "@" + self.state_key.format(row.state)},
            )  # fmt: skip
        need = self.machine.missing(t, data)
        if need is not None:
            raise InvalidInput(f"{need}: is required to {action}", field=need,
                               code=f"{self.prefix}.required_for",
                               params={"field": "@" + self.field_key.format(need),
                                       "action": "@" + self.action_key.format(action)})  # fmt: skip
        return row, t

    def check_version(self, row: Any, version: int | None) -> None:
        """Refuse a missing or stale version: the caller acts on what they loaded (409 if the
        row changed since)."""
        if version is None:
            raise InvalidInput(f"version: send the version of the {self.noun} you are acting on",
                               field="version", code=f"{self.prefix}.version_missing")  # fmt: skip
        if version != row.version:
            raise Conflict(
                f"{self.noun} {row.id} has changed since you loaded it (you have version "
                f"{version}, it is now version {row.version}, last changed "
                f"{row.updated_at:%Y-%m-%d %H:%M} UTC); reload it and try again",
                field="version",
                code=f"{self.prefix}.stale",
                params={"id": row.id, "yours": version, "now": row.version,
                        "at": local_minute(row.updated_at)},
            )  # fmt: skip

    def finish(self, row: Any, now: datetime) -> None:
        """After the handler: one more version, the change's time, open unless final."""
        row.version += 1
        row.updated_at = now
        row.open = self.machine.is_open(row.state)

    def log(
        self,
        session: Session,
        row: Any,
        actor: Actor,
        action: str,
        from_state: str | None,
        to_state: str,
        data: dict[str, Any],
        now: datetime,
    ) -> None:
        """Append one event to the row's log (seq = event_count + 1), the same event to the
        hash-chained audit log (with the actor's channel) and tell the domain's notice hook.
        The one event writer of every workflow."""
        row.event_count = (row.event_count or 0) + 1
        values = self.log_to.row(row, row.event_count, actor, action, from_state, to_state,
                                 data, now)  # fmt: skip
        session.add(self.log_to.model(**values))
        record(session, actor, self.audit_change(row.id, row.event_count, action, from_state,
                                                 to_state, data))  # fmt: skip
        if self.log_to.on_event is not None:
            self.log_to.on_event(session, row, actor, action, str(to_state), data, now)

    def audit_change(
        self,
        row_id: int,
        seq: int,
        action: str,
        from_state: str | None,
        to_state: str,
        data: dict[str, Any],
    ) -> Change:
        """An event as the audit log keeps it: the state before, the state after with the
        event's data, and the event's seq in the row's own log (so the two logs can be matched)."""
        before = None if from_state is None else {"state": str(from_state)}
        after = {"state": str(to_state), "event": seq, **data}
        return Change(action, self.audit_entity, str(row_id), before, after)
