"""What the enterprises domain lends other domains: its published interface.

Policies, demands and chains read the registry here and only here, never through
`enterprises.models` (or its tables, repository, snapshot or import internals), so the
registry's tables can change behind this module. What is lent:

- single look-ups as plain functions returning `EnterpriseRef`, a frozen copy of the few fields
  other domains show or route by (`ref`, `refs`, `ref_by_uscc`, `ref_columns`, `region_exists`);
  within a principal's scope: `scoped_ref` and `names_by_uscc`;
- the portrait as policy rules match it: `portrait_frame` (every enterprise, one Polars row
  each) and `portrait_values` (one enterprise's row);
- `MembershipSource`: what the chains domain lends the registry (its accepted memberships),
  registered by the assembly with `register_chain_memberships`; `CategorySource`: what the
  growth domain lends (each firm's category on the high-growth list valid at a date),
  registered with `register_growth_categories`;
- for set-based reads that join the registry (chain analytics, indicators, pictures, mapping),
  read-only selectables: `registry()` and `financials()` are aliases of the registry's tables
  (an alias, not a subquery, so the database uses the same indexes and plans; an alias cannot be
  inserted into or updated). Other domains use only the columns listed in `REGISTRY_COLUMNS`
  and `FINANCIAL_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import NamedFromClause

from highland.enterprises import repository, snapshot
from highland.enterprises.memberships import (
    CategorySource,
    MembershipSource,
    register_chain_memberships,
    register_growth_categories,
)
from highland.enterprises.models import Enterprise, Financial, Region
from highland.enterprises.vocab import QUALIFICATIONS
from highland.platform.db import transaction
from highland.platform.identity.permissions import Principal
from highland.platform.jobs.registry import Report

__all__ = [
    "FINANCIAL_COLUMNS",
    "REGISTRY_COLUMNS",
    "EnterpriseRef",
    "ImportRunRef",
    "RegistryCounts",
    "CategorySource",
    "MembershipSource",
    "change_seq",
    "changed_since",
    "financials",
    "import_runs",
    "names_by_uscc",
    "own_enterprise",
    "portrait_frame",
    "portrait_values",
    "prune_changes",
    "ref",
    "ref_by_uscc",
    "ref_columns",
    "refs",
    "region_exists",
    "regions",
    "RegionRef",
    "register_chain_memberships",
    "register_growth_categories",
    "registry",
    "registry_counts",
    "scoped_ref",
]

REGISTRY_COLUMNS = (
    "id", "uscc", "name", "name_en", "district_code", "industry_code", "industry_section",
    "industry_division", "founded_on", "size_class", "business_scope", "zone_code", "listed",
)  # fmt: skip
"""The registry's columns other domains may read through `registry()`."""

FINANCIAL_COLUMNS = (
    "enterprise_id", "year", "revenue", "output_value", "tax_paid", "employees", "source_date",
    "main_revenue", "total_assets", "rd_spend", "rd_staff", "tech_staff", "equity_raised",
    "valuation_usd", "last_round_usd",
)  # fmt: skip
"""One enterprise's yearly figures other domains may read through `financials()` (money in fen,
None is missing)."""


@dataclass(frozen=True)
class EnterpriseRef:
    """An enterprise as other domains see it: who it is, where, in which industry."""

    id: int
    uscc: str
    name: str
    name_en: str | None
    district_code: str | None
    industry_code: str
    industry_section: str
    size_class: str | None
    zone_code: str | None = None  # the functional zone or park, if any (not a district)

    @classmethod
    def of(cls, values: Sequence[Any]) -> EnterpriseRef:
        """From the values of `ref_columns()`, in their order."""
        return cls(*values)


@cache
def registry(name: str = "registry") -> NamedFromClause:
    """The enterprise registry as a read-only aliased table (columns: `REGISTRY_COLUMNS`).

    One object per name (each call gives the same alias, so a query may call it more than
    once); give another name to use the registry twice in one query."""
    return Enterprise.__table__.alias(name)


@cache
def financials(name: str = "financial") -> NamedFromClause:
    """The enterprises' yearly figures as a read-only aliased table, one row per enterprise and
    year (columns: `FINANCIAL_COLUMNS`); give another name to use it twice in one query."""
    return Financial.__table__.alias(name)


def ref_columns(table: NamedFromClause | None = None) -> list[ColumnElement[Any]]:
    """The columns of an `EnterpriseRef`, in order, from `registry()` (or the given alias of
    it): select them beside one's own rows and build each with `EnterpriseRef.of`."""
    t = table if table is not None else registry()
    return [
        t.c.id, t.c.uscc, t.c.name, t.c.name_en, t.c.district_code, t.c.industry_code,
        t.c.industry_section, t.c.size_class, t.c.zone_code,
    ]  # fmt: skip


def ref(session: Session, enterprise_id: int | None) -> EnterpriseRef | None:
    """The enterprise with this id, or None."""
    if enterprise_id is None:
        return None
    row = session.execute(
        select(*ref_columns()).where(registry().c.id == enterprise_id)
    ).one_or_none()
    return EnterpriseRef.of(row) if row is not None else None


def refs(session: Session, ids: Iterable[int]) -> dict[int, EnterpriseRef]:
    """The enterprises with these ids, by id (unknown ids are left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(*ref_columns()).where(registry().c.id.in_(wanted)))
    return {r.id: r for r in map(EnterpriseRef.of, rows)}


def ref_by_uscc(session: Session, uscc: str) -> EnterpriseRef | None:
    """The enterprise with this Unified Social Credit Code (as given: callers normalise), or
    None."""
    row = session.execute(select(*ref_columns()).where(registry().c.uscc == uscc)).one_or_none()
    return EnterpriseRef.of(row) if row is not None else None


def regions(session: Session) -> list[RegionRef]:
    """Every region of the reference list (GB/T 2260 codes with their names)."""
    return [
        RegionRef(r.code, r.name_zh, r.name_en, r.kind) for r in repository.regions(session)
    ]


@dataclass(frozen=True)
class RegionRef:
    """A region's code and names; kind "district" (GB/T 2260) or "zone" (功能区、园区)."""

    code: str
    name_zh: str
    name_en: str
    kind: str = "district"


def region_exists(session: Session, code: str) -> bool:
    """Whether a district or custom region with this code is known."""
    return session.get(Region, code) is not None


def scoped_ref(session: Session, principal: Principal, uscc: str) -> EnterpriseRef:
    """The enterprise with this USCC (spaces and case aside) if it is in the principal's
    scope, else NotFound (`enterprises.not_found`: never saying whether it exists)."""
    e = repository.get_by_uscc(session, principal, uscc)
    return EnterpriseRef(
        e.id, e.uscc, e.name, e.name_en, e.district_code, e.industry_code, e.industry_section,
        e.size_class, e.zone_code,
    )  # fmt: skip


def names_by_uscc(
    session: Session, principal: Principal, usccs: list[str], chunk: int = 1000
) -> dict[str, tuple[str, str | None]]:
    """The (name, English name) of each enterprise in the principal's scope among the USCCs
    given (the others are left out); `chunk` USCCs per query."""
    return repository.names_by_uscc(session, principal, usccs, chunk)


def holders_on(session: Session, code: str, day: date) -> set[str]:
    """The USCCs of the enterprises whose qualification `code` is valid on `day` (the
    portrait's `qualifications` of that day hold it), read from the qualifications alone."""
    return repository.holders_on(session, code, day)


def holders_fingerprint(session: Session, code: str, day: date) -> tuple[object, ...] | None:
    """Who holds `code` valid on `day`, told cheaply: the count, sum and sum of squares of
    their ids, with the registry's generation (an id names one enterprise, and so one USCC,
    until an enterprise is inserted or deleted, which moves the generation). A change of
    holders that keeps all three equal would go unseen: it takes three or more firms changed
    in exact balance. None: no generations here."""
    mark = repository.registry_mark(session)
    if mark is None:
        return None
    return (*mark, *repository.holder_ids_sums(session, code, day))


def portrait_frame(
    session: Session,
    as_of: date,
    usccs: Sequence[str] | None = None,
    enterprise_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """The portrait of every enterprise (or of those USCCs, or of those ids) as of a date as
    one Polars frame, one row each, sorted by uscc (columns: `snapshot.PORTRAIT_SCHEMA`)."""
    return snapshot.portrait_frame(session, as_of, usccs, enterprise_ids)


def change_seq(session: Session) -> int:
    """The newest position of the enterprises' change log (triggers log every write to what a
    portrait is read from): a marker to build from and to ask `changed_since` about."""
    return repository.change_seq(session)


def changed_since(session: Session, seq: int, limit: int = 100_000) -> list[int] | None:
    """The ids of the enterprises changed after log position `seq`, sorted; None when a change
    touched everything (a chain, a high-growth list, a deleted enterprise), the log was pruned
    past `seq`, or more than `limit` enterprises changed: then rebuild whole."""
    return repository.changed_since(session, seq, limit)


def prune_changes(session: Session, below: int) -> int:
    """Forget the change log's entries before position `below` (the newest is kept)."""
    return repository.prune_changes(session, below)


CHANGES_KEPT = 1_000_000  # log entries kept: well over MAX_CHANGED firms' worth


def prune_changes_job(engine: Any, now: datetime, settings: Any) -> Report:
    """Keep the newest CHANGES_KEPT entries of the change log (a job of the scheduled round;
    a reader whose position was pruned away simply reads everything again)."""
    with transaction(engine) as s:
        repository.prune_changes(s, repository.change_seq(s) - CHANGES_KEPT)
    return Report()


def portrait_values(session: Session, uscc: str, as_of: date) -> dict[str, object] | None:
    """One enterprise's row of `portrait_frame`, computed alone; None if the USCC is unknown."""
    return snapshot.portrait_values(session, uscc, as_of)


# --------------------------------------------------------------------------- the desks' figures


@dataclass(frozen=True)
class RegistryCounts:
    """The city's enterprise counts, each the total of the list it links to."""

    enterprises: int
    above_scale: int
    qualifications: dict[str, int]  # qualification code → holders
    changed_at: datetime | None  # when the registry last changed
    figures_date: date | None  # newest source date of a yearly figure
    figures_year: int | None  # newest year of figures


def registry_counts(session: Session, principal: Principal) -> RegistryCounts:
    """Enterprises, 规上 enterprises and the holders of each qualification in the caller's
    scope, counted with the list's own filters (`/enterprises?scale=above`,
    `/enterprises?qualification=<code>`)."""
    flt = repository.EnterpriseFilter
    changed, fresh, year = repository.registry_freshness(session)
    return RegistryCounts(
        repository.count(session, principal, flt()),
        repository.count(session, principal, flt(scale="above")),
        {
            code: repository.count(session, principal, flt(qualification=code))
            for code in QUALIFICATIONS
        },
        changed,
        fresh,
        year,
    )


@dataclass(frozen=True)
class ImportRunRef:
    """One import run, as the data desk lists it."""

    id: int
    kind: str
    filename: str
    actor: str
    at: datetime
    dry_run: bool
    rows: int
    created: int
    updated: int
    rejected: int


def import_runs(session: Session, limit: int = 5) -> list[ImportRunRef]:
    """The newest import runs, newest first."""
    return [
        ImportRunRef(r.id, r.kind, r.filename, r.actor, r.at, r.dry_run, r.rows, r.created,
                     r.updated, r.rejected)  # fmt: skip
        for r in repository.import_runs(session, limit)
    ]


def own_enterprise(session: Session, principal: Principal) -> EnterpriseRef | None:
    """The enterprise account's own enterprise (None for other roles or an unlinked account)."""
    return ref(session, principal.enterprise_id)
