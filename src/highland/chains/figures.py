"""The figures the chain analytics read: registry cells and chain member figures.

Reading a million enterprises, five million yearly figures and millions of accepted links on
every analytics request would take tens of seconds, so two small aggregate tables stand in
for them (see docs/chains.md, "How fresh the figures are"):

- registry_cell: enterprises by industry class and district (year 0), and each year's known
  employees and revenue (sum and how many enterprises have one);
- chain_figure: accepted members of each chain and of each segment with its sub-segments
  (year 0), and each year's members' revenue: how many have one, Σ r, Σ r² (exact) and the
  largest firm.

Both are built set-based (Polars group-bys over plain column reads, so the same rules can run
on a distributed engine) — after a write, from sums kept in memory with only the changed
firms' rows taken out and put in again (chains/inputs.py, chains/figure_sums.py) — and never
trusted blindly: database triggers on the source tables
add one to a generation number (`data_generation`) for every write, and a reader uses the
stored figures only when they were built from the generations it sees; otherwise it builds
them from its own view of the data. It stores what it built for the next reader only when
its view is the committed state (the generations it saw are the committed ones — never from
a session with writes of its own not yet committed). Within one process the frames of the
current generations are also kept in memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction

from highland.chains import figure_sums, inputs
from highland.chains.models import Chain, ChainFigure, FigureState, RegistryCell, Segment
from highland.platform.db import is_sqlite, session_factory, utcnow
from highland.platform.generations import DataGeneration

NAMES = ("registry", "links")
_BATCH = 5000

CELL_SCHEMA = {
    "year": pl.Int64,
    "industry_code": pl.String,
    "district_code": pl.String,
    "enterprises": pl.Int64,
    "employees": pl.Int64,
    "employees_known": pl.Int64,
    "revenue": pl.Int64,
    "revenue_known": pl.Int64,
}
FIGURE_SCHEMA = {
    "chain_id": pl.Int64,
    "segment_code": pl.String,
    "year": pl.Int64,
    "members": pl.Int64,
    "revenue": pl.Int64,
    "revenue_squares": pl.String,
    "largest_id": pl.Int64,
    "largest_revenue": pl.Int64,
}


@dataclass(frozen=True)
class Part:
    """One aggregate ("registry": cells, "links": chain figures) of one generation."""

    name: str
    generation: int
    frame: pl.DataFrame
    built_at: datetime


@dataclass(frozen=True)
class Figures:
    """The two aggregates as a reader sees them."""

    registry: Part
    links: Part

    @property
    def cells(self) -> pl.DataFrame:
        """registry_cell rows (CELL_SCHEMA)."""
        return self.registry.frame

    @property
    def chains(self) -> pl.DataFrame:
        """chain_figure rows (FIGURE_SCHEMA)."""
        return self.links.frame

    @property
    def built_at(self) -> datetime:
        """When the older of the two aggregates was built."""
        return min(self.registry.built_at, self.links.built_at)

    def local(self, measure: str, year: int | None) -> pl.DataFrame:
        """industry_code, district_code, value (sum of the known values or None), known and
        missing enterprises — what a registry GROUP BY for the measure and year gives."""
        base = self.cells.filter(pl.col("year") == 0).select(
            "industry_code", "district_code", "enterprises"
        )
        if measure == "enterprises":
            return base.select(
                "industry_code",
                "district_code",
                pl.col("enterprises").alias("value"),
                pl.col("enterprises").alias("known"),
                pl.lit(0, dtype=pl.Int64).alias("missing"),
            )
        col = "employees" if measure == "employment" else "revenue"
        yearly = self.cells.filter(pl.col("year") == (year if year is not None else -1)).select(
            "industry_code", "district_code", pl.col(col).alias("value"),
            pl.col(f"{col}_known").alias("known"),
        )  # fmt: skip
        joined = base.join(yearly, on=["industry_code", "district_code"], how="left")
        return joined.select(
            "industry_code",
            "district_code",
            "value",
            pl.col("known").fill_null(0),
            (pl.col("enterprises") - pl.col("known").fill_null(0)).alias("missing"),
        )

    def chain(self, chain_id: int) -> pl.DataFrame:
        """The chain's figure rows."""
        return self.chains.filter(pl.col("chain_id") == chain_id)


_cache: dict[tuple[str, int, str], Part] = {}  # (database, instance, name) → the latest part
_lock = threading.Lock()
_builders: dict[tuple[str, int, str], threading.Lock] = {}


def _builder(key: tuple[str, int, str]) -> threading.Lock:
    with _lock:
        return _builders.setdefault(key, threading.Lock())


SCHEMAS = {"registry": CELL_SCHEMA, "links": FIGURE_SCHEMA}
TABLES: dict[str, Any] = {"registry": RegistryCell, "links": ChainFigure}


def generations(session: Session) -> dict[str, int]:
    """name → value, as the session sees them (the table's job rows, see highland.platform.jobs,
    are no generations)."""
    rows = session.execute(
        select(DataGeneration.name, DataGeneration.value).where(
            DataGeneration.name.not_like("job.%")
        )
    )
    return {n: int(v) for n, v in rows}


def _built(session: Session) -> dict[str, tuple[int, datetime]]:
    rows = session.execute(select(FigureState.name, FigureState.built_from, FigureState.built_at))
    return {n: (int(b), at) for n, b, at in rows}


def current(session: Session) -> Figures:
    """The figures of the data as the session sees it. Each part comes from memory or its
    table when it was built from the generation the session sees, else it is built now from
    the session's view (and stored when that view is the committed state).

    The memory is keyed by the database (its URL and the random `instance` number its schema
    was created with) and the part's generation; it only holds parts read from the tables or
    built from a committed view, never from a session with writes of its own."""
    gens = generations(session)
    built = _built(session)
    url = str(session.get_bind().engine.url)
    parts: dict[str, Part] = {}
    for name in NAMES:
        gen = gens.get(name, 0)
        key = (url, gens.get("instance", 0), name)
        with _lock:
            cached = _cache.get(key)
        if cached is not None and cached.generation == gen:
            parts[name] = cached
            continue
        stored = built.get(name)
        if stored is not None and stored[0] == gen:
            part = Part(name, gen, _read(session, name), stored[1])
        else:
            with _builder(key):  # one build per process at a time: the others wait for it
                with _lock:
                    cached = _cache.get(key)
                if cached is not None and cached.generation == gen:
                    parts[name] = cached
                    continue
                started = time.perf_counter()
                frame = _build_part(session, name, (url, gens.get("instance", 0)))
                part = Part(name, gen, frame, utcnow())
                if not _store(session, part, int((time.perf_counter() - started) * 1000)):
                    parts[name] = part  # the session's own view: used once, not remembered
                    continue
                with _lock:
                    _cache[key] = part
        with _lock:
            _cache[key] = part
        parts[name] = part
    inputs.warm_later(session, (url, gens.get("instance", 0)))
    return Figures(parts["registry"], parts["links"])


def refresh(session: Session) -> dict[str, dict[str, Any]]:
    """Build whatever part is stale (the server's job and `highland chains figures --refresh`
    call this after imports, so that readers rarely wait); returns what each part is built
    from. The builds are stored when the caller's transaction ends: the caller commits (then
    `state`, in a new session, shows them stored)."""
    figures = current(session)
    return {
        p.name: {"built_from": p.generation, "built_at": p.built_at.isoformat(),
                 "rows": p.frame.height}
        for p in (figures.registry, figures.links)
    }  # fmt: skip


def _read(session: Session, name: str) -> pl.DataFrame:
    table = TABLES[name].__table__
    rows = session.execute(select(*table.c)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=SCHEMAS[name], orient="row")


def store_if_committed(
    session: Session, committed: Callable[[Session], bool], write: Callable[[Session], None]
) -> bool:
    """Keep what the caller computed for the next reader, when `committed(s)` says it matches
    the committed state (checked now in a session of its own: True means the caller's view is
    the committed one, so the result may be remembered in memory too).

    The write itself waits until the caller's transaction has ended: on SQLite a commit by
    another connection would make the caller's read snapshot stale and refuse its own later
    writes. It then runs in a session of its own, checks `committed` again inside its
    transaction, and gives up rather than queue more than 200 ms behind another writer."""
    factory = session_factory(session.get_bind().engine)
    with factory() as s:
        if not committed(s):
            return False

    def run(*_: Any) -> None:
        with factory() as s:
            sqlite = is_sqlite(s)
            try:
                if sqlite:
                    s.connection().exec_driver_sql("PRAGMA busy_timeout=200")
                else:
                    s.execute(text("SET LOCAL lock_timeout = '200ms'"))
                if committed(s):
                    write(s)
                    s.commit()
            except (OperationalError, IntegrityError):
                s.rollback()
            finally:
                if sqlite:
                    s.connection().exec_driver_sql("PRAGMA busy_timeout=30000")

    if not session.in_transaction():
        run()
        return True
    done = [False]

    def after(_: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and not done[0]:
            done[0] = True
            run()

    event.listen(session, "after_transaction_end", after)
    return True


def _store(session: Session, part: Part, ms: int) -> bool:
    """Store a part when the caller's view of its generation is the committed one (True: the
    part is the committed state's, stored now or already by another reader)."""

    def committed(s: Session) -> bool:
        return generations(s).get(part.name) == part.generation

    def write(s: Session) -> None:
        if not is_sqlite(s):  # one builder at a time
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext('highland.figures'))"))
        built = _built(s).get(part.name)
        if built is not None and built[0] >= part.generation:
            return  # another reader stored this generation (or a newer one) already
        table = TABLES[part.name]
        s.execute(delete(table))
        rows = part.frame.to_dicts()
        for i in range(0, len(rows), _BATCH):
            s.execute(insert(table), rows[i : i + _BATCH])
        s.execute(delete(FigureState).where(FigureState.name == part.name))
        s.add(FigureState(name=part.name, built_from=part.generation, built_at=part.built_at,
                          rows=part.frame.height, milliseconds=ms))  # fmt: skip

    return store_if_committed(session, committed, write)


# --------------------------------------------------------------------------- the builds


_sums: dict[tuple[str, int], tuple[int, figure_sums.Sums]] = {}  # db → (seq, sums)
_sums_lock = threading.Lock()


def _follow(session: Session, db_key: tuple[str, int], rows: inputs.Rows) -> None:
    """Bring the kept sums up to date with rows a reader kept (e.g. the monthly indicators
    read the change first): the same change, taken out and put in."""
    with _sums_lock:
        kept = _sums.get(db_key)
        change = rows.change
        if kept is None or change is None or kept[0] != change.from_seq:
            return
        sums = kept[1].apply(change.ids, change.old, change.new, rows.financials) if (
            change.ids) else kept[1]  # fmt: skip
        _sums[db_key] = (rows.seq, sums)


inputs.follow(_follow)


def _build_part(session: Session, name: str, db_key: tuple[str, int]) -> pl.DataFrame:
    """One aggregate from the session's view: the kept sums with the changed enterprises'
    rows taken out and put in again (chains.figure_sums), else summed from every row kept in
    memory (chains.inputs); the sums are kept for the next reader from a committed view."""
    rows = inputs.current(session, db_key, committed=lambda s: generations(s) == generations(
        session))  # fmt: skip
    with _sums_lock:
        kept = _sums.get(db_key)
        change = rows.change
        if kept is not None and kept[0] == rows.seq:
            sums = kept[1]
        elif kept is not None and change is not None and kept[0] == change.from_seq:
            sums = kept[1].apply(change.ids, change.old, change.new, rows.financials)
        else:
            sums = figure_sums.Sums.build(rows.enterprises, rows.financials, rows.links,
                                          closure(session))  # fmt: skip
        if rows.kept:
            _sums[db_key] = (rows.seq, sums)
    return figure_sums.cells_of(sums.cells) if name == "registry" else sums.figures()


def registry_cells(session: Session) -> pl.DataFrame:
    """Year 0: enterprises per (industry_code, district_code); each year: the sums and counts
    of the known employees and revenue."""
    rows = inputs.load(session)
    return cells_from(rows.enterprises, rows.financials)


def cells_from(ent: pl.DataFrame, fin: pl.DataFrame) -> pl.DataFrame:
    """registry_cells from the enterprises (ENT_SCHEMA) and their figures (FIN_SCHEMA)."""
    return figure_sums.cells_of(figure_sums.cell_sums(ent, fin))


def closure(session: Session) -> pl.DataFrame:
    """(chain_id, segment_code, ancestor): each current segment under itself and each of its
    ancestors, so that a segment's figures include its sub-segments."""
    rows = session.execute(
        select(Chain.id, Segment.code, Segment.parent_code).join(
            Segment, Segment.version_id == Chain.version_id
        )
    ).all()
    parents: dict[tuple[int, str], str | None] = {(c, s): p for c, s, p in rows}
    out: list[tuple[int, str, str]] = []
    for (chain, code), _ in parents.items():
        node: str | None = code
        seen: set[str] = set()
        while node is not None and node not in seen and (chain, node) in parents:
            seen.add(node)
            out.append((chain, code, node))
            node = parents[(chain, node)]
    schema = {"chain_id": pl.Int64, "segment_code": pl.String, "ancestor": pl.String}
    return pl.DataFrame(out, schema=schema, orient="row")


def chain_figures(session: Session) -> pl.DataFrame:
    """Members of each chain ("") and segment subtree (year 0) and their revenue by year."""
    rows = inputs.load(session)
    return figures_from(rows.links, closure(session), rows.financials)


def figures_from(links: pl.DataFrame, tree: pl.DataFrame, fin: pl.DataFrame) -> pl.DataFrame:
    """chain_figures from the accepted links (LINK_SCHEMA, one row per enterprise, chain and
    segment), the segment tree (`closure`) and the yearly figures (FIN_SCHEMA)."""
    scopes, code_of = figure_sums.scope_names(tree)
    members = figure_sums.members_of(links, scopes)
    counts = members.group_by("chain_id", "scope").agg(pl.len().cast(pl.Int64).alias("members"))
    yearly = figure_sums._yearly(figure_sums._revenues(members, fin))
    return figure_sums.Sums(pl.DataFrame(), members, counts, yearly, scopes, code_of).figures()


def state(session: Session) -> dict[str, Any]:
    """What the stored figures were built from and when (for pages and the API)."""
    gens = generations(session)
    rows = session.execute(select(FigureState)).scalars().all()
    return {
        r.name: {
            "built_from": r.built_from,
            "current": gens.get(r.name),
            "fresh": gens.get(r.name) == r.built_from,
            "built_at": r.built_at.isoformat(),
            "rows": r.rows,
            "milliseconds": r.milliseconds,
        }
        for r in rows
    }
