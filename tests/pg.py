"""Throw-away PostgreSQL databases for tests: created on the server named by
HIGHLAND_TEST_DATABASE_URL, dropped afterwards. No test touches a database it did not create
(the URL's own database is never written to, dropped or wiped)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("HIGHLAND_TEST_DATABASE_URL")


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """Create a database named `<prefix>_<random>` on the test server; yield its URL; drop it."""
    assert PG_URL, "HIGHLAND_TEST_DATABASE_URL is not set"
    url = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
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
