"""Notifications of demands: notices in the UI, and the same notices by e-mail over SMTP.

A notice is one row of `notification`. The unique key (user, demand, kind, due_key) makes a
notice about one deadline exist at most once per user, whatever the number of sweeps. E-mail is
a second step (`send_pending`): notices with a recipient address and no `emailed_at` are sent;
a failure is recorded in `email_error` (never with the password) and retried on the next run.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from highland.config import Settings
from highland.db import begin_write, table_of, utcnow
from highland.demands.models import Notification
from highland.identity.models import User
from highland.identity.permissions import Role

log = logging.getLogger("highland.demands.notify")

SHANGHAI_LABEL = "北京时间"
MAX_SUBJECT = 300
MAX_ERROR = 300
TITLE_IN_SUBJECT = 80
CHUNK = 5000
SMTP_TIMEOUT = 15.0

# kind → (Chinese label, English label, Chinese sentence, English sentence)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "warning": (
        "即将超期",
        "Due soon",
        "距办理时限已不足一个工作日，请抓紧办理。",
        "Less than one working day is left before the resolution deadline.",
    ),
    "response_breach": (
        "签收超时",
        "Response overdue",
        "责任单位未在响应时限内签收该诉求。",
        "The institution has not accepted the demand within the response limit.",
    ),
    "breach": (
        "已超期",
        "Overdue",
        "已超过办理时限，诉求尚未办结。",
        "The resolution deadline has passed and the demand is not resolved.",
    ),
    "escalation": (
        "超期督办",
        "Escalated",
        "诉求超期未办结，现提请您督办。",
        "The demand is overdue and is escalated to you.",
    ),
}


# ---------------------------------------------------------------- message text


@dataclass(frozen=True)
class DemandInfo:
    """What a notice says about a demand."""

    id: int
    title: str
    enterprise: str
    enterprise_en: str | None
    institution: str
    institution_en: str | None


def _local(at: datetime) -> str:
    from highland.demands.calendar import SHANGHAI

    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def link(settings: Settings, demand_id: int) -> str:
    """The address of a demand's page."""
    return settings.base_url.rstrip("/") + f"/demands/{demand_id}"


def message(
    kind: str,
    d: DemandInfo,
    due: datetime,
    settings: Settings,
    overdue_days: int | None = None,
) -> tuple[str, str]:
    """Subject and body of a notice: Chinese first, the English underneath."""
    zh, en, zh_line, en_line = KINDS[kind]
    title = d.title if len(d.title) <= TITLE_IN_SUBJECT else d.title[: TITLE_IN_SUBJECT - 1] + "…"
    subject = f"【{zh}】诉求 #{d.id}：{title} / [{en}] Demand #{d.id}"[:MAX_SUBJECT]
    if overdue_days is not None:
        zh_line += f"（已超期 {overdue_days} 个工作日）"
        en_line += f" (overdue by {overdue_days} working days)"
    url = link(settings, d.id)
    when = _local(due)
    due_zh = "签收时限" if kind == "response_breach" else "办理时限"
    due_en = "Response deadline" if kind == "response_breach" else "Deadline"
    body = "\n".join(
        [
            f"诉求：{d.title}",
            f"企业：{d.enterprise}",
            f"责任单位：{d.institution}",
            f"{due_zh}：{when}（{SHANGHAI_LABEL}）",
            zh_line,
            f"查看：{url}",
            "",
            "—" * 20,
            "",
            f"Demand: {d.title}",
            f"Enterprise: {d.enterprise_en or d.enterprise}",
            f"Institution: {d.institution_en or d.institution}",
            f"{due_en}: {when} (Asia/Shanghai)",
            en_line,
            f"Open: {url}",
        ]
    )
    return subject, body


# ---------------------------------------------------------------- recipients


@dataclass
class Recipients:
    """Active users who receive demand notices, by where they work."""

    handlers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    chain_heads: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    leaders: list[int] = field(default_factory=list)
    emails: dict[int, str] = field(default_factory=dict)

    def of_institutions(self, codes: Iterable[str | None]) -> list[int]:
        """Handlers of these institutions (each user once, in order)."""
        out: list[int] = []
        for code in codes:
            for uid in self.handlers.get(code or "", []):
                if uid not in out:
                    out.append(uid)
        return out

    def escalation(self, chain_id: int | None) -> list[int]:
        """The chain head(s) of the demand's chain, else every leader."""
        heads = self.chain_heads.get(chain_id, []) if chain_id is not None else []
        return list(heads) or list(self.leaders)


def recipients(session: Session) -> Recipients:
    """Load the active handlers, chain heads and leaders (one query)."""
    r = Recipients()
    rows = session.execute(
        select(User.id, User.role, User.institution_code, User.chain_id, User.email)
        .where(
            User.is_active.is_(True),
            User.role.in_((Role.handler.value, Role.chain_head.value, Role.leader.value)),
        )
        .order_by(User.id)
    )
    for uid, role, inst, chain, email in rows:
        if role == Role.handler.value and inst:
            r.handlers[inst].append(uid)
        elif role == Role.chain_head.value and chain is not None:
            r.chain_heads[chain].append(uid)
        elif role == Role.leader.value:
            r.leaders.append(uid)
        if email:
            r.emails[uid] = email
    return r


# ---------------------------------------------------------------- storing notices


def _insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL); the ids actually inserted."""
    if not rows:
        return []
    table = table_of(Notification)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as lite_insert

        stmt = lite_insert(table).on_conflict_do_nothing()
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start : start + CHUNK])
        ids.extend(session.scalars(stmt.returning(table.c.id), chunk).all())
    return ids


def notice_row(
    user_id: int,
    demand_id: int | None,
    kind: str,
    subject: str,
    body: str,
    *,
    due_key: str = "",
    email: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """One notification row for a bulk insert."""
    return {
        "user_id": user_id,
        "demand_id": demand_id,
        "kind": kind,
        "due_key": due_key,
        "subject": subject[:MAX_SUBJECT],
        "body": body,
        "created_at": now,
        "read_at": None,
        "email_to": email,
        "emailed_at": None,
        "email_error": None,
    }


def store_notices(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert notices, skipping any that already exist for the same deadline; how many new."""
    return len(_insert_ignoring_duplicates(session, rows))


def notify_user(
    session: Session,
    user_id: int,
    demand_id: int | None,
    kind: str,
    subject: str,
    body: str,
    *,
    due_key: str = "",
    now: datetime | None = None,
) -> int | None:
    """Give one user one notice (e.g. "a demand was dispatched to you"); the notice's id, or
    None when the same notice (user, demand, kind, due_key) already exists."""
    email = session.scalar(select(User.email).where(User.id == user_id))
    row = notice_row(
        user_id, demand_id, kind, subject, body, due_key=due_key, email=email, now=now or utcnow()
    )
    ids = _insert_ignoring_duplicates(session, [row])
    return ids[0] if ids else None


# ---------------------------------------------------------------- the UI


def unread(session: Session, user_id: int, limit: int = 20) -> list[Notification]:
    """The user's unread notices, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def count_unread(session: Session, user_id: int) -> int:
    """How many unread notices the user has."""
    n = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(n or 0)


def mark_read(
    session: Session, user_id: int, ids: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Mark the user's notices read (these ids, or all when ids is None); other users' ids are
    ignored. Returns how many changed."""
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
    _expire_notifications(session)
    return int(getattr(result, "rowcount", 0) or 0)


def _expire_notifications(session: Session) -> None:
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Notification):
            session.expire(obj)


# ---------------------------------------------------------------- e-mail


def _scrub(text: str, settings: Settings) -> str:
    """An error text safe to store and log: never the password, at most MAX_ERROR chars."""
    if settings.smtp_password:
        text = text.replace(settings.smtp_password, "***")
    return text[:MAX_ERROR]


def _describe(exc: BaseException, settings: Settings, stage: str) -> str:
    where = f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    if isinstance(exc, ConnectionRefusedError):
        why = "connection refused (is the SMTP server running on that port?)"
    elif isinstance(exc, socket.timeout | TimeoutError):
        why = "timed out"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        why = f"login as '{settings.smtp_user}' refused ({exc.smtp_code})"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        why = "recipient refused: " + "; ".join(
            f"{addr} ({code})" for addr, (code, _msg) in exc.recipients.items()
        )
    elif isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        why = f"server answered {exc.smtp_code} {detail}"
    else:
        why = f"{type(exc).__name__}: {exc}"
    return _scrub(f"{where}: {stage} failed: {why}", settings)


def build_email(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    """The e-mail of one notice (UTF-8 subject and text)."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "localhost")
    msg.set_content(body, charset="utf-8")
    return msg


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def pending(session: Session, limit: int) -> list[tuple[Notification, str]]:
    """Unsent, unread notices whose user has an e-mail address (fresh ones before retries)."""
    rows = session.execute(
        select(Notification, User.email)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            User.email.is_not(None),
            User.email != "",
            User.is_active.is_(True),
        )
        .order_by(case((Notification.email_error.is_(None), 0), else_=1), Notification.id)
        .limit(limit)
    ).all()
    return [(n, str(email)) for n, email in rows]


def send_pending(
    session: Session, settings: Settings, *, limit: int = 100, now: datetime | None = None
) -> tuple[int, int]:
    """E-mail up to `limit` pending notices; returns (sent, failed). Without an SMTP host
    nothing is sent and the notices stay UI-only."""
    if not settings.smtp_host:
        return 0, 0
    begin_write(session)
    todo = pending(session, limit)
    if not todo:
        return 0, 0
    sent = failed = 0
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        error = _describe(exc, settings, "connecting")
        log.warning("%s; %d notice(s) left for a later try", error, len(todo))
        for n, email in todo:
            n.email_to, n.email_error = email, error
        session.flush()
        return 0, len(todo)
    try:
        for i, (n, email) in enumerate(todo):
            n.email_to = email
            try:
                smtp.send_message(build_email(settings, email, n.subject, n.body))
            except smtplib.SMTPServerDisconnected as exc:
                error = _describe(exc, settings, "sending")
                for m, addr in todo[i:]:
                    m.email_to, m.email_error = addr, error
                failed += len(todo) - i
                log.warning("%s; %d notice(s) left for a later try", error, len(todo) - i)
                break
            except (OSError, smtplib.SMTPException) as exc:
                n.email_error = _describe(exc, settings, "sending")
                failed += 1
                log.warning("notice %s to %s: %s", n.id, email, n.email_error)
            else:
                n.emailed_at = now or utcnow()
                n.email_error = None
                sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    session.flush()
    return sent, failed
