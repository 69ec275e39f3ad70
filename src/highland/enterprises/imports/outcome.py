"""What an import did (or would have done), what it checks against, and the run it records."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import polars as pl
from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from highland.enterprises import validate
from highland.enterprises.models import (
    ImportRun,
    Region,
)
from highland.enterprises.places import places_of
from highland.enterprises.vocab import HEADER_ALIASES
from highland.platform.audit.service import Actor, Change, record, record_many
from highland.platform.kit.dates import today_local
from highland.platform.kit.tables import ROW, read_table

PER_ROW_AUDIT_LIMIT = 5000  # above this, created rows are audited as one batch entry
Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    kind: str
    filename: str
    encoding: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the result as plain data (API and CLI)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


class Sheet(TypedDict):
    """A file read into a string table: what an import of a frame takes after its session and
    actor (`import_enterprise_frame(session, actor, **sheet, …)`)."""

    frame: pl.DataFrame
    filename: str
    encoding: str
    sha256: str
    ignored: Sequence[str]


def read_sheet(
    data: bytes, filename: str, known: tuple[str, ...], required: tuple[str, ...]
) -> Sheet:
    """Read an import's CSV or XLSX file, its headers named as the registry's columns."""
    table = read_table(data, filename, known, required, HEADER_ALIASES)
    return Sheet(
        frame=table.frame,
        filename=filename,
        encoding=table.encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        ignored=table.ignored_columns,
    )


def begin_result(
    kind: str,
    frame: pl.DataFrame,
    sheet: tuple[str, str, Sequence[str]],
    dry_run: bool,
    progress: Progress,
) -> tuple[pl.DataFrame, ImportResult]:
    """The frame with its sheet row numbers, and the result an import of it starts from;
    `sheet` is the file's name, its encoding and the columns that were ignored."""
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=2)
    filename, encoding, ignored = sheet
    result = ImportResult(
        kind, filename, encoding, frame.height, ignored_columns=list(ignored), dry_run=dry_run
    )
    progress("validate", 0, frame.height)
    return frame, result


def validation_context(session: Session) -> validate.Context:
    """What validation checks against. Read in a session of its own while the import's own
    transaction has not begun, so that it can begin as a writing one once the file is
    validated (see begin_write): on SQLite a transaction that read before another writer
    committed could no longer write."""
    columns = select(Region.code, Region.name_zh, Region.name_en, Region.kind)
    if session.in_transaction():
        rows = [(r[0], r[1], r[2], r[3]) for r in session.execute(columns)]
    else:
        with Session(bind=session.get_bind()) as own:
            rows = [(r[0], r[1], r[2], r[3]) for r in own.execute(columns)]
    return validate.Context(places=places_of(rows), today=today_local())


def errors_out(errors: pl.DataFrame, limit: int = 100_000) -> list[dict[str, Any]]:
    return errors.head(limit).to_dicts()


def refuse_file(result: ImportResult, errors: pl.DataFrame) -> ImportResult:
    result.errors = errors_out(errors)
    result.rejected = errors.get_column("row").n_unique() if errors.height else 0
    return result


def finish_run(
    session: Session, actor: Actor, result: ImportResult, sha256: str, details: list[Change]
) -> ImportResult:
    run = ImportRun(
        kind=result.kind,
        filename=result.filename[:300],
        sha256=sha256,
        actor=actor.name,
        dry_run=result.dry_run,
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
    )
    session.add(run)
    session.flush()
    summary = (
        f"import {result.kind} '{result.filename}': {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged, {result.rejected} rejected"
    )
    record(
        session,
        actor,
        Change(
            "import",
            result.kind,
            str(run.id),
            after={
                "file": result.filename,
                "sha256": sha256,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
            },
            summary=summary,
        ),
    )
    record_many(session, actor, details)
    result.written = not result.dry_run
    return result
