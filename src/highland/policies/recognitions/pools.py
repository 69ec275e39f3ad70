"""Cultivation pools (培育库): which firms of the registry could be recognised next.

For one rule set over a whole portrait frame (the set-based evaluator, no loop over firms):

- `qualify`: every criterion the portrait can test holds;
- `near`: one criterion alone keeps the firm out (the engine's near miss, never a fixed
  condition such as age or district), named in `near`;
- `missing`: nothing fails but data is missing, the fields to supply named in `missing`;
- `renewal`: the firm holds the qualification, but it ends by the end of next year; its
  `status` (and `near` / `missing`) say how it stands against the criteria for re-recognition.

Holders whose qualification is still valid after the end of next year are left out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.errors import InvalidInput
from highland.policies.models import PortraitSnapshot
from highland.policies.recognitions.catalogue import RuleSet, get
from highland.policies.rules.model import Compiled
from highland.policies.rules.vector import details, prepare
from highland.policies.service import snapshot_for, snapshot_frame

POOLS = ("qualify", "near", "missing", "renewal")
_DAY = timedelta(days=1)
POOL_SCHEMA: dict[str, pl.DataType] = {
    "uscc": pl.String(), "pool": pl.String(), "status": pl.String(), "near": pl.String(),
    "missing": pl.String(),
    "district": pl.String(), "industry": pl.String(), "industry_section": pl.String(),
    "revenue": pl.Int64(), "chains": pl.List(pl.String()),
}  # fmt: skip


def horizon(today: date) -> date:
    """The last day a qualification must outlast for its holder to be left out: the end of
    next year."""
    return date(today.year + 1, 12, 31)


def check_pool(pool: str) -> str:
    """The pool name, or a coded refusal naming the pools there are."""
    if pool not in POOLS:
        raise InvalidInput(
            f"pool: {pool[:40]!r} is not a pool; use one of {', '.join(POOLS)}",
            field="pool",
            code="recognitions.bad_pool",
            params={"value": pool[:40], "choices": ", ".join(POOLS)},
        )
    return pool


def classify(frame: pl.DataFrame, compiled: Compiled, code: str, lasting: pl.Series
             ) -> pl.DataFrame:  # fmt: skip
    """Each firm of a portrait frame in its pool (POOL_SCHEMA), firms in no pool left out.

    `code` is the qualification the rule set leads to; `lasting` the USCCs whose
    qualification is valid after the horizon (they are left out)."""
    frame = prepare(frame)
    result = details(frame, compiled, extra=("near",))
    flags = pl.DataFrame(
        {
            "holder": frame.get_column("qualifications").list.contains(code).fill_null(False),
            "lasting": frame.get_column("uscc").is_in(lasting.implode()),
            "status": result.get_column("status"),
            "near": result.get_column("near"),
            "missing": result.get_column("missing"),
        }
    )
    pool = (
        pl.when(pl.col("holder") & pl.col("lasting"))
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("holder"))
        .then(pl.lit("renewal"))
        .when(pl.col("status") == "eligible")
        .then(pl.lit("qualify"))
        .when(pl.col("near") != "")
        .then(pl.lit("near"))
        .when(pl.col("status") == "unknown")
        .then(pl.lit("missing"))
    )
    # A details frame has `near` only when ineligible and `missing` only when unknown, so they
    # pass through: empty in `qualify`, one of them for a renewal that does not qualify.
    named = flags.select(pool.alias("pool"), "status", "near", "missing")
    kept = frame.select("uscc", "district", "industry", "industry_section", "revenue", "chains")
    out = pl.concat([kept, named], how="horizontal")
    return out.filter(pl.col("pool").is_not_null()).select(
        pl.col(c).cast(t) for c, t in POOL_SCHEMA.items()
    )


@dataclass
class Pools:
    """A rule set's pools over the registry as of a date."""

    ruleset: RuleSet
    compiled: Compiled
    as_of: date
    horizon: date
    frame: pl.DataFrame  # POOL_SCHEMA, sorted by pool then uscc

    def counts(self) -> dict[str, int]:
        """Firms in each pool."""
        by = dict(self.frame.group_by("pool").len().iter_rows())
        return {p: int(by.get(p, 0)) for p in POOLS}

    def rows(self, pool: str, district: str = "", industry: str = "", chain: str = ""
             ) -> pl.DataFrame:  # fmt: skip
        """One pool's firms, filtered by district, industry section or code, and chain."""
        part = self.frame.filter(pl.col("pool") == check_pool(pool))
        if district:
            part = part.filter(pl.col("district") == district)
        if industry:
            part = part.filter(
                (pl.col("industry_section") == industry)
                | pl.col("industry").str.starts_with(industry)
            )
        if chain:
            part = part.filter(pl.col("chains").list.contains(chain).fill_null(False))
        return part


def lasting_holders(session: Session, frame: pl.DataFrame, code: str, today: date) -> pl.Series:
    """The holders (in `frame`) whose qualification is still valid the day after the horizon
    (read from the registry's qualifications: the portrait of that day would say the same)."""
    holders = frame.filter(
        pl.col("qualifications").list.contains(code).fill_null(False)
    ).get_column("uscc")
    if holders.is_empty():
        return pl.Series("uscc", [], dtype=pl.String)
    later = registry.holders_on(session, code, horizon(today) + _DAY)
    return holders.filter(holders.is_in(pl.Series(sorted(later), dtype=pl.String).implode()))


# Pools kept in this process, keyed by what they are computed from: the snapshot's content,
# the rule set, the date and the lasting holders (so never stale). A whole registry's pools
# are large (up to a row per firm): two are kept whole, the counts of any number.
_kept: OrderedDict[Any, Pools] = OrderedDict()
_counts: dict[Any, dict[str, int]] = {}
_KEEP = 2
_kept_lock = threading.Lock()


def _key(session: Session, snap: PortraitSnapshot, rs: RuleSet, as_of: date) -> Any:
    """What a rule set's pools are computed from; None when it cannot be told cheaply."""
    held = registry.holders_fingerprint(session, rs.qualification, horizon(as_of) + _DAY)
    return None if held is None else (snap.sha256, rs.id, as_of, held)


def pools(session: Session, ruleset_id: str, as_of: date, fresh: bool = False) -> Pools:
    """A rule set's pools as of a date: from the policies' portrait snapshot of the date (the
    one the policy pages read, kept in this process per snapshot), or `fresh` from the
    registry itself (the command line)."""
    rs = get(ruleset_id)
    if fresh:
        frame = registry.portrait_frame(session, as_of)
        return _classified(rs, as_of, frame, lasting_holders(session, frame, rs.qualification,
                                                              as_of))  # fmt: skip
    snap = snapshot_for(session, as_of)
    key = _key(session, snap, rs, as_of)
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    frame = snapshot_frame(session, snap)
    result = _classified(rs, as_of, frame, lasting_holders(session, frame, rs.qualification,
                                                           as_of))  # fmt: skip
    if key is None:
        return result
    with _kept_lock:
        _kept[key] = result
        _counts[key] = result.counts()
        while len(_kept) > _KEEP:
            _kept.popitem(last=False)
        if len(_counts) > 256:
            _counts.clear()
    return result


def pool_counts(session: Session, ruleset_id: str, as_of: date) -> dict[str, int]:
    """Firms in each pool of a rule set as of a date (`pools(...).counts()`, kept)."""
    rs = get(ruleset_id)
    key = _key(session, snapshot_for(session, as_of), rs, as_of)
    with _kept_lock:
        if key in _counts:
            return dict(_counts[key])
    return pools(session, ruleset_id, as_of).counts()


def _classified(rs: RuleSet, as_of: date, frame: pl.DataFrame, lasting: pl.Series) -> Pools:
    compiled = rs.compiled(as_of)
    classified = classify(frame, compiled, rs.qualification, lasting)
    order = {p: i for i, p in enumerate(POOLS)}
    classified = classified.sort(
        pl.col("pool").replace_strict(order, return_dtype=pl.Int64), pl.col("uscc")
    )
    return Pools(rs, compiled, as_of, horizon(as_of), classified)
