"""Notices by e-mail, against a real local SMTP server (aiosmtpd): sent once, in the user's
language or Chinese with the English underneath, errors recorded without the password."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.orm import Session

from highland.platform.config import Settings
from highland.platform.identity.models import User
from highland.platform.notices import email as notify
from highland.platform.notices import service
from highland.platform.notices.models import Notification
from tests.demands.test_sweep import NOW, SETTINGS, World, act, file, notices, run, world

__all__ = ["world"]  # the fixture, imported for pytest

PASSWORD = "s3cret-Pa55"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("refuse"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"highland",
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    yield handler, port
    ctl.stop()


@pytest.fixture
def auth_inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    ctl = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=check_login, auth_require_tls=False
    )
    ctl.start()
    yield handler, port
    ctl.stop()


def smtp(port: int, **over: Any) -> Settings:
    return SETTINGS.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_from": "noreply@highland.example.org",
            **over,
        }
    )


def quiet_file(db: Session) -> Any:
    """A demand dispatched to ZW (SJ co-handling), its dispatch notices already read."""
    d = file(db)
    for n in notices(db, kind="demand.dispatched"):
        service.mark_read(db, n.user_id)
    return d


def warned(db: Session) -> list[Notification]:
    """A demand at ZW swept at its warning: notices for zw1 (e-mail) and zw2 (none)."""
    d = quiet_file(db)
    act(db, d, "accept", NOW)
    run(db, d.warn_at)
    return notices(db, kind="warning")


# ---------------------------------------------------------------- e-mail


def test_pending_notices_are_mailed_once(
    db: Session, world: World, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    warn = warned(db)
    assert (notify.send_pending(db, smtp(port))) == (1, 0)  # zw2 has no address
    ((sender, rcpts, msg),) = box.received
    assert sender == "noreply@highland.example.org" and rcpts == ["zw1@example.org"]
    assert msg["Subject"] == f"【即将超期】诉求 #{warn[0].params['id']}：新厂房施工许可"
    assert msg["To"] == "zw1@example.org"
    body = msg.get_content()
    # Chinese first, the English underneath, each with the link to the demand.
    assert "办理时限 2026-03-09 23:59（北京时间）" in body
    assert "2026-03-09 23:59 (Beijing time)" in body
    link = f"https://highland.example.org/demands/{warn[0].params['id']}"
    assert f"查看：{link}" in body and f"Open: {link}" in body
    assert body.index("办理时限") < body.index("Beijing time")
    db.refresh(warn[0])
    assert warn[0].emailed_at is not None and warn[0].email_error is None
    assert warn[0].email_to == "zw1@example.org"
    assert notify.send_pending(db, smtp(port)) == (0, 0)
    assert len(box.received) == 1


def test_a_dead_smtp_port_records_the_error_and_retries_later(db: Session, world: World) -> None:
    port = free_port()  # nobody listens there
    (n, _) = warned(db)
    assert notify.send_pending(db, smtp(port, smtp_user="highland", smtp_password=PASSWORD)) == (
        0,
        1,
    )
    db.refresh(n)
    assert n.emailed_at is None
    assert n.email_error == (
        f"SMTP 127.0.0.1:{port}: connecting failed: connection refused (is the SMTP server "
        "running on that port?)"
    )
    # The server comes up: the next run sends it.
    handler = Inbox()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        assert notify.send_pending(db, smtp(port)) == (1, 0)
    finally:
        ctl.stop()
    db.refresh(n)
    assert n.emailed_at is not None and n.email_error is None
    assert [r for _, r, _ in handler.received] == [["zw1@example.org"]]


def test_login_and_a_refused_password_never_stored(
    db: Session, world: World, auth_inbox: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    box, port = auth_inbox
    (n, _) = warned(db)
    wrong = "Wrong-" + PASSWORD
    assert notify.send_pending(db, smtp(port, smtp_user="highland", smtp_password=wrong)) == (0, 1)
    db.refresh(n)
    assert n.email_error is not None and n.emailed_at is None
    assert "login as 'highland' refused (535)" in n.email_error
    assert wrong not in n.email_error and wrong not in caplog.text
    assert notify.send_pending(db, smtp(port, smtp_user="highland", smtp_password=PASSWORD)) == (
        1,
        0,
    )
    assert len(box.received) == 1


def test_starttls_refused_by_the_server_is_a_clear_error(
    db: Session, world: World, inbox: tuple[Inbox, int]
) -> None:
    _, port = inbox
    (n, _) = warned(db)
    assert notify.send_pending(db, smtp(port, smtp_starttls=True)) == (0, 1)
    db.refresh(n)
    assert n.email_error is not None
    assert n.email_error.startswith(f"SMTP 127.0.0.1:{port}: connecting failed:")
    assert "STARTTLS" in n.email_error


def test_without_an_smtp_host_notices_stay_in_the_ui(db: Session, world: World) -> None:
    (n, _) = warned(db)
    assert notify.send_pending(db, SETTINGS) == (0, 0)
    db.refresh(n)
    assert n.emailed_at is None and n.email_error is None


def test_read_and_inactive_users_notices_are_not_mailed(
    db: Session, world: World, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    d = file(db)
    run(db, d.resolution_due + timedelta(seconds=1))  # breach: zw1, zw2, sj1
    u = world.users
    service.mark_read(db, u["zw1"])
    sj1 = db.get(User, u["sj1"])
    assert sj1 is not None
    sj1.is_active = False
    db.flush()
    assert notify.send_pending(db, smtp(port)) == (0, 0)
    assert box.received == []


def test_a_refused_recipient_does_not_block_the_others(
    db: Session, world: World, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    sj1 = db.get(User, world.users["sj1"])
    assert sj1 is not None
    sj1.email = "refuse@example.org"
    d = quiet_file(db)
    run(db, d.resolution_due + timedelta(seconds=1))  # zw1: response breach and breach
    sent, failed = notify.send_pending(db, smtp(port))
    assert (sent, failed) == (2, 1), [n.email_error for n in notices(db)]
    (bad,) = notices(db, user_id=world.users["sj1"], kind="breach")
    assert bad.emailed_at is None and bad.email_error is not None
    assert bad.email_error == (
        f"SMTP 127.0.0.1:{port}: sending failed: recipient refused: refuse@example.org (550)"
    )
    assert [r for _, r, _ in box.received] == [["zw1@example.org"]] * 2


# ---------------------------------------------------------------- the user's language


def test_a_user_with_a_language_gets_mail_in_it_only(
    db: Session, world: World, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    zw1 = db.get(User, world.users["zw1"])
    assert zw1 is not None
    zw1.language = "en"
    db.flush()
    (n, _) = warned(db)
    assert notify.send_pending(db, smtp(port)) == (1, 0)
    ((_, _, msg),) = box.received
    assert msg["Subject"] == f"[Due soon] Demand #{n.params['id']}: 新厂房施工许可"
    body = msg.get_content()
    assert "Beijing time" in body and "北京时间" not in body
    assert f"Open: https://highland.example.org/demands/{n.params['id']}" in body


def test_a_language_other_than_zh_or_en_is_refused(db: Session, world: World) -> None:
    from highland.platform.errors import InvalidInput
    from highland.platform.identity import service as identity
    from tests.conftest import ACTOR

    with pytest.raises(InvalidInput) as err:
        identity.create_user(db, ACTOR, username="fr1", password="password-123",
                             role="leader", language="fr")  # fmt: skip
    assert (err.value.field, err.value.code) == ("language", "notices.bad_language")
    assert db.query(User).filter(User.username == "fr1").count() == 0
    u = identity.create_user(db, ACTOR, username="en1", password="password-123",
                             role="leader", language="en")  # fmt: skip
    assert u.language == "en"
