"""Loading a frame's rows into a table without turning every value into a Python object.

- PostgreSQL: the frame is written as CSV by Polars and sent with COPY, block by block.
- SQLite, large frames: the rows go through Arrow into a scratch file of their own (the ADBC
  SQLite driver binds the values in C), which the import's connection then attaches and copies
  from with one INSERT … SELECT inside the import's transaction. The scratch file is only
  ever open in one SQLite library at a time (the driver bundles its own: two libraries must
  never hold the same file), is written without journal or sync (it is thrown away; the
  registry's own pragmas are untouched), and is unlinked as soon as it is attached. It is
  detached when the connection goes back to the pool (SQLite cannot detach a database inside
  a transaction).
- SQLite, small frames: multi-row INSERT … VALUES bound through the DB-API.
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
import sqlite3
import tempfile
from typing import Any

import polars as pl
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

SCRATCH_ROWS = 20_000  # from this many rows, SQLite loads go through a scratch file
COPY_BLOCK = 100_000  # rows of one CSV block sent to PostgreSQL's COPY
_PREFIX = "highland_bulk_"
_aliases = itertools.count(1)


def load_rows(session: Session, table: str, frame: pl.DataFrame) -> None:
    """Insert every row of `frame` into `table` (its columns named as the frame's)."""
    if not frame.height:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _copy(conn.connection.driver_connection, table, frame)
        return
    frame = _as_sqlite(frame)
    raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
    if frame.height >= SCRATCH_ROWS:
        bind = session.get_bind()
        if isinstance(bind, Engine):
            _detach_on_checkin(bind)
        else:
            _detach_on_checkin(bind.engine)
        alias = _scratch(raw, frame)
        if alias is not None:
            names = ", ".join(frame.columns)
            raw.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {alias}.rows")
            return
    _bind(raw, table, frame)


def _as_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """What SQLAlchemy would store: dates as ISO text, booleans as 0/1."""
    return frame.with_columns(
        *(pl.col(c).dt.to_string("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date),
        *(pl.col(c).cast(pl.Int64) for c, t in frame.schema.items() if t == pl.Boolean),
    )


def _copy(raw: Any, table: str, frame: pl.DataFrame) -> None:
    """COPY … FROM STDIN in CSV, written by Polars (an empty string is quoted, a null is not)."""
    sql = f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for block in frame.iter_slices(COPY_BLOCK):
            buffer = io.BytesIO()
            block.write_csv(buffer, include_header=False, quote_style="non_numeric")
            copy.write(buffer.getbuffer())


def _scratch(raw: sqlite3.Connection, frame: pl.DataFrame) -> str | None:
    """Write the rows into a scratch file through Arrow and attach it; its schema name, or None
    when it cannot be attached (the caller binds the rows instead)."""
    import adbc_driver_sqlite.dbapi as adbc

    folder = tempfile.mkdtemp(prefix="highland-bulk-")
    try:
        path = os.path.join(folder, "rows.db")
        with adbc.connect(path, autocommit=True) as scratch, scratch.cursor() as cur:
            # A file thrown away after this load: no journal, no sync.
            cur.execute("PRAGMA journal_mode=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            cur.adbc_ingest("rows", frame, mode="create")
        alias = f"{_PREFIX}{next(_aliases)}"
        try:
            raw.execute(f"ATTACH DATABASE ? AS {alias}", (path,))
        except sqlite3.OperationalError:  # too many attached already
            return None
        return alias
    finally:
        # Unlinked at once: the attached file stays readable until it is detached.
        shutil.rmtree(folder, ignore_errors=True)


def _detach_on_checkin(engine: Engine) -> None:
    if not event.contains(engine, "checkin", _detach_scratch):
        event.listen(engine, "checkin", _detach_scratch)


def _detach_scratch(dbapi_conn: Any, _record: Any) -> None:
    """Detach the scratch files of a connection's loads once its transaction is over."""
    if dbapi_conn is None or not isinstance(dbapi_conn, sqlite3.Connection):
        return
    try:
        if dbapi_conn.in_transaction:
            return
        names = [r[1] for r in dbapi_conn.execute("PRAGMA database_list")]
        for name in names:
            if name.startswith(_PREFIX):
                dbapi_conn.execute(f"DETACH DATABASE {name}")
    except sqlite3.Error:  # a closed or broken connection: nothing to free
        return


def _bind(raw: sqlite3.Connection, table: str, frame: pl.DataFrame) -> None:
    """Multi-row INSERT … VALUES statements filled column by column: far fewer statement
    executions and Python tuples than one executemany row per row."""
    cols = frame.columns
    width = len(cols)
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(500, limit // width))
    head = f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
    one = "(" + ", ".join("?" for _ in cols) + ")"
    many_sql = head + ", ".join(one for _ in range(per_statement))
    cursor = raw.cursor()
    step = per_statement * width
    for chunk in frame.iter_slices(100 * per_statement):
        flat: list[Any] = [None] * (chunk.height * width)
        for j, name in enumerate(cols):
            flat[j::width] = chunk.get_column(name).to_list()
        full = len(flat) - len(flat) % step
        if full:
            cursor.executemany(many_sql, (flat[i : i + step] for i in range(0, full, step)))
        if full < len(flat):
            rest = flat[full:]
            cursor.execute(head + ", ".join(one for _ in range(len(rest) // width)), rest)
    cursor.close()
