"""Fixtures of the backup tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from highland.platform import config, db
from tests.backup.helpers import Pair, databases
from tests.pg import BACKENDS


@pytest.fixture(params=BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Pair]:
    """A source and an empty target database of each backend; the CLI's settings restored
    afterwards."""
    monkeypatch.setenv("HIGHLAND_INSTANCE_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HIGHLAND_DATABASE_URL", raising=False)
    monkeypatch.delenv("HIGHLAND_PG_BIN_DIR", raising=False)
    try:
        with databases(request.param, tmp_path) as found:
            yield found
            if db.get_engine.cache_info().currsize:
                db.get_engine().dispose()
    finally:
        monkeypatch.undo()
        db.get_engine.cache_clear()
        config.get_settings.cache_clear()
