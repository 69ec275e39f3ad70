"""Adding rows to the registers, one (API) or a file of them (CSV/XLSX import): every row is
checked first; one bad row and nothing is written, the report naming each bad row, column and
reason. Each row written goes to the audit log; a project starts its pipeline at `signed`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from highland.innovation import repository
from highland.innovation.pipeline.service import start_pipeline
from highland.innovation.registry.checks import ROWS, Lookups
from highland.innovation.vocab import ALIASES, COLUMNS, KINDS, REQUIRED
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.kit.dates import CITY_TZ
from highland.platform.kit.tables import ROW, read_table

ENTITY = {"platforms": "innovation_platform", "centres": "innovation_centre",
          "events": "innovation_event", "projects": "innovation_project"}  # fmt: skip
# Register → the column naming a row in the report and the audit log.
KEY = {"platforms": "name", "centres": "name", "events": "code", "projects": "title"}


@dataclass
class RowError:
    """A refused row: its number in the sheet, the column and the error (code, params)."""

    row: int
    error: HighlandError

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API."""
        e = self.error
        return {"row": self.row, "field": e.field, "code": e.code, "params": e.params,
                "message": e.message}  # fmt: skip


@dataclass
class ImportReport:
    """What an import did: rows read, rows written (none when any was refused), the refusals."""

    kind: str
    filename: str
    rows: int
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and the CLI."""
        return {"kind": self.kind, "filename": self.filename, "rows": self.rows,
                "created": self.created, "errors": [e.as_dict() for e in self.errors]}  # fmt: skip


def check_kind(kind: str) -> str:
    """A register's name, or 422."""
    if kind not in KINDS:
        raise InvalidInput(f"kind: '{kind[:40]}' is not a register ({', '.join(KINDS)})",
                           field="kind", code="innovation.bad_kind",
                           params={"value": kind[:40]})  # fmt: skip
    return kind


def _write(session: Session, actor: Actor, kind: str, values: dict[str, Any],
           now: datetime) -> Any:  # fmt: skip
    model = repository.MODELS[kind]
    row = model(**values, created_by=actor.name, updated_at=now)
    if kind == "projects":
        row.state, row.open, row.version, row.event_count = "signed", True, 1, 0
    session.add(row)
    session.flush()
    record(session, actor, Change("create", ENTITY[kind], str(row.id), None,
                                  {k: v for k, v in values.items()}))  # fmt: skip
    if kind == "projects":
        start_pipeline(session, row, actor, now)
    return row


def add(session: Session, actor: Actor, kind: str, data: dict[str, Any],
        now: datetime | None = None) -> Any:  # fmt: skip
    """Add one row to a register (422 naming the field when it is refused)."""
    now = now or utcnow()
    begin_write(session)
    look = Lookups.load(session)
    values = ROWS[check_kind(kind)](data, look, now.astimezone(CITY_TZ).date())
    row = _write(session, actor, kind, values, now)
    session.flush()
    return row


def import_file(session: Session, actor: Actor, kind: str, data: bytes, filename: str,
                now: datetime | None = None) -> ImportReport:  # fmt: skip
    """Import a CSV/XLSX file into a register: all rows or none (the report says which rows
    were refused and why). A file that cannot be read at all raises 422."""
    now = now or utcnow()
    check_kind(kind)
    table = read_table(data, filename, COLUMNS[kind], REQUIRED[kind], ALIASES)
    begin_write(session)
    look = Lookups.load(session)
    today = now.astimezone(CITY_TZ).date()
    checked: list[dict[str, Any]] = []
    report = ImportReport(kind, filename, table.frame.height)
    for cells in table.frame.iter_rows(named=True):
        try:
            values = ROWS[kind](cells, look, today)
        except HighlandError as exc:
            report.errors.append(RowError(int(cells[ROW]), exc))
            continue
        look.names[kind].add(str(values[KEY[kind]]))
        checked.append(values)
    if report.errors:
        return report
    for values in checked:
        report.ids.append(_write(session, actor, kind, values, now).id)
    report.created = len(checked)
    session.flush()
    return report
