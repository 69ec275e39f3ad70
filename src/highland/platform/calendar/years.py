"""Admin-entered years of the working-day calendar: enter (or replace) and delete a year.

Either changes which working days a year has, so both call, in the same transaction, the
listeners registered in `highland.platform.jobs` (demands and chain tasks: each recounts its
open deadlines that the change moves and logs a `reclock` event) and say how many moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from highland.platform.audit.service import Actor, Change, record
from highland.platform.calendar.core import (
    MAX_NAME,
    MAX_SOURCE,
    MAX_YEAR,
    MIN_YEAR,
    WorkCalendar,
    _default_working,
    is_official,
    load_calendar,
)
from highland.platform.calendar.models import CalendarDay, CalendarYear
from highland.platform.db import utcnow
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.jobs.registry import calendar_listeners


@dataclass
class Reclocked:
    """What entering (or deleting) a year moved: the ids of each listener's kind of rows
    (`moved["demands"]`, also readable as `reclocked.demands`; a kind nobody listens for reads
    as an empty list)."""

    year: int
    moved: dict[str, list[int]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> list[int]:
        if name.startswith("_") or name in ("year", "moved", "labels"):
            raise AttributeError(name)
        return self.moved.get(name, [])

    def as_dict(self) -> dict[str, Any]:
        """For the audit log."""
        out: dict[str, Any] = {kind: ids[:1000] for kind, ids in self.moved.items()}
        return out | {f"n_{kind}": len(ids) for kind, ids in self.moved.items()}

    def text(self) -> str:
        """One English line for the CLI and the audit summary."""
        parts = [f"{len(ids)} {self.labels[kind]}" for kind, ids in self.moved.items()]
        if not parts:
            return "no open deadline had to be recomputed"
        return f"{' and '.join(parts)} had their deadlines recomputed"


def entered_years(session: Session) -> dict[int, CalendarYear]:
    """The calendar years an admin entered, by year."""
    return {r.year: r for r in session.scalars(select(CalendarYear))}


def reclock_open(
    session: Session, actor: Actor, year: int, old: WorkCalendar, *, now: datetime | None = None
) -> Reclocked:
    """Tell every registered listener that `year`'s working days changed (`old`: the calendar
    before; the database holds the new one); each recounts its open deadlines."""
    now = now or utcnow()
    moved = Reclocked(year)
    same = old.exceptions.get(year) == load_calendar(session).exceptions.get(year)
    for listener in calendar_listeners():
        # The same working days (e.g. a source corrected): nothing moves.
        moved.moved[listener.kind] = [] if same else listener.run(session, actor, year, old, now)
        moved.labels[listener.kind] = listener.label
    session.flush()
    return moved


def _summary(
    year: int, source: str, days: Mapping[date, tuple[bool, str | None]]
) -> dict[str, Any]:
    return {
        "year": year,
        "source": source,
        "days_off": {d.isoformat(): n for d, (w, n) in sorted(days.items()) if not w},
        "workdays": {d.isoformat(): n for d, (w, n) in sorted(days.items()) if w},
    }


def _stored(session: Session, year: int) -> tuple[CalendarYear | None, dict[str, Any] | None]:
    row = session.get(CalendarYear, year)
    if row is None:
        return None, None
    days = {
        r.day: (r.working, r.name)
        for r in session.scalars(select(CalendarDay).where(CalendarDay.year == year))
    }
    return row, _summary(year, row.source, days)


def enter_year(
    session: Session,
    actor: Actor,
    year: int,
    source: str,
    days: Mapping[date, tuple[bool, str | None]],
    *,
    now: datetime | None = None,
) -> Reclocked:
    """Store (or replace) an admin-entered year; it overrides the packaged schedule and ends a
    provisional year. Open deadlines that change are recomputed (one `reclock` event each).

    Only exceptions are kept: weekday days off and worked weekend days; a day that matches the
    Monday–Friday rule anyway is dropped.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year: {year} is not between {MIN_YEAR} and {MAX_YEAR}", field="year",
                           code="calendar.year_range",
                           params={"year": year, "first": MIN_YEAR, "last": MAX_YEAR})  # fmt: skip
    source = (source or "").strip()
    if not source:
        raise InvalidInput("source: say which notice this year follows", field="source",
                           code="calendar.no_source")  # fmt: skip
    if len(source) > MAX_SOURCE:
        raise InvalidInput(
            f"source: longer than {MAX_SOURCE} characters",
            field="source",
            code="calendar.source_too_long",
            params={"limit": MAX_SOURCE},
        )
    kept: dict[date, tuple[bool, str | None]] = {}
    for d, (working, name) in sorted(days.items()):
        if d.year != year:
            raise InvalidInput(f"days: {d} is outside {year}", field="days",
                               code="calendar.day_outside",
                               params={"day": d.isoformat(), "year": year})  # fmt: skip
        if name is not None and len(name) > MAX_NAME:
            raise InvalidInput(f"days: the name of {d} is longer than {MAX_NAME} characters",
                               field="days", code="calendar.name_too_long",
                               params={"day": d.isoformat(), "limit": MAX_NAME})  # fmt: skip
        if bool(working) != _default_working(d):
            kept[d] = (bool(working), name)
    old = load_calendar(session)
    row, before = _stored(session, year)
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    if row is None:
        row = CalendarYear(
            year=year, source=source, entered_at=utcnow(), entered_by=actor.name[:64]
        )
        session.add(row)
    else:
        row.source = source
        # Strictly later than before, even under a fixed clock: the calendar cache keys on it.
        row.entered_at = max(utcnow(), row.entered_at + timedelta(microseconds=1))
        row.entered_by = actor.name[:64]
    session.flush()
    session.add_all(CalendarDay(day=d, year=year, working=w, name=n) for d, (w, n) in kept.items())
    session.flush()
    after = _summary(year, source, kept)
    n_off = len(after["days_off"])
    n_work = len(after["workdays"])
    overrides = " (overrides the official schedule)" if is_official(year) else ""
    moved = reclock_open(session, actor, year, old, now=now)
    record(
        session,
        actor,
        Change(
            action="calendar.enter",
            entity="calendar_year",
            key=str(year),
            before=before,
            after={**after, "reclocked": moved.as_dict()},
            summary=(
                f"{year}: {n_off} weekday holidays, {n_work} make-up working days{overrides}, "
                f"following {source}; {moved.text()}"
            )[:500],
        ),
    )
    return moved


def delete_year(
    session: Session, actor: Actor, year: int, *, now: datetime | None = None
) -> Reclocked:
    """Remove an admin-entered year (the packaged schedule, if any, applies again; otherwise
    the year is provisional again). Open deadlines that change are recomputed."""
    old = load_calendar(session)
    row, before = _stored(session, year)
    if row is None:
        raise NotFound(f"no admin-entered calendar for {year}", field="year",
                       code="calendar.not_entered", params={"year": year})  # fmt: skip
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    session.delete(row)
    session.flush()
    moved = reclock_open(session, actor, year, old, now=now)
    record(
        session,
        actor,
        Change(
            action="calendar.delete",
            entity="calendar_year",
            key=str(year),
            before=before,
            after={"reclocked": moved.as_dict()},
            summary=f"{year}: admin-entered calendar removed; {moved.text()}",
        ),
    )
    return moved
