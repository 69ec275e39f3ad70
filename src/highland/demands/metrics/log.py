"""Per-institution metrics recomputed from the append-only event log (`demand_event`),
demand by demand, re-deriving every clock with the working-day calendar: the check on
`institutions.institution_metrics`, which reads the projection columns. The tests prove the
two equal over many random workflow paths."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands.metrics.institutions import NOT_OVERDUE, Counts, Report, _report
from highland.demands.models import Demand, DemandCategory, DemandEvent
from highland.demands.tiers import due_after
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.db import utcnow
from highland.platform.kit.dates import CITY_TZ


class _Clock:
    """add_working_days cached by (Shanghai date, n): replaying a million demands asks the
    same few thousand questions over and over."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.memo: dict[tuple[date, int], datetime] = {}

    def add(self, start: datetime, n: int) -> datetime:
        key = (start.astimezone(CITY_TZ).date(), n)
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = due_after(self.cal, start, n)  # 0: the same working day
        return hit


@dataclass
class Replay:
    """A demand's projection as re-derived from its events (only what metrics need)."""

    demand_id: int
    chain_id: int | None
    state: str = "submitted"
    category: str | None = None
    institution: str | None = None
    dispatched_by: str | None = None
    dispatched_at: datetime | None = None
    clock_start: datetime | None = None
    paused_days: int = 0
    paused_at: datetime | None = None
    response_due: datetime | None = None
    resolution_due: datetime | None = None
    responded_at: datetime | None = None
    responded_on_time: bool | None = None
    resolved_on_time: bool | None = None
    closed_at: datetime | None = None
    verdict: str | None = None
    rating: int | None = None
    returns: int = 0
    # The 12345 practice (demands/practice/metrics.py reads these).
    request_type: str | None = None
    resolved_at: datetime | None = None
    extension_days: int = 0
    resolution_due_original: datetime | None = None
    ext_asked: int = 0
    ext_ok: int = 0
    ext_no: int = 0
    callbacks: int = 0
    callback_satisfied: bool | None = None  # the latest call that reached the enterprise

    @property
    def open(self) -> bool:
        """Not confirmed or withdrawn."""
        return self.state not in ("confirmed", "withdrawn")


def _set_clocks(
    r: Replay, limits: tuple[int, int], clock: _Clock, data: dict[str, Any] | None = None
) -> None:
    assert r.dispatched_at is not None and r.clock_start is not None
    # The limits the event recorded (service._set_clocks) win over today's category limits.
    recorded = (data or {}).get("limits")
    response_days, resolution_days = (int(recorded[0]), int(recorded[1])) if recorded else limits
    if r.responded_at is None:
        r.response_due = clock.add(r.dispatched_at, response_days + r.paused_days)
    r.resolution_due_original = clock.add(r.clock_start, resolution_days + r.paused_days)
    r.resolution_due = clock.add(r.clock_start, resolution_days + r.paused_days + r.extension_days)
    # The deadlines the event recorded win over a recount: a year counted provisionally then
    # may have been entered since (its `reclock` event comes later in the log).
    _take_deadlines(r, (data or {}).get("deadlines"), response=r.responded_at is None)


def _take_deadlines(r: Replay, recorded: Any, *, response: bool = True) -> None:
    if not isinstance(recorded, dict):
        return
    value = recorded.get("response_due")
    if response and value:
        r.response_due = _when(value)
    value = recorded.get("resolution_due")
    if value:
        r.resolution_due = _when(value)
    value = recorded.get("resolution_due_original")
    if value:
        r.resolution_due_original = _when(value)


def _when(value: Any) -> datetime:
    """An ISO date-time from an event's data (a `[old, new]` pair gives its new value)."""
    if isinstance(value, list):
        value = value[-1]
    return datetime.fromisoformat(str(value))


def apply_event(
    r: Replay,
    action: str,
    to_state: str,
    at: datetime,
    actor: str,
    data: dict[str, Any],
    limits: dict[str, tuple[int, int]],
    clock: _Clock,
) -> None:
    """Fold one event into a replayed demand (mirrors service.act's handlers)."""
    prev = r.state
    if action == "submit":
        r.category = str(data.get("category") or r.category)
        r.request_type = data.get("request_type")
    elif action == "dispatch":
        r.institution = data.get("institution")
        r.dispatched_by = actor
        if r.dispatched_at is None:
            r.dispatched_at = r.clock_start = at
            _set_clocks(r, limits[str(r.category)], clock, data)
    elif action == "accept":
        if r.responded_at is None:
            r.responded_at = at
            r.responded_on_time = r.response_due is None or at <= r.response_due
    elif action == "wait":
        r.paused_at = at
    elif action == "resume":
        r.paused_days += int(data.get("paused_working_days") or 0)
        r.paused_at = None
        _set_clocks(r, limits[str(r.category)], clock, data)
    elif action == "resolve":
        r.resolved_at = at
        r.resolved_on_time = r.resolution_due is None or at <= r.resolution_due
    elif action == "confirm":
        r.verdict = data.get("verdict")
        rating = data.get("rating")
        r.rating = None if rating is None else int(rating)
        if to_state == "reopened":
            r.clock_start = at
            r.paused_days = r.extension_days = 0
            r.resolved_at = r.resolved_on_time = None
            _set_clocks(r, limits[str(r.category)], clock, data)
        else:
            r.closed_at = at
    elif action == "return":
        r.returns += 1
        r.institution = None
    elif action == "transfer":
        r.institution = data.get("to")
    elif action == "withdraw":
        r.closed_at = at
    elif action == "recategorise":
        r.category = str(data.get("to"))
        if r.dispatched_at is not None and prev != "returned":
            _set_clocks(r, limits[r.category], clock, data)
        if data.get("institution_to"):
            r.institution = data["institution_to"]
    elif action == "reclock":
        # A year's schedule was entered: the deadlines that moved, as [old, new].
        _take_deadlines(r, data)
    elif action in ("extend_ask", "extend_ok", "extend_no", "callback"):
        from highland.demands.practice.metrics import apply_practice_event

        apply_practice_event(r, action, data, limits, clock)
    # Other actions (the sweep's marks) change no column that metrics read.
    r.state = to_state


def _counts_of(r: Replay, now: datetime) -> Counts:
    owed = r.responded_at is not None or (
        r.response_due is not None
        and r.response_due < now
        and (r.closed_at is None or r.response_due < r.closed_at)
    )
    overdue = (
        r.open
        and r.state not in NOT_OVERDUE
        and r.resolution_due is not None
        and r.resolution_due < (r.paused_at or now)
    )
    return Counts(
        volume=1,
        responded_on_time=int(r.responded_on_time is True),
        response_owed=int(owed),
        resolved_on_time=int(r.resolved_on_time is True),
        resolved=int(r.resolved_on_time is not None),
        solved=int(r.verdict == "solved"),
        partly=int(r.verdict == "partly"),
        verdicts=int(r.verdict is not None),
        ratings=int(r.rating is not None),
        rating_sum=r.rating or 0,
        ratings_high=int(r.rating is not None and r.rating >= 4),
        overdue_open=int(overdue),
    )


def replays(session: Session, demand_ids: Iterable[int] | None = None) -> Iterator[Replay]:
    """Re-derive demands from their events, one at a time in id order (streaming: a million
    demands never sit in memory together)."""
    limits = {
        code: (resp, reso)
        for code, resp, reso in session.execute(
            select(
                DemandCategory.code, DemandCategory.response_days, DemandCategory.resolution_days
            )
        ).all()
    }
    clock = _Clock(load_calendar(session))
    ev = DemandEvent
    stmt = (
        select(ev.demand_id, ev.action, ev.to_state, ev.at, ev.actor, ev.data, Demand.chain_id)
        .join(Demand, Demand.id == ev.demand_id)
        .order_by(ev.demand_id, ev.seq)
    )
    if demand_ids is not None:
        stmt = stmt.where(ev.demand_id.in_(list(demand_ids)))
    cur: Replay | None = None
    result = session.execute(stmt.execution_options(yield_per=50_000))
    for demand_id, action, to_state, at, actor, data, chain in result:
        if cur is None or cur.demand_id != demand_id:
            if cur is not None:
                yield cur
            cur = Replay(demand_id, chain)
        if isinstance(data, str):
            data = json.loads(data)
        apply_event(cur, action, to_state, at, actor, data or {}, limits, clock)
    if cur is not None:
        yield cur


def replay(session: Session, demand_ids: Iterable[int] | None = None) -> dict[int, Replay]:
    """Re-derive demands from their events (all demands, or the given ones) by id."""
    return {r.demand_id: r for r in replays(session, demand_ids)}


def metrics_from_log(
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    category: str | None = None,
    chain_id: int | None = None,
    now: datetime | None = None,
    min_volume: int | None = None,
) -> Report:
    """The same report as `institution_metrics`, recomputed by replaying the event log."""
    now = now or utcnow()
    counts: dict[str, Counts] = {}
    returns: dict[str, int] = {}
    for r in replays(session):
        if r.dispatched_at is None:
            continue
        if (start is not None and r.dispatched_at < start) or (
            end is not None and r.dispatched_at >= end
        ):
            continue
        if (category is not None and r.category != category) or (
            chain_id is not None and r.chain_id != chain_id
        ):
            continue
        if r.dispatched_by is not None:
            returns[r.dispatched_by] = returns.get(r.dispatched_by, 0) + r.returns
        if r.institution is not None:
            c = _counts_of(r, now)
            counts[r.institution] = counts[r.institution] + c if r.institution in counts else c
    return _report(session, counts, returns, start, end, now, category, chain_id, min_volume)
