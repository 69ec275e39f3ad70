"""Whether a database is already at the newest schema, told without loading Alembic.

Loading Alembic (and the Mako templates and Pygments lexers it imports) costs ≈ 0.4 s of every
command's and every server's start; a database that is already at the head needs none of it.
`HEAD` names the newest migration; tests/test_platform.py checks it against Alembic's own head,
so a new migration that forgets it fails the suite.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

HEAD = "0019"


def at_head(engine: Engine) -> bool:
    """True when the database's schema is the newest one (Alembic's version table says `HEAD`).
    A database without the table, or at another revision, is not."""
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return list(versions) == [HEAD]
    except DBAPIError:  # no version table yet: a new database
        return False
