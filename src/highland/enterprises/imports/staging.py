"""Staging tables: validated rows are bulk-loaded into temporary tables and merged from there
in set-based SQL."""

from __future__ import annotations

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
    select,
)
from sqlalchemy.orm import Session

from highland.enterprises.imports.bulk import load_rows
from highland.enterprises.models import (
    Enterprise,
)
from highland.enterprises.vocab import (
    FIGURE_COUNTS,
    FIGURE_MONEY,
    USD_COLUMNS,
)

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
        Column("zone_code", String),
        Column("industry_code", String),
        Column("industry_section", String),
        Column("industry_division", String),
        Column("founded_on", Date),
        Column("ownership", String),
        Column("country", String),
        Column("listed", Boolean),
        Column("address", String),
        Column("business_scope", Text),
        Column("niche_since", Integer),
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
    money = [Column(c, BigInteger) for c in (*FIGURE_MONEY, *USD_COLUMNS)]
    counts = [Column(c, Integer) for c in FIGURE_COUNTS]
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


# The name-index rows of renamed enterprises' old names (see names.unindex_names).
STAGE_GRAM = Table(
    "stage_gram",
    _stage_meta,
    Column("gram", String(2)),
    Column("enterprise_id", Integer),
    prefixes=["TEMPORARY"],
)
STAGE_USCC = Table("stage_uscc", _stage_meta, Column("uscc", String(18)), prefixes=["TEMPORARY"])
STAGE_ENTERPRISE = _make_stage_enterprise()
STAGE_FINANCIAL = _make_stage_financial()
STAGE_FINANCIAL_IDS = _make_stage_financial_ids()


def stage_enterprise() -> Table:
    return STAGE_ENTERPRISE


def stage_financial() -> Table:
    return STAGE_FINANCIAL


def load_stage(session: Session, table: Table, frame: pl.DataFrame) -> None:
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
    insert_frame(session, table, frame)
    if conn.dialect.name == "postgresql":
        # No autovacuum for temporary tables: without statistics the planner guesses its size.
        conn.exec_driver_sql(f"ANALYZE {table.name}")


def insert_frame(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Bulk-insert the frame's columns that the table has (see bulk.load_rows)."""
    cols = [c.name for c in table.columns if c.name in frame.columns]
    load_rows(session, table.name, frame.select(cols))


def drop_stages(session: Session, *tables: Table) -> None:
    conn = session.connection()
    for t in tables:
        t.drop(conn, checkfirst=True)


def fetch_all(session: Session, sql: str) -> list[tuple[Any, ...]]:
    """Run a fixed query on the driver's cursor: plain tuples, for scans of whole tables."""
    raw: Any = session.connection().connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def uscc_ids(session: Session, usccs: pl.Series) -> pl.DataFrame:
    """Map USCCs to enterprise ids: by lookup for small files; for large ones the file's codes
    are staged and joined to the registry's unique index (not every enterprise read)."""
    schema = {"uscc": pl.String, "eid": pl.Int64}
    values = usccs.drop_nulls().unique()
    if values.len() > 20_000:
        load_stage(session, STAGE_USCC, values.sort().to_frame("uscc"))
        rows = fetch_all(
            session,
            "SELECT e.uscc, e.id FROM stage_uscc AS s JOIN enterprise AS e ON e.uscc = s.uscc",
        )
        drop_stages(session, STAGE_USCC)
    else:
        codes = values.to_list()
        rows = []
        for start in range(0, len(codes), 900):
            rows += session.execute(
                select(Enterprise.uscc, Enterprise.id).where(
                    Enterprise.uscc.in_(codes[start : start + 900])
                )
            ).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
