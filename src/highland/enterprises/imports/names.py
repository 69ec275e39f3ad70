"""The two-character name index of imported enterprises."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import (
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from highland.enterprises.imports.staging import fetch_all, insert_frame, stage_enterprise
from highland.enterprises.models import (
    Enterprise,
    NameGram,
)
from highland.platform.db import table_of


def index_names(session: Session) -> None:
    """Rebuild the two-character name index of the created and renamed enterprises."""
    stage = stage_enterprise()
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
        fetch_all(
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
    insert_frame(session, g, grams)
    if rebuild:
        for index in g.indexes:
            index.create(session.connection())
