"""The `highland` command in tests: one way to run it against a database, at a moment.

    def test_something(cli: Cli) -> None:            # the fixture: a fresh SQLite database
        ran = cli("import", "enterprises", "e.csv", at="2026-12-28 10:00")
        assert ran.code == 0 and "imported" in ran.stdout

`cli(...)` runs the command in this process (typer's CliRunner: fast, and `at` moves the
process clock like `clock_at`); `cli.process(...)` runs the installed `highland` in a
subprocess, as an operator does (`at` there needs Debian's faketime). `cli.use(url)` points it
at another database (the backup tests' source and target).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.clock import Moment, beijing, frozen

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Ran:
    """What a command did: its exit code, standard output and standard error."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams, as a terminal shows them."""
        return self.stdout + self.stderr


class Cli:
    """The command, pointed at one database and instance folder (see the module's text)."""

    def __init__(self, database_url: str, instance_dir: Path) -> None:
        self.database_url = database_url
        self.instance_dir = instance_dir

    def env(self) -> dict[str, str]:
        """The environment the command runs with."""
        return {
            **os.environ,
            "HIGHLAND_DATABASE_URL": self.database_url,
            "HIGHLAND_INSTANCE_DIR": str(self.instance_dir),
            "COLUMNS": "200",
        }

    def use(self, database_url: str) -> None:
        """Point the command at another database from here on."""
        point_at(database_url)
        self.database_url = database_url

    def __call__(
        self, *args: str, app: Any = None, input: str | None = None, at: Moment | None = None
    ) -> Ran:
        """`highland ARGS` (or ARGS of a sub-command's `app`) in this process."""
        return invoke(*args, app=app, input=input, at=at)

    def process(self, *args: str, at: Moment | None = None, timeout: float = 600) -> Ran:
        """`highland ARGS` in a subprocess of its own."""
        argv = [str(BIN / "highland"), *args]
        if at is not None:
            faketime = shutil.which("faketime")
            if faketime is None:
                pytest.skip("running the command at a moment needs faketime")
            stamp = beijing(at).strftime("%Y-%m-%d %H:%M:%S %z")
            argv = [faketime, "-f", f"@{stamp}", *argv]
        done = subprocess.run(argv, env=self.env(), capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
        return Ran(done.returncode, done.stdout, done.stderr)


def invoke(*args: str, app: Any = None, input: str | None = None, at: Moment | None = None) -> Ran:
    """`highland ARGS` (or ARGS of a sub-command's `app`) in this process, on the database the
    environment names (the `cli` fixture points it at the test's own)."""
    from highland.cli import app as highland

    with ExitStack() as stack:
        if at is not None:
            stack.enter_context(frozen(at))
        result = CliRunner().invoke(app or highland, list(args), input=input)
    return Ran(result.exit_code, result.stdout, result.stderr)


def _forget_engine() -> None:
    """Drop the process's cached settings and engine (the CLI builds them from the env)."""
    from highland.platform import config, db

    if db.get_engine.cache_info().currsize:
        db.get_engine().dispose()
    db.get_engine.cache_clear()
    config.get_settings.cache_clear()


def point_at(database_url: str) -> None:
    """Make the in-process command (settings, engine) use the database at `database_url`."""
    _forget_engine()
    os.environ["HIGHLAND_DATABASE_URL"] = database_url


@contextmanager
def pointed(
    database_url: str, instance_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    """A Cli on `database_url`; the process's settings and engine restored afterwards."""
    monkeypatch.setenv("HIGHLAND_DATABASE_URL", database_url)
    monkeypatch.setenv("HIGHLAND_INSTANCE_DIR", str(instance_dir))
    _forget_engine()
    try:
        yield Cli(database_url, instance_dir)
    finally:
        _forget_engine()
