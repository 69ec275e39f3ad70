"""Importing yearly figures: validate, stage, merge by (enterprise, year), refresh size classes."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import (
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from highland.enterprises import validate
from highland.enterprises.imports.outcome import (
    PER_ROW_AUDIT_LIMIT,
    ImportResult,
    Progress,
    begin_result,
    errors_out,
    finish_run,
    no_progress,
    read_sheet,
    refuse_file,
    validation_context,
)
from highland.enterprises.imports.staging import (
    STAGE_FINANCIAL_IDS,
    drop_stages,
    fetch_all,
    insert_frame,
    load_stage,
    stage_financial,
    uscc_ids,
)
from highland.enterprises.models import (
    Enterprise,
    Financial,
)
from highland.enterprises.portrait.refresh import refresh_size_classes
from highland.enterprises.vocab import (
    FINANCIAL_COLUMNS,
    FINANCIAL_REQUIRED,
)
from highland.platform.audit.service import Actor, Change
from highland.platform.db import begin_write, table_of
from highland.platform.kit.tables import ROW


def import_financials(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    source: str = "statistics",
    progress: Progress = no_progress,
) -> ImportResult:
    """Validate and import a yearly-figures file (CSV or XLSX)."""
    sheet = read_sheet(data, filename, FINANCIAL_COLUMNS, FINANCIAL_REQUIRED)
    return import_financial_frame(
        session, actor, **sheet, dry_run=dry_run, skip_invalid=skip_invalid, source=source,
        progress=progress,
    )  # fmt: skip


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
    progress: Progress = no_progress,
) -> ImportResult:
    """Validate and merge a yearly-figures table already read into strings."""
    frame, result = begin_result(
        "financials", frame, (filename, encoding, ignored), dry_run, progress
    )
    typed, errors = validate.financials(frame, validation_context(session), source)
    begin_write(session)  # the ids read next are the ones the merge writes against
    ids = uscc_ids(session, typed.get_column("uscc"))
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
        return refuse_file(result, errors)
    result.errors = errors_out(errors)
    bad = errors.get_column("row").unique() if errors.height else pl.Series([], dtype=pl.Int64)
    result.rejected = bad.len()
    typed = typed.filter(~pl.col(ROW).is_in(bad.to_list())).rename({ROW: "row"})
    progress("merge", 0, typed.height)
    # The file's enterprises: what the merge compares against, and whose size class changes.
    touched = STAGE_FINANCIAL_IDS
    load_stage(session, touched, typed.select(pl.col("eid").unique().sort()))
    details = _merge_financials(session, result, typed)
    refresh_size_classes(session, select(touched.c.eid))
    drop_stages(session, stage_financial(), touched)
    progress("done", typed.height, typed.height)
    return finish_run(session, actor, result, sha256, details)


def _existing_years(session: Session) -> pl.DataFrame:
    """(eid, year) of the stored figures of the file's enterprises (staged in
    STAGE_FINANCIAL_IDS): found through the (enterprise, year) index, not by reading them all."""
    rows = fetch_all(
        session,
        "SELECT f.enterprise_id, f.year FROM stage_financial_eid AS s "
        "JOIN enterprise_financial AS f ON f.enterprise_id = s.eid",
    )
    return pl.DataFrame(rows, schema={"eid": pl.Int64, "year": pl.Int64}, orient="row")


def _merge_financials(session: Session, result: ImportResult, typed: pl.DataFrame) -> list[Change]:
    """Compare the rows of years already stored, update those that differ, insert the rest.

    Only rows whose (enterprise, year) is already stored go through the staging table; new
    rows are inserted straight from the frame, in file order.
    """
    f = table_of(Financial)
    compare = [c for c in typed.columns if c in f.c and c not in ("year",)]
    cols = ["year", *compare]
    stored = _existing_years(session)
    known = typed.join(stored, on=["eid", "year"], how="semi", maintain_order="left")
    fresh = typed.join(stored, on=["eid", "year"], how="anti", maintain_order="left")
    stage = stage_financial()
    load_stage(session, stage, known)
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
    insert_frame(
        session,
        f,
        fresh.select(pl.col("eid").alias("enterprise_id"), *cols).sort("enterprise_id", "year"),
    )
    result.created = fresh.height
    result.unchanged = typed.height - result.created - result.updated
    return details
