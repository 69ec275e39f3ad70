"""What every `highland` command shares: the Typer apps, the consoles, the acting operator,
the error exit and the schema check."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from highland.enterprises.service import seed_regions
from highland.platform.cli import (
    SpokenGroup,
    actor,
    err,
    fail,
    out,
    say,
    set_database_preparer,
)
from highland.platform.config import get_settings
from highland.platform.db import get_engine, transaction
from highland.schema import upgrade

app = typer.Typer(
    cls=SpokenGroup,  # its help and its commands' help in the command's language
    help="Highland: a city's industrial-innovation platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
__all__ = ["actor", "app", "err", "fail", "init_db", "out", "progress"]
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


def init_db() -> None:
    """Create or upgrade the schema and load the reference data (idempotent)."""
    engine = get_engine()
    upgrade(engine)
    with transaction(engine) as s:
        seed_regions(s, get_settings().city_code)


set_database_preparer(init_db)


@app.command()
def init() -> None:
    """Create the database schema, or upgrade it, and load reference data."""
    from sqlalchemy.engine import make_url

    init_db()
    # The URL may carry a password: it is shown masked.
    shown = make_url(get_settings().database_url).render_as_string(hide_password=True)
    say("cli.database_ready", url=shown)


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
