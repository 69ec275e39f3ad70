"""`highland import enterprises|financials` and `highland export enterprises`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from highland.cli.common import actor, err, export_app, fail, import_app, init_db, progress

__all__ = ["export_app", "import_app"]
from highland.enterprises import figures_export, service
from highland.enterprises.imports import report_csv, run_import
from highland.enterprises.repository import EnterpriseFilter
from highland.enterprises.row_errors import column_label, row_error_phrase
from highland.enterprises.vocab import SOURCES
from highland.enterprises.wording import phrase_text
from highland.platform.cli import language, say, words
from highland.platform.db import session_factory
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit import numbers


def _report(result: object, report: Path | None) -> None:
    if report is not None:
        report.write_text(report_csv(result), encoding="utf-8")  # type: ignore[arg-type]
        say("cli.data.report_written", file=str(report))


def _run_imports(
    kind: str,
    files: list[Path],
    dry_run: bool,
    skip_invalid: bool,
    report: Path | None,
    source: str = "statistics",
) -> None:
    """Import the files one after another, each as its own import (its own transaction, audit
    entry and report), in one process: a registry split into files within the upload limit
    is imported without starting the command again for every part. Stops at the first file
    that is refused; the files before it stay imported."""
    for path in files:
        if not path.exists() or not path.is_file():
            raise fail("cli.no_such_file", file=str(path))
    init_db()
    for number, path in enumerate(files, 1):
        if len(files) > 1:
            say("cli.data.part", n=number, total=len(files), file=path.name)
        mine = report
        if report is not None and len(files) > 1:  # one report per file, named after it
            mine = report.with_name(f"{report.stem}-{path.stem}{report.suffix}")
        if not _run_import(kind, path, dry_run, skip_invalid, mine, source):
            if number < len(files):
                say("cli.data.stopped", left=len(files) - number)
            raise typer.Exit(1)


def _run_import(
    kind: str,
    file: Path,
    dry_run: bool,
    skip_invalid: bool,
    report: Path | None,
    source: str = "statistics",
) -> bool:
    """Import one file and tell what it did; False when it was refused."""
    data = file.read_bytes()
    try:
        with progress() as bar:
            task = bar.add_task(
                words("cli.progress.importing", kind=words(f"cli.data.kind.{kind}")), total=1
            )

            def tick(stage: str, done: int, total: int) -> None:
                bar.update(task, description=f"{kind}: {stage}", completed=done, total=total)

            result = run_import(
                session_factory(),
                actor(),
                kind,
                data,
                file.name,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                source=source,
                progress=tick,
            )
    except HighlandError as exc:
        raise fail("cli.in_file", file=file.name, problem=exc) from None
    _report(result, report)
    for e in result.errors[:20]:
        problem = phrase_text(language(), row_error_phrase(str(e["error"])))
        column = phrase_text(language(), column_label(str(e["column"])))
        err.print(
            words("cli.data.row_error", row=e["row"], column=column, problem=problem,
                  value=repr(e["value"])),
            highlight=False, markup=False,
        )  # fmt: skip
    if len(result.errors) > 20:
        err.print(words("cli.data.more_errors", more=len(result.errors) - 20), markup=False)
    status = (
        "cli.data.dry_run" if dry_run else ("cli.data.written" if result.written else
                                           "cli.data.nothing_written")
    )  # fmt: skip
    say(
        "cli.data.summary",
        kind=words(f"cli.data.kind.{kind}"),
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        status=words(status),
    )
    return not (result.errors and not skip_invalid)


DRY = Annotated[bool, typer.Option("--dry-run", help="Validate and count; write nothing.")]
SKIP = Annotated[
    bool, typer.Option("--skip-invalid", help="Write the valid rows, report the rest.")
]
REPORT = Annotated[Path | None, typer.Option("--report", help="Write the row report (CSV) here.")]


FILES = Annotated[list[Path], typer.Argument(help="The CSV or XLSX files, imported in turn.")]


@import_app.command("enterprises")
def import_enterprises(
    files: FILES, dry_run: DRY = False, skip_invalid: SKIP = False, report: REPORT = None
) -> None:
    """Import enterprises (uscc, name, district_code, industry_code, founded_on, …)."""
    _run_imports("enterprises", files, dry_run, skip_invalid, report)


@import_app.command("financials")
def import_financials(
    files: FILES,
    dry_run: DRY = False,
    skip_invalid: SKIP = False,
    report: REPORT = None,
    source: Annotated[
        str, typer.Option(help="Source when the file has no source column.")
    ] = "statistics",
) -> None:
    """Import yearly figures (uscc, year, revenue, …); money in yuan, empty = missing."""
    if source not in SOURCES:
        raise fail("cli.data.bad_source", 2, choices=", ".join(SOURCES))
    _run_imports("financials", files, dry_run, skip_invalid, report, source)


# The registry filters and the header choice both exports take.
Q = Annotated[str | None, typer.Option(help="Name substring or USCC prefix.")]
DISTRICT = Annotated[str | None, typer.Option(help="District code.")]
SECTION = Annotated[str | None, typer.Option(help="GB/T 4754 section letter.")]
DIVISION = Annotated[str | None, typer.Option(help="GB/T 4754 division (2 digits).")]
SIZE_CLASS = Annotated[
    str | None, typer.Option(help="large, medium, small, micro or not_applicable.")
]
QUALIFICATION = Annotated[str | None, typer.Option(help="Qualification code.")]
OWNERSHIP = Annotated[str | None, typer.Option(help="Ownership code.")]
ZONE = Annotated[str | None, typer.Option(help="Functional zone or park code; none: in no zone.")]
HEADERS = Annotated[
    str, typer.Option(help="zh: Chinese headers and values (default); codes: English.")
]


@export_app.command("enterprises")
def export_enterprises(
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx")] = "csv",
    out_path: Annotated[Path, typer.Option("--out", help="File to write.")] = Path(
        "enterprises.csv"
    ),
    q: Q = None,
    district: DISTRICT = None,
    section: SECTION = None,
    division: DIVISION = None,
    size_class: SIZE_CLASS = None,
    qualification: QUALIFICATION = None,
    ownership: OWNERSHIP = None,
    zone: ZONE = None,
    headers: HEADERS = "zh",
) -> None:
    """Export the (filtered) registry to CSV or XLSX (Chinese headers unless --headers codes)."""
    if fmt not in ("csv", "xlsx"):
        raise fail("cli.data.bad_format", 2)
    everyone = Principal(0, "cli", Role.admin, channel="cli")
    init_db()
    try:
        chosen = numbers.header_set(headers)
        flt = EnterpriseFilter(
            q, district, section, division, size_class, qualification, ownership, zone=zone
        ).cleaned()
        with session_factory()() as s:
            if fmt == "csv":
                with out_path.open("w", encoding="utf-8", newline="") as fh:
                    for chunk in service.export_csv(s, everyone, flt, chosen):
                        fh.write(chunk)
            else:
                out_path.write_bytes(service.export_xlsx(s, everyone, flt, chosen))
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.written", file=str(out_path))


@export_app.command("financials")
def export_financials(
    out_path: Annotated[Path, typer.Option("--out", help="File to write (.csv or .xlsx).")],
    year: Annotated[int | None, typer.Option(help="One year.")] = None,
    year_from: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    q: Q = None,
    district: DISTRICT = None,
    section: SECTION = None,
    division: DIVISION = None,
    size_class: SIZE_CLASS = None,
    qualification: QUALIFICATION = None,
    ownership: OWNERSHIP = None,
    zone: ZONE = None,
    headers: HEADERS = "zh",
) -> None:
    """Export the yearly figures of the (filtered) registry in the financials import format."""
    fmt = out_path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise fail("cli.data.bad_suffix", 2, file=str(out_path))
    everyone = Principal(0, "cli", Role.admin, channel="cli")
    try:
        chosen = numbers.header_set(headers)
        years = figures_export.year_range(year, year_from, year_to)
        flt = EnterpriseFilter(
            q, district, section, division, size_class, qualification, ownership, zone=zone
        ).cleaned()
    except HighlandError as exc:
        raise fail(exc, 2) from None
    init_db()
    try:
        with session_factory()() as s:
            if fmt == "csv":
                with out_path.open("w", encoding="utf-8", newline="") as fh:
                    for chunk in figures_export.export_csv(s, everyone, flt, years, chosen):
                        fh.write(chunk)
            else:
                out_path.write_bytes(figures_export.export_xlsx(s, everyone, flt, years, chosen))
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.written", file=str(out_path))
