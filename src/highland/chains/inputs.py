"""The registry rows the chains' figures and monthly indicators are computed from, kept in
memory and brought up to date from the registry's change log.

Reading a million enterprises, millions of yearly figures and hundreds of thousands of links
takes tens of seconds; aggregating them in Polars takes well under one. So each process keeps
the rows it read (per database, with the position of the change log they were read at,
`enterprises.public.change_seq`), and after a write or an import reads again only the rows
of the enterprises changed since (`changed_since`), swapping them in. A change no single
enterprise holds (a chain, a deleted enterprise) or more than MAX_CHANGED changed firms
reads everything again. The rows are kept only when the reader's view is the committed
state (never rows a session wrote and may still roll back); a new process, or another
server worker, starts by reading everything once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from highland.chains.models import EnterpriseSegment
from highland.enterprises import public as enterprises
from highland.enterprises.public import financials, registry
from highland.platform.db import is_sqlite, session_factory

log = logging.getLogger("highland.chains.figures")
MAX_CHANGED = 100_000  # more changed enterprises than this: every row is read again
_BATCH = 5000  # ids per IN list
_UTC = pl.Datetime("us", "UTC")
ENT_SCHEMA = {"id": pl.Int64, "industry_code": pl.String, "district_code": pl.String,
              "founded_on": pl.Date}  # fmt: skip
FIN_SCHEMA = {"enterprise_id": pl.Int64, "year": pl.Int64, "employees": pl.Int64,
              "revenue": pl.Int64, "output_value": pl.Int64, "tax_paid": pl.Int64,
              "source_date": pl.Date}  # fmt: skip
LINK_SCHEMA = {"chain_id": pl.Int64, "segment_code": pl.String, "enterprise_id": pl.Int64,
               "joined_at": _UTC}  # fmt: skip


@dataclass(frozen=True)
class Rows:
    """Enterprises (ENT_SCHEMA), their yearly figures (FIN_SCHEMA) and the accepted links
    (LINK_SCHEMA: `joined_at` is when the link was decided, or made when never decided), as
    of the change log's position `seq`."""

    seq: int
    enterprises: pl.DataFrame
    financials: pl.DataFrame
    links: pl.DataFrame
    change: Change | None = None  # how they differ from the rows they were brought up from
    kept: bool = False  # kept in memory for the next reader (a committed view)


@dataclass(frozen=True)
class Change:
    """The enterprises changed between two positions of the change log, with their rows
    before (as kept) and after (as read now): enterprises, figures, links."""

    from_seq: int
    ids: list[int]
    old: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
    new: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]


def _enterprises(session: Session, ids: list[int] | None = None) -> pl.DataFrame:
    e = registry().c
    stmt = select(e.id, e.industry_code, e.district_code, e.founded_on)
    return _rows(session, stmt, e.id, ids, ENT_SCHEMA)


def _financials(session: Session, ids: list[int] | None = None) -> pl.DataFrame:
    f = financials().c
    stmt = select(f.enterprise_id, f.year, f.employees, f.revenue, f.output_value, f.tax_paid,
                  f.source_date)  # fmt: skip
    return _rows(session, stmt, f.enterprise_id, ids, FIN_SCHEMA)


def _links(session: Session, ids: list[int] | None = None) -> pl.DataFrame:
    es = EnterpriseSegment
    stmt = select(
        es.chain_id, es.segment_code, es.enterprise_id, func.coalesce(es.decided_at, es.created_at)
    ).where(es.status == "accepted")
    return _rows(session, stmt, es.enterprise_id, ids, LINK_SCHEMA)


def _rows(
    session: Session, stmt: Any, key: Any, ids: list[int] | None, schema: dict[str, Any]
) -> pl.DataFrame:
    """All rows of a SELECT, or those of the enterprises `ids`, in `schema`'s types."""
    if ids is None:
        return _all(session, stmt, schema)
    parts = [
        _typed([tuple(r) for r in session.execute(stmt.where(key.in_(ids[i : i + _BATCH])))],
               schema)  # fmt: skip
        for i in range(0, len(ids), _BATCH)
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _typed(rows: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """Rows whose dates and times the driver or SQLAlchemy gave as objects."""
    return pl.DataFrame(rows, schema=schema, orient="row")


def _all(session: Session, stmt: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Every row of a SELECT, read with the driver's own cursor (millions of rows: no
    SQLAlchemy row objects); dates and times arrive as text from SQLite and are parsed."""
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not is_sqlite(session):
        return _typed(rows, schema)
    text = {n: (pl.String if t in (pl.Date, _UTC) else t) for n, t in schema.items()}
    frame = pl.DataFrame(rows, schema=text, orient="row")
    return frame.with_columns(
        (pl.col(n).str.slice(0, 10).str.to_date("%Y-%m-%d") if t == pl.Date else
         pl.col(n).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
         .dt.replace_time_zone("UTC")).alias(n)
        for n, t in schema.items() if t in (pl.Date, _UTC)
    )  # fmt: skip


def load(session: Session) -> Rows:
    """Every row, at the change log's position (read first: the rows are at least as new)."""
    seq = enterprises.change_seq(session)
    return Rows(seq, _enterprises(session), _financials(session), _links(session))


def refreshed(session: Session, rows: Rows) -> Rows | None:
    """`rows` with the rows of the enterprises changed since they were read replaced by what
    the session sees now; None when that is not possible (read everything again)."""
    seq = enterprises.change_seq(session)
    changed = enterprises.changed_since(session, rows.seq, MAX_CHANGED)
    if changed is None:
        return None
    if not changed:
        same = (rows.enterprises, rows.financials, rows.links)
        empty = tuple(f.clear() for f in same)
        return Rows(seq, *same, change=Change(rows.seq, [], empty, empty))  # type: ignore[arg-type]
    gone = pl.Series(changed, dtype=pl.Int64).implode()
    new = (_enterprises(session, changed), _financials(session, changed),
           _links(session, changed))  # fmt: skip
    old = tuple(
        frame.filter(pl.col(key).is_in(gone))
        for frame, key in ((rows.enterprises, "id"), (rows.financials, "enterprise_id"),
                           (rows.links, "enterprise_id"))
    )  # fmt: skip

    def swap(frame: pl.DataFrame, key: str, fresh: pl.DataFrame) -> pl.DataFrame:
        return pl.concat([frame.filter(~pl.col(key).is_in(gone)), fresh])

    return Rows(
        seq,
        swap(rows.enterprises, "id", new[0]),
        swap(rows.financials, "enterprise_id", new[1]),
        swap(rows.links, "enterprise_id", new[2]),
        change=Change(rows.seq, changed, old, new),  # type: ignore[arg-type]
    )


_kept: dict[tuple[str, int], Rows] = {}  # (database URL, instance number) → the latest rows
_lock = threading.Lock()
_loading: dict[tuple[str, int], threading.Lock] = {}


def current(
    session: Session, db_key: tuple[str, int], committed: Callable[[Session], bool]
) -> Rows:
    """The rows as the session sees them: the kept ones brought up to date, else all read.
    They are kept for the next reader when `committed(s)` (a session of its own) holds, the
    change log's committed position is theirs, and the session wrote nothing of its own."""
    with _lock:
        loading = _loading.setdefault(db_key, threading.Lock())
    with loading:  # one reader per process reads at a time: the others reuse what it read
        with _lock:
            kept = _kept.get(db_key)
        rows = refreshed(session, kept) if kept is not None else None
        if rows is None:
            rows = load(session)
        if rows is not kept and _is_committed(session, rows.seq, committed):
            rows = replace(rows, kept=True)
            with _lock:
                _kept[db_key] = replace(rows, change=None)
            for follow in _followers:  # whatever is derived from the kept rows follows them
                follow(session, db_key, rows)
    return rows


Follower = Callable[[Session, tuple[str, int], Rows], None]
_followers: list[Follower] = []


def follow(follower: Follower) -> None:
    """Call `follower(session, db_key, rows)` whenever a reader keeps newer rows (with their
    `change` from the rows kept before), so that what it derives from them is brought up to
    date with the same change whoever read it (the chain figures' sums)."""
    if follower not in _followers:
        _followers.append(follower)


_warming: set[tuple[str, int]] = set()
WARM_AHEAD = True  # the test suite turns it off: no threads outliving a test's database


def warm_later(session: Session, db_key: tuple[str, int]) -> None:
    """Read every row in a background thread of this process, once, when none are kept (a
    reader that found the stored aggregates fresh): so that the first rebuild after a write
    or an import reads only the changed firms, not millions of rows while someone waits."""
    if not WARM_AHEAD:
        return
    with _lock:
        if db_key in _kept or db_key in _warming:
            return
        _warming.add(db_key)
    engine = session.get_bind().engine

    def run() -> None:
        try:
            with session_factory(engine)() as s:
                current(s, db_key, committed=lambda _: True)
        except Exception:  # noqa: BLE001 (a reader reads everything itself then)
            log.exception("chains: reading the registry rows ahead failed")
        finally:
            with _lock:
                _warming.discard(db_key)

    threading.Thread(target=run, name="highland-chain-rows", daemon=True).start()


def is_kept(db_key: tuple[str, int]) -> bool:
    """Whether this process keeps rows of that database (the benches wait for it)."""
    with _lock:
        return db_key in _kept


def db_key(session: Session, instance: int) -> tuple[str, int]:
    """The key of a database's rows: its URL and its instance number."""
    return (str(session.get_bind().engine.url), instance)


def _is_committed(session: Session, seq: int, committed: Callable[[Session], bool]) -> bool:
    if session.new or session.dirty or session.deleted:
        return False
    factory = session_factory(session.get_bind().engine)
    with factory() as s:
        return enterprises.change_seq(s) == seq and committed(s)


def clear() -> None:
    """Forget every database's rows (tests)."""
    with _lock:
        _kept.clear()
