"""A streamed export gives its database connection back: the request's session has ended
before the body streams, so the body's reads must end with the body (`deps.streamed`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from highland.platform.deps import streamed


def _rows(session: Session) -> Iterator[str]:
    for n in range(3):
        yield str(session.execute(text("SELECT :n"), {"n": n}).scalar_one())


def test_a_streamed_body_returns_its_connection_when_done_or_abandoned(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    session = Session(engine)
    session.close()  # as the request's session is when the body starts streaming
    assert list(streamed(session, _rows(session))) == ["0", "1", "2"]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    body = streamed(session, _rows(session))
    assert next(body) == "0"
    body.close()  # the client went away after the first chunk
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    # Without it, the reads keep their connection out of the pool.
    raw = _rows(session)
    assert list(raw) == ["0", "1", "2"]
    assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    session.close()
    engine.dispose()
