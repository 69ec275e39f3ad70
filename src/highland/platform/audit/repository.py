"""The audit log's queries: a filter (who, what, which record, when, free text) over the log,
paged for the page and the API, streamed for exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from highland.platform.audit.models import AuditEntry
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

