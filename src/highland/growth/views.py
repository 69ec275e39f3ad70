"""What the pages and exports of the high-growth lists show: a published list by category
with its movements, and an enterprise's category history."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.growth import repository
from highland.growth.models import GrowthEntry, GrowthList
from highland.growth.rules.loader import RuleSetError, read_ruleset
from highland.growth.rules.model import Category
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert, numbers
from highland.platform.web.i18n import pick, translate

ZH = "zh-CN"


@dataclass(frozen=True)
class Line:
    """One line of a list as shown: the firm and its movement."""

    entry: GrowthEntry
    name: str | None
    name_en: str | None
    district: str | None
    industry: str | None


@dataclass
class ListView:
    """A published list: its categories in precedence order, each with its lines."""

    chosen: GrowthList | None
    lists: list[GrowthList]
    categories: list[Category] = field(default_factory=list)
    listed: dict[str, list[Line]] = field(default_factory=dict)
    exits: list[Line] = field(default_factory=list)


def categories_of(row: GrowthList) -> list[Category]:
    """The categories of the rule set a list was published with (its text as stored)."""
    try:
        return list(read_ruleset(row.ruleset_source, row.ruleset_id).categories)
    except RuleSetError:  # a stored text was valid when published; never fail a page on it
        return []


def list_view(session: Session, principal: Principal, ruleset_id: str | None, year: int | None,
              district: str | None, industry: str | None) -> ListView:  # fmt: skip
    """The list chosen (newest when none is named), its lines filtered by district and
    industry section; InvalidInput for a list that is not published."""
    lists = repository.lists(session)
    chosen = lists[0] if lists else None
    if ruleset_id or year:
        chosen = next((r for r in lists if (not ruleset_id or r.ruleset_id == ruleset_id)
                       and (not year or r.year == year)), None)  # fmt: skip
        if chosen is None:
            named = {"ruleset": (ruleset_id or "-")[:40], "year": year or "-"}
            raise InvalidInput(f"{ruleset_id} {year} is not published", field="year",
                               code="growth.not_published", params=named)  # fmt: skip
    view = ListView(chosen, lists)
    if chosen is None:
        return view
    view.categories = categories_of(chosen)
    view.listed = {c.id: [] for c in view.categories}
    for entry, name, name_en, dist, ind in repository.lines(session, principal, chosen.id,
                                                            district, industry):  # fmt: skip
        line = Line(entry, name, name_en, dist, ind)
        if entry.movement == "exited":
            view.exits.append(line)
        else:
            view.listed.setdefault(entry.category, []).append(line)
    return view


@dataclass(frozen=True)
class HistoryLine:
    """One list an enterprise was on or left: year, rule set, category (title) and why."""

    list: GrowthList
    entry: GrowthEntry
    category_title: str


def history(session: Session, principal: Principal, uscc: str, lang: str) -> list[HistoryLine]:
    """An enterprise's category history (NotFound out of the principal's scope)."""
    registry.scoped_ref(session, principal, uscc)
    out = []
    for row, entry in repository.history(session, principal, uscc):
        titles = {c.id: pick(lang, c.title, c.title_en) for c in categories_of(row)}
        out.append(HistoryLine(row, entry, titles.get(entry.category, entry.category)))
    return out


EXPORT_COLUMNS = ("uscc", "name", "district", "industry_section", "category", "movement",
                  "previous_category", "reason", "detail")  # fmt: skip


def export_csv(view: ListView, headers: str | None) -> bytes:
    """The list's lines as CSV (UTF-8 with BOM): Chinese headers and words by default,
    `headers=codes` for the machine columns."""
    codes = numbers.header_set(headers) == "codes"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EXPORT_COLUMNS if codes else [translate(ZH, f"growth.export.{c}")
                                             for c in EXPORT_COLUMNS])  # fmt: skip
    titles = {c.id: c.title for c in view.categories}

    def word(kind: str, value: str | None) -> str:
        if value is None or codes:
            return value or ""
        if kind == "category":
            return titles.get(value, value)
        return translate(ZH, f"growth.{kind}.{value}")

    lines = [line for group in view.listed.values() for line in group] + view.exits
    for line in lines:
        e = line.entry
        w.writerow([inert.csv_value(v) for v in (
            e.uscc, line.name or "", line.district or "", line.industry or "",
            word("category", e.category), word("movement", e.movement),
            word("category", e.previous_category), word("reason", e.reason), e.detail or "",
        )])  # fmt: skip
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
