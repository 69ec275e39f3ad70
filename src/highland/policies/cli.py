"""`highland policies …`: check, load, test, match, run and replay policy rules."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from highland.platform.audit.service import Actor
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.kit.dates import parse_date, today_local

app = typer.Typer(help="Policy rules: check, load, test, match.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

PATHS = Annotated[list[Path], typer.Argument(help="YAML files or folders.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _as_of(text: str | None) -> date:
    if text is None:
        return today_local()
    try:
        return parse_date(text, "--as-of")
    except HighlandError as exc:
        raise _fail(exc.message, 2) from None


def _print_errors(errors: list[object]) -> None:
    for e in errors:
        err.print(str(e), highlight=False, markup=False)


def _init_and_actor() -> Actor:
    from highland.platform.cli import actor as _actor
    from highland.platform.cli import init_db as _init

    _init()
    return _actor()


@app.command("check")
def check(paths: PATHS) -> None:
    """Validate rule files; print every error with file and line; exit 1 on any error."""
    from highland.policies import service

    _init_and_actor()
    with session_factory()() as s:
        lib = service.check_paths(s, paths)
    if lib.errors:
        _print_errors(list(lib.errors))
        raise _fail(f"{len(lib.errors)} error(s) in {len(paths)} path(s)")
    out.print(f"ok: {len(lib.policies)} policies, {len(lib.packages)} packages, "
              f"{sum(len(t.cases) for t in lib.tests)} test cases")  # fmt: skip


@app.command("load")
def load(paths: PATHS) -> None:
    """Validate and store rules: a changed policy becomes a new version (history kept)."""
    from highland.policies import service

    actor = _init_and_actor()
    try:
        with transaction() as s:
            lib = service.check_paths(s, paths)
            if lib.errors:
                _print_errors(list(lib.errors))
                raise _fail(f"{len(lib.errors)} error(s); nothing was stored")
            report = service.store(s, lib, actor)
    except HighlandError as exc:
        raise _fail(exc.message) from None
    out.print(f"stored: {len(report.created)} new, {len(report.updated)} new versions, "
              f"{len(report.unchanged)} unchanged")  # fmt: skip


@app.command("test")
def test(
    paths: PATHS,
    policies: Annotated[
        list[Path] | None, typer.Option("--policies", help="Rules the tests refer to.")
    ] = None,
) -> None:
    """Run YAML policy test cases through both evaluators; exit 1 on any failure."""
    from highland.policies.rules.loader import check_references, read_paths
    from highland.policies.rules.testcases import run_tests

    lib = read_paths([*paths, *(policies or [])])
    check_references(lib)
    if lib.errors:
        _print_errors(list(lib.errors))
        raise _fail(f"{len(lib.errors)} error(s) in the files")
    results = run_tests(lib)
    failed = [r for r in results if not r.passed]
    for r in failed:
        err.print(f"{r.path}:{r.line}: {r.name}: " + "; ".join(r.problems), markup=False)
    if not results:
        raise _fail("no test cases found (documents with `kind: tests`)")
    if failed:
        raise _fail(f"{len(failed)} of {len(results)} case(s) failed")
    out.print(f"ok: {len(results)} case(s) passed")


@app.command("match")
def match(
    out_path: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Matching date, YYYY-MM-DD.")] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="Only this policy id.")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="Only this USCC.")] = None,
) -> None:
    """Write uscc,policy_id,status,amount,failed,missing for the registry as of a date."""
    from highland.policies import service

    when = _as_of(as_of)
    _init_and_actor()
    if out_path.is_dir():
        raise _fail(f"--out {out_path} is a folder; give a file name", 2)
    started = time.perf_counter()
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with session_factory()() as s:
            tally = service.match_csv(s, when, tmp, policy, enterprise.upper() if enterprise
                                      else None)  # fmt: skip
        tmp.replace(out_path)
    except HighlandError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(exc.message) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(f"cannot write {out_path}: {exc}") from None
    secs = time.perf_counter() - started
    out.print(f"{tally['rows']:,} rows written to {out_path} in {secs:.1f} s: "
              f"{tally['eligible']:,} eligible, {tally['unknown']:,} unknown, "
              f"{tally['ineligible']:,} ineligible")  # fmt: skip


@app.command("run")
def run(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Matching date, YYYY-MM-DD.")] = None,
) -> None:
    """An official run: freeze the portraits, match every policy, store it for replay."""
    from highland.policies import service

    when = _as_of(as_of)
    actor = _init_and_actor()
    with transaction() as s:
        r = service.run_match(s, when, actor)
        out.print(f"run {r.id}: {r.enterprises:,} enterprises as of {when}, "
                  f"result {r.result_sha256[:12]}")  # fmt: skip


@app.command("replay")
def replay(
    run_id: Annotated[int, typer.Argument(help="The run to replay.")],
    out_path: Annotated[Path | None, typer.Option("--out", help="Write its results (CSV).")] = None,
) -> None:
    """Recompute a stored run from its rule versions and snapshot; exit 1 if it differs."""
    import polars as pl

    from highland.policies import service

    _init_and_actor()
    try:
        with session_factory()() as s:
            rep = service.replay(s, run_id)
    except HighlandError as exc:
        raise _fail(exc.message) from None
    if out_path is not None and rep.frames:
        from highland.platform.kit import inert

        results = pl.concat(list(rep.frames.values()))
        texts = [c for c, t in results.schema.items() if t == pl.String]
        results.with_columns(inert.csv_out_expr(c) for c in texts).write_csv(out_path)
    if not rep.verified:
        raise _fail(f"run {run_id} replays differently: {rep.digest[:12]} vs "
                    f"{rep.run.result_sha256[:12]}")  # fmt: skip
    out.print(f"run {run_id} replayed exactly: {len(rep.frames)} policies, "
              f"result {rep.digest[:12]}")  # fmt: skip


@app.command("retire")
def retire(policy_id: Annotated[str, typer.Argument(help="Policy id.")]) -> None:
    """Stop matching a policy; its versions stay for replay."""
    from highland.policies import service

    actor = _init_and_actor()
    try:
        with transaction() as s:
            service.retire(s, policy_id, actor)
    except HighlandError as exc:
        raise _fail(exc.message) from None
    out.print(f"policy {policy_id} retired")
