"""`highland innovation …`: import a register from CSV/XLSX (all rows or none, the refused rows
listed), export a register, and run the projects' review sweep once. Every bad flag or file
exits non-zero with a message in HIGHLAND_LANG naming it; nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from highland.innovation.pipeline.sweep import sweep_projects
from highland.innovation.registry import exports
from highland.innovation.registry import service as registry
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, init_db, language, say
from highland.platform.db import transaction, utcnow
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from highland.platform.web.i18n import error_text

app = typer.Typer(help="Innovation registers and the cooperation pipeline.", no_args_is_help=True)
STAFF = Principal(user_id=0, username="cli", role=Role.admin, channel="cli")


@app.command("import")
def import_cmd(
    kind: Annotated[str, typer.Argument(help="platforms, centres, events or projects.")],
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX file.")],
) -> None:
    """Import a register from CSV/XLSX: all rows or none; the refused rows are listed."""
    if not file.is_file():
        raise fail("cli.innovation.no_file", 2, file=str(file))
    init_db()
    actor = _actor()
    lang = language()
    try:
        with transaction() as s:
            report = registry.import_file(s, actor, kind, file.read_bytes(), file.name)
            if report.errors:
                s.rollback()
    except HighlandError as exc:
        raise fail(exc, 2) from None
    if report.errors:
        for e in report.errors:
            say("cli.innovation.row", row=e.row, field=e.error.field or "",
                problem=error_text(lang, e.error))  # fmt: skip
        raise fail("cli.innovation.refused", 1, rows=report.rows, bad=len(report.errors))
    say("cli.innovation.imported", created=report.created, kind=kind)


@app.command("export")
def export_cmd(
    kind: Annotated[str, typer.Argument(help="platforms, centres, events or projects.")],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write (.csv or .xlsx).")],
    headers: Annotated[str, typer.Option("--headers", help="zh (default) or codes.")] = "zh",
) -> None:
    """Write a register to a CSV or XLSX file (Chinese headers unless --headers codes)."""
    if out_path.suffix.lower() not in (".csv", ".xlsx"):
        raise fail("cli.innovation.bad_out", 2, file=str(out_path))
    if not out_path.parent.is_dir():
        raise fail("cli.innovation.no_folder", 2, folder=str(out_path.parent))
    init_db()
    try:
        with transaction() as s:
            registry.check_kind(kind)
            write = (
                exports.export_xlsx if out_path.suffix.lower() == ".xlsx" else exports.export_csv
            )
            data = write(s, STAFF, kind, headers)
    except HighlandError as exc:
        raise fail(exc, 2) from None
    out_path.write_bytes(data)
    say("cli.innovation.exported", file=str(out_path))


@app.command("sweep")
def sweep_cmd() -> None:
    """Mark and notify the cooperation projects whose review is overdue (and escalate)."""
    init_db()
    with transaction() as s:
        overdue, escalated, sent = sweep_projects(s, utcnow())
    say("cli.innovation.swept", overdue=overdue, escalated=escalated, notices=sent)
