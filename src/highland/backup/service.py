"""`highland backup` and `highland restore`: one consistent copy of the whole database, written
atomically, and its restore into an empty database; both audited, never with a secret.

The audit entry of a backup goes into the database backed up, after the copy is complete
(so the copy does not contain it); that of a restore into the restored database, after its
last row. Both carry the file's path, size and SHA-256, which ties a restore to its backup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from highland.backup import postgres, sqlite
from highland.backup.common import (
    atomic_file,
    backend,
    check_revision,
    kind_of,
    problem,
    refuse,
    sha256_of,
    shown,
    unwritable_out,
)
from highland.platform.audit.service import Actor, Change, record
from highland.platform.config import Settings
from highland.platform.db import begin_write, make_engine, transaction
from highland.platform.errors import Conflict, InvalidInput
from highland.schema import upgrade

BACKENDS = ("sqlite", "postgresql")
SAMPLE_TABLES = 5


@dataclass(frozen=True)
class Outcome:
    """What a backup wrote or a restore read."""

    file: Path
    target: str  # the database, password masked
    backend: str
    revision: str
    size: int
    sha256: str


def _backend(url: str) -> str:
    kind = backend(url)
    if kind not in BACKENDS:
        raise refuse(InvalidInput, code="backup.unsupported_database", target=shown(url))
    return kind


def _check_out(url: str, kind: str, out: Path, replace: bool) -> None:
    if out.is_dir():
        raise refuse(InvalidInput, code="backup.out_unwritable", file=str(out),
                     problem="it is a folder")  # fmt: skip
    if kind == "sqlite":
        live = sqlite.database_path(url).absolute()
        mine = {live, *(Path(f"{live}{end}") for end in ("-wal", "-shm", "-journal"))}
        if out.absolute() in mine or (out.exists() and live.exists() and out.samefile(live)):
            raise refuse(InvalidInput, code="backup.out_is_database", file=str(out))
    if out.exists() and not replace:
        raise refuse(Conflict, code="backup.out_exists", file=str(out))


def _audit(url: str, actor: Actor, action: str, outcome: Outcome) -> None:
    engine = make_engine(url)
    try:
        with transaction(engine) as s:
            begin_write(s)
            record(s, actor, Change(
                action, "database", outcome.sha256,
                after={"file": str(outcome.file), "bytes": outcome.size,
                       "sha256": outcome.sha256, "backend": outcome.backend,
                       "revision": outcome.revision},
                summary=f"{action} {outcome.file}"[:500],
            ))  # fmt: skip
    finally:
        engine.dispose()


def backup(
    url: str, out: Path, actor: Actor, settings: Settings, *, replace: bool = False
) -> Outcome:
    """Write a consistent backup of the database at `url` to `out`; a failure leaves no file
    under that name (an earlier one stays as it was)."""
    kind = _backend(url)
    out = out.expanduser()
    _check_out(url, kind, out, replace)
    if kind == "sqlite":
        revision = sqlite.backup(url, out)
    else:
        with atomic_file(out, unwritable_out(out)) as tmp:
            revision = postgres.backup(url, tmp, settings)
    outcome = Outcome(out, shown(url), kind, revision, out.stat().st_size, sha256_of(out))
    _audit(url, actor, "backup", outcome)
    return outcome


def restore(url: str, file: Path, actor: Actor, settings: Settings) -> Outcome:
    """Restore a backup into the empty (or, for SQLite, absent) database at `url`, bring it to
    this version's schema and audit it there."""
    kind = _backend(url)
    file = file.expanduser()
    found = kind_of(file)
    if found != kind:
        raise refuse(InvalidInput, code="backup.wrong_kind", file=str(file),
                     kind=f"@backup.kind.{found}", target=shown(url))  # fmt: skip
    try:
        digest, size = sha256_of(file), file.stat().st_size
    except OSError as exc:
        raise refuse(InvalidInput, code="backup.file_unreadable", file=str(file),
                     problem=problem(exc)) from None  # fmt: skip
    if kind == "sqlite":
        revision = check_revision(file, sqlite.backup_revision(file))
        path = sqlite.database_path(url)
        _refuse_tables(url, sqlite.target_tables(path))
        sqlite.restore(file, path)
    else:
        revision = check_revision(file, postgres.backup_revision(file, settings))
        _refuse_tables(url, postgres.target_tables(url))
        postgres.restore(url, file, settings)
    engine = make_engine(url)
    try:
        upgrade(engine)  # a backup of an older version gets this version's schema
    finally:
        engine.dispose()
    outcome = Outcome(file, shown(url), kind, revision, size, digest)
    _audit(url, actor, "restore", outcome)
    return outcome


def _refuse_tables(url: str, tables: list[str]) -> None:
    if tables:
        sample = ", ".join(tables[:SAMPLE_TABLES]) + (", …" if len(tables) > SAMPLE_TABLES else "")
        raise refuse(Conflict, code="backup.target_not_empty", target=shown(url),
                     count=len(tables), tables=sample)  # fmt: skip
