"""SQLite: an online backup with SQLite's backup API, and a restore into an empty or absent
database file.

`Connection.backup` copies every page in one step inside one read transaction: in WAL mode
(Highland's, see db.py) that is a consistent snapshot while the server keeps writing, and the
writers are not held up. A plain file copy of a database being written can catch the main
file and its `-wal` at different moments and give a malformed database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from highland.backup.common import (
    atomic_file,
    check_failed,
    parse,
    problem,
    refuse,
    shown,
    unwritable_out,
)
from highland.platform.errors import HighlandError, InvalidInput

BUSY_MS = 30_000


def database_path(url: str) -> Path:
    """The file of a SQLite URL; an in-memory database is refused."""
    u = parse(url)
    name = u.database or ""
    if name in ("", ":memory:") or u.query.get("mode") == "memory":
        raise refuse(InvalidInput, code="backup.unsupported_database", target=shown(url))
    return Path(name)


def _open(path: Path, mode: str) -> sqlite3.Connection:
    """A plain sqlite3 connection ('ro': read only; 'rw': must exist; 'rwc': may create)."""
    conn = sqlite3.connect(
        f"file:{quote(str(path.absolute()))}?mode={mode}",
        uri=True,
        timeout=BUSY_MS / 1000,
        isolation_level=None,
    )
    conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return conn


def _integrity(conn: sqlite3.Connection) -> str | None:
    """None when `PRAGMA integrity_check` says ok, else its first findings."""
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(5)").fetchall()]
    return None if rows == ["ok"] else "; ".join(rows)


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def _copy(source: sqlite3.Connection, dest_path: Path) -> None:
    """Every page of `source` into the (empty) file `dest_path`, left in rollback-journal mode
    so that it is one self-contained file."""
    dest = _open(dest_path, "rw")
    try:
        source.backup(dest)  # pages=-1: one step, one read transaction, one snapshot
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()


def backup(url: str, out: Path) -> str:
    """Write a consistent copy of the database of `url` to `out` (atomically, checked with
    `PRAGMA integrity_check`); returns its schema revision."""
    path = database_path(url)
    if not path.is_file():
        raise refuse(InvalidInput, code="backup.source_missing", target=str(path))
    with atomic_file(out, unwritable_out(out)) as tmp:
        try:
            source = _open(path, "rw")
        except sqlite3.Error as exc:
            raise refuse(
                HighlandError,
                code="backup.source_unreachable",
                target=str(path),
                problem=problem(exc),
            ) from None
        try:
            _copy(source, tmp)
        except sqlite3.Error as exc:
            raise check_failed(out, problem(exc)) from None
        finally:
            source.close()
        check = _open(tmp, "ro")
        revision: str | None = None
        try:
            bad = _integrity(check)
            revision = _revision(check)
        except sqlite3.DatabaseError as exc:
            bad = problem(exc)
        finally:
            check.close()
        if bad:
            raise check_failed(out, bad)
    return revision or ""


def backup_revision(file: Path) -> str | None:
    """Check a backup file (a readable, intact SQLite database) and return its schema
    revision (None: it has no alembic_version)."""
    try:
        conn = _open(file, "ro")
    except sqlite3.Error as exc:
        raise refuse(
            InvalidInput, code="backup.file_unreadable", file=str(file), problem=problem(exc)
        ) from None
    try:
        bad = _integrity(conn)
        if bad:
            raise refuse(InvalidInput, code="backup.not_a_backup", file=str(file), problem=bad)
        return _revision(conn)
    except sqlite3.DatabaseError as exc:
        raise refuse(
            InvalidInput, code="backup.not_a_backup", file=str(file), problem=problem(exc)
        ) from None
    finally:
        conn.close()


def target_tables(path: Path) -> list[str]:
    """The tables and views already in the target file (none when it does not exist)."""
    if not path.exists():
        return []
    try:
        conn = _open(path, "ro")
        try:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise refuse(
            InvalidInput, code="backup.target_unreachable", target=str(path), problem=problem(exc)
        ) from None
    return [str(r[0]) for r in rows]


def restore(file: Path, path: Path) -> None:
    """Copy the backup into the (checked empty or absent) target file, atomically."""

    def fail(exc: OSError) -> HighlandError:
        return refuse(
            InvalidInput, code="backup.target_unwritable", target=str(path), problem=problem(exc)
        )

    with atomic_file(path, fail) as tmp:
        source = _open(file, "ro")
        try:
            _copy(source, tmp)
        finally:
            source.close()
        # An empty target may have left a write-ahead log: it must not be replayed onto the
        # restored file.
        for stale in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            stale.unlink(missing_ok=True)
