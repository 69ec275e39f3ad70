"""Append to and verify the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from highland.platform.audit.models import AuditEntry, AuditHead
from highland.platform.db import utcnow
from highland.platform.identity.permissions import Principal

GENESIS = "0" * 64
# Field names whose values never enter the log (they are secrets).
SECRET_FIELDS = frozenset({"password", "password_hash", "token", "token_hash", "csrf_token"})


@dataclass(frozen=True)
class Actor:
    """Who made a change and through which channel."""

    name: str
    role: str | None
    channel: str  # ui | api | open311 | cli | import | job | system (see CHANNELS)


# The ways a change reaches the platform (the audit page names each: audit.channel.<x>).
CHANNELS = ("ui", "api", "open311", "cli", "import", "job", "system")
SYSTEM = Actor("system", None, "system")
# The scheduled rounds (sweeps, prunes) as the audit log names them.
JOB = Actor("system", None, "job")


def actor_of(principal: Principal) -> Actor:
    """Who a principal's change is recorded as: the user, their role and their channel."""
    return Actor(principal.username, principal.role.value, principal.channel)


@dataclass(frozen=True)
class Change:
    """One change to record."""

    action: str
    entity: str
    key: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    summary: str | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _digest(row: dict[str, Any]) -> str:
    text = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _payload(seq: int, at: datetime, actor: Actor, ch: Change, prev: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at.isoformat(),
        "actor": actor.name,
        "actor_role": actor.role,
        "channel": actor.channel,
        "action": ch.action,
        "entity": ch.entity,
        "entity_key": ch.key,
        "before": ch.before,
        "after": ch.after,
        "summary": ch.summary,
        "prev_hash": prev,
    }


def record(session: Session, actor: Actor, change: Change) -> None:
    """Append one change to the log, in the caller's transaction."""
    record_many(session, actor, [change])


def record_many(session: Session, actor: Actor, changes: Iterable[Change]) -> int:
    """Append changes in order; locks the chain head so concurrent writers queue."""
    items = [
        Change(c.action, c.entity, c.key, _plain(c.before), _plain(c.after), c.summary)
        for c in changes
    ]
    if not items:
        return 0
    # The UPDATE comes first: it takes the write lock (SQLite) or the row lock (PostgreSQL)
    # before the head is read, so no two transactions can chain onto the same predecessor.
    res = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + len(items))
    )
    if res.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AuditHead(id=1, seq=len(items), last_hash=GENESIS))
        session.flush()
    head = session.execute(
        select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    seq = head.seq - len(items)
    prev = head.last_hash
    at = utcnow()
    rows = []
    for ch in items:
        seq += 1
        payload = _payload(seq, at, actor, ch, prev)
        digest = _digest(payload)
        rows.append({**payload, "at": at, "hash": digest})
        prev = digest
    for start in range(0, len(rows), 5000):
        session.execute(insert(AuditEntry), rows[start : start + 5000])
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    return len(rows)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    # What is wrong, for the page's words (audit.problem.<kind>): missing, link, content, tail.
    kind: str | None = None


def verify(session: Session) -> VerifyResult:
    """Recompute every hash in order; report the first row that does not match."""
    prev = GENESIS
    checked = 0
    expected_seq = 1
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000)
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "row missing from the chain",
                                "missing")
        actor = Actor(entry.actor, entry.actor_role, entry.channel)
        ch = Change(
            entry.action, entry.entity, entry.entity_key, entry.before, entry.after, entry.summary
        )
        payload = _payload(entry.seq, entry.at, actor, ch, entry.prev_hash)
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, entry.seq, "link to the previous row is broken",
                                "link")
        if _digest(payload) != entry.hash:
            return VerifyResult(False, checked, entry.seq, "row content does not match its hash",
                                "content")
        prev = entry.hash
        checked += 1
        expected_seq += 1
    head = session.execute(select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar()
    if head is not None and head != prev:
        return VerifyResult(False, checked, expected_seq, "rows after the last one are missing",
                            "tail")
    return VerifyResult(True, checked)


def count(session: Session) -> int:
    """Return the number of entries."""
    return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

