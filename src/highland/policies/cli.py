"""`highland policies …`: check, load, test, match, run and replay policy rules."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console

from highland.platform.audit.service import Actor
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, language, say
from highland.platform.cli import init_db as _init
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.kit import inert
from highland.platform.kit.dates import parse_date, today_local
from highland.platform.web.i18n import error_text
from highland.policies import service
from highland.policies.rules.loader import RuleError, check_references, read_paths
from highland.policies.rules.testcases import run_tests

app = typer.Typer(help="Policy rules: check, load, test, match.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)

PATHS = Annotated[list[Path], typer.Argument(help="YAML files or folders.")]


def _as_of(text: str | None) -> date:
    if text is None:
        return today_local()
    try:
        return parse_date(text, "--as-of")
    except HighlandError as exc:
        raise fail(exc, 2) from None


def _print_errors(errors: list[RuleError]) -> None:
    """Each rule error as `file:line: problem`, the problem in the command's language."""
    for e in errors:
        err.print(f"{e.path}:{e.line}: {error_text(language(), e)}", highlight=False, markup=False)


def _init_and_actor() -> Actor:

    _init()
    return _actor()


@app.command("check")
def check(paths: PATHS) -> None:
    """Validate rule files; print every error with file and line; exit 1 on any error."""
    _init_and_actor()
    with session_factory()() as s:
        lib = service.check_paths(s, paths)
    if lib.errors:
        _print_errors(list(lib.errors))
        raise fail("cli.errors_in_paths", errors=len(lib.errors), paths=len(paths))
    say("cli.policies.checked", policies=len(lib.policies), packages=len(lib.packages),
        cases=sum(len(t.cases) for t in lib.tests))  # fmt: skip


@app.command("load")
def load(paths: PATHS) -> None:
    """Validate and store rules: a changed policy becomes a new version (history kept)."""
    actor = _init_and_actor()
    try:
        with transaction() as s:
            lib = service.check_paths(s, paths)
            if lib.errors:
                _print_errors(list(lib.errors))
                raise fail("cli.errors_nothing_stored", errors=len(lib.errors))
            report = service.store(s, lib, actor)
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.stored", created=len(report.created), updated=len(report.updated),
        unchanged=len(report.unchanged))  # fmt: skip


@app.command("test")
def test(
    paths: PATHS,
    policies: Annotated[
        list[Path] | None, typer.Option("--policies", help="Rules the tests refer to.")
    ] = None,
) -> None:
    """Run YAML policy test cases through both evaluators; exit 1 on any failure."""
    lib = read_paths([*paths, *(policies or [])])
    check_references(lib)
    if lib.errors:
        _print_errors(list(lib.errors))
        raise fail("cli.errors_in_files", errors=len(lib.errors))
    results = run_tests(lib)
    failed = [r for r in results if not r.passed]
    for r in failed:
        err.print(f"{r.path}:{r.line}: {r.name}: " + "; ".join(r.problems), markup=False)
    if not results:
        raise fail("cli.policies.no_tests")
    if failed:
        raise fail("cli.policies.cases_failed", failed=len(failed), cases=len(results))
    say("cli.policies.cases_passed", cases=len(results))


@app.command("match")
def match(
    out_path: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Matching date, YYYY-MM-DD.")] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="Only this policy id.")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="Only this USCC.")] = None,
    headers: Annotated[
        str, typer.Option(help="zh: Chinese headers (default); codes: uscc,policy_id,status,…")
    ] = "zh",
) -> None:
    """Write the registry's matches as of a date (CSV; Chinese headers unless --headers codes)."""
    when = _as_of(as_of)
    _init_and_actor()
    if out_path.is_dir():
        raise fail("cli.out_is_folder", 2, file=str(out_path))
    started = time.perf_counter()
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with session_factory()() as s:
            tally = service.match_csv(s, when, tmp, policy, enterprise.upper() if enterprise
                                      else None, headers)  # fmt: skip
        tmp.replace(out_path)
    except HighlandError as exc:
        tmp.unlink(missing_ok=True)
        raise fail(exc) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise fail("cli.cannot_write", file=str(out_path), problem=str(exc)) from None
    secs = time.perf_counter() - started
    say("cli.policies.matched", rows=f"{tally['rows']:,}", file=str(out_path), secs=f"{secs:.1f}",
        eligible=f"{tally['eligible']:,}", unknown=f"{tally['unknown']:,}",
        ineligible=f"{tally['ineligible']:,}")  # fmt: skip


@app.command("run")
def run(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Matching date, YYYY-MM-DD.")] = None,
) -> None:
    """An official run: freeze the portraits, match every policy, store it for replay."""
    when = _as_of(as_of)
    actor = _init_and_actor()
    with transaction() as s:
        r = service.run_match(s, when, actor)
        say("cli.policies.run", run=r.id, enterprises=f"{r.enterprises:,}", as_of=str(when),
            digest=r.result_sha256[:12])  # fmt: skip


@app.command("replay")
def replay(
    run_id: Annotated[int, typer.Argument(help="The run to replay.")],
    out_path: Annotated[Path | None, typer.Option("--out", help="Write its results (CSV).")] = None,
) -> None:
    """Recompute a stored run from its rule versions and snapshot; exit 1 if it differs."""
    _init_and_actor()
    try:
        with session_factory()() as s:
            rep = service.replay(s, run_id)
    except HighlandError as exc:
        raise fail(exc) from None
    if out_path is not None and rep.frames:
        results = pl.concat(list(rep.frames.values()))
        texts = [c for c, t in results.schema.items() if t == pl.String]
        results.with_columns(inert.csv_out_expr(c) for c in texts).write_csv(out_path)
    if not rep.verified:
        raise fail("cli.policies.replay_differs", run=run_id, digest=rep.digest[:12],
                   stored=rep.run.result_sha256[:12])  # fmt: skip
    say("cli.policies.replayed", run=run_id, policies=len(rep.frames), digest=rep.digest[:12])


@app.command("retire")
def retire(policy_id: Annotated[str, typer.Argument(help="Policy id.")]) -> None:
    """Stop matching a policy; its versions stay for replay."""
    actor = _init_and_actor()
    try:
        with transaction() as s:
            service.retire(s, policy_id, actor)
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.policies.retired", policy=policy_id)
