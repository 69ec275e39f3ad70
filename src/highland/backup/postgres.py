"""PostgreSQL: `pg_dump --format=custom` and `pg_restore` into an empty database.

pg_dump reads the whole database in one repeatable-read transaction, so the archive is
consistent while the server writes. The password never appears on a command line (which
`ps` shows to every local user): the tools get a libpq URL without it and read it from
PGPASSWORD in their own environment; their messages are scrubbed of it too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from highland.backup.common import parse, problem, refuse, shown
from highland.platform.config import Settings
from highland.platform.db import make_engine
from highland.platform.errors import HighlandError, InvalidInput

TOOL_TIMEOUT = 24 * 3600  # a very large database may take hours; never forever


@dataclass(frozen=True)
class Libpq:
    """How a client tool reaches the database: a URL without password, and its environment."""

    url: str
    env: dict[str, str]
    password: str | None


def libpq(url: str) -> Libpq:
    """The libpq URL (no password, no driver name) and an environment with PGPASSWORD."""
    u = parse(url)
    query = dict(u.query)
    password = u.password or query.pop("password", None)
    bare = URL.create(
        "postgresql",
        username=u.username,
        host=u.host,
        port=u.port,
        database=u.database,
        query=query,
    )
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return Libpq(bare.render_as_string(hide_password=False), env, str(password or "") or None)


def tool(name: str, settings: Settings) -> str:
    """The path of pg_dump or pg_restore (HIGHLAND_PG_BIN_DIR, else PATH)."""
    if settings.pg_bin_dir is not None:
        path = settings.pg_bin_dir / name
        found = str(path) if path.is_file() and os.access(path, os.X_OK) else None
    else:
        found = shutil.which(name)
    if found is None:
        raise refuse(HighlandError, code="backup.tool_missing", tool=name)
    return found


def tool_version(path: str) -> tuple[str, int]:
    """The tool's version text ("15.20") and major version (15)."""
    run = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    m = re.search(r"(\d+)(?:\.\d+)*", run.stdout)
    if run.returncode != 0 or m is None:
        name = Path(path).name
        raise refuse(HighlandError, code="backup.tool_failed", tool=name, problem=run.stderr)
    return m.group(0), int(m.group(1))


def _server(url: str, code: str) -> tuple[int, str | None]:
    """The server's major version and the database's schema revision (None: none)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            num = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            has = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
            rev = (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if has
                else None
            )
    except SQLAlchemyError as exc:
        secret = parse(url).password
        raise refuse(
            HighlandError,
            code=code,
            target=shown(url),
            problem=problem(getattr(exc, "orig", None) or exc, secret),
        ) from None
    finally:
        engine.dispose()
    return num // 10000, rev


def _run(path: str, args: list[str], conn: Libpq) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [path, *args], env=conn.env, capture_output=True, text=True, timeout=TOOL_TIMEOUT
    )


def _failed(path: str, run: subprocess.CompletedProcess[str], secret: str | None) -> HighlandError:
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    why = problem(Exception(" ".join(lines[-3:]) or f"exit status {run.returncode}"), secret)
    return refuse(HighlandError, code="backup.tool_failed", tool=Path(path).name, problem=why)


def backup(url: str, tmp: Path, settings: Settings) -> str:
    """pg_dump the database of `url` into `tmp` (custom format); returns its revision.
    Refuses a pg_dump older than the server's major version (pg_dump would refuse too, less
    clearly)."""
    pg_dump = tool("pg_dump", settings)
    version, major = tool_version(pg_dump)
    server, revision = _server(url, "backup.source_unreachable")
    if major < server:
        raise refuse(
            HighlandError, code="backup.tool_too_old", tool="pg_dump", version=version,
            server=server,
        )  # fmt: skip
    conn = libpq(url)
    run = _run(pg_dump, ["--format=custom", "--no-password", f"--file={tmp}",
                         f"--dbname={conn.url}"], conn)  # fmt: skip
    if run.returncode != 0:
        raise _failed(pg_dump, run, conn.password)
    return revision or ""


def backup_revision(file: Path, settings: Settings) -> str | None:
    """Read the archive's table of contents and its alembic_version row (None: it has none);
    a file pg_restore cannot read is refused as not a backup."""
    pg_restore = tool("pg_restore", settings)
    run = subprocess.run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(file)],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
    )
    if run.returncode != 0:
        lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
        why = problem(Exception(" ".join(lines[-2:]) or f"exit status {run.returncode}"))
        raise refuse(InvalidInput, code="backup.not_a_backup", file=str(file), problem=why)
    rows = run.stdout.splitlines()
    for i, line in enumerate(rows):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(rows):
            value = rows[i + 1].strip()
            return None if value == "\\." else value
    return None


def target_tables(url: str) -> list[str]:
    """The tables, views and sequences already in the target database."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = conn.execute(
                text(
                    "SELECT CASE WHEN n.nspname = 'public' THEN c.relname "
                    "ELSE n.nspname || '.' || c.relname END "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
                    "ORDER BY 1"
                )
            ).scalars()
            return [str(n) for n in names]
    except SQLAlchemyError as exc:
        secret = parse(url).password
        raise refuse(
            HighlandError,
            code="backup.target_unreachable",
            target=shown(url),
            problem=problem(getattr(exc, "orig", None) or exc, secret),
        ) from None
    finally:
        engine.dispose()


def restore(url: str, file: Path, settings: Settings) -> None:
    """pg_restore the archive into the (checked empty) target in one transaction: a failure
    leaves the target as empty as it was. Objects belong to the connecting user."""
    pg_restore = tool("pg_restore", settings)
    conn = libpq(url)
    run = _run(pg_restore, ["--no-password", "--no-owner", "--no-privileges",
                            "--single-transaction", "--exit-on-error", f"--dbname={conn.url}",
                            str(file)], conn)  # fmt: skip
    if run.returncode != 0:
        raise _failed(pg_restore, run, conn.password)
