"""Stacking: which eligible benefits an enterprise can hold together, and package caps.

One set-based implementation serves a single enterprise (a frame of its own rows) and the
whole registry (a package's reach), so the two can never disagree.

Rules, in order:
1. `excludes` is symmetric: two policies that exclude each other are never both kept. Rows are
   taken per enterprise from the largest amount down (ties by policy id; unknown amounts
   last), and a row is dropped when a policy it conflicts with has already been kept.
2. Per package with a cap, the kept amounts add up to at most the cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

LONG_SCHEMA = {"uscc": pl.String, "policy_id": pl.String, "amount_fen": pl.Int64}


@dataclass(frozen=True)
class Rules:
    """The exclusions between policies, and each policy's package and each package's cap."""

    excludes: Mapping[str, Sequence[str]]
    package_of: Mapping[str, str | None]
    caps: Mapping[str, int | None]

    def pairs(self) -> pl.DataFrame:
        """Both directions of every exclusion, as (policy_id, other) rows."""
        rows = {(p, q) for p, qs in self.excludes.items() for q in qs}
        rows |= {(q, p) for p, q in rows}
        return pl.DataFrame(
            sorted(rows), schema={"policy_id": pl.String, "other": pl.String}, orient="row"
        )


def keep(long: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """The eligible rows with `kept` and `excluded_by` (the kept policy that displaced it)."""
    ranked = long.with_columns(
        pl.struct(
            (-pl.col("amount_fen")).fill_null(2**62).alias("a"), pl.col("policy_id").alias("p")
        )
        .rank("ordinal")
        .over("uscc")
        .alias("rank")
    )
    pairs = rules.pairs()
    kept = pl.DataFrame(schema={"uscc": pl.String, "other": pl.String})
    out = []
    top = ranked["rank"].max()
    top = int(top) if isinstance(top, int) else 0
    for r in range(1, top + 1):
        step = ranked.filter(pl.col("rank") == r)
        if step.is_empty():
            continue
        blocked = (
            step.join(pairs, on="policy_id")
            .join(kept, on=["uscc", "other"], how="semi")
            .group_by("uscc", "policy_id")
            .agg(pl.col("other").min().alias("excluded_by"))
        )
        step = step.join(blocked, on=["uscc", "policy_id"], how="left").with_columns(
            pl.col("excluded_by").is_null().alias("kept")
        )
        out.append(step)
        kept = pl.concat(
            [kept, step.filter("kept").select("uscc", pl.col("policy_id").alias("other"))]
        )
    if not out:
        return ranked.with_columns(
            pl.lit(None, dtype=pl.String).alias("excluded_by"), pl.lit(True).alias("kept")
        ).drop("rank")
    return pl.concat(out).drop("rank").sort("uscc", "policy_id")


def totals(kept: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Per enterprise and package: the kept amount, the cap and what the cap removes."""
    packages = pl.DataFrame(
        {
            "policy_id": list(rules.package_of),
            "package_id": list(rules.package_of.values()),
        },
        schema={"policy_id": pl.String, "package_id": pl.String},
    )
    caps = pl.DataFrame(
        {"package_id": list(rules.caps), "cap_fen": list(rules.caps.values())},
        schema={"package_id": pl.String, "cap_fen": pl.Int64},
    )
    summed = (
        kept.filter("kept")
        .join(packages, on="policy_id", how="left")
        .group_by("uscc", "package_id")
        .agg(
            pl.col("amount_fen").sum().alias("kept_fen"),
            pl.col("amount_fen").is_null().sum().alias("amount_unknown"),
        )
        .join(caps, on="package_id", how="left")
    )
    capped = (
        pl.when(pl.col("cap_fen").is_not_null() & (pl.col("kept_fen") > pl.col("cap_fen")))
        .then(pl.col("cap_fen"))
        .otherwise(pl.col("kept_fen"))
    )
    return summed.with_columns(capped.alias("total_fen")).sort("uscc", "package_id")
