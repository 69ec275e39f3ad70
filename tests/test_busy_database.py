"""A busy database: bearer reads never write, bearer imports work, and a request that cannot
get SQLite's write lock answers 503 with Retry-After (never 500). Real connections on a
database of the test's own (SQLite file; PostgreSQL when configured)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import OperationalError

from highland.enterprises.models import Enterprise
from highland.enterprises.service import seed_regions
from highland.main import create_app
from highland.platform.config import Settings
from highland.platform.db import is_busy, session_factory
from highland.platform.identity import service as identity
from highland.platform.identity.models import ApiToken
from highland.platform.kit import clock
from highland.schema import upgrade
from tests.conftest import ACTOR, BACKENDS
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv
from tests.pg import fresh_engine

BUSY_MS = 100


@pytest.fixture(params=BACKENDS)
def own_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of the test's own, with the city's regions."""

    def build(engine: Engine) -> Engine:
        upgrade(engine)
        with session_factory(engine)() as s:
            seed_regions(s, "320100")
            s.commit()
        return engine

    with fresh_engine(request.param, tmp_path, "highland_busy", build) as engine:
        yield engine


def _token(engine: Engine, username: str = "writer") -> str:
    with session_factory(engine)() as s:
        identity.create_user(s, ACTOR, username=username, password="pw-writer-1234", role="admin")
        token = identity.create_token(s, ACTOR, username)
        s.commit()
    return token


def _app(engine: Engine, tmp_path: Path) -> Any:
    settings = Settings(
        secret_key="test-secret", instance_dir=tmp_path, sqlite_busy_ms=BUSY_MS,
        demand_sweep_minutes=0,
    )  # fmt: skip
    return create_app(engine, settings)


def _last_used(engine: Engine) -> Any:
    with session_factory(engine)() as s:
        return s.scalar(select(ApiToken.last_used_at))


def _set_last_used(engine: Engine, when: Any) -> None:
    with session_factory(engine)() as s:
        s.execute(ApiToken.__table__.update().values(last_used_at=when))
        s.commit()


@contextmanager
def write_lock(engine: Engine) -> Iterator[None]:
    """Hold SQLite's write lock from another connection (as a long writer would)."""
    path = engine.url.database
    assert path
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@contextmanager
def writes_seen(engine: Engine) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements any connection of the engine runs meanwhile."""
    seen: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def test_a_bearer_read_with_a_fresh_record_writes_nothing(
    own_engine: Engine, tmp_path: Path
) -> None:
    token = _token(own_engine)
    client = TestClient(_app(own_engine, tmp_path))
    auth = {"authorization": f"Bearer {token}"}
    assert _last_used(own_engine) is None
    assert client.get("/api/v1/enterprises", headers=auth).status_code == 200
    first = _last_used(own_engine)
    assert first is not None  # the first use is recorded
    with writes_seen(own_engine) as seen:
        for _ in range(3):
            assert client.get("/api/v1/enterprises", headers=auth).status_code == 200
            assert client.get("/api/v1/regions", headers=auth).status_code == 200
    assert seen == []
    assert _last_used(own_engine) == first
    # Once the record is older than the interval, the next use refreshes it.
    _set_last_used(own_engine, clock.now() - identity.TOKEN_TOUCH_EVERY - timedelta(seconds=1))
    assert client.get("/api/v1/regions", headers=auth).status_code == 200
    assert _last_used(own_engine) > first


def test_a_bearer_read_works_while_another_connection_holds_the_write_lock(
    own_engine: Engine, tmp_path: Path
) -> None:
    if own_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock")
    token = _token(own_engine)
    client = TestClient(_app(own_engine, tmp_path))
    auth = {"authorization": f"Bearer {token}"}
    assert client.get("/api/v1/regions", headers=auth).status_code == 200
    fresh = _last_used(own_engine)
    with write_lock(own_engine):
        assert client.get("/api/v1/enterprises", headers=auth).status_code == 200
    assert _last_used(own_engine) == fresh
    # A stale record cannot be written while the lock is held: skipped, the read still works,
    # and a later request records it.
    stale = clock.now() - timedelta(hours=1)
    _set_last_used(own_engine, stale)
    with write_lock(own_engine):
        assert client.get("/api/v1/enterprises", headers=auth).status_code == 200
    assert _last_used(own_engine) == stale
    assert client.get("/api/v1/enterprises", headers=auth).status_code == 200
    assert _last_used(own_engine) > stale


def test_a_bearer_import_writes_the_enterprises(own_engine: Engine, tmp_path: Path) -> None:
    token = _token(own_engine)
    client = TestClient(_app(own_engine, tmp_path))
    data = to_csv([ent_row(1), ent_row(2)], ENT_HEADER)
    r = client.post(
        "/api/v1/imports/enterprises",
        headers={"authorization": f"Bearer {token}"},
        files={"file": ("firms.csv", data, "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    with session_factory(own_engine)() as s:
        assert len(s.scalars(select(Enterprise)).all()) == 2
    assert _last_used(own_engine) is not None


def test_a_write_that_cannot_get_the_lock_answers_503_with_retry_after(
    own_engine: Engine, tmp_path: Path
) -> None:
    if own_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock")
    token = _token(own_engine)
    client = TestClient(_app(own_engine, tmp_path), follow_redirects=False)
    auth = {"authorization": f"Bearer {token}"}
    assert client.get("/api/v1/regions", headers=auth).status_code == 200
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    with write_lock(own_engine):
        api = client.post("/api/v1/notices/read", headers=auth, json={"all": True})
        imported = client.post(
            "/api/v1/imports/enterprises",
            headers=auth,
            files={"file": ("firms.csv", to_csv([ent_row(3)], ENT_HEADER), "text/csv")},
        )
        signin = client.post(
            "/login", data={"username": "writer", "password": "pw-writer-1234", "csrf_token": csrf}
        )
    for r in (api, imported):
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "2"
        body = r.json()
        assert body["code"] == "db.busy" and body["params"] == {"seconds": 2}
        assert body["message"] == "系统正忙于处理其他修改，请 2 秒后重试。"
    assert signin.status_code == 503
    assert signin.headers["retry-after"] == "2"
    assert "系统正忙于处理其他修改" in signin.text and "<html" in signin.text.lower()
    # The lock released, the same requests succeed.
    assert client.post("/api/v1/notices/read", headers=auth, json={"all": True}).status_code == 200


def test_a_postgresql_lock_timeout_counts_as_busy(own_engine: Engine) -> None:
    if own_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout")
    _token(own_engine)
    with own_engine.connect() as holder, own_engine.connect() as waiter:
        holder.execute(text("SELECT id FROM api_token FOR UPDATE"))
        waiter.execute(text("SET lock_timeout = 50"))
        with pytest.raises(OperationalError) as caught:
            waiter.execute(text("UPDATE api_token SET name = 'x'"))
        assert is_busy(caught.value)
        holder.rollback()


def test_an_import_writes_after_another_writer_committed_during_its_validation(
    own_engine: Engine,
) -> None:
    """The import's transaction begins as a writing one once the file is validated: a commit
    by another connection meanwhile cannot make its view stale (SQLite refused the import's
    first write with "database is locked" when its transaction had begun by reading)."""
    from highland.enterprises.imports import run_import

    if own_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's snapshot upgrade")
    path = own_engine.url.database
    assert path
    other_wrote: list[bool] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "merge":
            other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
            try:
                other.execute("UPDATE region SET name_en = name_en || '.'")
                other_wrote.append(True)
            except sqlite3.OperationalError:  # the import holds the write lock already
                other_wrote.append(False)
            finally:
                other.close()

    sessions = session_factory(own_engine)
    firms = to_csv([ent_row(5), ent_row(6)], ENT_HEADER)
    result = run_import(sessions, ACTOR, "enterprises", firms, "f.csv", progress=progress)
    assert result.written and result.created == 2
    figures = to_csv([fin_row(5, 2024), fin_row(6, 2024)], FIN_HEADER)
    result = run_import(sessions, ACTOR, "financials", figures, "g.csv", progress=progress)
    assert result.written and result.created == 2
    assert other_wrote == [False, False]


def test_a_writer_waiting_for_its_turn_in_the_process_answers_503_in_time(
    own_engine: Engine, tmp_path: Path
) -> None:
    """The writers of one process queue for SQLite's lock in arrival order; one that does not
    get its turn within HIGHLAND_SQLITE_BUSY_MS answers 503 too, and the queue moves on."""
    from highland.platform.db import begin_write

    if own_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's writers queue")
    token = _token(own_engine)
    app = _app(own_engine, tmp_path)
    client = TestClient(app)
    auth = {"authorization": f"Bearer {token}"}
    with app.state.sessions() as holder:  # a writer of this process, in the middle of its work
        begin_write(holder)
        r = client.post("/api/v1/notices/read", headers=auth, json={"all": True})
        assert r.status_code == 503 and r.json()["code"] == "db.busy"
        assert r.headers["retry-after"] == "2"
        holder.commit()
    assert client.post("/api/v1/notices/read", headers=auth, json={"all": True}).status_code == 200


def test_a_writing_request_can_read_in_a_session_of_its_own(
    own_engine: Engine, tmp_path: Path
) -> None:
    """A writing request's transaction begins IMMEDIATE at its first statement; sessions made
    meanwhile from the same engine (chains.figures checks the committed state that way) still
    begin as plain reads, instead of queueing behind the request itself."""
    from highland.platform.db import will_write

    app = _app(own_engine, tmp_path)
    with app.state.sessions() as request_session:
        will_write(request_session)
        request_session.execute(text("UPDATE region SET name_en = name_en || '.'"))
        with session_factory(request_session.get_bind().engine)() as other:
            assert other.scalar(text("SELECT count(*) FROM region")) > 0
        request_session.commit()
