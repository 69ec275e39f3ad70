"""`highland report chain CHAIN --month YYYY-MM --format html|xlsx --out PATH`: the monthly
chain report written to a file, atomically (a temporary file in the same folder, renamed at
the end), so a failure leaves no half-written file. Every bad flag exits non-zero with a
message naming it, and nothing is written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from highland.chains.report import service as report
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, say
from highland.platform.cli import init_db as _init
from highland.platform.db import transaction
from highland.platform.errors import HighlandError
from highland.platform.kit import numbers

app = typer.Typer(help="Reports: the monthly chain report, the high-growth white paper.",
                  no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
FLAGS = {"month": "--month", "format": "--format", "lang": "--lang", "headers": "--headers"}


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _out_problem(path: Path) -> tuple[str, dict[str, str]] | None:
    """Why the report cannot be written at `path`, as a catalogue key and its parameters (None:
    it can)."""
    folder = path.parent
    if path.is_dir():
        return "cli.report.out_is_folder", {"file": str(path), "example": str(path / "report.html")}
    if not folder.is_dir():
        return "cli.report.no_folder", {"folder": str(folder)}
    if not os.access(folder, os.W_OK | os.X_OK):
        return "cli.report.folder_unwritable", {"folder": str(folder)}
    if path.exists() and not os.access(path, os.W_OK):
        return "cli.report.not_overwritable", {"file": str(path)}
    return None


def _chain_id(session: Session, chain: str) -> int:
    """A chain given by its id or its code (a missing id is the report's own 404)."""
    text = chain.strip()
    if text.isdigit():
        return int(text)
    found = report.chain_by_code(session, text)
    if found is None:
        raise fail("cli.report.no_chain", 2, chain=chain)
    return found


def chain(
    chain: Annotated[str, typer.Argument(help="The chain's id or code")],
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM")],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write")],
    fmt: Annotated[str, typer.Option("--format", help="html | xlsx")] = "html",
    lang: Annotated[str, typer.Option("--lang", help="zh-CN | en")] = "zh-CN",
    headers: Annotated[
        str, typer.Option("--headers", help="XLSX sheets: zh (default) | codes")
    ] = "zh",
) -> None:
    """Write a chain's monthly report (printable HTML or XLSX) to --out."""
    for check in (lambda: report.check_format(fmt), lambda: report.check_lang(lang),
                  lambda: numbers.header_set(headers)):  # fmt: skip
        try:
            check()
        except HighlandError as exc:
            raise _flag(exc, 2) from None
    problem = _out_problem(out_path)
    if problem:
        raise fail(problem[0], 2, **problem[1])
    _init()
    try:
        with transaction() as s:
            r = report.build(s, _chain_id(s, chain), month, lang, by=_actor().name)
            html = fmt != "xlsx"
            data = report.to_html(r).encode("utf-8") if html else report.to_xlsx(r, headers)
    except HighlandError as exc:
        raise _flag(exc, 2 if exc.status_code in (404, 422) else 1) from None
    try:
        write_atomically(out_path, data)
    except OSError as exc:
        raise fail("cli.report.cannot_write", file=str(out_path),
                   problem=str(exc.strerror or exc)) from None  # fmt: skip
    say("cli.report.written", chain=r.chain_id, month=r.month, format=fmt, file=str(out_path),
        size=f"{len(data):,}")  # fmt: skip


def _flag(exc: HighlandError, status: int) -> typer.Exit:
    """The failure with the field named as the command's flag (month → --month)."""
    if exc.field in FLAGS:
        return fail("cli.flag_problem", status, flag=FLAGS[exc.field], problem=exc)
    if exc.status_code == 404:
        return fail("cli.flag_problem", status, flag="CHAIN", problem=exc)
    return fail(exc, status)


app.command("chain")(chain)
