"""The indicators of a chain as of a month, for its monthly scheduling (月度调度).

Everything is computed set-based, in a handful of SQL aggregates over the whole chain (no
Python loop over enterprises), from the data as of the end of the month in Asia/Shanghai:

- members: enterprises with an accepted link to any segment of the chain, decided (or created,
  for links without a decision time) by the end of the month;
- new members (新增企业): members at the month's end that joined the chain in the month (their
  first accepted link decided, or created, in it) or were founded in it;
- output value, revenue, tax: sums over each member's latest yearly Financial row with a year
  up to the month's year and a source date (when known) up to the month's end; a member without
  the figure is *missing*, counted and never added as 0; no figure at all gives None;
- growth: revenue of year Y (the newest year any member reports) against Y-1, over the members
  with a revenue in both years;
- open and overdue demands of the chain: the demands filed for the chain (Demand.chain_id) and
  the demands its members at the month's end filed for no chain; open at the month's end
  (open now, for the current month), and of them those breached or due before its end;
- key projects: Highland has no project data yet: reported as not available, never 0.

Each indicator carries its freshness: the newest source date (or year) of the figures used, or
the computation time for counts that only exist now.
"""

from __future__ import annotations

import logging
import re
from calendar import monthrange
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Engine, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from highland.chains import figures, indicator_frames, inputs
from highland.chains.models import ChainMonthFigure, EnterpriseSegment
from highland.demands import public as demands_public
from highland.enterprises.public import financials, registry
from highland.platform.calendar import end_of_day
from highland.platform.config import Settings
from highland.platform.db import transaction, utcnow
from highland.platform.errors import InvalidInput
from highland.platform.jobs.registry import Report
from highland.platform.kit.dates import CITY_TZ

log = logging.getLogger("highland.chains.figures")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONEY = (("output_value", "output_value"), ("revenue", "revenue"), ("tax", "tax_paid"))
CHANGES = ("revenue", "output_value", "tax_paid")
ORDER = (
    "members",
    "new_members",
    "output_value",
    "revenue",
    "tax",
    "growth",
    "open_demands",
    "overdue_demands",
    "key_projects",
)


def parse_month(text: str | None, field: str = "month") -> tuple[int, int]:
    """(year, month) of a "YYYY-MM" text; InvalidInput naming the field otherwise."""
    m = MONTH.match((text or "").strip())
    if m is None or not 2000 <= int(m.group(1)) <= 2100:
        raise InvalidInput(
            f"{field}: '{text or ''}' is not a month; write it as YYYY-MM, e.g. 2026-09",
            field=field,
            code="practice.month_invalid",
            params={"value": text or ""},
        )
    return int(m.group(1)), int(m.group(2))


def month_end(year: int, month: int) -> datetime:
    """23:59:59 Asia/Shanghai of the month's last day (aware)."""
    return end_of_day(date(year, month, monthrange(year, month)[1]))


def month_start(as_of: datetime) -> datetime:
    """00:00 Asia/Shanghai of the first day of the month of `as_of` (a month's end)."""
    local = as_of.astimezone(CITY_TZ)
    return datetime(local.year, local.month, 1, tzinfo=CITY_TZ)


def current_month(now: datetime | None = None) -> str:
    """The month of `now` in Asia/Shanghai, as YYYY-MM."""
    return (now or utcnow()).astimezone(CITY_TZ).strftime("%Y-%m")


def _visible(as_of: datetime, year: int) -> Any:
    f = financials().c
    return and_(
        f.year <= year,
        or_(f.source_date.is_(None), f.source_date <= as_of.date()),
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _memberships(chain_ids: list[int], as_of: datetime) -> Any:
    """(chain_id, enterprise_id) of the chains' members as of `as_of`, each pair once."""
    es = EnterpriseSegment
    return (
        select(es.chain_id, es.enterprise_id)
        .where(
            es.chain_id.in_(chain_ids),
            es.status == "accepted",
            func.coalesce(es.decided_at, es.created_at) <= as_of,
        )
        .distinct()
        .subquery("m")
    )


def _money(
    session: Session, m: Any, as_of: datetime, year: int, totals: dict[int, int]
) -> dict[int, dict[str, Any]]:
    fin = financials()
    f = fin.c
    g = financials("latest")
    latest = (  # the member's latest visible year (read from the (enterprise, year) index)
        select(func.max(g.c.year))
        .where(
            g.c.enterprise_id == m.c.enterprise_id,
            g.c.year <= year,
            or_(g.c.source_date.is_(None), g.c.source_date <= as_of.date()),
        )
        .scalar_subquery()
    )
    columns = [f[column] for _, column in MONEY]
    rows = session.execute(  # the three sums of every chain in one pass
        select(
            m.c.chain_id,
            *[
                agg
                for col in columns
                for agg in (
                    func.sum(col),
                    func.count(col),
                    func.min(f.year).filter(col.is_not(None)),
                    func.max(f.year).filter(col.is_not(None)),
                    func.max(f.source_date).filter(col.is_not(None)),
                )
            ],
        )
        .select_from(m)
        .join(fin, and_(f.enterprise_id == m.c.enterprise_id, f.year == latest))
        .group_by(m.c.chain_id)
    )
    found = {int(r[0]): tuple(r[1:]) for r in rows}
    out: dict[int, dict[str, Any]] = {}
    for chain_id, total in totals.items():
        row = found.get(chain_id, (None, 0, None, None, None) * len(MONEY))
        out[chain_id] = {}
        for i, (name, _) in enumerate(MONEY):
            value, reported, first, last, fresh = row[5 * i : 5 * i + 5]
            reported = int(reported or 0)
            out[chain_id][name] = {
                "value": int(value) if reported else None,
                "unit": "fen",
                "reported": reported,
                "missing": int(total) - reported,
                "years": [first, last] if reported else [],
                "freshness": _iso(fresh) or (str(last) if reported else None),
            }
    return out


def like_for_like(
    session: Session, chain_id: int, as_of: datetime, year: int, column: str
) -> dict[str, Any]:
    """A yearly figure (`column` of `financials()`: revenue, output_value, tax_paid) of year Y
    (the newest year any member reports it, up to `year`) against Y-1, over the members that
    report it in both years: `value` is the change as a ratio (None when last year's sum is 0)."""
    m = _memberships([chain_id], as_of)
    return _like_for_like(session, m, [chain_id], as_of, year, (column,))[column][chain_id]


def _like_for_like(
    session: Session,
    m: Any,
    chain_ids: list[int],
    as_of: datetime,
    year: int,
    columns: tuple[str, ...],
) -> dict[str, dict[int, dict[str, Any]]]:
    """`like_for_like` of each column and chain, set-based: two queries grouped by chain and
    year for all of them (the newest year of each, then the pairs of years)."""
    fin = financials()
    f = fin.c
    newest: dict[str, dict[int, int]] = {column: {} for column in columns}
    for row in session.execute(
        select(m.c.chain_id, f.year, *[func.count(f[column]) for column in columns])
        .select_from(m)
        .join(fin, f.enterprise_id == m.c.enterprise_id)
        .where(_visible(as_of, year))
        .group_by(m.c.chain_id, f.year)
    ):
        for column, n in zip(columns, row[2:], strict=True):
            if n:
                seen = newest[column].get(int(row[0]))
                newest[column][int(row[0])] = max(int(row[1]), seen or 0)
    out: dict[str, dict[int, dict[str, Any]]] = {
        column: {
            c: {"value": None, "year": newest[column].get(c), "enterprises": 0,
                "current_fen": None, "previous_fen": None, "freshness": None}
            for c in chain_ids
        }
        for column in columns
    }  # fmt: skip
    if not any(newest.values()):
        return out
    cur = financials("cur")
    prev = financials("prev")
    both = {column: and_(cur.c[column].is_not(None), prev.c[column].is_not(None))
            for column in columns}  # fmt: skip
    rows = session.execute(
        select(
            m.c.chain_id,
            cur.c.year,
            *[
                agg
                for column in columns
                for agg in (
                    func.count().filter(both[column]),
                    func.sum(cur.c[column]).filter(both[column]),
                    func.sum(prev.c[column]).filter(both[column]),
                    func.max(cur.c.source_date).filter(both[column]),
                )
            ],
        )
        .select_from(m)
        .join(cur, cur.c.enterprise_id == m.c.enterprise_id)
        .join(prev, and_(prev.c.enterprise_id == m.c.enterprise_id, prev.c.year == cur.c.year - 1))
        .where(  # only the years some chain's newest is: the rest would be thrown away
            cur.c.year.in_(sorted({y for by in newest.values() for y in by.values()})),
            or_(cur.c.source_date.is_(None), cur.c.source_date <= as_of.date()),
            or_(prev.c.source_date.is_(None), prev.c.source_date <= as_of.date()),
        )
        .group_by(m.c.chain_id, cur.c.year)
    )
    for row in rows:
        chain_id, y = int(row[0]), int(row[1])
        for i, column in enumerate(columns):
            n, now_fen, before_fen, fresh = row[2 + 4 * i : 6 + 4 * i]
            if not n or newest[column].get(chain_id) != y:
                continue
            value = None
            if before_fen:
                ratio = Decimal(int(now_fen)) / Decimal(int(before_fen)) - 1
                value = str(ratio.quantize(Decimal("0.000001"), ROUND_HALF_UP))
            out[column][chain_id] = {
                "value": value, "year": y, "enterprises": int(n), "current_fen": int(now_fen),
                "previous_fen": int(before_fen), "freshness": _iso(fresh) or str(y),
            }  # fmt: skip
    return out


def _registry_items(
    session: Session, chain_ids: list[int], as_of: datetime, year: int
) -> dict[int, dict[str, Any]]:
    """Members, new members, money and growth of each chain as of the month's end (no
    stamps), set-based: a handful of queries grouped by chain, whatever the number of chains."""
    m = _memberships(chain_ids, as_of)
    reg = registry()
    counted: dict[int, tuple[int, int]] = {
        int(c): (int(n), 0)
        for c, n in session.execute(  # every member is in the registry (a foreign key)
            select(m.c.chain_id, func.count())
            .select_from(m)
            .join(reg, reg.c.id == m.c.enterprise_id)
            .group_by(m.c.chain_id)
        )
    }
    # New this month: a first accepted link in the month, or founded in it.
    es = EnterpriseSegment
    joined_at = func.coalesce(es.decided_at, es.created_at)
    first = (
        select(es.chain_id, es.enterprise_id, func.min(joined_at).label("first"))
        .where(es.chain_id.in_(chain_ids), es.status == "accepted", joined_at <= as_of)
        .group_by(es.chain_id, es.enterprise_id)
        .subquery()
    )
    start = month_start(as_of)
    for c, new in session.execute(
        select(first.c.chain_id, func.count())
        .select_from(first)
        .join(reg, reg.c.id == first.c.enterprise_id)
        .where(
            or_(
                first.c.first >= start,
                and_(reg.c.founded_on >= start.date(), reg.c.founded_on <= as_of.date()),
            )
        )
        .group_by(first.c.chain_id)
    ):
        counted[int(c)] = (counted.get(int(c), (0, 0))[0], int(new or 0))
    totals = {c: counted.get(c, (0, 0))[0] for c in chain_ids}
    money = _money(session, m, as_of, year, totals)
    # Growth (revenue), and the desks' change on last year of output and tax (kept here).
    changes = _like_for_like(session, m, chain_ids, as_of, year, CHANGES)
    growth = changes.pop("revenue")
    return {
        c: {
            "members": {"value": totals[c]},
            "new_members": {"value": counted.get(c, (0, 0))[1],
                            "month": f"{as_of.year:04d}-{as_of.month:02d}"},
            **money[c],
            "growth": growth[c],
            "changes": {column: changes[column][c] for column in changes},
        }
        for c in chain_ids
    }


def _kept(session: Session, chain_id: int, month: str, gens: dict[str, int]) -> Any:
    row = session.get(ChainMonthFigure, (chain_id, month))
    if row is None or (row.registry_generation, row.links_generation) != (
        gens.get("registry"), gens.get("links"),
    ):  # fmt: skip
        return None
    return row.items


def _keep(session: Session, chain_id: int, month: str, gens: dict[str, int], items: Any) -> None:
    """Keep the items for the next reader when the session's view is the committed state."""

    def write(s: Session) -> None:
        s.execute(
            delete(ChainMonthFigure).where(
                ChainMonthFigure.chain_id == chain_id, ChainMonthFigure.month == month
            )
        )
        s.add(ChainMonthFigure(
            chain_id=chain_id, month=month, registry_generation=gens["registry"],
            links_generation=gens["links"], items=items, computed_at=utcnow(),
        ))  # fmt: skip

    figures.store_if_committed(session, lambda s: figures.generations(s) == gens, write)


def _registry(session: Session, chain_id: int, month: str) -> dict[str, Any]:
    """The registry part of a chain's month, kept or computed (and kept)."""
    return registries(session, [chain_id], month)[chain_id]


def registries(session: Session, chain_ids: list[int], month: str) -> dict[int, dict[str, Any]]:
    """The registry part of each chain's month, kept or computed (and kept): the chains whose
    kept part is stale are computed together, set-based, in Polars over the registry rows kept
    in memory (chains.inputs: after a write or an import only the changed firms' rows are read
    again); `_registry_items` is the same computation in SQL."""
    year, mon = parse_month(month)
    gens = figures.generations(session)
    out: dict[int, dict[str, Any]] = {}
    stale: list[int] = []
    for chain_id in chain_ids:
        kept = _kept(session, chain_id, month, gens)
        if kept is None or "changes" not in kept:  # kept before the changes were
            stale.append(chain_id)
        else:
            out[chain_id] = dict(kept)
    if not stale:
        inputs.warm_later(session, inputs.db_key(session, gens.get("instance", 0)))
    if stale:
        as_of = month_end(year, mon)
        rows = inputs.current(
            session,
            inputs.db_key(session, gens.get("instance", 0)),
            committed=lambda s: figures.generations(s) == gens,
        )
        made = indicator_frames.registry_items(rows, stale, as_of, year, month_start(as_of))
        for chain_id in stale:
            _keep(session, chain_id, month, gens, made[chain_id])
            out[chain_id] = dict(made[chain_id])
    return out


def compute_with_changes(
    session: Session, chain_id: int, month: str, now: datetime | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """`compute`, and the output (`output_value`) and tax (`tax_paid`) of the newest year
    against the year before, like for like (`like_for_like`), kept with the month's
    indicators (the desks' change on last year)."""
    registry = _registry(session, chain_id, month)
    return _compose(session, chain_id, month, now, registry), dict(registry["changes"])


def all_with_changes(
    session: Session, chain_ids: list[int], month: str, now: datetime | None = None
) -> dict[int, tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
    """`compute_with_changes` of each chain, the stale registry parts computed together."""
    parts = registries(session, chain_ids, month)
    return {
        c: (_compose(session, c, month, now, parts[c]), dict(parts[c]["changes"]))
        for c in chain_ids
    }


def compute(
    session: Session, chain_id: int, month: str, now: datetime | None = None
) -> dict[str, Any]:
    """The indicators of a chain for a month (see the module's docstring), as a JSON-ready dict
    with `month`, `as_of`, `computed_at` and `items` (one entry per indicator, in ORDER).

    The registry part is kept per chain and month with the generations of chains.figures it
    was computed from, and reused while they are unchanged (a write to the registry or the
    links anywhere makes it stale); the demand counts are counted on every call."""
    return _compose(session, chain_id, month, now, _registry(session, chain_id, month))


def _compose(
    session: Session, chain_id: int, month: str, now: datetime | None, registry: dict[str, Any]
) -> dict[str, Any]:
    year, mon = parse_month(month)
    now = now or utcnow()
    as_of = month_end(year, mon)
    stamp = now.isoformat()
    n_open, n_overdue, demand_fresh = demands_public.chain_counts(
        session, chain_id, as_of, now, select(_memberships([chain_id], as_of).c.enterprise_id)
    )
    items: dict[str, Any] = {
        "members": {**registry["members"], "freshness": stamp},
        "new_members": {**registry["new_members"], "freshness": stamp},
        **{name: registry[name] for name, _ in MONEY},
        "growth": registry["growth"],
        "open_demands": {"value": n_open, "freshness": demand_fresh or stamp},
        "overdue_demands": {"value": n_overdue, "freshness": demand_fresh or stamp},
        "key_projects": {"value": None, "available": False, "freshness": None},
    }
    return {"month": month, "as_of": as_of.isoformat(), "computed_at": stamp, "items": items}


def refresh_job(engine: Engine, now: datetime, settings: Settings) -> Report:
    """Rebuild the chain analytics' aggregates, and this month's indicators of every chain, if
    their sources changed since they were built, so that the next reader does not wait for it
    (a job of the kernel's scheduled round, registered by the assembly; `now` is not used: the
    figures are today's)."""
    from highland.chains.models import Chain

    try:
        with transaction(engine) as s:
            state = figures.refresh(s)
        log.info("chain figures: %s", {k: v["built_from"] for k, v in state.items()})
        month = current_month()
        with transaction(engine) as s:
            for chain_id in s.scalars(select(Chain.id).where(Chain.retired.is_(False))):
                compute(s, chain_id, month)
    except Exception:  # noqa: BLE001  (a failed rebuild is retried by the next reader)
        log.exception("chain figures: rebuild failed")
    return Report()
