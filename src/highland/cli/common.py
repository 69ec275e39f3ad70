"""What the `highland` commands share: the Typer apps of the groups several modules fill, the
consoles, the acting operator, the error exit and the schema check (`highland init`, and the
database preparer every command's `init_db` runs, set when this module is imported)."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from highland.enterprises.service import seed_regions
from highland.platform.cli import (
    actor,
    err,
    fail,
    load,
    out,
    say,
    set_database_preparer,
)
from highland.platform.config import get_settings
from highland.platform.db import get_engine, transaction
from highland.schema_state import at_head

__all__ = ["actor", "err", "fail", "init_db", "out", "progress", "ready"]
import_app = typer.Typer(
    help="Import enterprises or yearly figures from CSV or XLSX.", no_args_is_help=True
)
export_app = typer.Typer(help="Export the registry.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit log.", no_args_is_help=True)
portraits_app = typer.Typer(help="Portrait maintenance.", no_args_is_help=True)


UPGRADE = "highland.schema:upgrade"


def init_db() -> None:
    """Create or upgrade the schema and load the reference data (idempotent)."""
    engine = get_engine()
    if not at_head(engine):  # Alembic is loaded only when there is a migration to run
        load(UPGRADE)(engine)
    with transaction(engine) as s:
        seed_regions(s, get_settings().city_code)


def ready() -> None:
    """Tell the kernel how a command's `init_db` makes the database ready (run before every
    `highland` command; the schema knows every domain's tables, which the kernel may not import)."""
    set_database_preparer(init_db)


ready()


def init() -> None:
    """Create the database schema, or upgrade it, and load reference data."""
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
