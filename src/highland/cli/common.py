"""What every `highland` command shares: the Typer apps, the consoles, the acting operator,
the error exit and the schema check."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from highland.audit.service import Actor
from highland.config import get_settings
from highland.db import get_engine, transaction

app = typer.Typer(
    help="Highland: a city's industrial-innovation platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(
    help="Import enterprises or yearly figures from CSV or XLSX.", no_args_is_help=True
)
export_app = typer.Typer(help="Export the registry.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit log.", no_args_is_help=True)
portraits_app = typer.Typer(help="Portrait maintenance.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(portraits_app, name="portraits")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


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


def init_db() -> None:
    """Create or upgrade the schema and load the reference data (idempotent)."""
    from highland.enterprises.service import seed_regions
    from highland.schema import upgrade

    engine = get_engine()
    upgrade(engine)
    with transaction(engine) as s:
        seed_regions(s, get_settings().city_code)


@app.command()
def init() -> None:
    """Create the database schema, or upgrade it, and load reference data."""
    from sqlalchemy.engine import make_url

    init_db()
    # The URL may carry a password: it is shown masked.
    shown = make_url(get_settings().database_url).render_as_string(hide_password=True)
    out.print(f"database ready: {shown}", highlight=False)


def progress() -> Progress:
    """A progress bar on stderr."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
