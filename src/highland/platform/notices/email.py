"""Notices by e-mail over SMTP (the settings HIGHLAND_SMTP_*): a second step after storing.

`send_pending` sends notices with no `emailed_at` whose user is active, has an address and has
not read them yet; a failure is recorded in `email_error` (never with the password) and retried
on the next run. A notice is rendered in the user's language when the user has one
(`user_account.language`), else in Chinese with the English underneath; each carries the
absolute link to its object (settings.base_url + the notice's path).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from highland.platform.config import Settings
from highland.platform.db import begin_write, utcnow
from highland.platform.identity.models import User
from highland.platform.notices.models import Notification
from highland.platform.notices.service import text
from highland.platform.web.i18n import LANGUAGES, translate

log = logging.getLogger("highland.platform.notices.email")

MAX_SUBJECT = 300
MAX_ERROR = 300
SMTP_TIMEOUT = 15.0


def url(settings: Settings, path: str) -> str:
    """The absolute address of a path of the site."""
    return settings.base_url.rstrip("/") + path


def email_text(settings: Settings, n: Notification, lang: str | None) -> tuple[str, str]:
    """Subject and body of a notice's e-mail: in `lang` when given, else Chinese with the
    English underneath (the subject in Chinese)."""
    link = url(settings, n.link)
    params = n.params or {}
    if lang in LANGUAGES:
        subject, body = text(lang, n.kind, params)
        return subject[:MAX_SUBJECT], f"{body}\n{translate(lang, 'notices.email.open')}: {link}"
    zh_subject, zh_body = text("zh-CN", n.kind, params)
    _, en_body = text("en", n.kind, params)
    body = "\n".join(
        [
            zh_body,
            f"{translate('zh-CN', 'notices.email.open')}：{link}",
            "",
            "—" * 20,
            "",
            en_body,
            f"{translate('en', 'notices.email.open')}: {link}",
        ]
    )
    return zh_subject[:MAX_SUBJECT], body


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


def pending(session: Session, limit: int) -> list[tuple[Notification, str, str | None]]:
    """Unsent, unread notices whose user has an e-mail address (fresh ones before retries),
    with the address and the user's language."""
    rows = session.execute(
        select(Notification, User.email, User.language)
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
    return [(n, str(email), lang) for n, email, lang in rows]


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
        for n, email, _ in todo:
            n.email_to, n.email_error = email, error
        session.flush()
        return 0, len(todo)
    try:
        for i, (n, email, lang) in enumerate(todo):
            n.email_to = email
            try:
                subject, body = email_text(settings, n, lang)
                smtp.send_message(build_email(settings, email, subject, body))
            except smtplib.SMTPServerDisconnected as exc:
                error = _describe(exc, settings, "sending")
                for m, addr, _ in todo[i:]:
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
