"""Alembic environment: runs migrations against the connection or URL it is given."""

from __future__ import annotations

from alembic import context

import highland.models  # noqa: F401  (fills the metadata)
from highland.platform.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run() -> None:
    """Run migrations online (Highland never needs offline SQL scripts)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run_with(conn)
    engine.dispose()


def _run_with(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
