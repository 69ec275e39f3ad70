"""The cultivation pool of a published list: the firms not on it that are one criterion away
from a category (the near misses), and those a category is open for because figures are
missing (the unknowns), each with the data to supply — which figure of which years.

Recomputed with the list's rule text on the registry as it is now (docs/growth.md): a firm
whose valuation is not supplied is "unknown" as a unicorn, which is a request for data, not a
candidate unicorn."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy.orm import Session

from highland.growth import repository, service, why
from highland.growth.models import GrowthList
from highland.growth.rules import frame as vector
from highland.growth.rules.decide import reasons
from highland.growth.rules.loader import read_ruleset
from highland.growth.rules.model import FieldLeaf, FnLeaf, RuleSet
from highland.growth.views import Filters, chains_of, chosen_list
from highland.platform.web.i18n import translate
from highland.policies import public as rules

KINDS = ("near", "unknown")
SHOWN = 200  # lines a page shows; the exports hold them all


@dataclass(frozen=True)
class PoolLine:
    """One firm of the pool: near (one criterion away) or unknown (data missing)."""

    uscc: str
    name: str | None
    name_en: str | None
    district: str | None
    zone: str | None
    industry: str | None
    kind: str
    category: str  # near: the category one criterion away; unknown: the open one
    failed: list[str]  # the criteria it fails, in words
    missing: list[str]  # the criteria lacking data, in words
    supply: list[str]  # the data to supply (every open category's): figure and years
    chains: tuple[str, ...] = ()


@dataclass
class PoolView:
    """The pool of the chosen list."""

    chosen: GrowthList | None
    lists: list[GrowthList]
    ruleset: RuleSet | None = None
    lines: list[PoolLine] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)


def _supply(rs: RuleSet, labels: str, row: dict[str, object], year: int, lang: str) -> list[str]:
    """The figures (with their years) or facts a firm must supply for its missing criteria."""
    index = {rs.leaf_label(i): i for i in range(len(rs.leaves))}
    fy = rs.figures_year(year)
    out: list[str] = []
    for label in (x for x in labels.split(";") if x):
        leaf = rs.leaves[index[label]] if label in index else None
        if isinstance(leaf, FieldLeaf):
            out.append(str(rules.FIELDS[leaf.predicate.field].label_zh if lang.startswith("zh")
                           else rules.FIELDS[leaf.predicate.field].label_en))  # fmt: skip
        elif isinstance(leaf, FnLeaf) and leaf.of is None:
            out.append(translate(lang, f"growthpages.supply.{leaf.fn}"))
        elif isinstance(leaf, FnLeaf) and leaf.of is not None:
            figure = translate(lang, f"growthpages.figure.{leaf.of}")
            if leaf.fn == "latest":
                out.append(translate(lang, "growthpages.supply.latest", figure=figure,
                                     first=fy - leaf.window, last=fy))  # fmt: skip
                continue
            ks = [leaf.window] if leaf.fn == "value" else range(leaf.window + 1)
            years = [fy - k for k in ks if row.get(vector.series_column(leaf.of, k)) is None]
            sep = translate(lang, "sep.enum")
            out.append(translate(lang, "growthpages.supply.years", figure=figure,
                                 years=sep.join(str(y) for y in sorted(years))))  # fmt: skip
    return list(dict.fromkeys(out))


def pool_view(session: Session, ruleset_id: str | None, year: int | None, filters: Filters,
              lang: str, kind: str = "", limit: int | None = None) -> PoolView:  # fmt: skip
    """The chosen list's pool (newest list when none is named), filtered; `kind` near or
    unknown narrows it ("" both); the first `limit` lines in words (all when None)."""
    chosen, lists = chosen_list(session, ruleset_id, year)
    view = PoolView(chosen, lists)
    if chosen is None:
        return view
    rs = read_ruleset(chosen.ruleset_source, chosen.ruleset_id)
    view.ruleset = rs
    view.titles = {c.id: (c.title, c.title_en) for c in rs.categories}
    result, frame = service.classify(session, rs, chosen.year)
    on_list = repository.listed_frame(session, chosen.id).select("uscc")
    pool = (
        result.join(on_list, on="uscc", how="anti")
        .filter((pl.col("near_miss") != "") | (pl.col("status") == "unknown"))
        .with_columns(
            pl.when(pl.col("near_miss") != "").then(pl.lit("near")).otherwise(pl.lit("unknown"))
            .alias("kind")
        )  # fmt: skip
        .join(frame, on="uscc", how="left")
        .join(repository.firm_names(session), on="uscc", how="left")
    )
    if filters.district:
        pool = pool.filter(pl.col("district_code") == filters.district)
    if filters.zone:
        pool = pool.filter(pl.col("zone_code") == filters.zone)
    if filters.industry:
        pool = pool.filter(pl.col("industry_section") == filters.industry)
    chains = chains_of(session, pool.get_column("uscc").to_list()) if filters.chain else {}
    if filters.chain:
        pool = pool.filter(pl.col("uscc").is_in([u for u, c in chains.items()
                                                 if filters.chain in c]))  # fmt: skip
    view.counts = {k: int((pool.get_column("kind") == k).sum()) for k in KINDS}
    if kind in KINDS:
        pool = pool.filter(pl.col("kind") == kind)
    pool = pool.sort(["kind", "category", "uscc"])
    if limit is not None:
        pool = pool.head(limit)
    words: dict[str, list[str]] = {}
    lacking: dict[str, str] = {}

    def open_for(key: str) -> str:  # the criteria lacking data of every open category
        if key not in lacking:
            parts = [reasons(rs, key, c.id) for c in rs.categories]
            lacking[key] = ";".join(m for status, m, _ in parts if status == "unknown")
        return lacking[key]

    def said(labels: str) -> list[str]:  # the same criteria recur: word them once
        if labels not in words:
            words[labels] = why.phrases(rs, labels, chosen.year, lang)
        return words[labels]

    for r in pool.iter_rows(named=True):
        near = r["kind"] == "near"
        view.lines.append(PoolLine(
            r["uscc"], r["name"], r["name_en"], r["district_code"], r["zone_code"],
            r["industry_section"], r["kind"], r["near_miss"] if near else r["category"],
            said(r["failed"]), said(r["missing"]),
            _supply(rs, open_for(r["__truths"]), r, chosen.year, lang),
            chains.get(r["uscc"], ()),
        ))  # fmt: skip
    return view
