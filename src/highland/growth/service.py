"""The high-growth lists: a rule set applied to the registry for a year (classify), and the
year's official list stored with its entries and exits against the previous list (publish).
Services flush, never commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.growth import repository
from highland.growth.models import GrowthList
from highland.growth.rules import frame as vector
from highland.growth.rules import loader
from highland.growth.rules.decide import OUTPUT_COLUMNS, reasons
from highland.growth.rules.loader import RuleSetError
from highland.growth.rules.model import FnLeaf, RuleSet
from highland.platform.audit import service as audit
from highland.platform.audit.service import Actor, Change
from highland.platform.errors import Conflict, InvalidInput
from highland.platform.kit import inert, numbers
from highland.platform.web.i18n import translate

ZH = "zh-CN"
FIRST_YEAR, LAST_YEAR = 1990, 2100
EXIT_REASONS = ("closed", "moved_away", "listed", "data_missing", "criterion_failed")


def ruleset(name: str) -> RuleSet:
    """A built-in rule set by id, or a rule set file (InvalidInput: unknown; RuleSetError)."""
    try:
        return loader.load(name)
    except FileNotFoundError:
        known = ", ".join(loader.built_in())
        raise InvalidInput(f"ruleset: {name[:80]!r} is neither a rule set ({known}) nor a file",
                           field="ruleset", code="growth.unknown_ruleset",
                           params={"ruleset": name[:80], "known": known}) from None  # fmt: skip


def check_year(session: Session, rs: RuleSet, year: int) -> None:
    """Refuse a year whose figures the registry does not hold, or whose window reaches
    before the first year of figures (InvalidInput with the years)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        bounds = {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR}
        raise InvalidInput(f"year: {year} is not between {FIRST_YEAR} and {LAST_YEAR}",
                           field="year", code="growth.bad_year", params=bounds)  # fmt: skip
    years = repository.data_years(session)
    fy = rs.figures_year(year)
    if years is None or not years[0] <= fy <= years[1]:
        first, last = years if years is not None else ("-", "-")
        raise InvalidInput(f"year {year} reads the figures of {fy}, which the registry does not "
                           f"hold (it holds {first}–{last})", field="year",
                           code="growth.year_not_in_data",
                           params={"year": year, "figures_year": fy, "first": first,
                                   "last": last})  # fmt: skip
    needed = fy - rs.reach
    if needed < years[0]:
        deepest = max(range(len(rs.leaves)), key=lambda i: rs.leaves[i].reach)
        label = rs.leaf_label(deepest)
        raise InvalidInput(f"{rs.id}: {label} reads back to {needed}, before the first year of "
                           f"figures {years[0]}", field="year", code="growth.window_beyond_data",
                           params={"ruleset": rs.id, "criterion": label, "needed": needed,
                                   "first": years[0]})  # fmt: skip


def build_frame(session: Session, rs: RuleSet, year: int) -> pl.DataFrame:
    """The registry as the rule set reads it: one row per enterprise with the yearly figures it
    names for the years of its window (`<figure>@<k>`, null = missing), and the portrait as of
    the reference date when it has portrait criteria."""
    fy = rs.figures_year(year)
    figures = sorted({leaf.of for leaf in rs.leaves if isinstance(leaf, FnLeaf) and leaf.of})
    frame = repository.registry_frame(session)
    series = repository.series_frame(session, figures, fy - rs.reach, fy)
    for k in range(rs.reach + 1):
        part = series.filter(pl.col("year") == fy - k).select(
            "enterprise_id", *(pl.col(f).alias(vector.series_column(f, k)) for f in figures)
        )
        frame = frame.join(part, on="enterprise_id", how="left", maintain_order="left")
    if vector.needs_portrait(rs):
        portrait = registry.portrait_frame(session, rs.reference_date(year)).drop("listed")
        frame = frame.join(portrait, on="uscc", how="left", maintain_order="left")
    return frame


def classify(session: Session, rs: RuleSet, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The classification of the registry (see `rules.frame.classify`) and the frame read."""
    check_year(session, rs, year)
    frame = build_frame(session, rs, year)
    return vector.classify(frame, rs, year), frame


CSV_KEYS = {c: f"growth.csv.{c}" for c in OUTPUT_COLUMNS}


def write_csv(result: pl.DataFrame, out: Path, headers: str = "zh") -> dict[str, int]:
    """`uscc,category,status,near_miss,failed,missing` (codes) or their Chinese headers, and
    the counts by status."""
    codes = numbers.header_set(headers) == "codes"
    names = list(OUTPUT_COLUMNS) if codes else [translate(ZH, CSV_KEYS[c]) for c in OUTPUT_COLUMNS]
    texts = ("category", "near_miss", "failed", "missing")
    part = result.select(OUTPUT_COLUMNS).with_columns(inert.csv_out_expr(c) for c in texts)
    part.rename(dict(zip(OUTPUT_COLUMNS, names, strict=True))).write_csv(out)
    counts = result.get_column("status").value_counts()
    tally = {s: 0 for s in ("eligible", "ineligible", "unknown")}
    tally.update({str(s): int(n) for s, n in counts.iter_rows()})
    return tally | {"rows": result.height}


@dataclass(frozen=True)
class Published:
    """What publishing a list did."""

    list: GrowthList
    previous_year: int | None


def _lines(rs: RuleSet, result: pl.DataFrame, frame: pl.DataFrame,
           before: pl.DataFrame) -> pl.DataFrame:  # fmt: skip
    """The list's lines: the listed firms with their movement, then the exits with reasons."""
    place = frame.select("uscc", "enterprise_id", "listed", "district_code", "zone_code")
    # A firm with neither a district nor a zone of the city has moved away: not listed.
    here = place.filter(pl.col("district_code").is_not_null() | pl.col("zone_code").is_not_null())
    now = (
        result.filter(pl.col("status") == "eligible")
        .join(here.select("uscc"), on="uscc", how="semi")
        .select("uscc", "category")
    )
    listed = (
        now.join(before, on="uscc", how="left")
        .join(place.select("uscc", "enterprise_id"), on="uscc", how="left")
        .with_columns(
            pl.when(pl.col("previous").is_null())
            .then(pl.lit("new"))
            .when(pl.col("previous") == pl.col("category"))
            .then(pl.lit("kept"))
            .otherwise(pl.lit("changed"))
            .alias("movement"),
            pl.lit(None, dtype=pl.String).alias("reason"),
            pl.lit(None, dtype=pl.String).alias("detail"),
        )  # fmt: skip
        .rename({"previous": "previous_category"})
    )
    gone = (
        before.join(now, on="uscc", how="anti")
        .join(place, on="uscc", how="left")
        .join(result.select("uscc", "__truths"), on="uscc", how="left")
    )
    # Each category's status and reasons depend only on the leaf truths: once per combination.
    combos = gone.select("__truths", "previous").unique().drop_nulls()
    why = pl.DataFrame(
        [(k, c, *reasons(rs, k, c)) for k, c in combos.iter_rows()],
        schema={
            "__truths": pl.String,
            "previous": pl.String,
            "__status": pl.String,
            "detail": pl.String,
            "__listed": pl.Boolean,
        },
        orient="row",
    )
    exits = (
        gone.join(why, on=["__truths", "previous"], how="left")
        .with_columns(
            pl.when(pl.col("enterprise_id").is_null())
            .then(pl.lit("closed"))
            .when(pl.col("district_code").is_null() & pl.col("zone_code").is_null())
            .then(pl.lit("moved_away"))
            # Listed now, and its category asks for an unlisted firm.
            .when(pl.col("__listed").fill_null(False))
            .then(pl.lit("listed"))
            .when(pl.col("__status") == "unknown")
            .then(pl.lit("data_missing"))
            .otherwise(pl.lit("criterion_failed"))
            .alias("reason"),
            pl.lit("exited").alias("movement"),
            pl.col("previous").alias("category"),
            pl.col("previous").alias("previous_category"),
        )  # fmt: skip
        .with_columns(
            pl.when(pl.col("reason").is_in(["data_missing", "criterion_failed"]))
            .then(pl.col("detail"))
            .alias("detail")
        )
    )
    cols = ["uscc", "enterprise_id", "category", "movement", "previous_category", "reason",
            "detail"]  # fmt: skip
    return pl.concat([listed.select(cols), exits.select(cols)]).sort("uscc", "movement")


def _digest(lines: pl.DataFrame) -> str:
    text = lines.select(
        pl.concat_str(
            [pl.col(c).fill_null("") for c in ("uscc", "category", "movement", "reason")],
            separator=",",
        )  # fmt: skip
    ).to_series()
    return hashlib.sha256("\n".join(text.to_list()).encode()).hexdigest()


def publish(session: Session, rs: RuleSet, year: int, actor: Actor) -> Published:
    """Store the year's official list under a rule set, with its entries and exits against
    the newest earlier list (Conflict if the year is published already; nothing stored on
    any error)."""
    if repository.published(session, rs.id, year) is not None:
        raise Conflict(f"{rs.id} {year} is published already", code="growth.already_published",
                       params={"ruleset": rs.id, "year": year})  # fmt: skip
    result, frame = classify(session, rs, year)
    prev = repository.previous(session, rs.id, year)
    before = (
        repository.listed_frame(session, prev.id)
        if prev is not None
        else pl.DataFrame(schema={"uscc": pl.String, "previous": pl.String})
    )
    lines = _lines(rs, result, frame, before)
    moves = lines.get_column("movement")
    row = GrowthList(
        ruleset_id=rs.id,
        year=year,
        figures_year=rs.figures_year(year),
        ruleset_source=rs.source,
        ruleset_sha256=hashlib.sha256(rs.source.encode()).hexdigest(),
        enterprises=result.height,
        listed=int((moves != "exited").sum()),
        entered=int((moves == "new").sum()),
        exited=int((moves == "exited").sum()),
        digest=_digest(lines),
        published_by=actor.name,
    )
    repository.add_list(session, row, lines)
    audit.record(session, actor, Change("create", "growth_list", str(row.id), None,
                 {"ruleset": rs.id, "year": year, "listed": row.listed, "entered": row.entered,
                  "exited": row.exited, "digest": row.digest}))  # fmt: skip
    return Published(row, prev.year if prev is not None else None)


def replay(session: Session, ruleset_id: str, year: int) -> tuple[GrowthList, str]:
    """A published list recomputed with the rule text it was published with, on the registry
    as it is now: (the list, the digest now). Equal digests: the list stands as published."""
    stored = repository.published(session, ruleset_id, year)
    if stored is None:
        raise InvalidInput(f"{ruleset_id} {year} is not published", field="year",
                           code="growth.not_published",
                           params={"ruleset": ruleset_id[:40], "year": year})  # fmt: skip
    try:
        rs = loader.read_ruleset(stored.ruleset_source, f"{ruleset_id}@{year}")
    except RuleSetError as exc:  # the stored text was valid when published
        raise InvalidInput(str(exc), code="growth.stored_invalid",
                           params={"ruleset": ruleset_id, "year": year}) from None  # fmt: skip
    result, frame = classify(session, rs, year)
    prev = repository.previous(session, rs.id, year)
    before = (
        repository.listed_frame(session, prev.id)
        if prev is not None
        else pl.DataFrame(schema={"uscc": pl.String, "previous": pl.String})
    )
    return stored, _digest(_lines(rs, result, frame, before))
