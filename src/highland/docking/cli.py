"""`highland docking …`: import research achievements, list a need's best achievements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from highland.docking import matching, repository, service
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, language, say
from highland.platform.cli import init_db as _init
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from highland.platform.web.i18n import error_text

app = typer.Typer(help="Tech docking: achievements and matches.", no_args_is_help=True)
STAFF = Principal(user_id=0, username="cli", role=Role.admin, channel="cli")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file of achievements.")],
) -> None:
    """Import research achievements: all rows or none, each problem printed with its row."""
    _init()
    actor = _actor()
    if not file.is_file():
        raise fail("cli.no_such_file", 2, file=str(file))
    try:
        with transaction() as s:
            report = service.import_achievements(s, actor, file.read_bytes(), file.name)
            if report.problems:
                for p in report.problems:
                    typer.echo(f"{file.name}:{p.row}: {error_text(language(), p.error)}",
                               err=True)  # fmt: skip
                raise fail("cli.docking.refused", rows=report.rows, problems=len(report.problems))
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.docking.imported", added=report.added, updated=report.updated)


@app.command("match")
def match(
    need: Annotated[int, typer.Argument(help="The need's number.")],
    k: Annotated[int, typer.Option("--k", help="How many achievements.", min=1, max=50)] = 10,
) -> None:
    """Print the achievements that best meet a need: score, ref, title and shared terms."""
    _init()
    with session_factory()() as s:
        try:
            row = repository.get_need(s, STAFF, need)
        except HighlandError as exc:
            raise fail(exc) from None
        for a, m in matching.for_need(s, row, k):
            typer.echo(f"{m.score:.2f}\t{a.ref}\t{a.title}\t{'、'.join(m.terms)}")
