"""Shared fixtures: the schema is built once per backend; each test runs in a rolled-back
transaction. Tests run on SQLite, and on PostgreSQL too when HIGHLAND_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from highland.chains import inputs as _chain_rows
from highland.cli import common as _command  # noqa: F401 (sets the database preparer, as `highland` does)
from highland.enterprises.service import seed_regions
from highland.platform.audit.service import Actor
from highland.platform.config import Settings
from highland.platform.kit import clock
from highland.schema import upgrade
from highland.wiring import wire
from tests.cli import Cli, pointed
from tests.clock import Moment, frozen, mend_sleep_under_faketime, under_faketime
from tests.pg import BACKENDS, fresh_engine

wire()  # the assembly's wiring, as the app and the `highland` command do it
_chain_rows.WARM_AHEAD = False  # no background reads outliving a test's database

# Cheap argon2id for the hundreds of users the tests create (production keeps the defaults;
# sign-in still verifies real argon2id hashes).
os.environ.setdefault("HIGHLAND_PASSWORD_HASH_MEMORY_KIB", "1024")
os.environ.setdefault("HIGHLAND_PASSWORD_HASH_TIME_COST", "1")
mend_sleep_under_faketime()
STARTED = clock.now_local()
ACTOR = Actor("tester", "admin", "cli")


def _clock_line() -> str:
    faked = " (process clock moved by faketime)" if under_faketime() else ""
    return f"clock at the start of the run: {STARTED:%Y-%m-%d %H:%M} Beijing time{faked}"


def pytest_report_header(config: pytest.Config) -> str:
    """Say which day the suite runs on (the header is hidden under -q; the summary is not)."""
    return _clock_line()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Under faketime, end with the day the suite ran on, so a log shows it."""
    if under_faketime():
        terminalreporter.write_line(_clock_line())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked `clock_at(...)` sets its clock before its other function-scoped fixtures
    (session- and module-scoped ones, such as the browser tests' server, are built first)."""
    for item in items:
        if item.get_closest_marker("clock_at"):
            names: list[str] = item.fixturenames  # type: ignore[attr-defined]
            if "clock_at" in names:
                names.remove("clock_at")
            names.insert(0, "clock_at")


@pytest.fixture
def clock_at(request: pytest.FixtureRequest) -> Iterator[Callable[..., datetime]]:
    """clock_at("2026-12-28 10:00", tick=True): from here to the end of the test, "now" (the
    process clock, so `kit.clock` and every thread) is that Beijing moment; returns it.
    `@pytest.mark.clock_at("…")` does the same for a whole test or module."""
    with ExitStack() as stack:

        def travel(moment: Moment, *, tick: bool = True) -> datetime:
            return stack.enter_context(frozen(moment, tick=tick))

        marker = request.node.get_closest_marker("clock_at")
        if marker is not None:
            travel(*marker.args, **marker.kwargs)
        yield travel


def _build(engine: Engine) -> Engine:
    upgrade(engine)
    with engine.begin() as conn:
        s = Session(bind=conn)
        seed_regions(s, "320100")
        s.flush()
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One database per backend for the whole run, and per worker under pytest-xdist (on
    PostgreSQL a throw-away database of the process's own, dropped at the end)."""
    folder = tmp_path_factory.mktemp(request.param)
    with fresh_engine(request.param, folder, "highland_test", _build) as eng:
        yield eng


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside an outer transaction that the test never commits."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Session factory whose commits become savepoints of the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for direct service and repository calls."""
    with sessions() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an app under test."""
    return Settings(secret_key="test-secret", instance_dir=tmp_path, login_max_failures=5)


@pytest.fixture
def app(engine: Engine, sessions: sessionmaker[Session], settings: Settings):  # type: ignore[no-untyped-def]
    """The application, bound to the test's transaction."""
    from highland.main import create_app, refresh_state

    application = create_app(engine, settings)
    application.state.sessions = sessions
    refresh_state(application)
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An HTTP client for the app (no cookies yet)."""
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The `highland` command on a fresh SQLite database of the test's own (tests/cli.py)."""
    with pointed(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path / "var", monkeypatch) as command:
        yield command
