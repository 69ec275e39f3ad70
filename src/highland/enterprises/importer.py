"""Import enterprises and yearly figures: validate everything, then merge set-based.

The whole import is one transaction: it either writes every valid row (and, by default,
only when every row is valid) or nothing. A dry run performs the same work and rolls back,
so its counts are exactly what a real run would do.
"""

from __future__ import annotations

import hashlib
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
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from highland.audit.service import Actor, Change, record, record_many
from highland.db import table_of, utcnow
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
    ENTERPRISE_COLUMNS,
    ENTERPRISE_REQUIRED,
    FINANCIAL_COLUMNS,
    FINANCIAL_REQUIRED,
)
from highland.kit.dates import today_local

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
    codes = frozenset(session.scalars(select(Region.code)))
    return validate.Context(districts=codes, today=today_local())


# ---------------------------------------------------------------- staging -----

_stage_meta = MetaData()


def _make_stage_enterprise() -> Table:
    return Table(
        "stage_enterprise",
        _stage_meta,
        Column("row", Integer),
        Column("uscc", String(18), primary_key=True),
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
        Column("eid", Integer),
        prefixes=["TEMPORARY"],
    )


def _make_stage_financial() -> Table:
    money = [
        Column(c, BigInteger)
        for c in (
            "revenue",
            "output_value",
            "tax_paid",
            "rd_spend",
            "total_assets",
            "last_round_usd",
            "valuation_usd",
        )
    ]
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


def _stage_enterprise() -> Table:
    return STAGE_ENTERPRISE


def _stage_financial() -> Table:
    return STAGE_FINANCIAL


def _load(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Create a temporary table and bulk-load a frame into it (COPY on PostgreSQL)."""
    conn = session.connection()
    table.drop(conn, checkfirst=True)
    table.create(conn)
    cols = [c.name for c in table.columns if c.name in frame.columns]
    frame = frame.select(cols)
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy,
        ):
            for row in frame.iter_rows():
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in cols)
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({placeholders})"
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    for chunk in frame.iter_slices(200_000):
        cursor.executemany(sql, chunk.iter_rows())
    cursor.close()


def _drop(session: Session, *tables: Table) -> None:
    conn = session.connection()
    for t in tables:
        t.drop(conn, checkfirst=True)


def _uscc_ids(session: Session, usccs: pl.Series) -> pl.DataFrame:
    """Map USCCs to enterprise ids: by lookup for small files, by one scan for large ones."""
    schema = {"uscc": pl.String, "eid": pl.Int64}
    if usccs.len() > 20_000:
        rows = session.execute(select(Enterprise.uscc, Enterprise.id)).all()
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
    table = read_table(data, filename, ENTERPRISE_COLUMNS, ENTERPRISE_REQUIRED)
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
    refresh_size_classes(session, select(_stage_enterprise().c.eid))
    _drop(session, _stage_enterprise())
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
        .values(eid=select(e.c.id).where(e.c.uscc == stage.c.uscc).scalar_subquery())
        .where(stage.c.eid.is_(None))
    )
    result.unchanged = typed.height - result.created - result.updated
    return details


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
    listed = typed.get_column("uscc")

    def _sets(df: pl.DataFrame) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for u, c, f, t in df.sort(["uscc", "code"]).iter_rows():
            out.setdefault(u, []).append((c, f, t))
        return out

    old_sets, new_sets = _sets(old), _sets(new)
    changed = [u for u in listed.to_list() if old_sets.get(u, []) != new_sets.get(u, [])]
    if not changed:
        return []
    ids = (
        dict(
            session.execute(
                select(stage.c.uscc, stage.c.eid).where(stage.c.uscc.in_(changed))
            ).all()
        )
        if len(changed) < 900
        else dict(session.execute(select(stage.c.uscc, stage.c.eid)).all())
    )
    changed_ids = [ids[u] for u in changed]
    for start in range(0, len(changed_ids), 900):
        session.execute(delete(q).where(q.c.enterprise_id.in_(changed_ids[start : start + 900])))
    rows = [
        {"enterprise_id": ids[u], "code": c, "valid_from": f, "valid_to": t}
        for u in changed
        for (c, f, t) in new_sets.get(u, [])
    ]
    for start in range(0, len(rows), 50_000):
        session.execute(insert(q), rows[start : start + 50_000])
    details: list[Change] = []
    fresh = old_sets.keys()
    for u in changed:
        if u in fresh and len(changed) <= PER_ROW_AUDIT_LIMIT * 10:
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
    """Rebuild the two-character name index of the staged enterprises, set-based."""
    stage = _stage_enterprise()
    g = table_of(NameGram)
    e = table_of(Enterprise)
    session.execute(delete(g).where(g.c.enterprise_id.in_(select(stage.c.eid))))
    if session.get_bind().dialect.name == "postgresql":
        nums: Any = select(func.generate_series(1, 199).label("i")).subquery()
    else:
        seq = select(literal(1).label("i")).cte("nums", recursive=True)
        nums = seq.union_all(select(seq.c.i + 1).where(seq.c.i < 199))
    name = func.lower(e.c.name)
    piece = func.substr(name, nums.c.i, 2)
    grams = (
        select(piece.label("gram"), e.c.id)
        .select_from(e.join(stage, stage.c.eid == e.c.id))
        .join(nums, nums.c.i < func.length(name))
        .where(func.length(func.trim(piece)) == 2)
        .distinct()
    )
    session.execute(insert(g).from_select(["gram", "enterprise_id"], grams))


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
    stage = _stage_financial()
    refresh_size_classes(session, select(stage.c.eid).distinct())
    _drop(session, stage)
    progress("done", typed.height, typed.height)
    return _finish(session, actor, result, sha256, details)


def _merge_financials(session: Session, result: ImportResult, typed: pl.DataFrame) -> list[Change]:
    stage = _stage_financial()
    _load(session, stage, typed)
    f = table_of(Financial)
    compare = [c for c in typed.columns if c in f.c and c not in ("year",)]
    match = and_(f.c.enterprise_id == stage.c.eid, f.c.year == stage.c.year)
    diff = or_(*[f.c[c].is_distinct_from(stage.c[c]) for c in compare])
    details: list[Change] = []
    changed = (
        session.execute(
            select(Enterprise.uscc, f, *[stage.c[c].label(f"new_{c}") for c in compare])
            .join(stage, match)
            .join(Enterprise, Enterprise.id == f.c.enterprise_id)
            .where(diff)
        )
        .mappings()
        .all()
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
    cols = ["year", *compare]
    fresh = select(stage.c.eid, *[stage.c[c] for c in cols]).where(~exists().where(match))
    if typed.height <= PER_ROW_AUDIT_LIMIT:
        uscc_of = dict(
            zip(typed.get_column("eid").to_list(), typed.get_column("uscc").to_list(), strict=True)
        )
        for r in session.execute(fresh).mappings():
            after = {c: r[c] for c in cols if r[c] is not None}
            details.append(
                Change("create", "financial", f"{uscc_of[r['eid']]}/{r['year']}", None, after)
            )
    created = session.execute(select(func.count()).select_from(fresh.subquery())).scalar_one()
    session.execute(insert(f).from_select(["enterprise_id", *cols], fresh))
    result.created = created
    result.unchanged = typed.height - result.created - result.updated
    return details
