"""The white paper of a published year: counts by category with the change on the year
before, entries and exits; the listed firms by chain, district, zone, industry and age; their
valuation and revenue totals; the top movers; the near-miss pool; the method and data dates.

Everything is counted set-based (Polars) from the stored list lines and the registry as read
through its public module; each breakdown counts a firm once (a chain table counts a firm in
each chain it belongs to, and says how many distinct firms that is)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from sqlalchemy.orm import Session

from highland.chains import service as chains
from highland.enterprises import public as registry
from highland.growth import service as growth
from highland.growth.models import GrowthList
from highland.growth.rules import loader
from highland.growth.rules.model import RuleSet, tree_leaves
from highland.growth.whitepaper import repository
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.kit import clock
from highland.platform.kit.industry import SECTIONS
from highland.platform.web.i18n import pick, translate

FORMATS = ("html", "xlsx")
LANGUAGES = ("zh-CN", "en")
DEFAULT_RULESET = "nanjing-2024"
NONE = "__none__"  # the row of firms without a district, zone, chain, industry or age
AGE_BANDS = ((0, 2), (3, 5), (6, 10), (11, 15), (16, None))
TOP = 10
MOVEMENTS = ("new", "changed", "kept")


@dataclass
class Tally:
    """One row of a breakdown: its label and the firms of each category in it."""

    key: str
    label: str
    by: dict[str, int]

    @property
    def total(self) -> int:
        """The row's firms (each counted once)."""
        return sum(self.by.values())


@dataclass(frozen=True)
class CategoryCount:
    """A category on this year's list against last year's."""

    id: str
    title: str
    count: int
    previous: int | None
    entered: dict[str, int]  # new, changed (into this category), kept
    exited: dict[str, int]  # reason → firms that left this category

    @property
    def change(self) -> int | None:
        """This year's count less last year's (None without a list last year)."""
        return None if self.previous is None else self.count - self.previous


@dataclass(frozen=True)
class Money:
    """A category's valuation (US cents) and revenue (fen) totals over the firms reporting."""

    id: str
    title: str
    firms: int
    valued: int
    valuation_cents: int | None
    reporting: int
    revenue_fen: int | None


@dataclass(frozen=True)
class Mover:
    """A listed firm with its revenue this figures year and the year before."""

    uscc: str
    name: str
    category: str
    movement: str
    before_fen: int | None
    now_fen: int | None
    valuation_cents: int | None

    @property
    def growth(self) -> Decimal | None:
        """The revenue's growth as an exact ratio (None without a positive base)."""
        if self.before_fen is None or self.now_fen is None or self.before_fen <= 0:
            return None
        return Decimal(self.now_fen - self.before_fen) / Decimal(self.before_fen)


@dataclass(frozen=True)
class NearMiss:
    """Firms one criterion from a category: the category, the criterion and how many."""

    category: str
    criterion: str
    firms: int


@dataclass(frozen=True)
class Criterion:
    """A category of the method with the criteria its tree reads."""

    title: str
    criteria: list[str]
    cite: str | None


@dataclass
class WhitePaper:
    """Everything the white paper shows, in one language."""

    lang: str
    rs: RuleSet
    row: GrowthList  # the published list
    previous: GrowthList | None
    generated_at: datetime
    counts: list[CategoryCount]
    by_chain: list[Tally]
    chain_firms: int  # distinct listed firms in at least one chain
    by_district: list[Tally]
    by_zone: list[Tally]
    by_industry: list[Tally]
    by_age: list[Tally]
    money: list[Money]
    trend: list[tuple[int, dict[str, int], int, int]]  # year, counts, entered, exited
    movers: list[Mover]
    newcomers: list[Mover]  # firms newly on the first category (unicorns)
    near_misses: list[NearMiss] | None  # None: the year's figures no longer classify
    near_miss_firms: int
    method: list[Criterion]
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def year(self) -> int:
        """The list's year."""
        return self.row.year

    @property
    def categories(self) -> list[tuple[str, str]]:
        """(id, title) of the categories in precedence order."""
        return [(c.id, pick(self.lang, c.title, c.title_en)) for c in self.rs.categories]

    @property
    def title(self) -> str:
        """The rule set's title in the paper's language."""
        return str(pick(self.lang, self.rs.title, self.rs.title_en))

    @property
    def listed(self) -> int:
        """The firms on the list."""
        return sum(c.count for c in self.counts)

    def t(self, key: str, **params: object) -> str:
        """A text of the white paper in its language."""
        return translate(self.lang, key, **params)


# --------------------------------------------------------------------------- checks


def check_format(fmt: str | None) -> str:
    """html or xlsx (InvalidInput naming `format`)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format: '{fmt or ''}' is not html or xlsx", field="format",
                           code="whitepaper.bad_format",
                           params={"value": (fmt or "")[:20]})  # fmt: skip
    return fmt


def check_lang(lang: str | None) -> str:
    """zh-CN or en (InvalidInput naming `lang`)."""
    if lang not in LANGUAGES:
        raise InvalidInput(f"lang: '{lang or ''}' is not zh-CN or en", field="lang",
                           code="whitepaper.bad_lang",
                           params={"value": (lang or "")[:20]})  # fmt: skip
    return lang


def check_suffix(name: str, fmt: str) -> None:
    """The file's name ends in the format's suffix (InvalidInput naming `out`)."""
    if not name.lower().endswith("." + fmt):
        raise InvalidInput(f"out: {name} does not end in .{fmt}", field="out",
                           code="whitepaper.bad_suffix",
                           params={"file": name[-120:], "suffix": "." + fmt})  # fmt: skip


def newest_year(session: Session, ruleset_id: str) -> int | None:
    """The year of a rule set's newest published list (None: none yet)."""
    rows = repository.lists_of(session, ruleset_id)
    return rows[-1].year if rows else None


def chosen_list(
    session: Session, ruleset_id: str, year: int
) -> tuple[GrowthList, GrowthList | None]:
    """The list of a rule set and year and the list before it; InvalidInput for a rule set
    never published nor shipped, or a year not published."""
    rows = repository.lists_of(session, ruleset_id)
    if not rows and ruleset_id not in loader.built_in():
        known = ", ".join(loader.built_in())
        raise InvalidInput(f"ruleset: {ruleset_id!r} is not a rule set ({known})",
                           field="ruleset", code="growth.unknown_ruleset",
                           params={"ruleset": ruleset_id[:80], "known": known})  # fmt: skip
    found = next((r for r in rows if r.year == year), None)
    if found is None:
        years = ", ".join(str(r.year) for r in rows) or "—"
        raise InvalidInput(f"year: {ruleset_id} {year} is not published (published: {years})",
                           field="year", code="whitepaper.not_published",
                           params={"ruleset": ruleset_id[:40], "year": year,
                                   "years": years})  # fmt: skip
    earlier = [r for r in rows if r.year < year]
    return found, earlier[-1] if earlier else None


# --------------------------------------------------------------------------- figures


def _tally(frame: pl.DataFrame, key: str, cats: list[str], labels: dict[str, str],
           none_label: str) -> list[Tally]:  # fmt: skip
    """Listed firms by `key` and category, a null key its own row (last); each firm once."""
    grouped = frame.with_columns(pl.col(key).fill_null(NONE)).group_by(key, "category").len()
    rows: dict[str, dict[str, int]] = {}
    for k, cat, n in grouped.iter_rows():
        rows.setdefault(k, {c: 0 for c in cats})[cat] = int(n)
    order = sorted((k for k in rows if k != NONE), key=lambda k: (-sum(rows[k].values()), k))
    if NONE in rows:
        order.append(NONE)
    return [Tally(k, none_label if k == NONE else labels.get(k, k), rows[k]) for k in order]


def _ages(listed: pl.DataFrame, on: date) -> pl.DataFrame:
    """The listed firms with their age band at the reference date (completed years)."""
    before = (pl.col("founded_on").dt.month() * 100 + pl.col("founded_on").dt.day()) > (
        on.month * 100 + on.day
    )
    age = pl.lit(on.year) - pl.col("founded_on").dt.year() - before.cast(pl.Int32)
    band = pl.lit(None, dtype=pl.String)
    for low, high in reversed(AGE_BANDS):
        hit = age >= low if high is None else age.is_between(low, high)
        band = pl.when(hit).then(pl.lit(f"{low}-{high or ''}")).otherwise(band)
    return listed.with_columns(band.alias("age_band"))


def _counts(rs: RuleSet, lang: str, lines: pl.DataFrame,
            before: pl.DataFrame | None) -> list[CategoryCount]:  # fmt: skip
    out = []
    for c in rs.categories:
        mine = lines.filter(pl.col("category") == c.id)
        listed = mine.filter(pl.col("movement") != "exited")
        moves = dict(listed.group_by("movement").len().iter_rows())
        gone = dict(
            mine.filter(pl.col("movement") == "exited").group_by("reason").len().iter_rows()
        )
        prev = None
        if before is not None:
            prev = before.filter(
                (pl.col("category") == c.id) & (pl.col("movement") != "exited")
            ).height
        out.append(CategoryCount(c.id, pick(lang, c.title, c.title_en), listed.height, prev,
                                 {m: int(moves.get(m, 0)) for m in MOVEMENTS},
                                 {r: int(gone.get(r, 0))
                                  for r in growth.EXIT_REASONS}))  # fmt: skip
    return out


def _money(rs: RuleSet, lang: str, listed: pl.DataFrame) -> list[Money]:
    out = []
    for c in rs.categories:
        mine = listed.filter(pl.col("category") == c.id)
        val = mine.get_column("valuation").drop_nulls()
        rev = mine.get_column("revenue").drop_nulls()
        out.append(Money(c.id, pick(lang, c.title, c.title_en), mine.height, val.len(),
                         int(val.sum()) if val.len() else None, rev.len(),
                         int(rev.sum()) if rev.len() else None))  # fmt: skip
    return out


def _with_figures(session: Session, row: GrowthList, listed: pl.DataFrame) -> pl.DataFrame:
    """The listed firms with revenue of the figures year and the year before, and their newest
    valuation within the two years before the figures year (as the rule sets read it)."""
    fy = row.figures_year
    fig = repository.figures(session, row.id, fy - 2, fy)
    rev = fig.filter(pl.col("year") == fy).select("enterprise_id", "revenue")
    before = fig.filter(pl.col("year") == fy - 1).select(
        "enterprise_id", pl.col("revenue").alias("revenue_before")
    )
    val = (
        fig.drop_nulls("valuation_usd").sort("year", descending=True)
        .group_by("enterprise_id", maintain_order=True).first()
        .select("enterprise_id", pl.col("valuation_usd").alias("valuation"))
    )  # fmt: skip
    out = listed
    for part in (rev, before, val):
        out = out.join(part, on="enterprise_id", how="left", maintain_order="left")
    return out


def _movers(lang: str, titles: dict[str, str], frame: pl.DataFrame) -> list[Mover]:
    return [
        Mover(u, pick(lang, n, ne) or u, titles.get(c, c), m, b, r, v)
        for u, n, ne, c, m, b, r, v in frame.select(
            "uscc", "name", "name_en", "category", "movement", "revenue_before", "revenue",
            "valuation").iter_rows()
    ]  # fmt: skip


def _near_misses(session: Session, rs: RuleSet, year: int,
                 titles: dict[str, str]) -> tuple[list[NearMiss] | None, int]:  # fmt: skip
    """Firms not listed that are one criterion from a category, by category and criterion;
    (None, 0) when the registry no longer holds the year's figures."""
    try:
        result, _ = growth.classify(session, rs, year)
    except HighlandError:
        return None, 0
    pool = result.filter(
        (pl.col("status") != "eligible") & (pl.col("near_miss").fill_null("") != "")
    )
    counts = (
        pool.group_by("near_miss", "failed")
        .len()
        .sort(["len", "near_miss", "failed"], descending=[True, False, False])
    )
    order = {c.id: i for i, c in enumerate(rs.categories)}
    rows = [NearMiss(titles.get(c, c), f or "—", int(n)) for c, f, n in counts.iter_rows()]
    keys = [c for c, _, _ in counts.iter_rows()]
    ranked = sorted(zip(keys, rows, strict=True), key=lambda kr: order.get(kr[0], 99))
    return [r for _, r in ranked], pool.height


def _method(rs: RuleSet, lang: str) -> list[Criterion]:
    out = []
    for c in rs.categories:
        labels = [rs.leaf_label(i) for i in dict.fromkeys(tree_leaves(c.tree))]
        out.append(Criterion(pick(lang, c.title, c.title_en), labels, c.cite))
    return out


def _trend(
    session: Session, row: GrowthList, cats: list[str]
) -> list[tuple[int, dict[str, int], int, int]]:
    out = []
    for r in repository.lists_of(session, row.ruleset_id):
        if r.year > row.year:
            break
        lines = repository.lines(session, r.id).filter(pl.col("movement") != "exited")
        by = dict(lines.group_by("category").len().iter_rows())
        out.append((r.year, {c: int(by.get(c, 0)) for c in cats}, r.entered, r.exited))
    return out


def build(session: Session, ruleset_id: str, year: int, lang: str) -> WhitePaper:
    """The white paper of a published list (InvalidInput: unknown rule set, year not
    published, bad language)."""
    check_lang(lang)
    row, prev = chosen_list(session, ruleset_id, year)
    rs = loader.read_ruleset(row.ruleset_source, f"{row.ruleset_id}@{row.year}")
    cats = [c.id for c in rs.categories]
    titles = {c.id: pick(lang, c.title, c.title_en) for c in rs.categories}
    lines = repository.lines(session, row.id)
    before = repository.lines(session, prev.id) if prev is not None else None
    listed = _with_figures(session, row, lines.filter(pl.col("movement") != "exited"))
    regions = {r.code: (r, pick(lang, r.name_zh, r.name_en)) for r in registry.regions(session)}
    names = {k: v[1] for k, v in regions.items()}
    members = repository.chain_members(session, row.id).join(
        listed.select("uscc", "category"), on="uscc"
    )
    chain_names = {c.code: pick(lang, c.name, c.name_en) for c in chains.list_chains(session, True)}
    no_chain = listed.join(members, on="uscc", how="anti").with_columns(
        pl.lit(None, dtype=pl.String).alias("chain")
    )
    t = lambda key: translate(lang, key)  # noqa: E731
    by_chain = _tally(pl.concat([members.select("chain", "category"),
                                 no_chain.select("chain", "category")]),
                      "chain", cats, chain_names, t("whitepaper.none.chain"))  # fmt: skip
    sections = {k: pick(lang, *v) for k, v in SECTIONS.items()}
    bands = {f"{lo}-{hi or ''}": translate(lang, f"whitepaper.age.{lo}-{hi or ''}")
             for lo, hi in AGE_BANDS}  # fmt: skip
    aged = _ages(listed, rs.reference_date(year))
    grown = listed.with_columns((pl.col("revenue") - pl.col("revenue_before")).alias("gain"))
    movers = grown.filter(pl.col("gain") > 0).sort(["gain", "uscc"], descending=[True, False])
    first = rs.categories[0].id if rs.categories else ""
    newcomers = listed.filter(
        (pl.col("category") == first) & (pl.col("movement") != "kept")
    ).sort(["valuation", "uscc"], descending=[True, False], nulls_last=True)
    pool, pool_firms = _near_misses(session, rs, year, titles)
    return WhitePaper(
        lang=lang, rs=rs, row=row, previous=prev, generated_at=clock.now(),
        counts=_counts(rs, lang, lines, before),
        by_chain=by_chain, chain_firms=members.get_column("uscc").n_unique(),
        by_district=_tally(listed, "district_code", cats, names, t("whitepaper.none.district")),
        by_zone=_tally(listed, "zone_code", cats, names, t("whitepaper.none.zone")),
        by_industry=_tally(listed, "industry_section", cats, sections,
                           t("whitepaper.none.industry")),
        by_age=sorted(_tally(aged, "age_band", cats, bands, t("whitepaper.none.age")),
                      key=lambda r: list(bands).index(r.key) if r.key in bands else 99),
        money=_money(rs, lang, listed),
        trend=_trend(session, row, cats),
        movers=_movers(lang, titles, movers.head(TOP)),
        newcomers=_movers(lang, titles, newcomers),
        near_misses=pool, near_miss_firms=pool_firms,
        method=_method(rs, lang),
    )  # fmt: skip


def filename(paper: WhitePaper, fmt: str) -> str:
    """whitepaper-<ruleset>-<year>.<html|xlsx>"""
    return f"whitepaper-{paper.rs.id}-{paper.year}.{fmt}"
