"""Importing the enterprise registry: validate, stage, merge enterprises and their
qualifications, index names, refresh size classes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import (
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
from highland.enterprises.imports.names import index_names, unindex_names
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
    drop_stages,
    fetch_all,
    insert_frame,
    load_stage,
    stage_enterprise,
)
from highland.enterprises.models import (
    Enterprise,
    Qualification,
)
from highland.enterprises.portrait.refresh import refresh_size_classes
from highland.enterprises.vocab import (
    ENTERPRISE_IMPORT_COLUMNS,
    ENTERPRISE_REQUIRED,
)
from highland.platform.audit.service import Actor, Change
from highland.platform.db import begin_write, table_of, utcnow
from highland.platform.kit.tables import ROW


def import_enterprises(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    synthetic: bool = False,
    progress: Progress = no_progress,
) -> ImportResult:
    """Validate and import an enterprise file (CSV or XLSX)."""
    sheet = read_sheet(data, filename, ENTERPRISE_IMPORT_COLUMNS, ENTERPRISE_REQUIRED)
    return import_enterprise_frame(
        session, actor, **sheet, dry_run=dry_run, skip_invalid=skip_invalid,
        synthetic=synthetic, progress=progress,
    )  # fmt: skip


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
    progress: Progress = no_progress,
) -> ImportResult:
    """Validate and merge an enterprise table already read into strings."""
    frame, result = begin_result(
        "enterprises", frame, (filename, encoding, ignored), dry_run, progress
    )
    typed, quals, errors = validate.enterprises(frame, validation_context(session))
    if errors.height and not skip_invalid:
        return refuse_file(result, errors)
    begin_write(session)  # staging and merging write (a dry run's writes are rolled back)
    result.errors = errors_out(errors)
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
    index_names(session)
    # Enterprises created by this import have no figures yet: their size class stays NULL.
    stage = stage_enterprise()
    refresh_size_classes(session, select(stage.c.eid).where(stage.c.fresh.is_not(True)))
    drop_stages(session, stage)
    progress("done", typed.height, typed.height)
    return finish_run(session, actor, result, sha256, details)


def _merge_enterprises(
    session: Session,
    result: ImportResult,
    typed: pl.DataFrame,
    present: list[str],
    synthetic: bool,
) -> list[Change]:
    """Insert the new enterprises and update the changed ones from the staged file."""
    # long: the merge is one sequence of set-based statements over the staging
    # table (stage, match, insert, update, audit) that share its state; each step is commented.
    stage = stage_enterprise()
    load_stage(session, stage, typed.rename({ROW: "row"}))
    session.execute(text(f"CREATE UNIQUE INDEX ux_{stage.name}_uscc ON {stage.name} (uscc)"))
    e = table_of(Enterprise)
    # The ids of the enterprises already registered, through the registry's unique index.
    _set_ids(session, stage, None)
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
            unindex_names(session)  # from the old names, before they are overwritten
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
        )
        .where(stage.c.eid.is_(None))
        # In USCC order: the unique index then grows page by page instead of at random.
        .order_by(stage.c.uscc),
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
    _set_ids(session, stage, stage.c.eid.is_(None), fresh=True, reindex=True)
    result.unchanged = typed.height - result.created - result.updated
    return details


def _set_ids(session: Session, stage: Any, where: Any, **values: Any) -> None:
    """Give the staged rows (those matching `where`) their enterprise's id, by USCC."""
    e = table_of(Enterprise)
    if session.get_bind().dialect.name == "postgresql":  # one join (UPDATE … FROM)
        stmt = update(stage).values(eid=e.c.id, **values).where(e.c.uscc == stage.c.uscc)
    else:  # one lookup in the unique index a row (SQLite may otherwise scan the registry)
        found = select(e.c.id).where(e.c.uscc == stage.c.uscc)
        stmt = update(stage).values(eid=found.scalar_subquery(), **values)
        if where is None:
            stmt = stmt.where(found.exists())
    if where is not None:
        stmt = stmt.where(where)
    session.execute(stmt)


def _qualification_keys(df: pl.DataFrame) -> pl.DataFrame:
    """One text per enterprise that is equal exactly when the qualification sets are."""
    item = pl.concat_str(
        pl.col("code"),
        pl.col("level").fill_null("-"),
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
    # long: one set-based sequence (stage, diff, delete, insert, audit) sharing state.
    stage = stage_enterprise()
    q = table_of(Qualification)
    existing = session.execute(
        select(stage.c.uscc, q.c.code, q.c.level, q.c.valid_from, q.c.valid_to).join(
            q, q.c.enterprise_id == stage.c.eid
        )
    ).all()
    old = pl.DataFrame(
        [tuple(r) for r in existing],
        schema={
            "uscc": pl.String,
            "code": pl.String,
            "level": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },  # fmt: skip
        orient="row",
    )
    new = quals.select("uscc", "code", "level", "valid_from", "valid_to")
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
        else dict(fetch_all(session, f"SELECT uscc, eid FROM {stage.name}"))
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
        .select("enterprise_id", "code", "level", "valid_from", "valid_to")
    )
    insert_frame(session, q, rows)
    # Enterprises that had qualifications before: an update of their qualifications.
    fresh = set(compared.filter(pl.col("key").is_not_null()).get_column("uscc").to_list())
    details: list[Change] = []
    if len(changed) <= PER_ROW_AUDIT_LIMIT * 10 and fresh:

        def _sets(df: pl.DataFrame) -> dict[str, list[tuple[Any, ...]]]:
            out: dict[str, list[tuple[Any, ...]]] = {}
            mine = df.filter(pl.col("uscc").is_in(list(fresh)))
            for u, c, level, f, t in mine.sort(["uscc", "code"]).iter_rows():
                out.setdefault(u, []).append((c, level, f, t))
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
