"""`highland growth …`: the rule sets of the high-growth lists, classifying the registry for a
year, and publishing the year's official list with its entries and exits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from highland.growth import service
from highland.growth.rules.loader import RuleSetError
from highland.growth.rules.model import RuleSet
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, language, say
from highland.platform.cli import init_db as _init
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.web.i18n import error_text, pick

app = typer.Typer(help="High-growth enterprises: rule sets and yearly lists.",
                  no_args_is_help=True)  # fmt: skip
err = Console(stderr=True, soft_wrap=True)

YEAR = Annotated[int, typer.Option("--year", help="The list's year.")]
RULESET = Annotated[str, typer.Option("--ruleset", help="A rule set id or a rule set file.")]


def _ruleset(name: str) -> RuleSet:
    """The rule set, or exit 1 with each of its problems on stderr."""
    try:
        return service.ruleset(name)
    except RuleSetError as exc:
        for p in exc.problems:
            err.print(f"{p.path}:{p.line}: {error_text(language(), p)}", highlight=False,
                      markup=False)  # fmt: skip
        raise fail("cli.errors_in_files", errors=len(exc.problems)) from None
    except HighlandError as exc:
        raise fail(exc, 2) from None


@app.command("rulesets")
def rulesets() -> None:
    """List the rule sets shipped with the platform: id, date, issuer and categories."""
    lang = language()
    for name in service.loader.built_in():
        rs = service.ruleset(name)
        cats = ", ".join(pick(lang, c.title, c.title_en) for c in rs.categories)
        say("cli.growth.ruleset", id=rs.id, dated=rs.dated.isoformat(),
            title=pick(lang, rs.title, rs.title_en), issuer=rs.issuer, categories=cats)  # fmt: skip


@app.command("check")
def check(path: Annotated[Path, typer.Argument(help="A rule set file.")]) -> None:
    """Validate a rule set file; print every problem with its line; exit 1 on any."""
    if not path.is_file():
        raise fail("cli.no_such_file", 2, file=str(path))
    rs = _ruleset(str(path))
    say("cli.growth.checked", id=rs.id, categories=len(rs.categories), criteria=len(rs.leaves))


@app.command("classify")
def classify(
    year: YEAR,
    ruleset: RULESET,
    out_path: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    headers: Annotated[
        str, typer.Option(help="zh: Chinese headers (default); codes: uscc,category,status,…")
    ] = "zh",
) -> None:
    """Write each enterprise's category, status, near miss, failed and missing criteria."""
    rs = _ruleset(ruleset)
    _init()
    if out_path.is_dir():
        raise fail("cli.out_is_folder", 2, file=str(out_path))
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with session_factory()() as s:
            result, _ = service.classify(s, rs, year)
        tally = service.write_csv(result, tmp, headers)
        tmp.replace(out_path)
    except HighlandError as exc:
        tmp.unlink(missing_ok=True)
        raise fail(exc) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise fail("cli.cannot_write", file=str(out_path), problem=str(exc)) from None
    say("cli.growth.classified", rows=f"{tally['rows']:,}", file=str(out_path),
        eligible=f"{tally['eligible']:,}", unknown=f"{tally['unknown']:,}",
        ineligible=f"{tally['ineligible']:,}")  # fmt: skip


@app.command("publish")
def publish(year: YEAR, ruleset: RULESET) -> None:
    """Store the year's official list, with entries and exits against the previous list."""
    rs = _ruleset(ruleset)
    _init()
    actor = _actor()
    try:
        with transaction() as s:
            done = service.publish(s, rs, year, actor)
            row = done.list
            say("cli.growth.published", ruleset=rs.id, year=year, listed=row.listed,
                entered=row.entered, exited=row.exited,
                previous=done.previous_year or "-", digest=row.digest[:12])  # fmt: skip
    except HighlandError as exc:
        raise fail(exc) from None


@app.command("replay")
def replay(year: YEAR, ruleset: Annotated[str, typer.Option("--ruleset", help="A rule set id.")]
           ) -> None:  # fmt: skip
    """Recompute a published list with the rule text it was published with; exit 1 if the
    registry's figures now give a different list."""
    _init()
    try:
        with session_factory()() as s:
            stored, digest = service.replay(s, ruleset, year)
    except HighlandError as exc:
        raise fail(exc) from None
    if digest != stored.digest:
        raise fail("cli.growth.replay_differs", ruleset=ruleset, year=year, digest=digest[:12],
                   stored=stored.digest[:12])  # fmt: skip
    say("cli.growth.replayed", ruleset=ruleset, year=year, digest=digest[:12])
