"""What the pages and exports of the high-growth lists show: a published list by category
with its movements, and an enterprise's category history."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.growth import repository, why
from highland.growth.models import GrowthEntry, GrowthList
from highland.growth.rules.loader import RuleSetError, read_ruleset
from highland.growth.rules.model import Category
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit.dates import today_local
from highland.platform.web.i18n import pick


@dataclass(frozen=True)
class Filters:
    """The list's and the pool's filters: district, functional zone, chain and industry
    section codes ("" = any)."""

    district: str = ""
    zone: str = ""
    chain: str = ""
    industry: str = ""

    def params(self) -> dict[str, str]:
        """The filters as query parameters."""
        return {k: v for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class Line:
    """One line of a list as shown: the firm and its movement."""

    entry: GrowthEntry
    name: str | None
    name_en: str | None
    district: str | None
    industry: str | None
    zone: str | None = None
    chains: tuple[str, ...] = ()


@dataclass
class ListView:
    """A published list: its categories in precedence order, each with its lines."""

    chosen: GrowthList | None
    lists: list[GrowthList]
    categories: list[Category] = field(default_factory=list)
    listed: dict[str, list[Line]] = field(default_factory=dict)
    exits: list[Line] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)  # the chains of the list's firms
    places: list[str] = field(default_factory=list)  # their districts and zones


def categories_of(row: GrowthList) -> list[Category]:
    """The categories of the rule set a list was published with (its text as stored)."""
    try:
        return list(read_ruleset(row.ruleset_source, row.ruleset_id).categories)
    except RuleSetError:  # a stored text was valid when published; never fail a page on it
        return []


def chains_of(session: Session, usccs: list[str]) -> dict[str, tuple[str, ...]]:
    """The chains each of these firms is an accepted member of (today), by uscc."""
    if not usccs:
        return {}
    frame = registry.portrait_frame(session, today_local(), usccs).select("uscc", "chains")
    return {u: tuple(c or ()) for u, c in frame.iter_rows()}


def chosen_list(session: Session, ruleset_id: str | None, year: int | None
                ) -> tuple[GrowthList | None, list[GrowthList]]:  # fmt: skip
    """The list named (newest when none is), and every list; InvalidInput for a list that is
    not published."""
    lists = repository.lists(session)
    chosen = lists[0] if lists else None
    if ruleset_id or year:
        chosen = next((r for r in lists if (not ruleset_id or r.ruleset_id == ruleset_id)
                       and (not year or r.year == year)), None)  # fmt: skip
        if chosen is None:
            named = {"ruleset": (ruleset_id or "-")[:40], "year": year or "-"}
            raise InvalidInput(f"{ruleset_id} {year} is not published", field="year",
                               code="growth.not_published", params=named)  # fmt: skip
    return chosen, lists


def list_view(session: Session, principal: Principal, ruleset_id: str | None, year: int | None,
              filters: Filters) -> ListView:  # fmt: skip
    """The list chosen (newest when none is named), its lines filtered by district, zone,
    chain and industry section; InvalidInput for a list that is not published."""
    chosen, lists = chosen_list(session, ruleset_id, year)
    view = ListView(chosen, lists)
    if chosen is None:
        return view
    view.categories = categories_of(chosen)
    view.listed = {c.id: [] for c in view.categories}
    rows = repository.lines(session, principal, chosen.id, filters.district or None,
                            filters.industry or None, filters.zone or None)  # fmt: skip
    chains = chains_of(session, [r[0].uscc for r in rows if r[1] is not None])
    view.chains = sorted({c for cs in chains.values() for c in cs})
    view.places = sorted({p for r in rows for p in (r[3], r[5]) if p})
    for entry, name, name_en, dist, ind, zone in rows:
        line = Line(entry, name, name_en, dist, ind, zone, chains.get(entry.uscc, ()))
        if filters.chain and filters.chain not in line.chains:
            continue
        if entry.movement == "exited":
            view.exits.append(line)
        else:
            view.listed.setdefault(entry.category, []).append(line)
    return view


@dataclass(frozen=True)
class HistoryLine:
    """One list an enterprise was on or left: year, rule set, category (title) and why — the
    criteria behind an exit as stored (in words), and the category's criteria recomputed on
    the figures as they are now (None when the firm or the rule text is gone)."""

    list: GrowthList
    entry: GrowthEntry
    category_title: str
    detail: builtins.list[str] = field(default_factory=builtins.list)
    criteria: builtins.list[why.Criterion] | None = None


def history(session: Session, principal: Principal, uscc: str, lang: str) -> list[HistoryLine]:
    """An enterprise's category history with the why of each line (NotFound out of the
    principal's scope)."""
    uscc = registry.scoped_ref(session, principal, uscc).uscc
    out = []
    for row, entry in repository.history(session, principal, uscc):
        try:
            rs = read_ruleset(row.ruleset_source, row.ruleset_id)
        except RuleSetError:  # a stored text was valid when published; never fail a page
            out.append(HistoryLine(row, entry, entry.category))
            continue
        titles = {c.id: pick(lang, c.title, c.title_en) for c in rs.categories}
        detail = why.phrases(rs, entry.detail or "", row.year, lang)
        criteria = why.criteria(session, rs, row.year, uscc, entry.category, lang)
        out.append(HistoryLine(row, entry, titles.get(entry.category, entry.category), detail,
                               criteria))  # fmt: skip
    return out


def exit_words(view: ListView, lang: str) -> dict[str, list[str]]:
    """The criteria behind each exit (failed or lacking data) in words, by uscc."""
    if view.chosen is None:
        return {}
    try:
        rs = read_ruleset(view.chosen.ruleset_source, view.chosen.ruleset_id)
    except RuleSetError:
        return {}
    return {x.entry.uscc: why.phrases(rs, x.entry.detail or "", view.chosen.year, lang)
            for x in view.exits}  # fmt: skip
