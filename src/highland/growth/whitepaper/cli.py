"""`highland report whitepaper --year Y --format html|xlsx --out PATH [--ruleset R]
[--lang zh-CN|en]`: the white paper of a published list written to a file, atomically (a
temporary file beside it, renamed at the end): any bad flag exits 2 naming it, nothing
written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from highland.growth.whitepaper import render, service
from highland.growth.whitepaper import xlsx as sheets
from highland.platform.cli import fail, say
from highland.platform.cli import init_db as _init
from highland.platform.db import session_factory
from highland.platform.errors import HighlandError

FLAGS = {"year": "--year", "format": "--format", "lang": "--lang", "ruleset": "--ruleset",
         "out": "--out"}  # fmt: skip


def _write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _flag(exc: HighlandError) -> typer.Exit:
    """The failure with the field named as the command's flag (year → --year)."""
    if exc.field in FLAGS:
        return fail("cli.flag_problem", 2, flag=FLAGS[exc.field], problem=exc)
    return fail(exc, 2)


def whitepaper(
    year: Annotated[int, typer.Option("--year", help="The list's year.")],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="html | xlsx")] = "html",
    ruleset: Annotated[str, typer.Option("--ruleset", help="The rule set's id.")] = (
        service.DEFAULT_RULESET
    ),
    lang: Annotated[str, typer.Option("--lang", help="zh-CN | en")] = "zh-CN",
) -> None:
    """Write the white paper of a year's high-growth list (printable HTML or XLSX) to --out."""
    try:
        service.check_format(fmt)
        service.check_lang(lang)
        service.check_suffix(out_path.name, fmt)
    except HighlandError as exc:
        raise _flag(exc) from None
    if out_path.is_dir():
        raise fail("cli.report.out_is_folder", 2, file=str(out_path),
                   example=str(out_path / f"whitepaper.{fmt}"))  # fmt: skip
    if not out_path.parent.is_dir():
        raise fail("cli.report.no_folder", 2, folder=str(out_path.parent))
    _init()
    try:
        with session_factory()() as s:
            paper = service.build(s, ruleset.strip(), year, lang)
            data = (sheets.workbook(paper) if fmt == "xlsx"
                    else render.to_html(paper).encode("utf-8"))  # fmt: skip
    except HighlandError as exc:
        raise _flag(exc) from None
    try:
        _write(out_path, data)
    except OSError as exc:
        raise fail("cli.report.cannot_write", file=str(out_path),
                   problem=str(exc.strerror or exc)) from None  # fmt: skip
    say("cli.whitepaper.written", ruleset=paper.rs.id, year=year, format=fmt,
        file=str(out_path), size=f"{len(data):,}")  # fmt: skip
