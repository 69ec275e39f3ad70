"""The one notification service: store notices once, list them, render them, mark them read.

A notice is (user, kind, ref, dedupe_key) + parameters + a link. `kind` names the catalogue
entries `notice.<kind>.subject` and `notice.<kind>.body` (web/messages/notices.yaml); `ref`
names the object ("demand:12", "task:7", "policy:P-001"); `dedupe_key` the occasion (the
deadline of a deadline notice, the event's seq of an event notice, a policy version). The
unique key over those four NOT NULL columns makes every notice exist at most once per user,
however often a sweep, a retry or a re-submission asks for it: inserts are
INSERT … ON CONFLICT DO NOTHING.

Domains never write this table themselves: each maps its events to `Notice`s in one module
(demands/notices.py, chains/governance/notices.py, policies/notices.py) and calls `notify` or
`notify_each`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from highland.platform.db import begin_write, table_of, utcnow
from highland.platform.errors import InvalidInput
from highland.platform.identity.models import User
from highland.platform.kit.dates import CITY_TZ
from highland.platform.notices.models import Notification
from highland.platform.pagination import paginate
from highland.platform.web.i18n import has, pick, translate

CHUNK = 2000
MAX_IDS = 500
MAX_PER_PAGE = 200
LEGACY = "legacy"  # rows carried over from the pre-rendered table (their own text)


@dataclass(frozen=True)
class Notice:
    """What to tell people, language-neutral: the catalogue kind, the object, the occasion."""

    kind: str  # notice.<kind>.subject / .body in the catalogue
    ref: str  # "demand:12", "task:7", "policy:P-001"
    link: str  # a path of the site, e.g. "/demands/12"
    params: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # the occasion: a deadline, an event's seq, a policy version

    def __post_init__(self) -> None:
        if not self.link.startswith("/"):
            raise ValueError(f"notice link must be a path of the site, got {self.link!r}")


# ---------------------------------------------------------------- storing


def _row(user_id: int, n: Notice, now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "kind": n.kind[:32],
        "ref": n.ref[:80],
        "dedupe_key": n.key[:80],
        "params": n.params,
        "link": n.link[:300],
        "created_at": now,
        "read_at": None,
        "email_to": None,
        "emailed_at": None,
        "email_error": None,
    }


def _insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING in chunks (SQLite and PostgreSQL); how many were new."""
    if not rows:
        return 0
    table = table_of(Notification)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as lite_insert

        stmt = lite_insert(table).on_conflict_do_nothing()
    begin_write(session)
    new = 0
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start : start + CHUNK])
        new += len(session.scalars(stmt.returning(table.c.id), chunk).all())
    return new


def _active(session: Session, user_ids: Iterable[int]) -> set[int]:
    ids = sorted(set(user_ids))
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            session.scalars(
                select(User.id).where(User.id.in_(ids[start : start + CHUNK]), User.is_active)
            )
        )
    return found


def notify(
    session: Session, user_ids: Iterable[int], notice: Notice, *, now: datetime | None = None
) -> int:
    """Give each (active) user the notice once; how many new notices were stored."""
    return notify_each(session, ((uid, notice) for uid in user_ids), now=now)


def notify_each(
    session: Session, items: Iterable[tuple[int, Notice]], *, now: datetime | None = None
) -> int:
    """Store many notices (user id, notice) in chunked bulk inserts; duplicates — the same
    (user, kind, ref, key) stored before or given twice — and inactive users are skipped.
    Returns how many new notices were stored."""
    pairs = list(items)
    if not pairs:
        return 0
    now = now or utcnow()
    active = _active(session, (uid for uid, _ in pairs))
    seen: set[tuple[int, str, str, str]] = set()
    rows = []
    for uid, n in pairs:
        k = (uid, n.kind, n.ref, n.key)
        if uid in active and k not in seen:
            seen.add(k)
            rows.append(_row(uid, n, now))
    return _insert_ignoring_duplicates(session, rows)


def store_rows(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Bulk-insert notices already shaped as rows (`row(...)`) for set-based producers whose
    recipients are known active; duplicates are skipped. Returns how many were new."""
    return _insert_ignoring_duplicates(session, rows)


def row(user_id: int, notice: Notice, now: datetime) -> dict[str, Any]:
    """One notice as a row for `store_rows`."""
    return _row(user_id, notice, now)


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Rendered:
    """A notice in one language."""

    id: int
    created_at: datetime
    read_at: datetime | None
    kind: str
    subject: str
    body: str
    link: str


def _when(value: Any) -> Any:
    """An ISO time as Beijing time, YYYY-MM-DD HH:MM (anything else unchanged)."""
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, str) and len(value) >= 16 and value[4] == "-" and "T" in value:
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        return value
    if at.tzinfo is None:
        return value
    return at.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")


class _Params(dict[str, Any]):
    """Parameters for str.format_map: a missing one shows as a dash, not an error."""

    def __missing__(self, key: str) -> str:
        return "—"


def params_for(lang: str, params: dict[str, Any]) -> dict[str, Any]:
    """A notice's parameters in one language: `x_en` replaces `x` in English; "@key" values
    are catalogue keys; times become Beijing time; None becomes a dash."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if k.endswith("_en"):
            continue
        value = pick(lang, v, params.get(f"{k}_en"))
        if isinstance(value, str) and value.startswith("@") and has(value[1:]):
            value = translate(lang, value[1:])
        value = _when(value)
        out[k] = "—" if value is None else value
    return out


def text(lang: str, kind: str, params: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of a notice in a language, from the catalogue."""
    if kind == LEGACY:
        return str(params.get("subject", "")), str(params.get("body", ""))
    values = _Params(params_for(lang, params))
    out = []
    for part in ("subject", "body"):
        key = f"notice.{kind}.{part}"
        if not has(key):
            key = f"notice.unknown.{part}"
        template = translate(lang, key)
        try:
            out.append(template.format_map(values))
        except (IndexError, ValueError):
            out.append(template)
    return out[0], out[1]


def render(lang: str, n: Notification) -> Rendered:
    """A stored notice in the reader's language."""
    subject, body = text(lang, n.kind, n.params or {})
    return Rendered(n.id, n.created_at, n.read_at, n.kind, subject, body, n.link)


# ---------------------------------------------------------------- reading


def unread_count(session: Session, user_id: int) -> int:
    """How many unread notices the user has."""
    n = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(n or 0)


@dataclass(frozen=True)
class NoticePage:
    """One page of a user's notices (unread first, then newest first)."""

    items: list[Notification]
    total: int
    unread: int
    page: int
    per_page: int


def check_paging(page: Any, per_page: Any) -> tuple[int, int]:
    """Page and page size as numbers in range, or a clear error."""
    try:
        p = int(str(page).strip())
    except ValueError:
        p = 0
    if p < 1:
        raise InvalidInput(
            f"page: '{page}' is not a page number (1, 2, …)",
            field="page",
            code="notices.bad_page",
            params={"value": str(page)[:40]},
        )
    try:
        n = int(str(per_page).strip())
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_PER_PAGE:
        raise InvalidInput(
            f"per_page: '{per_page}' is not a number from 1 to {MAX_PER_PAGE}",
            field="per_page",
            code="notices.bad_per_page",
            params={"value": str(per_page)[:40], "max": MAX_PER_PAGE},
        )
    return p, n


def list_notices(
    session: Session,
    user_id: int,
    *,
    page: int | str = 1,
    per_page: int | str = 50,
    unread_only: bool = False,
) -> NoticePage:
    """The user's own notices, unread first, newest first within each group."""
    p, size = check_paging(page, per_page)
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    stmt = (
        select(Notification)
        .where(*where)
        .order_by(case((Notification.read_at.is_(None), 0), else_=1), Notification.id.desc())
    )
    listed = paginate(session, stmt, p, size)
    return NoticePage(
        list(listed.items), listed.total or 0, unread_count(session, user_id), p, size
    )


# ---------------------------------------------------------------- marking read


def parse_ids(values: Iterable[Any], where: str = "ids") -> list[int]:
    """Notice ids from a form or a body: whole positive numbers, at most MAX_IDS, or a clear
    error naming the bad value (nothing is marked then)."""
    out: list[int] = []
    for v in values:
        if isinstance(v, bool):
            v = str(v)
        try:
            i = int(str(v).strip()) if not isinstance(v, int) else v
        except ValueError:
            i = 0
        if i < 1:
            raise InvalidInput(
                f"{where}: '{str(v)[:40]}' is not a notice id",
                field=where,
                code="notices.bad_id",
                params={"value": str(v)[:40]},
            )
        out.append(i)
    if len(out) > MAX_IDS:
        raise InvalidInput(
            f"{where}: at most {MAX_IDS} notices at a time (got {len(out)})",
            field=where,
            code="notices.too_many_ids",
            params={"max": MAX_IDS, "n": len(out)},
        )
    return out


def mark_read(
    session: Session,
    user_id: int,
    ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Mark the user's unread notices read — these ids, or all when ids is None; other users'
    ids and unknown ids are ignored. Returns how many changed."""
    table = table_of(Notification)
    stmt = (
        update(table)
        .where(table.c.user_id == user_id, table.c.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    if ids is not None:
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return 0
        stmt = stmt.where(table.c.id.in_(wanted))
    begin_write(session)
    result = session.execute(stmt)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Notification):
            session.expire(obj)
    return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------- keeping the table bounded


def prune_read(session: Session, keep_days: int, now: datetime | None = None) -> int:
    """Delete the notices read more than `keep_days` days ago, in one statement (unread
    notices are never deleted); how many. No producer asks for an old occasion again, so a
    deleted notice does not come back."""
    from datetime import timedelta

    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    table = table_of(Notification)
    begin_write(session)
    result = session.execute(
        delete(table).where(table.c.read_at.is_not(None), table.c.read_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
