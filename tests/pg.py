"""The tests' databases: one shared way to get an empty database of one's own.

`fresh_database(backend, folder, name)` yields the URL of a database nobody else uses: a SQLite
file in the test's folder, or a throw-away PostgreSQL database created on the server named by
HIGHLAND_TEST_DATABASE_URL and dropped afterwards. Its name carries the process id and a random
part, so two runs on one server, and the workers of one run (pytest-xdist), never meet. No test
touches a database it did not create (the URL's own database is never written to, dropped or
wiped)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("HIGHLAND_TEST_DATABASE_URL")
# The backends every database-backed test runs on: SQLite, and PostgreSQL when configured.
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@contextmanager
def throwaway_database(prefix: str, server: str | None = None) -> Iterator[str]:
    """Create a database named `<prefix>_<pid>_<random>` on the test server (or `server`);
    yield its URL; drop it."""
    server = server or PG_URL
    assert server, "HIGHLAND_TEST_DATABASE_URL is not set"
    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    # CREATE/DROP DATABASE run from the server's maintenance database.
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database(backend: str, folder: Path, name: str = "highland") -> Iterator[str]:
    """The URL of an empty database of the caller's own: `folder/<name>.db` on SQLite, a
    throw-away database on PostgreSQL (dropped at the end)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    with throwaway_database(name) as url:
        yield url


@contextmanager
def fresh_engine(
    backend: str,
    folder: Path,
    name: str = "highland",
    build: Callable[[Engine], object] | None = None,
) -> Iterator[Engine]:
    """An engine on a fresh database (see fresh_database), `build` run on it first (e.g. the
    migrations); disposed of at the end."""
    from highland.platform.db import make_engine

    with fresh_database(backend, folder, name) as url:
        engine = make_engine(url)
        try:
            if build is not None:
                build(engine)
            yield engine
        finally:
            engine.dispose()
