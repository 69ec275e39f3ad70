"""The chain analytics' two aggregates (chains/figures.py) as sums that a change can be added
to: after a write or an import, the old rows of the changed enterprises are taken out and
their new rows put in (`Sums.apply`), instead of grouping millions of rows again.

Counts and sums (Σ r, Σ r² exact in Int128) add and subtract exactly. The largest firm of a
chain or segment and year does not: it is the larger of the kept one and the changed firms'
new revenue (the lowest id among equals), and where the kept largest is itself a changed
firm, that group is computed again from all its members. The result is equal, row for row,
to a build from every row (`Sums.build`; tested)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

INT64_MAX = 2**63 - 1
_I128 = pl.Int128
CELL_KEYS = ["year", "industry_code", "district_code"]
GROUP_KEYS = ["chain_id", "scope", "year"]


# --------------------------------------------------------------------------- registry cells


def cell_sums(ent: pl.DataFrame, fin: pl.DataFrame) -> pl.DataFrame:
    """Per (year, industry, district): n (enterprises in year 0, figure rows in a year), and
    the sums and counts of the known employees and revenue (Int128)."""
    ent = ent.select("id", "industry_code", pl.col("district_code").fill_null(""))
    base = ent.group_by("industry_code", "district_code").agg(
        pl.lit(0, dtype=pl.Int64).alias("year"),
        pl.len().cast(pl.Int64).alias("n"),
        pl.lit(0, dtype=_I128).alias("employees"),
        pl.lit(0, dtype=pl.Int64).alias("employees_known"),
        pl.lit(0, dtype=_I128).alias("revenue"),
        pl.lit(0, dtype=pl.Int64).alias("revenue_known"),
    )
    yearly = (
        fin.join(ent, left_on="enterprise_id", right_on="id", how="inner")
        .group_by(CELL_KEYS)
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("employees").cast(_I128).sum().alias("employees"),
            pl.col("employees").count().cast(pl.Int64).alias("employees_known"),
            pl.col("revenue").cast(_I128).sum().alias("revenue"),
            pl.col("revenue").count().cast(pl.Int64).alias("revenue_known"),
        )
    )
    cols = [*CELL_KEYS, "n", "employees", "employees_known", "revenue", "revenue_known"]
    return pl.concat([base.select(cols), yearly.select(cols)])


def add_cells(sums: pl.DataFrame, plus: pl.DataFrame, minus: pl.DataFrame) -> pl.DataFrame:
    """sums + plus − minus, the groups left with nothing dropped."""
    values = [c for c in sums.columns if c not in CELL_KEYS]
    negated = minus.with_columns((pl.lit(0, dtype=minus.schema[c]) - pl.col(c)).alias(c)
                                 for c in values)  # fmt: skip
    out = pl.concat([sums, plus, negated]).group_by(CELL_KEYS).agg(pl.col(c).sum() for c in values)
    return out.filter(pl.col("n") != 0).select(sums.columns)


def cells_of(sums: pl.DataFrame) -> pl.DataFrame:
    """The registry_cell rows (figures.CELL_SCHEMA) of the sums."""
    for c in ("employees", "revenue"):
        top = sums[c].max()
        if top is not None and int(top) > INT64_MAX:  # type: ignore[arg-type]
            raise OverflowError(f"a sum of {c} exceeds 64-bit integers")
    yearly = pl.col("year") > 0
    out = sums.select(
        *CELL_KEYS,
        pl.col("n").alias("enterprises"),
        pl.when(yearly & (pl.col("employees_known") > 0)).then(pl.col("employees").cast(pl.Int64))
        .alias("employees"),
        "employees_known",
        pl.when(yearly & (pl.col("revenue_known") > 0)).then(pl.col("revenue").cast(pl.Int64))
        .alias("revenue"),
        "revenue_known",
    )  # fmt: skip
    return out.sort(CELL_KEYS)


# --------------------------------------------------------------------------- chain figures


def scope_names(tree: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Scopes as small integers (0 = the whole chain) so that the de-duplication of millions
    of (chain, scope, enterprise) rows compares integers, not strings: (segment → scopes,
    scope → code)."""
    names = tree.select("chain_id", "ancestor").unique().sort(["chain_id", "ancestor"])
    names = names.with_row_index("scope", offset=1).with_columns(pl.col("scope").cast(pl.Int64))
    scopes = tree.join(names, on=["chain_id", "ancestor"]).select(
        "chain_id", "segment_code", "scope"
    )
    code_of = pl.concat([
        names.select("scope", pl.col("ancestor").alias("code")),
        pl.DataFrame({"scope": [0], "code": [""]}, schema={"scope": pl.Int64, "code": pl.String}),
    ])  # fmt: skip
    return scopes, code_of


def members_of(links: pl.DataFrame, scopes: pl.DataFrame) -> pl.DataFrame:
    """(chain_id, scope, enterprise_id), each once: the whole chain and every segment subtree
    an accepted link puts the enterprise in."""
    whole = links.select("chain_id", pl.lit(0, dtype=pl.Int64).alias("scope"), "enterprise_id")
    subtree = links.join(scopes, on=["chain_id", "segment_code"], how="inner").select(
        "chain_id", "scope", "enterprise_id"
    )
    return pl.concat([whole, subtree]).unique()


def _revenues(members: pl.DataFrame, fin: pl.DataFrame) -> pl.DataFrame:
    known = fin.select("enterprise_id", "year", "revenue").filter(pl.col("revenue").is_not_null())
    return members.join(known, on="enterprise_id", how="inner")


def _yearly(joined: pl.DataFrame) -> pl.DataFrame:
    """Per (chain, scope, year): members with a revenue, Σ r, Σ r², and the largest (the
    highest revenue, the lowest id among equals)."""
    big = pl.col("revenue").cast(_I128)
    top = joined.sort(["revenue", "enterprise_id"], descending=[True, False]).group_by(
        GROUP_KEYS).agg(  # fmt: skip
        pl.len().cast(pl.Int64).alias("members"),
        big.sum().alias("revenue"),
        (big * big).sum().alias("squares"),
        pl.col("revenue").first().alias("largest_revenue"),
        pl.col("enterprise_id").first().alias("largest_id"),
    )
    return top


@dataclass(frozen=True)
class Sums:
    """Both aggregates as sums (see the module), with the members they were counted over."""

    cells: pl.DataFrame
    members: pl.DataFrame  # (chain_id, scope, enterprise_id)
    counts: pl.DataFrame  # (chain_id, scope, members)
    yearly: pl.DataFrame  # _yearly
    scopes: pl.DataFrame
    code_of: pl.DataFrame

    @staticmethod
    def build(ent: pl.DataFrame, fin: pl.DataFrame, links: pl.DataFrame,
              tree: pl.DataFrame) -> Sums:  # fmt: skip
        """From every row."""
        scopes, code_of = scope_names(tree)
        members = members_of(links, scopes)
        counts = members.group_by("chain_id", "scope").agg(pl.len().cast(pl.Int64).alias("members"))
        yearly = _yearly(_revenues(members, fin))
        return Sums(cell_sums(ent, fin), members, counts, yearly, scopes, code_of)

    def apply(self, ids: list[int], old: tuple[pl.DataFrame, ...],
              new: tuple[pl.DataFrame, ...], fin: pl.DataFrame) -> Sums:  # fmt: skip
        """The sums after the enterprises `ids` changed from their `old` rows (enterprises,
        figures, links) to their `new` ones; `fin` is every figure row now."""
        (old_ent, old_fin, _), (new_ent, new_fin, new_links) = old, new
        cells = add_cells(self.cells, cell_sums(new_ent, new_fin), cell_sums(old_ent, old_fin))
        gone = pl.Series(ids, dtype=pl.Int64).implode()
        old_m = self.members.filter(pl.col("enterprise_id").is_in(gone))
        new_m = members_of(new_links, self.scopes)
        members = pl.concat([self.members.filter(~pl.col("enterprise_id").is_in(gone)), new_m])
        per = ["chain_id", "scope"]
        counts = (
            pl.concat([
                self.counts,
                new_m.group_by(per).agg(pl.len().cast(pl.Int64).alias("members")),
                old_m.group_by(per).agg((pl.len().cast(pl.Int64) * -1).alias("members")),
            ]).group_by(per).agg(pl.col("members").sum()).filter(pl.col("members") != 0)
        )  # fmt: skip
        yearly = self._yearly_after(ids, gone, old_m, new_m, members, old_fin, new_fin, fin)
        return Sums(cells, members, counts, yearly, self.scopes, self.code_of)

    def _yearly_after(self, ids: list[int], gone: pl.Series, old_m: pl.DataFrame,
                      new_m: pl.DataFrame, members: pl.DataFrame, old_fin: pl.DataFrame,
                      new_fin: pl.DataFrame, fin: pl.DataFrame) -> pl.DataFrame:  # fmt: skip
        old_j, new_j = _revenues(old_m, old_fin), _revenues(new_m, new_fin)
        big = pl.col("revenue").cast(_I128)

        def part(j: pl.DataFrame, sign: int) -> pl.DataFrame:
            return j.group_by(GROUP_KEYS).agg(
                (pl.len().cast(pl.Int64) * sign).alias("members"),
                (big.sum() * pl.lit(sign, dtype=_I128)).alias("revenue"),
                ((big * big).sum() * pl.lit(sign, dtype=_I128)).alias("squares"),
            )

        kept = self.yearly.select(*GROUP_KEYS, "members", "revenue", "squares")
        sums = (
            pl.concat([kept, part(new_j, 1), part(old_j, -1)])
            .group_by(GROUP_KEYS)
            .agg(pl.col("members").sum(), pl.col("revenue").sum(), pl.col("squares").sum())
            .filter(pl.col("members") != 0)
        )
        # The largest: kept, unless a changed firm was it (then that group is computed again
        # from all its members); then the larger of it and the changed firms' new revenue.
        tops = self.yearly.select(*GROUP_KEYS, "largest_revenue", "largest_id")
        stale = tops.filter(pl.col("largest_id").is_in(gone)).select(GROUP_KEYS)
        again = _yearly(
            _revenues(members.join(stale.select("chain_id", "scope").unique(),
                                   on=["chain_id", "scope"], how="semi"), fin)  # fmt: skip
            .join(stale, on=GROUP_KEYS, how="semi")
        ).select(*GROUP_KEYS, "largest_revenue", "largest_id")
        fresh = _yearly(new_j).select(*GROUP_KEYS, "largest_revenue", "largest_id")
        candidates = pl.concat([tops.join(stale, on=GROUP_KEYS, how="anti"), again, fresh])
        largest = candidates.sort(
            ["largest_revenue", "largest_id"], descending=[True, False]
        ).group_by(GROUP_KEYS).agg(pl.col("largest_revenue").first(),
                                   pl.col("largest_id").first())  # fmt: skip
        return sums.join(largest, on=GROUP_KEYS, how="left")

    def figures(self) -> pl.DataFrame:
        """The chain_figure rows (figures.FIGURE_SCHEMA)."""
        top = self.yearly["revenue"].max()
        if top is not None and int(top) > INT64_MAX:  # type: ignore[arg-type]
            raise OverflowError("a sum of revenue exceeds 64-bit integers")
        counts = self.counts.join(self.code_of, on="scope")
        yearly = self.yearly.join(self.code_of, on="scope")
        out = pl.concat([
            counts.select(
                "chain_id", pl.col("code").alias("segment_code"),
                pl.lit(0, dtype=pl.Int64).alias("year"), "members",
                pl.lit(None, dtype=pl.Int64).alias("revenue"),
                pl.lit(None, dtype=pl.String).alias("revenue_squares"),
                pl.lit(None, dtype=pl.Int64).alias("largest_id"),
                pl.lit(None, dtype=pl.Int64).alias("largest_revenue"),
            ),
            yearly.select(
                "chain_id", pl.col("code").alias("segment_code"), "year", "members",
                pl.col("revenue").cast(pl.Int64),
                pl.col("squares").cast(pl.String).alias("revenue_squares"),
                "largest_id", "largest_revenue",
            ),
        ])  # fmt: skip
        return out.sort(["chain_id", "segment_code", "year"])
