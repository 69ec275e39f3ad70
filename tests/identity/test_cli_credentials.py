"""`highland tokens list|revoke` and `highland users list|disable|enable|reset-password`, end
to end on a fresh SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from highland.cli import app
from highland.platform import db
from highland.platform.identity import service as identity
from highland.platform.identity.models import ApiToken, User
from tests.cli import Cli, invoke


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[Path]:
    yield tmp_path


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = invoke(*args, app=app, input=input)
    return result.code, result.output


def _token_row(name: str) -> ApiToken:
    with db.session_factory()() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.name == name)).one()
        s.expunge(row)
        return row


def test_help_of_every_credentials_command() -> None:
    for cmd in (
        ["tokens", "list"], ["tokens", "revoke"], ["users", "list"], ["users", "disable"],
        ["users", "enable"], ["users", "reset-password"],
    ):  # fmt: skip
        code, out = run(*cmd, "--help")
        assert code == 0 and "Usage" in out, cmd


def test_tokens_create_list_revoke(env: Path) -> None:
    assert run("users", "create", "--username", "ana", "--password", "long-enough",
               "--role", "analyst")[0] == 0  # fmt: skip
    code, token = run("tokens", "create", "--user", "ana", "--name", "nightly", "--days", "7")
    assert code == 0 and token.startswith("hl_")
    assert run("tokens", "create", "--user", "ana", "--name", "forever", "--days", "0")[0] == 0
    code, out = run("tokens", "list")
    assert code == 0 and "nightly" in out and "forever" in out and "永不" in out
    assert token.strip() not in out and "有效" in out
    row = _token_row("nightly")
    assert row.expires_at is not None and row.expires_at > row.created_at
    code, out = run("tokens", "revoke", str(row.id))
    assert code == 0 and "API 令牌 1（nightly，属于 ana）已吊销" in out
    assert _token_row("nightly").revoked
    code, out = run("tokens", "list", "--user", "ana")
    assert "已吊销" in out
    code, out = run("tokens", "revoke", str(row.id))
    assert code == 1 and "API 令牌 1（nightly）已被吊销" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["tokens", "revoke", "424242"], "没有编号为 424242 的 API 令牌"),
        (["tokens", "revoke", "9223372036854775808"], "没有编号为 9223372036854775808 的 API 令牌"),
        (["tokens", "list", "--user", "nobody"], "没有用户名为“nobody”的用户"),
        (["tokens", "create", "--user", "ana", "--days", "-3"], "有效期“-3”无效"),
        (["tokens", "create", "--user", "ana", "--days", "99999"], "有效期“99999”无效"),
        (["tokens", "create", "--user", "nobody"], "没有用户名为“nobody”的用户"),
        (["users", "disable", "nobody"], "没有用户名为“nobody”的用户"),
        (["users", "enable", "ana"], "用户“ana”已处于启用状态"),
        (["users", "reset-password", "ana", "--password", "short"], "密码至少需要 8 个字符"),
        (
            ["users", "reset-password", "nobody", "--password", "long-enough"],
            "没有用户名为“nobody”的用户",
        ),
    ],
)
def test_refusals(env: Path, args: list[str], needle: str) -> None:
    run("users", "create", "--username", "ana", "--password", "long-enough", "--role", "analyst")
    code, out = run(*args)
    assert code == 1 and needle in out, out
    with db.session_factory()() as s:
        assert s.scalars(select(ApiToken)).all() == []
        user = s.scalars(select(User)).one()
        assert user.is_active and identity.check_password(user.password_hash, "long-enough")


def test_users_disable_enable_reset(env: Path) -> None:
    run("users", "create", "--username", "ana", "--password", "long-enough", "--role", "analyst")
    code, out = run("users", "disable", "ana")
    assert code == 0 and "用户 ana 已停用；结束了 0 个会话" in out
    assert "已停用" in run("users", "list")[1]
    code, out = run("users", "disable", "ana")
    assert code == 1 and "用户“ana”已处于停用状态" in out
    assert run("users", "enable", "ana")[0] == 0
    # The new password is asked twice, never echoed.
    code, out = run("users", "reset-password", "ana", input="new-secret-1\nnew-secret-1\n")
    assert code == 0 and "new-secret-1" not in out
    with db.session_factory()() as s:
        user = s.scalars(select(User)).one()
        assert identity.check_password(user.password_hash, "new-secret-1")
    code, out = run("audit", "verify")
    assert code == 0
