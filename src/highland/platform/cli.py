"""What every command line needs: its consoles, the operator as an actor, a clean failure, and
the database made ready. The domains' commands use these; the `highland` command itself
(`highland.cli`) assembles them and tells the kernel how a database is made ready (the
schema knows every domain's tables, which the kernel may not import)."""

from __future__ import annotations

import getpass
from collections.abc import Callable

import typer
from rich.console import Console
from rich.markup import escape

from highland.platform.audit.service import Actor

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_prepare: list[Callable[[], None]] = []


def actor() -> Actor:
    """The operator running the command, as the audit log names them."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "operator"
    return Actor(f"cli:{who}"[:64], None, "cli")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error on stderr and return the exit to raise."""
    # The message is text, not markup: a "[…]" in a file name or a tool's message stays as is.
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def set_database_preparer(prepare: Callable[[], None]) -> None:
    """Say how `init_db` makes the database ready (called once by the `highland` command)."""
    _prepare[:] = [prepare]


def init_db() -> None:
    """Create or upgrade the schema and load the reference data (idempotent)."""
    if not _prepare:
        raise RuntimeError("no database preparer: run commands through the highland command")
    _prepare[0]()
