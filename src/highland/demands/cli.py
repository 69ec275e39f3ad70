"""`highland demands …`: reference data, the overdue sweep, lists and exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from highland.demands import reference, repository
from highland.demands.meetings.board import board_xlsx
from highland.demands.sweep_cli import sweep_command
from highland.platform.audit.service import Actor
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, say
from highland.platform.cli import init_db as _init
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role

app = typer.Typer(help="Enterprise demands: routing, sweep, exports.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _init_and_actor() -> Actor:

    _init()
    return _actor()


@app.command("load-reference")
def load_reference(
    path: Annotated[Path, typer.Argument(help="YAML with categories, institutions, routing.")],
) -> None:
    """Load categories, institutions and the routing table from a YAML file (all or nothing)."""
    actor = _init_and_actor()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("cli.cannot_read", 2, file=str(path), problem=exc.__class__.__name__) from None
    try:
        with transaction() as s:
            counts = reference.load_reference(s, actor, text, str(path))
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.demands.reference_loaded", categories=counts["categories"],
        institutions=counts["institutions"], routing=counts["routing"], file=str(path))  # fmt: skip


@app.command("routing")
def routing() -> None:
    """Print the routing table (category, district, lead, co-handlers), one row a line."""
    _init_and_actor()
    with session_factory()() as s:
        for r in repository.routes(s):
            # Plain tab-separated lines (Rich would expand the tabs).
            typer.echo(
                f"{r.category_code}\t{r.district_key}\t{r.lead_code}\t{','.join(r.co_handlers)}"
            )


@app.command("board")
def board(
    meeting_id: Annotated[int, typer.Argument(help="The meeting record's id.")],
    out_path: Annotated[Path, typer.Option("--out", help="XLSX file to write.")],
    headers: Annotated[
        str, typer.Option(help="zh: Chinese headers (default); codes: English machine headers.")
    ] = "zh",
) -> None:
    """Export a meeting's demand list (institution, deadlines, state) to XLSX."""
    actor = _init_and_actor()
    staff = Principal(user_id=0, username=actor.name, role=Role.admin, channel="cli")
    try:
        with session_factory()() as s:
            data = board_xlsx(s, staff, meeting_id, headers=headers)
    except HighlandError as exc:
        raise fail(exc) from None
    out_path.write_bytes(data)
    say("cli.written", file=str(out_path))


app.command("sweep")(sweep_command)
