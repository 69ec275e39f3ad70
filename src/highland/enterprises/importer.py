"""Import enterprises and yearly figures: validate everything, then merge set-based.

The whole import is one transaction: it either writes every valid row (and, by default,
only when every row is valid) or nothing. A dry run performs the same work and rolls back,
so its counts are exactly what a real run would do.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from highland.enterprises import validate
from highland.enterprises.models import (
    Enterprise,
    Financial,
    ImportRun,
    NameGram,
    Qualification,
    Region,
)
from highland.enterprises.portrait_sql import refresh_size_classes
from highland.enterprises.tables import ROW, read_table
from highland.enterprises.vocab import (
    ENTERPRISE_IMPORT_COLUMNS,
    ENTERPRISE_REQUIRED,
    FINANCIAL_COLUMNS,
    FINANCIAL_REQUIRED,
    MONEY_COLUMNS,
    USD_COLUMNS,
)
from highland.platform.audit.service import Actor, Change, record, record_many
from highland.platform.db import begin_write, table_of, utcnow
from highland.platform.kit.dates import today_local

PER_ROW_AUDIT_LIMIT = 5000  # above this, created rows are audited as one batch entry
Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    kind: str
    filename: str
    encoding: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the result as plain data (API and CLI)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


def _ctx(session: Session) -> validate.Context:
    """What validation checks against. Read in a session of its own while the import's own
    transaction has not begun, so that it can begin as a writing one once the file is
    validated (see begin_write): on SQLite a transaction that read before another writer
    committed could no longer write."""
    if session.in_transaction():
        codes = frozenset(session.scalars(select(Region.code)))
    else:
        with Session(bind=session.get_bind()) as own:
            codes = frozenset(own.scalars(select(Region.code)))
    return validate.Context(districts=codes, today=today_local())


# ---------------------------------------------------------------- staging -----

_stage_meta = MetaData()


def _make_stage_enterprise() -> Table:
    return Table(
        "stage_enterprise",
        _stage_meta,
        Column("row", Integer),
        # Unique, but indexed after loading (see _merge_enterprises): inserting a million
        # codes in file order into a unique index costs more than sorting them once.
        Column("uscc", String(18)),
        Column("name", String),
        Column("name_en", String),
        Column("district_code", String),
        Column("industry_code", String),
        Column("industry_section", String),
        Column("industry_division", String),
        Column("founded_on", Date),
        Column("ownership", String),
        Column("country", String),
        Column("listed", Boolean),
        Column("address", String),
        Column("business_scope", Text),
        Column("eid", Integer),
        # Set by the merge: created by this import; name index to rebuild (created or renamed).
        Column("fresh", Boolean),
        Column("reindex", Boolean),
        prefixes=["TEMPORARY"],
    )


def _make_stage_financial_ids() -> Table:
    return Table(
        "stage_financial_eid",
        _stage_meta,
        Column("eid", Integer, primary_key=True),
        prefixes=["TEMPORARY"],
    )


def _make_stage_financial() -> Table:
    money = [Column(c, BigInteger) for c in (*MONEY_COLUMNS, *USD_COLUMNS)]
    counts = [Column(c, Integer) for c in ("employees", "rd_staff", "invention_patents")]
    return Table(
        "stage_financial",
        _stage_meta,
        Column("row", Integer),
        Column("eid", Integer, primary_key=True),
        Column("year", Integer, primary_key=True),
        *money,
        *counts,
        Column("source", String),
        Column("source_date", Date),
        prefixes=["TEMPORARY"],
    )


STAGE_ENTERPRISE = _make_stage_enterprise()
STAGE_FINANCIAL = _make_stage_financial()
STAGE_FINANCIAL_IDS = _make_stage_financial_ids()


def _stage_enterprise() -> Table:
    return STAGE_ENTERPRISE


def _stage_financial() -> Table:
    return STAGE_FINANCIAL


def _load(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Create a temporary table and bulk-load a frame into it (COPY on PostgreSQL)."""
    conn = session.connection()
    table.drop(conn, checkfirst=True)
    table.create(conn)
    if conn.dialect.name == "sqlite":
        # Temporary tables live in SQLite's temp database, whose page cache is a separate,
        # small one (2 MB by default): give it the main database's, or loading thrashes.
        raw: Any = conn.connection.driver_connection
        pages = raw.execute("PRAGMA main.cache_size").fetchone()[0]
        raw.execute(f"PRAGMA temp.cache_size = {int(pages)}")
    _insert_frame(session, table, frame)


def _insert_frame(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Bulk-insert the frame's columns that the table has (COPY on PostgreSQL).

    SQLite gets multi-row INSERT … VALUES statements filled column by column: far fewer
    statement executions and Python tuples than one executemany row per row.
    """
    conn = session.connection()
    cols = [c.name for c in table.columns if c.name in frame.columns]
    frame = frame.select(cols)
    if not frame.height:
        return
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy,
        ):
            for row in frame.iter_rows():
                copy.write_row(row)
        return
    # What SQLAlchemy would store: dates as ISO text (booleans are already 0/1 to sqlite3).
    frame = frame.with_columns(
        pl.col(c).dt.to_string("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date
    )
    raw = conn.connection.driver_connection
    width = len(cols)
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(500, limit // width))
    head = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES "
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


def _drop(session: Session, *tables: Table) -> None:
    conn = session.connection()
    for t in tables:
        t.drop(conn, checkfirst=True)


def _fetch_all(session: Session, sql: str) -> list[tuple[Any, ...]]:
    """Run a fixed query on the driver's cursor: plain tuples, for scans of whole tables."""
    raw: Any = session.connection().connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _uscc_ids(session: Session, usccs: pl.Series) -> pl.DataFrame:
    """Map USCCs to enterprise ids: by lookup for small files, by one scan for large ones."""
    schema = {"uscc": pl.String, "eid": pl.Int64}
    if usccs.len() > 20_000:
        rows = _fetch_all(session, "SELECT uscc, id FROM enterprise")
    else:
        values = usccs.drop_nulls().unique().to_list()
        rows = []
        for start in range(0, len(values), 900):
            rows += session.execute(
                select(Enterprise.uscc, Enterprise.id).where(
                    Enterprise.uscc.in_(values[start : start + 900])
                )
            ).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


# ------------------------------------------------------------ entry points ----


def import_enterprises(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    synthetic: bool = False,
    progress: Progress = _noop,
) -> ImportResult:
    """Validate and import an enterprise file (CSV or XLSX)."""
    table = read_table(data, filename, ENTERPRISE_IMPORT_COLUMNS, ENTERPRISE_REQUIRED)
    return import_enterprise_frame(
        session,
        actor,
        table.frame,
        filename,
        table.encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        ignored=table.ignored_columns,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        synthetic=synthetic,
        progress=progress,
    )


def import_financials(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    source: str = "statistics",
    progress: Progress = _noop,
) -> ImportResult:
    """Validate and import a yearly-figures file (CSV or XLSX)."""
    table = read_table(data, filename, FINANCIAL_COLUMNS, FINANCIAL_REQUIRED)
    return import_financial_frame(
        session,
        actor,
        table.frame,
        filename,
        table.encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        ignored=table.ignored_columns,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        source=source,
        progress=progress,
    )


def _errors_out(errors: pl.DataFrame, limit: int = 100_000) -> list[dict[str, Any]]:
    return errors.head(limit).to_dicts()


def _refuse(result: ImportResult, errors: pl.DataFrame) -> ImportResult:
    result.errors = _errors_out(errors)
    result.rejected = errors.get_column("row").n_unique() if errors.height else 0
    return result


def _finish(
    session: Session, actor: Actor, result: ImportResult, sha256: str, details: list[Change]
) -> ImportResult:
    run = ImportRun(
        kind=result.kind,
        filename=result.filename[:300],
        sha256=sha256,
        actor=actor.name,
        dry_run=result.dry_run,
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
    )
    session.add(run)
    session.flush()
    summary = (
        f"import {result.kind} '{result.filename}': {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged, {result.rejected} rejected"
    )
    record(
        session,
        actor,
        Change(
            "import",
            result.kind,
            str(run.id),
            after={
                "file": result.filename,
                "sha256": sha256,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
            },
            summary=summary,
        ),
    )
    record_many(session, actor, details)
    result.written = not result.dry_run
    return result


def import_enterprise_frame(
    session: Session,
    actor: Actor,
    frame: pl.DataFrame,
    filename: str,
    encoding: str,
    *,
    sha256: str,
    ignored: Sequence[str] = (),
    dry_run: bool = False,
    skip_invalid: bool = False,
    synthetic: bool = False,
    progress: Progress = _noop,
) -> ImportResult:
    """Validate and merge an enterprise table already read into strings."""
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=2)
    result = ImportResult(
        "enterprises",
        filename,
        encoding,
        frame.height,
        ignored_columns=list(ignored),
        dry_run=dry_run,
    )
    progress("validate", 0, frame.height)
    typed, quals, errors = validate.enterprises(frame, _ctx(session))
    if errors.height and not skip_invalid:
        return _refuse(result, errors)
    begin_write(session)  # staging and merging write (a dry run's writes are rolled back)
    result.errors = _errors_out(errors)
    bad = errors.get_column("row").unique() if errors.height else pl.Series([], dtype=pl.Int64)
    result.rejected = bad.len()
    typed = typed.filter(~pl.col(ROW).is_in(bad.to_list()))
    if quals is not None:
        quals = quals.filter(~pl.col(ROW).is_in(bad.to_list()))
    progress("merge", 0, typed.height)
    present = [c for c in typed.columns if c not in (ROW, "uscc")]
    details = _merge_enterprises(session, result, typed, present, synthetic)
    if quals is not None:
        details += _merge_qualifications(session, typed, quals, result)
    progress("index", 0, typed.height)
    _index_names(session)
    # Enterprises created by this import have no figures yet: their size class stays NULL.
    stage = _stage_enterprise()
    refresh_size_classes(session, select(stage.c.eid).where(stage.c.fresh.is_not(True)))
    _drop(session, stage)
    progress("done", typed.height, typed.height)
    return _finish(session, actor, result, sha256, details)


def _changed(target: Table | Any, stage: Table, cols: Iterable[str]) -> Any:
    return or_(*[getattr(target, c).is_distinct_from(stage.c[c]) for c in cols])


def _merge_enterprises(
    session: Session,
    result: ImportResult,
    typed: pl.DataFrame,
    present: list[str],
    synthetic: bool,
) -> list[Change]:
    ids = _uscc_ids(session, typed.get_column("uscc"))
    typed = typed.join(ids, on="uscc", how="left").rename({ROW: "row"})
    stage = _stage_enterprise()
    _load(session, stage, typed)
    session.execute(text(f"CREATE UNIQUE INDEX ux_{stage.name}_uscc ON {stage.name} (uscc)"))
    e = table_of(Enterprise)
    compare = [c for c in present if c in e.c]
    details: list[Change] = []
    if compare:
        changed_rows = (
            session.execute(
                select(e, *[stage.c[c].label(f"new_{c}") for c in compare])
                .join(stage, stage.c.eid == e.c.id)
                .where(or_(*[e.c[c].is_distinct_from(stage.c[c]) for c in compare]))
            )
            .mappings()
            .all()
        )
        for r in changed_rows:
            before = {c: r[c] for c in compare if r[c] != r[f"new_{c}"]}
            after = {c: r[f"new_{c}"] for c in before}
            details.append(Change("update", "enterprise", r["uscc"], before, after))
        result.updated = len(changed_rows)
        if "name" in compare:
            # Renamed enterprises need their name index rebuilt (created ones too, below).
            session.execute(
                update(stage)
                .values(reindex=True)
                .where(
                    exists().where(
                        and_(e.c.id == stage.c.eid, e.c.name.is_distinct_from(stage.c.name))
                    )
                )
            )
        if changed_rows:
            now = utcnow()
            session.execute(
                update(e)
                .values(
                    {
                        **{c: stage.c[c] for c in compare},
                        "updated_at": now,
                        "version": e.c.version + 1,
                    }
                )
                .where(e.c.id == stage.c.eid)
                .where(or_(*[e.c[c].is_distinct_from(stage.c[c]) for c in compare]))
            )
    now = utcnow()
    new_cols = [c for c in present if c in e.c]
    ins = insert(e).from_select(
        ["uscc", *new_cols, "synthetic", "created_at", "updated_at", "version"],
        select(
            stage.c.uscc,
            *[stage.c[c] for c in new_cols],
            literal(synthetic),
            literal(now, e.c.created_at.type),
            literal(now, e.c.updated_at.type),
            literal(1),
        ).where(stage.c.eid.is_(None)),
    )
    # Counted before inserting: drivers differ in what rowcount says for INSERT … SELECT.
    created = session.execute(
        select(func.count()).select_from(stage).where(stage.c.eid.is_(None))
    ).scalar_one()
    session.execute(ins)
    result.created = created
    if created and created <= PER_ROW_AUDIT_LIMIT:
        for r in session.execute(select(stage).where(stage.c.eid.is_(None))).mappings():
            after = {c: r[c] for c in ("uscc", *new_cols) if r[c] is not None}
            details.append(Change("create", "enterprise", r["uscc"], None, after))
    # Remember which enterprises were created or renamed: their names need indexing.
    session.execute(
        update(stage)
        .values(
            eid=select(e.c.id).where(e.c.uscc == stage.c.uscc).scalar_subquery(),
            fresh=True,
            reindex=True,
        )
        .where(stage.c.eid.is_(None))
    )
    result.unchanged = typed.height - result.created - result.updated
    return details


def _qualification_keys(df: pl.DataFrame) -> pl.DataFrame:
    """One text per enterprise that is equal exactly when the qualification sets are."""
    item = pl.concat_str(
        pl.col("code"),
        pl.col("valid_from").cast(pl.String).fill_null("-"),
        pl.col("valid_to").cast(pl.String).fill_null("-"),
        separator="@",
    )
    return (
        df.sort(["uscc", "code"])
        .group_by("uscc", maintain_order=True)
        .agg(item.str.join(";").alias("key"))
    )


def _merge_qualifications(
    session: Session, typed: pl.DataFrame, quals: pl.DataFrame, result: ImportResult
) -> list[Change]:
    """Make each listed enterprise's qualifications exactly those in the file."""
    stage = _stage_enterprise()
    q = table_of(Qualification)
    existing = session.execute(
        select(stage.c.uscc, q.c.code, q.c.valid_from, q.c.valid_to).join(
            q, q.c.enterprise_id == stage.c.eid
        )
    ).all()
    old = pl.DataFrame(
        [tuple(r) for r in existing],
        schema={"uscc": pl.String, "code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date},
        orient="row",
    )
    new = quals.select("uscc", "code", "valid_from", "valid_to")
    # The listed enterprises whose set differs, in file order (none or some on either side).
    compared = (
        typed.select("uscc")
        .join(_qualification_keys(old), on="uscc", how="left", maintain_order="left")
        .join(
            _qualification_keys(new).rename({"key": "new_key"}),
            on="uscc",
            how="left",
            maintain_order="left",
        )
        .filter(pl.col("key").fill_null("") != pl.col("new_key").fill_null(""))
    )
    changed = compared.get_column("uscc").to_list()
    if not changed:
        return []
    ids = (
        dict(
            session.execute(
                select(stage.c.uscc, stage.c.eid).where(stage.c.uscc.in_(changed))
            ).all()
        )
        if len(changed) < 900
        else dict(_fetch_all(session, f"SELECT uscc, eid FROM {stage.name}"))
    )
    changed_ids = [ids[u] for u in changed]
    for start in range(0, len(changed_ids), 900):
        session.execute(delete(q).where(q.c.enterprise_id.in_(changed_ids[start : start + 900])))
    order = compared.select(
        "uscc",
        pl.Series("enterprise_id", changed_ids, dtype=pl.Int64),
        pl.int_range(pl.len()).alias("__order"),
    )
    rows = (
        new.join(order, on="uscc", how="inner")
        .sort(["__order", "code"])
        .select("enterprise_id", "code", "valid_from", "valid_to")
    )
    _insert_frame(session, q, rows)
    # Enterprises that had qualifications before: an update of their qualifications.
    fresh = set(compared.filter(pl.col("key").is_not_null()).get_column("uscc").to_list())
    details: list[Change] = []
    if len(changed) <= PER_ROW_AUDIT_LIMIT * 10 and fresh:

        def _sets(df: pl.DataFrame) -> dict[str, list[tuple[Any, ...]]]:
            out: dict[str, list[tuple[Any, ...]]] = {}
            mine = df.filter(pl.col("uscc").is_in(list(fresh)))
            for u, c, f, t in mine.sort(["uscc", "code"]).iter_rows():
                out.setdefault(u, []).append((c, f, t))
            return out

        old_sets, new_sets = _sets(old), _sets(new)
        for u in changed:
            if u in fresh:
                details.append(
                    Change(
                        "update",
                        "qualifications",
                        u,
                        {"qualifications": [list(map(_iso, x)) for x in old_sets.get(u, [])]},
                        {"qualifications": [list(map(_iso, x)) for x in new_sets.get(u, [])]},
                    )
                )
    # An enterprise whose only change was its qualifications counts as updated.
    only_quals = [u for u in changed if u in fresh]
    result.updated += len(only_quals)
    result.unchanged -= len(only_quals)
    return details


def _iso(v: object) -> object:
    return v.isoformat() if isinstance(v, date) else v


def _index_names(session: Session) -> None:
    """Rebuild the two-character name index of the created and renamed enterprises."""
    stage = _stage_enterprise()
    g = table_of(NameGram)
    e = table_of(Enterprise)
    todo = select(stage.c.eid).where(stage.c.reindex.is_(True))
    session.execute(delete(g).where(g.c.enterprise_id.in_(todo)))
    if session.get_bind().dialect.name != "postgresql":
        _index_names_sqlite(session)
        return
    nums: Any = select(func.generate_series(1, 199).label("i")).subquery()
    name = func.lower(e.c.name)
    piece = func.substr(name, nums.c.i, 2)
    grams = (
        select(piece.label("gram"), e.c.id)
        .select_from(e.join(stage, stage.c.eid == e.c.id))
        .join(nums, nums.c.i < func.length(name))
        .where(stage.c.reindex.is_(True))
        .where(func.length(func.trim(piece)) == 2)
        .distinct()
    )
    session.execute(insert(g).from_select(["gram", "enterprise_id"], grams))


_ASCII_UPPER = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
_ASCII_LOWER = [c.lower() for c in _ASCII_UPPER]
GRAM_INDEX_REBUILD_ROWS = 100_000  # bulk loads of names rebuild the gram → id index once


def _index_names_sqlite(session: Session) -> None:
    """The grams computed with Polars and inserted in primary-key order.

    Exactly what the SQL of the PostgreSQL branch gives on SQLite: SQLite's lower() folds
    ASCII letters only and trim() strips spaces only; characters 1–199, as there.
    """
    names = pl.DataFrame(
        _fetch_all(
            session,
            "SELECT s.eid, e.name FROM stage_enterprise AS s "
            "JOIN enterprise AS e ON e.id = s.eid WHERE s.reindex",
        ),
        schema={"enterprise_id": pl.Int64, "name": pl.String},
        orient="row",
    ).sort("enterprise_id")
    if not names.height:
        return
    low = pl.col("name").str.replace_many(_ASCII_UPPER, _ASCII_LOWER)
    grams = (
        names.select(
            "enterprise_id",
            low.alias("name"),
            pl.int_ranges(0, pl.min_horizontal(low.str.len_chars() - 1, 199)).alias("i"),
        )
        .explode("i")
        .drop_nulls("i")
        .select(pl.col("name").str.slice(pl.col("i"), 2).alias("gram"), "enterprise_id")
        .filter(~pl.col("gram").str.starts_with(" ") & ~pl.col("gram").str.ends_with(" "))
    )
    # Sort by the gram's UTF-8 bytes (SQLite's BINARY order), as an integer: at most two
    # four-byte characters, so 16 hex digits. Stable, so ids stay ascending within a gram
    # and a name's repeated pieces stay next to each other.
    key = (
        pl.col("gram")
        .str.encode("hex")
        .str.pad_end(16, "0")
        .str.to_integer(base=16, dtype=pl.UInt64)
    )
    grams = grams.with_columns(key.alias("__key")).sort("__key", maintain_order=True)
    repeated = (pl.col("__key") == pl.col("__key").shift(1)) & (
        pl.col("enterprise_id") == pl.col("enterprise_id").shift(1)
    )
    grams = grams.filter(~repeated.fill_null(False)).drop("__key")
    g = table_of(NameGram)
    registry = session.execute(select(func.count()).select_from(table_of(Enterprise))).scalar_one()
    rebuild = names.height >= GRAM_INDEX_REBUILD_ROWS and 2 * names.height >= registry
    if rebuild:
        # A bulk load: inserting into the secondary index in id order while the table is
        # filled in gram order costs more than building the index once afterwards.
        for index in g.indexes:
            index.drop(session.connection())
    _insert_frame(session, g, grams)
    if rebuild:
        for index in g.indexes:
            index.create(session.connection())


def import_financial_frame(
    session: Session,
    actor: Actor,
    frame: pl.DataFrame,
    filename: str,
    encoding: str,
    *,
    sha256: str,
    ignored: Sequence[str] = (),
    dry_run: bool = False,
    skip_invalid: bool = False,
    source: str = "statistics",
    progress: Progress = _noop,
) -> ImportResult:
    """Validate and merge a yearly-figures table already read into strings."""
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=2)
    result = ImportResult(
        "financials",
        filename,
        encoding,
        frame.height,
        ignored_columns=list(ignored),
        dry_run=dry_run,
    )
    progress("validate", 0, frame.height)
    typed, errors = validate.financials(frame, _ctx(session), source)
    begin_write(session)  # the ids read next are the ones the merge writes against
    ids = _uscc_ids(session, typed.get_column("uscc"))
    typed = typed.join(ids, on="uscc", how="left")
    unknown = typed.filter(pl.col("eid").is_null() & pl.col("uscc").is_not_null()).select(
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit("uscc").alias("column"),
        pl.col("uscc").alias("value"),
        pl.lit("no enterprise with this USCC; import the enterprise first").alias("error"),
    )
    known_bad = (
        errors.get_column("row").unique() if errors.height else pl.Series([], dtype=pl.Int64)
    )
    unknown = unknown.filter(~pl.col("row").is_in(known_bad.to_list()))
    if unknown.height:
        errors = pl.concat([errors, unknown]).sort(["row", "column"])
    if errors.height and not skip_invalid:
        return _refuse(result, errors)
    result.errors = _errors_out(errors)
    bad = errors.get_column("row").unique() if errors.height else pl.Series([], dtype=pl.Int64)
    result.rejected = bad.len()
    typed = typed.filter(~pl.col(ROW).is_in(bad.to_list())).rename({ROW: "row"})
    progress("merge", 0, typed.height)
    details = _merge_financials(session, result, typed)
    touched = STAGE_FINANCIAL_IDS
    _load(session, touched, typed.select(pl.col("eid").unique().sort()))
    refresh_size_classes(session, select(touched.c.eid))
    _drop(session, _stage_financial(), touched)
    progress("done", typed.height, typed.height)
    return _finish(session, actor, result, sha256, details)


def _existing_years(session: Session, typed: pl.DataFrame) -> pl.DataFrame:
    """(eid, year) of the stored figures of the file's enterprises."""
    schema = {"eid": pl.Int64, "year": pl.Int64}
    if typed.height > 20_000:
        rows = _fetch_all(session, "SELECT enterprise_id, year FROM enterprise_financial")
    else:
        f = table_of(Financial)
        eids = typed.get_column("eid").unique().to_list()
        rows = []
        for start in range(0, len(eids), 900):
            rows += session.execute(
                select(f.c.enterprise_id, f.c.year).where(
                    f.c.enterprise_id.in_(eids[start : start + 900])
                )
            ).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _merge_financials(session: Session, result: ImportResult, typed: pl.DataFrame) -> list[Change]:
    """Compare the rows of years already stored, update those that differ, insert the rest.

    Only rows whose (enterprise, year) is already stored go through the staging table; new
    rows are inserted straight from the frame, in file order.
    """
    f = table_of(Financial)
    compare = [c for c in typed.columns if c in f.c and c not in ("year",)]
    cols = ["year", *compare]
    stored = _existing_years(session, typed)
    known = typed.join(stored, on=["eid", "year"], how="semi", maintain_order="left")
    fresh = typed.join(stored, on=["eid", "year"], how="anti", maintain_order="left")
    stage = _stage_financial()
    _load(session, stage, known)
    match = and_(f.c.enterprise_id == stage.c.eid, f.c.year == stage.c.year)
    diff = or_(*[f.c[c].is_distinct_from(stage.c[c]) for c in compare])
    details: list[Change] = []
    changed = (
        (
            session.execute(
                select(Enterprise.uscc, f, *[stage.c[c].label(f"new_{c}") for c in compare])
                .join(stage, match)
                .join(Enterprise, Enterprise.id == f.c.enterprise_id)
                .where(diff)
            )
            .mappings()
            .all()
        )
        if known.height
        else []
    )
    for r in changed:
        before = {c: r[c] for c in compare if r[c] != r[f"new_{c}"]}
        details.append(
            Change(
                "update",
                "financial",
                f"{r['uscc']}/{r['year']}",
                before,
                {c: r[f"new_{c}"] for c in before},
            )
        )
    if changed:
        session.execute(
            update(f)
            .values({c: stage.c[c] for c in compare})
            .where(f.c.enterprise_id == stage.c.eid, f.c.year == stage.c.year)
            .where(diff)
        )
    result.updated = len(changed)
    if typed.height <= PER_ROW_AUDIT_LIMIT:
        for new in fresh.select("uscc", *cols).iter_rows(named=True):
            after = {c: new[c] for c in cols if new[c] is not None}
            key = f"{new['uscc']}/{new['year']}"
            details.append(Change("create", "financial", key, None, after))
    # Inserted in (enterprise, year) order rather than file order: the unique index and the
    # foreign-key check then walk their B-trees in order instead of jumping (2× faster).
    _insert_frame(
        session,
        f,
        fresh.select(pl.col("eid").alias("enterprise_id"), *cols).sort("enterprise_id", "year"),
    )
    result.created = fresh.height
    result.unchanged = typed.height - result.created - result.updated
    return details
