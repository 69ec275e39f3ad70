"""The two-character name index of imported enterprises."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from highland.enterprises.imports.staging import (
    STAGE_GRAM,
    fetch_all,
    insert_frame,
    load_stage,
    stage_enterprise,
)
from highland.enterprises.models import (
    Enterprise,
    NameGram,
)
from highland.platform.db import table_of


def unindex_names(session: Session) -> None:
    """Remove the name-index rows of the renamed enterprises (marked `reindex` in the stage
    before the new enterprises are), computed from the names still stored: by primary key,
    so the index needs no second index by enterprise."""
    stage = stage_enterprise()
    g = table_of(NameGram)
    if session.get_bind().dialect.name == "postgresql":
        old = _grams_sql(stage)
    else:
        grams = _grams(_reindexed_names(session))
        if not grams.height:
            return
        load_stage(session, STAGE_GRAM, grams)
        old = select(STAGE_GRAM.c.gram, STAGE_GRAM.c.enterprise_id)
    session.execute(delete(g).where(tuple_(g.c.gram, g.c.enterprise_id).in_(old)))


def index_names(session: Session) -> None:
    """Index the names of the created and renamed enterprises (their old rows are gone)."""
    g = table_of(NameGram)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            insert(g).from_select(["gram", "enterprise_id"], _grams_sql(stage_enterprise()))
        )
        return
    grams = _grams(_reindexed_names(session))
    if grams.height:
        insert_frame(session, g, grams)


def _grams_sql(stage: Any) -> Any:
    """The (gram, enterprise_id) pairs of the staged enterprises marked `reindex`, from the
    names stored now (PostgreSQL): characters 1–199, each name's positions generated for that
    name only (a join to a fixed 1..199 series made 40 M candidate rows for 200 k names)."""
    e = table_of(Enterprise)
    name = func.lower(e.c.name)
    last = func.least(func.length(name) - 1, 199)
    nums: Any = func.generate_series(1, last).table_valued("i").render_derived().lateral()
    piece = func.substr(name, nums.c.i, 2)
    return (
        select(piece.label("gram"), e.c.id.label("enterprise_id"))
        .select_from(e.join(stage, stage.c.eid == e.c.id))
        .join(nums, true())
        .where(stage.c.reindex.is_(True))
        .where(func.length(func.trim(piece)) == 2)
        .distinct()
        .order_by(piece, e.c.id)  # the primary key's order
    )


def _reindexed_names(session: Session) -> pl.DataFrame:
    return pl.DataFrame(
        fetch_all(
            session,
            "SELECT s.eid, e.name FROM stage_enterprise AS s "
            "JOIN enterprise AS e ON e.id = s.eid WHERE s.reindex",
        ),
        schema={"enterprise_id": pl.Int64, "name": pl.String},
        orient="row",
    ).sort("enterprise_id")


_ASCII_UPPER = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
_ASCII_LOWER = [c.lower() for c in _ASCII_UPPER]


def _grams(names: pl.DataFrame) -> pl.DataFrame:
    """The (gram, enterprise_id) pairs of the names, in primary-key order (SQLite).

    Exactly what the SQL of the PostgreSQL branch gives on SQLite: SQLite's lower() folds
    ASCII letters only and trim() strips spaces only; characters 1–199, as there.
    """
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
    return grams
