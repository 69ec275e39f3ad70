"""`highland users` and `highland tokens`: `create` here, the other credential commands from
highland.platform.identity.cli, registered on the same apps when this module is imported."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from highland.cli.common import actor, fail, init_db, tokens_app, users_app
from highland.enterprises.repository import id_by_uscc
from highland.platform.cli import say
from highland.platform.db import transaction
from highland.platform.errors import HighlandError
from highland.platform.identity.cli import register as register_credentials
from highland.platform.identity.service import create_token, create_user

__all__ = ["tokens_app", "users_app"]


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name.")],
    password: Annotated[
        str, typer.Option(help="At least 8 characters.", prompt=True, hide_input=True)
    ],
    role: Annotated[
        str,
        typer.Option(help="admin, analyst, chain_head, chain_team, handler, enterprise or leader."),
    ],
    enterprise: Annotated[str | None, typer.Option(help="USCC, for an enterprise user.")] = None,
    institution: Annotated[
        str | None, typer.Option(help="Institution code, for a handler.")
    ] = None,
    chain: Annotated[
        int | None, typer.Option(help="Chain id, for a chain head or team member.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="E-mail address for notifications (optional).")
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(help="Language of the user's e-mails: zh-CN or en (default: both)."),
    ] = None,
) -> None:
    """Create a user."""
    init_db()
    try:
        with transaction() as s:
            eid = None
            if enterprise:
                eid = id_by_uscc(s, enterprise)
                if eid is None:
                    raise fail("cli.accounts.no_enterprise", uscc=enterprise)
            create_user(
                s,
                actor(),
                username=username,
                password=password,
                role=role,
                enterprise_id=eid,
                institution_code=institution,
                chain_id=chain,
                email=email,
                language=language,
            )
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.accounts.user_created", user=username, role=role)


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option(help="Username the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[
        int | None,
        typer.Option(help="Days until it expires (default HIGHLAND_API_TOKEN_DAYS; 0: never)."),
    ] = None,
) -> None:
    """Create an API token and print it (it is shown only once)."""
    init_db()
    try:
        with transaction() as s:
            token = create_token(s, actor(), user, name, days)
    except HighlandError as exc:
        raise fail(exc) from None
    sys.stdout.write(token + "\n")


register_credentials(users_app, tokens_app)  # list, disable, enable, reset-password, revoke
