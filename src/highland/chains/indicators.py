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

from sqlalchemy import Engine, Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from highland.chains import figures
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


def _members(chain_id: int, as_of: datetime) -> Select[Any]:
    es = EnterpriseSegment
    return (
        select(es.enterprise_id)
        .where(
            es.chain_id == chain_id,
            es.status == "accepted",
            func.coalesce(es.decided_at, es.created_at) <= as_of,
        )
        .distinct()
    )


def _visible(as_of: datetime, year: int) -> Any:
    f = financials().c
    return and_(
        f.year <= year,
        or_(f.source_date.is_(None), f.source_date <= as_of.date()),
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _money(
    session: Session, chain_id: int, as_of: datetime, year: int, total: int
) -> dict[str, Any]:
    members = _members(chain_id, as_of).subquery()
    f = financials().c
    latest = (
        select(f.enterprise_id, func.max(f.year).label("year"))
        .where(f.enterprise_id.in_(select(members.c.enterprise_id)), _visible(as_of, year))
        .group_by(f.enterprise_id)
        .subquery()
    )
    joined = and_(f.enterprise_id == latest.c.enterprise_id, f.year == latest.c.year)
    columns = [f[column] for _, column in MONEY]
    row = session.execute(  # the three sums in one pass over the members' latest rows
        select(
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
            ]
        )
        .select_from(financials())
        .join(latest, joined)
    ).one()
    out: dict[str, Any] = {}
    for i, (name, _) in enumerate(MONEY):
        value, reported, first, last, fresh = row[5 * i : 5 * i + 5]
        reported = int(reported or 0)
        out[name] = {
            "value": int(value) if reported else None,
            "unit": "fen",
            "reported": reported,
            "missing": int(total) - reported,
            "years": [first, last] if reported else [],
            "freshness": _iso(fresh) or (str(last) if reported else None),
        }
    return out


def _growth(session: Session, chain_id: int, as_of: datetime, year: int) -> dict[str, Any]:
    return like_for_like(session, chain_id, as_of, year, "revenue")


def like_for_like(
    session: Session, chain_id: int, as_of: datetime, year: int, column: str
) -> dict[str, Any]:
    """A yearly figure (`column` of `financials()`: revenue, output_value, tax_paid) of year Y
    (the newest year any member reports it, up to `year`) against Y-1, over the members that
    report it in both years: `value` is the change as a ratio (None when last year's sum is 0)."""
    members = select(_members(chain_id, as_of).subquery().c.enterprise_id)
    f = financials().c
    newest = session.scalar(
        select(func.max(f.year)).where(
            f.enterprise_id.in_(members), _visible(as_of, year), f[column].is_not(None)
        )
    )
    empty = {"value": None, "year": newest, "enterprises": 0, "current_fen": None,
             "previous_fen": None, "freshness": None}  # fmt: skip
    if newest is None:
        return empty
    cur = financials("cur")
    prev = financials("prev")
    visible_cur = or_(cur.c.source_date.is_(None), cur.c.source_date <= as_of.date())
    visible_prev = or_(prev.c.source_date.is_(None), prev.c.source_date <= as_of.date())
    row = session.execute(
        select(
            func.count(),
            func.sum(cur.c[column]),
            func.sum(prev.c[column]),
            func.max(cur.c.source_date),
        )
        .select_from(cur)
        .join(
            prev,
            and_(prev.c.enterprise_id == cur.c.enterprise_id, prev.c.year == newest - 1),
        )
        .where(
            cur.c.year == newest,
            cur.c.enterprise_id.in_(members),
            cur.c[column].is_not(None),
            prev.c[column].is_not(None),
            visible_cur,
            visible_prev,
        )
    ).one()
    n, now_fen, before_fen = int(row[0] or 0), row[1], row[2]
    if not n:
        return empty
    value = None
    if before_fen:
        ratio = Decimal(int(now_fen)) / Decimal(int(before_fen)) - 1
        value = str(ratio.quantize(Decimal("0.000001"), ROUND_HALF_UP))
    return {"value": value, "year": newest, "enterprises": n, "current_fen": int(now_fen),
            "previous_fen": int(before_fen), "freshness": _iso(row[3]) or str(newest)}  # fmt: skip


def _registry_items(session: Session, chain_id: int, as_of: datetime, year: int) -> dict[str, Any]:
    """Members, new members, money and growth as of the month's end (no stamps)."""
    members_q = _members(chain_id, as_of).subquery()
    n_members = int(session.scalar(select(func.count()).select_from(members_q)) or 0)
    es = EnterpriseSegment
    joined_at = func.coalesce(es.decided_at, es.created_at)
    first = (
        select(es.enterprise_id, func.min(joined_at).label("first"))
        .where(es.chain_id == chain_id, es.status == "accepted", joined_at <= as_of)
        .group_by(es.enterprise_id)
        .subquery()
    )
    start = month_start(as_of)
    reg = registry().c
    n_new = int(
        session.scalar(
            select(func.count())
            .select_from(first)
            .join(registry(), reg.id == first.c.enterprise_id)
            .where(
                or_(
                    first.c.first >= start,
                    and_(reg.founded_on >= start.date(), reg.founded_on <= as_of.date()),
                )
            )
        )
        or 0
    )
    return {
        "members": {"value": n_members},
        "new_members": {"value": n_new, "month": f"{as_of.year:04d}-{as_of.month:02d}"},
        **_money(session, chain_id, as_of, year, n_members),
        "growth": _growth(session, chain_id, as_of, year),
        # The desks' change on last year of output and tax (kept here, beside the rest).
        "changes": {
            column: like_for_like(session, chain_id, as_of, year, column)
            for column in ("output_value", "tax_paid")
        },
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
    year, mon = parse_month(month)
    gens = figures.generations(session)
    registry = _kept(session, chain_id, month, gens)
    if registry is None or "changes" not in registry:  # kept before the changes were
        registry = _registry_items(session, chain_id, month_end(year, mon), year)
        _keep(session, chain_id, month, gens, registry)
    return dict(registry)


def compute_with_changes(
    session: Session, chain_id: int, month: str, now: datetime | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """`compute`, and the output (`output_value`) and tax (`tax_paid`) of the newest year
    against the year before, like for like (`like_for_like`), kept with the month's
    indicators (the desks' change on last year)."""
    registry = _registry(session, chain_id, month)
    return _compose(session, chain_id, month, now, registry), dict(registry["changes"])


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
        session, chain_id, as_of, now, _members(chain_id, as_of)
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
