"""Metrics of the 12345 practice, computed two ways that must agree (as demands/metrics/):
set-based SQL over the projection and the practice tables, and a replay of the event log.

Over the demands of the main report (dispatched in [start, end), optionally of one category or
chain), per current institution:

- extensions asked, approved and refused (延期申请; a lapsed request is asked only);
- callbacks (回访): calls made, demands whose enterprise was reached at least once, and of
  those the demands whose *latest* reaching call found it satisfied — the callback's
  satisfaction rate, shown beside (never instead of) the enterprise's own ratings;

and by request type (咨询, 求助, 投诉, 建议, or not given), over the same demands: volume,
on-time rate (resolved on time / resolved), actual resolution rate (solved / verdicts) and
the enterprise's ratings.

**按期办结率 over what fell due** (period [due_start, due_end), Beijing time): every dispatched
demand whose resolution deadline — the final one, after approved extensions — fell in the
period and before `now` counts in the denominator; the numerator is those resolved on time
(at or before that deadline). Resolved late or still open counts as not on time. Not counted:
a demand withdrawn before its deadline (it owes no resolution), one paused (waiting for the
enterprise) before its deadline (the deadline moves when it resumes), and one not at an
institution (returned to the router). The demand's current institution answers for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from highland.demands import metrics
from highland.demands.metrics import institutions, log
from highland.demands.models import Demand
from highland.demands.practice.models import DemandCallback, DemandExtension
from highland.demands.rates import Rate
from highland.demands.workflow import REQUEST_TYPES
from highland.platform.db import utcnow

NO_TYPE = "none"  # the by-type key of demands without a request type


@dataclass(frozen=True)
class PracticeCounts:
    """One institution's practice figures (integers both implementations produce)."""

    ext_asked: int = 0
    ext_ok: int = 0
    ext_no: int = 0
    calls: int = 0
    reached: int = 0
    satisfied: int = 0
    due: int = 0
    due_on_time: int = 0

    def __add__(self, other: PracticeCounts) -> PracticeCounts:
        return PracticeCounts(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )

    @property
    def callback_satisfaction(self) -> Rate:
        """Satisfied (latest reaching call) over demands whose enterprise was reached."""
        return Rate(self.satisfied, self.reached)

    @property
    def on_time_due(self) -> Rate:
        """按期办结率 over what fell due in the period."""
        return Rate(self.due_on_time, self.due)

    def any(self) -> bool:
        """Whether anything counts."""
        return any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class TypeCounts:
    """Figures of one request type."""

    volume: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    verdicts: int = 0
    solved: int = 0
    ratings: int = 0
    rating_sum: int = 0

    def __add__(self, other: TypeCounts) -> TypeCounts:
        return TypeCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class PracticeReport:
    """Practice figures per institution and by request type."""

    due_start: datetime | None
    due_end: datetime | None
    now: datetime
    institutions: dict[str, PracticeCounts] = field(default_factory=dict)
    by_type: dict[str, TypeCounts] = field(default_factory=dict)

    def total(self) -> PracticeCounts:
        """All institutions together."""
        return sum(self.institutions.values(), PracticeCounts())

    def type_rows(self) -> list[dict[str, Any]]:
        """One row per request type (the four, then 'none' when some have no type)."""
        keys = [*REQUEST_TYPES, *([NO_TYPE] if NO_TYPE in self.by_type else [])]
        volume = sum(t.volume for t in self.by_type.values())
        rows = []
        for k in keys:
            t = self.by_type.get(k, TypeCounts())
            rows.append(
                {
                    "type": k,
                    "volume": t.volume,
                    "share": _rate(Rate(t.volume, volume)),
                    "on_time": _rate(Rate(t.resolved_on_time, t.resolved)),
                    "solved": _rate(Rate(t.solved, t.verdicts)),
                    "rating": {
                        "mean": round(t.rating_sum / t.ratings, 2) if t.ratings else None,
                        "ratings": t.ratings,
                    },
                }
            )
        return rows

    def institution_row(self, code: str) -> dict[str, Any]:
        """An institution's practice figures as plain values (JSON, tables)."""
        c = self.institutions.get(code, PracticeCounts())
        return {
            "extensions": {"asked": c.ext_asked, "approved": c.ext_ok, "refused": c.ext_no},
            "callbacks": {
                "calls": c.calls,
                "reached": c.reached,
                "satisfaction": _rate(c.callback_satisfaction),
            },
            "on_time_due": _rate(c.on_time_due),
        }


def _rate(r: Rate) -> dict[str, Any]:
    return {"num": r.num, "den": r.den, "percent": r.percent}


def _clean(report: PracticeReport) -> PracticeReport:
    """Drop institutions and types where nothing counts (both implementations agree)."""
    return PracticeReport(
        report.due_start,
        report.due_end,
        report.now,
        {k: v for k, v in sorted(report.institutions.items()) if v.any()},
        {k: v for k, v in sorted(report.by_type.items()) if v.volume},
    )


# ---------------------------------------------------------------- set-based


def _n(cond: ColumnElement[bool]) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _fell_due(due_start: datetime | None, due_end: datetime | None, now: datetime) -> Any:
    end = now if due_end is None else min(due_end, now)
    conds = [
        Demand.resolution_due.is_not(None),
        Demand.resolution_due < end,
        or_(Demand.state != "withdrawn", Demand.resolution_due < Demand.closed_at),
        or_(Demand.paused_at.is_(None), Demand.resolution_due < Demand.paused_at),
    ]
    if due_start is not None:
        conds.append(Demand.resolution_due >= due_start)
    return and_(*conds)


def practice_metrics(
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    category: str | None = None,
    chain_id: int | None = None,
    due_start: datetime | None = None,
    due_end: datetime | None = None,
    now: datetime | None = None,
) -> PracticeReport:
    """The practice figures from the projection and the practice tables (four GROUP BYs)."""
    # long: the four GROUP BYs share their filters and fill one report; read
    # side by side they are easier to check against `practice_from_log` than split apart.
    now = now or utcnow()
    conds = institutions._filters(start, end, category, chain_id)
    inst: dict[str, PracticeCounts] = {}

    def add(code: str | None, c: PracticeCounts) -> None:
        if code is not None:
            inst[code] = inst[code] + c if code in inst else c

    ext = DemandExtension
    for code, asked, ok, no in session.execute(
        select(
            Demand.institution_code,
            func.count(),
            _n(ext.state == "approved"),
            _n(ext.state == "refused"),
        )
        .select_from(ext)
        .join(Demand, Demand.id == ext.demand_id)
        .where(*conds)
        .group_by(Demand.institution_code)
    ).all():
        add(code, PracticeCounts(ext_asked=int(asked), ext_ok=int(ok or 0), ext_no=int(no or 0)))
    cb = DemandCallback
    for code, calls in session.execute(
        select(Demand.institution_code, func.count())
        .select_from(cb)
        .join(Demand, Demand.id == cb.demand_id)
        .where(*conds)
        .group_by(Demand.institution_code)
    ).all():
        add(code, PracticeCounts(calls=int(calls)))
    latest = (
        select(cb.demand_id, func.max(cb.id).label("mid"))
        .where(cb.reached.is_(True))
        .group_by(cb.demand_id)
        .subquery()
    )
    for code, reached, satisfied in session.execute(
        select(Demand.institution_code, func.count(), _n(cb.satisfied.is_(True)))
        .select_from(latest)
        .join(cb, cb.id == latest.c.mid)
        .join(Demand, Demand.id == latest.c.demand_id)
        .where(*conds)
        .group_by(Demand.institution_code)
    ).all():
        add(code, PracticeCounts(reached=int(reached), satisfied=int(satisfied or 0)))
    due_conds = institutions._filters(None, None, category, chain_id)
    for code, due, on_time in session.execute(
        select(Demand.institution_code, func.count(), _n(Demand.resolved_on_time.is_(True)))
        .where(*due_conds, _fell_due(due_start, due_end, now))
        .group_by(Demand.institution_code)
    ).all():
        add(code, PracticeCounts(due=int(due), due_on_time=int(on_time or 0)))
    by_type: dict[str, TypeCounts] = {}
    for rtype, n, resolved, on_time, verdicts, solved, ratings, rating_sum in session.execute(
        select(
            Demand.request_type,
            func.count(),
            _n(Demand.resolved_on_time.is_not(None)),
            _n(Demand.resolved_on_time.is_(True)),
            _n(Demand.verdict.is_not(None)),
            _n(Demand.verdict == "solved"),
            func.count(Demand.rating),
            func.sum(Demand.rating),
        )
        .where(*conds)
        .group_by(Demand.request_type)
    ).all():
        by_type[rtype or NO_TYPE] = TypeCounts(
            int(n), int(resolved or 0), int(on_time or 0), int(verdicts or 0), int(solved or 0),
            int(ratings or 0), int(rating_sum or 0),
        )  # fmt: skip
    return _clean(PracticeReport(due_start, due_end, now, inst, by_type))


# ---------------------------------------------------------------- from the log


def apply_practice_event(
    r: metrics.Replay,
    action: str,
    data: dict[str, Any],
    limits: dict[str, tuple[int, int]],
    clock: log._Clock,
) -> None:
    """Fold an extension or callback event into a replayed demand (mirrors extensions.py
    and callbacks.py)."""
    if action == "extend_ask":
        r.ext_asked += 1
    elif action == "extend_ok":
        r.ext_ok += 1
        r.extension_days += int(data.get("days") or 0)
        log._set_clocks(r, limits[str(r.category)], clock, data)
    elif action == "extend_no":
        r.ext_no += 1
    elif action == "callback":
        r.callbacks += 1
        if data.get("reached"):
            r.callback_satisfied = bool(data.get("satisfied"))


def _fell_due_replay(
    r: metrics.Replay, due_start: datetime | None, due_end: datetime | None, now: datetime
) -> bool:
    due = r.resolution_due
    end = now if due_end is None else min(due_end, now)
    return (
        due is not None
        and due < end
        and (due_start is None or due >= due_start)
        and (r.state != "withdrawn" or (r.closed_at is not None and due < r.closed_at))
        and (r.paused_at is None or due < r.paused_at)
    )


def _in(r: metrics.Replay, category: str | None, chain_id: int | None) -> bool:
    return (category is None or r.category == category) and (
        chain_id is None or r.chain_id == chain_id
    )


def practice_from_log(
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    category: str | None = None,
    chain_id: int | None = None,
    due_start: datetime | None = None,
    due_end: datetime | None = None,
    now: datetime | None = None,
    replayed: Iterable[metrics.Replay] | None = None,
) -> PracticeReport:
    """The same report as `practice_metrics`, recomputed by replaying the event log."""
    now = now or utcnow()
    inst: dict[str, PracticeCounts] = {}
    by_type: dict[str, TypeCounts] = {}
    for r in replayed if replayed is not None else metrics.replays(session):
        if r.dispatched_at is None or not _in(r, category, chain_id):
            continue
        code = r.institution
        if code is not None and _fell_due_replay(r, due_start, due_end, now):
            c = PracticeCounts(due=1, due_on_time=int(r.resolved_on_time is True))
            inst[code] = inst[code] + c if code in inst else c
        if (start is not None and r.dispatched_at < start) or (
            end is not None and r.dispatched_at >= end
        ):
            continue
        if code is not None:
            c = PracticeCounts(
                ext_asked=r.ext_asked,
                ext_ok=r.ext_ok,
                ext_no=r.ext_no,
                calls=r.callbacks,
                reached=int(r.callback_satisfied is not None),
                satisfied=int(r.callback_satisfied is True),
            )
            inst[code] = inst[code] + c if code in inst else c
        key = r.request_type or NO_TYPE
        t = TypeCounts(
            1,
            int(r.resolved_on_time is not None),
            int(r.resolved_on_time is True),
            int(r.verdict is not None),
            int(r.verdict == "solved"),
            int(r.rating is not None),
            r.rating or 0,
        )
        by_type[key] = by_type[key] + t if key in by_type else t
    return _clean(PracticeReport(due_start, due_end, now, inst, by_type))
