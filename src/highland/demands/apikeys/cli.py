"""`highland apikeys …`: create, list and revoke Open311 API keys."""

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

app = typer.Typer(help="Open311 API keys (for clients that file demands).", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _init_and_actor() -> Actor:

    _init()
    return _actor()


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who the key is for, e.g. 12345-hotline.")],
) -> None:
    """Create a key and print it once (only its SHA-256 is stored)."""
    from highland.demands.apikeys import service as apikeys

    actor = _init_and_actor()
    try:
        with transaction() as s:
            _, plain = apikeys.create_key(s, actor, name)
    except HighlandError as exc:
        raise fail(exc) from None
    out.print(plain, highlight=False, markup=False)
    err.print(words("cli.apikeys.created", name=name.strip()), highlight=False, markup=False)


@app.command("list")
def list_() -> None:
    """List the keys (names and dates; never the keys themselves)."""
    from highland.demands.apikeys import service as apikeys

    _init_and_actor()
    with session_factory()() as s:
        keys = apikeys.list_keys(s)
    if not keys:
        say("cli.apikeys.none")
        return
    table = Table(*(words(f"cli.table.{c}") for c in ("name", "created", "by", "status")))
    for k in keys:
        table.add_row(k.name, f"{k.created_at:%Y-%m-%d %H:%M} UTC", k.created_by,
                      words("cli.state.revoked" if k.revoked else "cli.state.active"))  # fmt: skip
    out.print(table)


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke a key: it stops working at once."""
    from highland.demands.apikeys import service as apikeys

    actor = _init_and_actor()
    try:
        with transaction() as s:
            apikeys.revoke(s, actor, name)
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.apikeys.revoked", name=name.strip())
