"""Append to and verify the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.platform.audit import repository as repo
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


# The canonical JSON a row's hash covers: keys sorted, no spaces, characters as written.
_CANON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_string = json.encoder.encode_basestring  # a str as the encoder writes it (characters as written)
# The encoder's own C function, made once: `JSONEncoder.encode` builds it anew on every call
# (and `json.dumps` with options a whole encoder). The same text; no circular-reference check
# (a change's values are plain data).
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
_ENCODE = (
    _c_encoder(None, _CANON.default, _string, None, ":", ",", True, False, True)
    if _c_encoder is not None
    else None
)


def _canon(value: Any) -> str:
    """A value as canonical JSON (what `_CANON.encode` gives)."""
    if _ENCODE is None or isinstance(value, str):
        return _CANON.encode(value)
    return "".join(_ENCODE(value, 0))


def _digest(row: dict[str, Any]) -> str:
    return hashlib.sha256(_canon(row).encode()).hexdigest()


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
    return _append(session, actor, [
        (c.action, c.entity, c.key, _plain(c.before), _plain(c.after), c.summary)
        for c in changes
    ])  # fmt: skip


# One change ready for the log: (action, entity, key, before, after, summary), its values
# plain JSON (str, int, float, bool, None, lists, dicts with str keys; no secrets).
Row = tuple[str, str, str | None, dict[str, Any] | None, dict[str, Any] | None, str | None]


def record_rows(session: Session, actor: Actor, rows: Sequence[Row]) -> int:
    """Append many prepared changes at once (the overdue sweep's marks): the values must be
    plain JSON already (see `Row`); they are not converted or searched for secrets."""
    return _append(session, actor, rows)


def _text(value: Any) -> str:
    """A string (or None) as canonical JSON (anything else as the encoder writes it)."""
    if value is None:
        return "null"
    return _string(value) if isinstance(value, str) else _canon(value)


def _append(session: Session, actor: Actor, rows: Sequence[Row]) -> int:
    """Chain the rows onto the head and insert them, set-based: the head is locked and moved
    once, each row's canonical JSON is written from its parts (the same text `_digest` of
    `_payload` gives, which `verify` recomputes) and hashed in one pass, and all rows go in
    one multi-row INSERT with their values' JSON text (no ORM objects, nothing encoded twice)."""
    n = len(rows)
    if not n:
        return 0
    seq, prev = repo.lock_head(session, n, GENESIS)
    at = utcnow().astimezone(UTC)
    # The payload's keys in sorted order; the parts the whole batch shares are encoded once.
    who = f',"actor":{_text(actor.name)},"actor_role":{_text(actor.role)},"after":'
    when = f',"at":{_text(at.isoformat())},"before":'
    where = f',"channel":{_text(actor.channel)},"entity":'
    sha = hashlib.sha256
    out = []
    for action, entity, key, before, after, summary in rows:
        seq += 1
        b, a = _canon(before), _canon(after)
        text = (f'{{"action":{_text(action)}{who}{a}{when}{b}{where}{_text(entity)},'
                f'"entity_key":{_text(key)},"prev_hash":"{prev}","seq":{seq},'
                f'"summary":{_text(summary)}}}')  # fmt: skip
        digest = sha(text.encode()).hexdigest()
        out.append((seq, actor.name, actor.role, actor.channel, action, entity, key, b, a,
                    summary, prev, digest))  # (repo.APPEND_COLUMNS without `at`)
        prev = digest
    repo.append(session, at, out, prev)
    return n


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

