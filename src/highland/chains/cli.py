"""`highland chains …`: list, check, load and show chain files (an operator's tool)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from highland.platform.cli import actor as cli_actor
from highland.platform.cli import fail, init_db, language, say
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.web.i18n import error_text

if TYPE_CHECKING:
    from highland.chains.loader import ChainError

app = typer.Typer(help="Industrial chains: list, check, load, show.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

FILES = Annotated[list[Path], typer.Argument(help="Chain files: YAML, or XLSX (chain, segments).")]


def _init() -> None:
    init_db()


@app.command("list")
def list_chains(
    all_: Annotated[bool, typer.Option("--all", help="Include retired chains.")] = False,
) -> None:
    """Print `id<TAB>name`, one chain a line, and nothing else."""
    from highland.chains import service

    _init()
    with session_factory()() as s:
        rows = service.list_chains(s, include_retired=all_)
    for r in rows:
        typer.echo(f"{r.id}\t{r.name}")


def _print_errors(errors: list[ChainError]) -> None:
    """Each error as `file:line: problem`, the problem in the command's language."""
    for e in errors:
        err.print(f"{e.path}:{e.line}: {error_text(language(), e)}", highlight=False, markup=False)


@app.command("check")
def check(files: FILES) -> None:
    """Validate chain files; print every error with file and line; exit 1 on any error."""
    from highland.chains import service

    _init()
    with session_factory()() as s:
        errors = service.check(s, service.read_files(files))
    if errors:
        _print_errors(errors)
        raise fail("cli.errors_in_paths", errors=len(errors), paths=len(files))
    say("cli.chains.checked", files=len(files))


@app.command("load")
def load(files: FILES) -> None:
    """Validate and store chain files, all or nothing: a changed chain gets a new version."""
    from highland.chains import service

    _init()
    try:
        with transaction() as s:
            parsed = service.read_files(files)
            errors = service.check(s, parsed)
            if errors:
                _print_errors(errors)
                raise fail("cli.errors_nothing_stored", errors=len(errors))
            report = service.store(s, parsed, cli_actor())
    except HighlandError as exc:
        raise fail(exc) from None
    c = report.counts()
    say("cli.stored", created=c["created"], updated=c["updated"], unchanged=c["unchanged"])


@app.command("show")
def show(
    chain_id: Annotated[int, typer.Argument(help="The chain's id.")],
    version: Annotated[int | None, typer.Option(help="A stored version (default current).")] = None,
) -> None:
    """Print a chain's segment tree, indented: (stream), ★ bottleneck, [industry classes]."""
    from highland.chains import service

    _init()
    try:
        with session_factory()() as s:
            lines = service.show_lines(s, chain_id, version)
    except HighlandError as exc:
        raise fail(exc) from None
    for line in lines:
        typer.echo(line)


@app.command("retire")
def retire(
    chain_id: Annotated[int, typer.Argument(help="The chain's id.")],
    restore: Annotated[bool, typer.Option("--restore", help="Bring it back instead.")] = False,
) -> None:
    """Retire a chain (it leaves the lists; its versions stay), or restore it."""
    from highland.chains import service

    _init()
    try:
        with transaction() as s:
            service.retire(s, chain_id, cli_actor(), retired=not restore)
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.chains.restored" if restore else "cli.chains.retired", chain=chain_id)


@app.command("demo")
def demo() -> None:
    """Load (or refresh) Nanjing's eight demo chains; idempotent."""
    from highland.chains.demo_data.chains import load_demo_chains

    _init()
    with transaction() as s:
        counts = load_demo_chains(s, cli_actor())
    say("cli.chains.demo", created=counts["created"], updated=counts["updated"],
        unchanged=counts["unchanged"])  # fmt: skip
