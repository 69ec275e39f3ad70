"""An import's district and zone columns: each a code or a name; a zone in the district column
(or a district in the zone column) is refused with where it belongs (docs/portrait.md)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

# (column, mask, English message) — validate.py turns each into one of its checks.
Rule = tuple[str, pl.Expr, str]


def places_of(regions: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, str]]:
    """Each region's code, Chinese name and English name (lower-cased) → (code, kind), from
    (code, name_zh, name_en, kind) rows."""
    out: dict[str, tuple[str, str]] = {}
    for code, zh, en, kind in regions:
        for key in (code, zh, en):
            out.setdefault(key.strip().lower(), (code, kind))
    return out


def place_checks(
    places: Mapping[str, tuple[str, str]], present: set[str]
) -> tuple[list[pl.Expr], list[Rule], list[pl.Expr]]:
    """(columns to derive first, the rules, the output columns district_code [, zone_code])."""
    lookup = {k: v[0] for k, v in places.items()}
    kinds = {v[0]: v[1] for v in places.values()}

    def resolve(col: str) -> pl.Expr:
        key = pl.col(col).str.strip_chars().str.to_lowercase()
        return key.replace_strict(lookup, default=None, return_dtype=pl.String)

    def kind(col: str) -> pl.Expr:
        return pl.col(col).replace_strict(kinds, default=None, return_dtype=pl.String)

    derived = [resolve("district_code").alias("__district")]
    district, given = pl.col("__district"), pl.col("district_code").is_not_null()
    rules: list[Rule] = [
        (
            "district_code",
            given & district.is_null(),
            "unknown district: not a GB/T 2260 district of the configured city nor a custom region",
        ),
        (
            "district_code",
            kind("__district") == "zone",
            "a functional zone, not a district: put it in the zone column and the district "
            "it lies in here",
        ),
    ]
    out = [pl.when(kind("__district") == "district").then(district).alias("district_code")]
    if "zone_code" in present:
        derived.append(resolve("zone_code").alias("__zone"))
        zone = pl.col("__zone")
        rules.append(
            (
                "zone_code",
                pl.col("zone_code").is_not_null() & zone.is_null(),
                "unknown zone: not in the list of functional zones and parks",
            )
        )
        rules.append(
            ("zone_code", kind("__zone") == "district",
             "a district, not a zone: put it in the district column")
        )  # fmt: skip
        out.append(pl.when(kind("__zone") == "zone").then(zone).alias("zone_code"))
    return derived, rules, out
