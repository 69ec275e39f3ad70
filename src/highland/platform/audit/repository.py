"""The audit log's queries: a filter (who, what, which record, when, free text) over the log,
paged for the page and the API, streamed for exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Dialect,
    Select,
    String,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from highland.platform.audit.models import AuditEntry, AuditHead
from highland.platform.db import table_of
from highland.platform.pagination import Page, paginate


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show; None is "any". `start` is inclusive, `end` exclusive (both
    tz-aware); `q` is searched in the actor, the record's key, the summary and the values."""

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    key: str | None = None
    channel: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    q: str | None = None


def _text_has(column: Any, needle: str) -> ColumnElement[bool]:
    """Case-insensitive "contains" over a column read as text."""
    return func.lower(cast(column, String)).contains(needle.lower(), autoescape=True)


def _search(q: str) -> ColumnElement[bool]:
    # Values are JSON: rows stored with escaped characters (\u5357…) match their escaped form.
    forms = {q, json.dumps(q)[1:-1]}
    return or_(
        *(
            _text_has(col, form)
            for form in forms
            for col in (AuditEntry.before, AuditEntry.after)
        ),
        _text_has(AuditEntry.actor, q),
        _text_has(AuditEntry.entity_key, q),
        _text_has(AuditEntry.summary, q),
    )


def _filtered(f: AuditFilter) -> Select[Any]:
    e = AuditEntry
    conds: list[ColumnElement[bool]] = []
    if f.actor:
        conds.append(_text_has(e.actor, f.actor))
    if f.action:
        conds.append(e.action == f.action)
    if f.entity:
        conds.append(e.entity == f.entity)
    if f.key:
        conds.append(e.entity_key == f.key)
    if f.channel:
        conds.append(e.channel == f.channel)
    if f.start is not None:
        conds.append(e.at >= f.start)
    if f.end is not None:
        conds.append(e.at < f.end)
    if f.q:
        conds.append(_search(f.q))
    return select(e).where(*conds).order_by(e.seq.desc())


def entries(session: Session, f: AuditFilter, page: int, per_page: int) -> Page[AuditEntry]:
    """One page of the filtered log, newest first (counted: the page says how many match)."""
    return paginate(session, _filtered(f), page, per_page)


def iter_entries(session: Session, f: AuditFilter) -> Iterator[AuditEntry]:
    """Every filtered entry, newest first, read in batches (exports)."""
    yield from session.scalars(_filtered(f).execution_options(yield_per=2000))


# ------------------------------------------------------------------ appending

# Rows per INSERT statement (executemany in slices, so memory stays flat for a huge batch).
CHUNK = 5000


def lock_head(session: Session, n: int, genesis: str) -> tuple[int, str]:
    """Reserve `n` places at the chain's end: (the seq before them, the hash they chain onto).

    The UPDATE comes first: it takes the write lock (SQLite) or the row lock (PostgreSQL)
    before the head is read, so no two transactions can chain onto the same predecessor."""
    res = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + n))
    if res.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AuditHead(id=1, seq=n, last_hash=genesis))
        session.flush()
    head = session.execute(
        select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    return head.seq - n, head.last_hash


# The columns the append writes, in the INSERT's order (all but the id).
APPEND_COLUMNS = ("seq", "at", "actor", "actor_role", "channel", "action", "entity",
                  "entity_key", "before", "after", "summary", "prev_hash", "hash")  # fmt: skip


# The INSERT as each kind of database takes it, compiled once: (SQL, named parameters?).
_COMPILED: dict[tuple[str, str], tuple[str, bool]] = {}


def _insert_sql(dialect: Dialect) -> tuple[str, bool]:
    key = (dialect.name, dialect.paramstyle)
    if key not in _COMPILED:
        table = table_of(AuditEntry)
        cols = table.c
        compiled = insert(table).values(
            {name: bindparam(name, type_=cols[name].type) for name in APPEND_COLUMNS}
        ).compile(dialect=dialect)
        if compiled.positional and list(compiled.positiontup or ()) != list(APPEND_COLUMNS):
            raise RuntimeError("audit append: unexpected parameter order")
        _COMPILED[key] = (str(compiled), not compiled.positional)
    return _COMPILED[key]


def append(
    session: Session, at: datetime, rows: list[tuple[Any, ...]], last_hash: str
) -> None:
    """Insert the chained rows and move the head's hash. Each row holds the APPEND_COLUMNS'
    values but `at` (the batch's one moment, given apart), `before` and `after` as JSON text.

    Set-based and driver-level: the INSERT is compiled once per kind of database and run with
    the driver's executemany over plain tuples, in slices of CHUNK, so nothing is converted
    row by row (the moment once, by the column's own type; the JSON text as it is)."""
    conn = session.connection()
    dialect = conn.dialect
    sql, named = _insert_sql(dialect)
    stored = AuditEntry.__table__.c["at"].type.dialect_impl(dialect).bind_processor(dialect)
    when = stored(at) if stored is not None else at
    params: list[Any] = [(v[0], when, *v[1:]) for v in rows]
    if named:
        params = [dict(zip(APPEND_COLUMNS, p, strict=True)) for p in params]
    for start in range(0, len(params), CHUNK):
        conn.exec_driver_sql(sql, params[start : start + CHUNK])
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=last_hash))
