"""`highland tokens list|revoke` and `highland users list|disable|enable|reset-password`:
the life of credentials from the command line (registered on the apps of highland.cli)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from highland.platform.audit.service import Actor
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, say, words
from highland.platform.cli import init_db as _init
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.kit import clock
from highland.platform.kit.clock import CITY_TZ

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _init_and_actor() -> Actor:

    _init()
    return _actor()


def _when(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
    return "-"


def tokens_list(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
) -> None:
    """List API tokens (id, user, name, state, dates; never the tokens themselves)."""
    from highland.platform.identity import credentials

    _init_and_actor()
    try:
        with session_factory()() as s:
            rows = credentials.list_tokens(s, user)
    except HighlandError as exc:
        raise fail(exc) from None
    if not rows:
        say("cli.tokens.none")
        return
    now = clock.now()
    columns = ("id", "user", "name", "state", "created", "last_used", "expires")
    table = Table(*(words(f"cli.table.{c}") for c in columns))
    for t in rows:
        table.add_row(
            str(t.id), t.username, t.name, words(f"cli.state.{t.state(now)}"),
            _when(t.created_at), _when(t.last_used_at),
            _when(t.expires_at) if t.expires_at else words("cli.state.never"),
        )  # fmt: skip
    out.print(table)


def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `highland tokens list`).")],
) -> None:
    """Revoke an API token: the next request that carries it is refused."""
    from highland.platform.identity import credentials

    actor = _init_and_actor()
    try:
        with transaction() as s:
            row = credentials.revoke_token(s, actor, token_id)
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.tokens.revoked", id=row.id, name=row.name, user=row.username)


def users_list() -> None:
    """List users: role, enabled or disabled, last sign-in, live sessions."""
    from highland.platform.identity import credentials

    _init_and_actor()
    with session_factory()() as s:
        rows = credentials.list_users(s)
    if not rows:
        say("cli.users.none")
        return
    columns = ("username", "role", "state", "last_sign_in", "sessions")
    table = Table(*(words(f"cli.table.{c}") for c in columns))
    for u in rows:
        state = words("cli.state.enabled" if u.is_active else "cli.state.disabled")
        table.add_row(u.username, u.role, state, _when(u.last_login_at), str(u.sessions))
    out.print(table)


def _set_active(username: str, active: bool) -> int:
    from highland.platform.identity import credentials

    actor = _init_and_actor()
    try:
        with transaction() as s:
            return credentials.set_active(s, actor, username, active, acting_user_id=None)
    except HighlandError as exc:
        raise fail(exc) from None


def users_disable(username: Annotated[str, typer.Argument(help="The login name.")]) -> None:
    """Disable a user: their sessions end now and their API tokens stop working."""
    ended = _set_active(username, False)
    say("cli.users.disabled", user=username, ended=ended)


def users_enable(username: Annotated[str, typer.Argument(help="The login name.")]) -> None:
    """Enable a disabled user again."""
    _set_active(username, True)
    say("cli.users.enabled", user=username)


def users_reset_password(
    username: Annotated[str, typer.Argument(help="The login name.")],
    password: Annotated[
        str,
        typer.Option(
            help="The new password (at least 8 characters); asked for when not given.",
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
        ),
    ],
) -> None:
    """Set a new password; every session of the user ends."""
    from highland.platform.identity import credentials

    actor = _init_and_actor()
    try:
        with transaction() as s:
            ended = credentials.reset_password(s, actor, username, password)
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.users.password_reset", user=username, ended=ended)


def register(users_app: typer.Typer, tokens_app: typer.Typer) -> None:
    """Add the commands to `highland users` and `highland tokens`."""
    tokens_app.command("list")(tokens_list)
    tokens_app.command("revoke")(tokens_revoke)
    users_app.command("list")(users_list)
    users_app.command("disable")(users_disable)
    users_app.command("enable")(users_enable)
    users_app.command("reset-password")(users_reset_password)
