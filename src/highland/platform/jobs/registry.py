"""What the kernel runs for the domains without importing them: named periodic jobs and the
listeners of "a year's working days changed".

The assembly (`highland.wiring`) registers each domain's jobs and listeners once at start-up;
the kernel's scheduler (`highland.platform.jobs.scheduler`) and the calendar
(`highland.platform.calendar.years`) call whatever is registered, in registration order.

A job runs in one of two phases of a round:

- `SWEEP`: inside the round's one write transaction, which holds the sweep lock (PostgreSQL
  advisory lock; SQLite's BEGIN IMMEDIATE): `run(session, now, settings)`;
- `AFTER`: after that transaction, with the engine, in transactions of its own:
  `run(engine, now, settings)`.

Either returns a `Report`: counts (added into the round's result under their names, so that
`result.warned` reads a count) and one line for the round's summary (None: nothing to say).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from highland.platform.audit.service import Actor
from highland.platform.config import Settings

if TYPE_CHECKING:
    from highland.platform.calendar.core import WorkCalendar

SWEEP = "sweep"
AFTER = "after"


@dataclass(frozen=True)
class Report:
    """What one job did: counts by name, and a line for the round's summary."""

    counts: dict[str, int] = field(default_factory=dict)
    line: str | None = None


@dataclass(frozen=True)
class Job:
    """A named periodic job; `phase` says which argument `run` takes (see the module)."""

    name: str
    phase: str
    run: Callable[[Any, datetime, Settings], Report]
    # Where its line goes in the summary: lower first (the sweeps' marks lead it).
    order: int = 50


# A listener recounts one kind of open deadline after a year's working days changed: it gets
# the session, the actor, the year, the calendar before the change and now, and returns the
# ids of the rows whose deadlines moved (each logged as an event by the domain).
CalendarListener = Callable[[Session, Actor, int, "WorkCalendar", datetime], list[int]]


@dataclass(frozen=True)
class Listener:
    """A registered "working days changed" listener: `kind` names what it recounts (the key of
    `Reclocked.moved`), `label` says it in English for the CLI and the audit log."""

    kind: str
    label: str
    run: CalendarListener


_lock = threading.Lock()
_jobs: dict[str, Job] = {}
_listeners: dict[str, Listener] = {}


def register_job(job: Job) -> None:
    """Add a job (a job of the same name is replaced: registering twice is harmless)."""
    if job.phase not in (SWEEP, AFTER):
        raise ValueError(f"job {job.name}: phase must be {SWEEP!r} or {AFTER!r}")
    with _lock:
        _jobs[job.name] = job


def register_calendar_listener(kind: str, label: str, run: CalendarListener) -> None:
    """Add a listener of calendar changes (one per kind; registering twice is harmless)."""
    with _lock:
        _listeners[kind] = Listener(kind, label, run)


def jobs(phase: str | None = None) -> list[Job]:
    """The registered jobs (of one phase), in registration order."""
    with _lock:
        return [j for j in _jobs.values() if phase is None or j.phase == phase]


def calendar_listeners() -> list[Listener]:
    """The registered listeners, in registration order."""
    with _lock:
        return list(_listeners.values())


def unregister(name: str) -> None:
    """Remove a job or a listener (tests)."""
    with _lock:
        _jobs.pop(name, None)
        _listeners.pop(name, None)
