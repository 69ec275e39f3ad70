"""The server's scheduled round of background jobs: a daemon thread that runs `run_once` every
`settings.demand_sweep_minutes` minutes (0: never), logs the counts and never takes the server
down with it.

A round runs the registered jobs (`highland.platform.jobs.registry`): first the SWEEP jobs (the
domains' overdue sweeps) together in one write transaction, then the AFTER jobs, each in
transactions of its own: the kernel's own e-mail of pending notices and prune of old rows, and
whatever the domains registered (e.g. the chains' figure refresh). `run_once` is also what
`highland demands sweep` calls. With several app workers, each round is claimed in the database
first (`claims.claim`), so one worker runs it and the others skip it; on PostgreSQL a
transaction-level advisory lock also keeps a CLI round and a server's apart, and on SQLite the
round's BEGIN IMMEDIATE queues it behind other writers.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from highland.platform.config import Settings
from highland.platform.db import begin_write, transaction, utcnow
from highland.platform.jobs.claims import claim
from highland.platform.jobs.registry import AFTER, SWEEP, Job, Report, jobs, register_job
from highland.platform.notices.email import send_pending

log = logging.getLogger("highland.platform.jobs")

# pg_try_advisory_xact_lock key of the round ("HLDSWP" in ASCII).
LOCK_KEY = 0x484C_4453_5750
EMAIL_BATCH = 100
EMAIL_BUDGET_SECONDS = 300.0


@dataclass
class RunResult:
    """What one round did: every job's counts (summed by name, read as attributes, e.g.
    `result.warned`; a count no job gave reads 0) and the summary's lines."""

    skipped: bool = False  # another worker held the round's lock (PostgreSQL)
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[tuple[int, str]] = field(default_factory=list)

    def add(self, job: Job, report: Report) -> None:
        """Take in one job's report."""
        for name, n in report.counts.items():
            self.counts[name] = self.counts.get(name, 0) + n
        if report.line:
            self.lines.append((job.order, report.line))

    def __getattr__(self, name: str) -> int:
        if name.startswith("_") or name in ("skipped", "counts", "lines"):
            raise AttributeError(name)
        return self.counts.get(name, 0)

    def summary(self) -> str:
        """One line for logs and the CLI."""
        if self.skipped:
            return "skipped: another sweep is running"
        return "; ".join(line for _, line in sorted(self.lines, key=lambda x: x[0]))


def _try_lock(session: Session) -> bool:
    """On PostgreSQL, take the round's advisory lock for this transaction (False: another
    worker holds it). Other databases: always True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}))


def run_once(engine: Engine, settings: Settings, now: datetime | None = None) -> RunResult:
    """One round: the SWEEP jobs in one locked transaction, then each AFTER job (an AFTER job's
    `now` is the real clock's when `now` is not given)."""
    result = RunResult()
    with transaction(engine) as s:
        begin_write(s)
        if not _try_lock(s):
            log.info("demand sweep skipped: another worker is sweeping")
            return RunResult(skipped=True)
        for job in jobs(SWEEP):
            result.add(job, job.run(s, now or utcnow(), settings))
    result.lines.append((60, f"notifications {result.counts.get('notifications', 0)}"))
    for job in jobs(AFTER):
        result.add(job, job.run(engine, now or utcnow(), settings))
    return result


def _email(engine: Engine, now: datetime, settings: Settings) -> Report:
    """The pending e-mails, in short transactions of at most EMAIL_BATCH notices each (so that
    SMTP never holds the database for long)."""
    sent_all = failed_all = 0
    if settings.smtp_host:
        started = time.monotonic()
        while time.monotonic() - started < EMAIL_BUDGET_SECONDS:
            with transaction(engine) as s:
                begin_write(s)
                if not _try_lock(s):
                    break
                sent, failed = send_pending(s, settings, limit=EMAIL_BATCH)
            sent_all += sent
            failed_all += failed
            if sent == 0 or sent + failed < EMAIL_BATCH:
                break
    return Report(
        {"emails_sent": sent_all, "emails_failed": failed_all},
        f"e-mails sent {sent_all}, failed {failed_all}",
    )


def _prune(engine: Engine, now: datetime, settings: Settings) -> Report:
    """The tables that only grow, pruned in a transaction of their own (by the real clock,
    whatever moment the round was run for)."""
    from highland.platform.prune import prune

    with transaction(engine) as s:
        begin_write(s)
        pruned = prune(s, settings)
    counts = {"pruned_attempts": pruned.attempts, "pruned_sessions": pruned.sessions,
              "pruned_notices": pruned.notices}  # fmt: skip
    return Report(counts, pruned.summary())


register_job(Job("platform.email", AFTER, _email, order=70))
register_job(Job("platform.prune", AFTER, _prune, order=80))


class SweepScheduler:
    """A daemon thread running `run_once` every `minutes` minutes until stopped."""

    def __init__(self, engine: Engine, settings: Settings, minutes: float) -> None:
        self.engine = engine
        self.settings = settings
        self.interval = minutes * 60.0
        self.runs = 0
        self.last: RunResult | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="highland-sweep", daemon=True)

    def start(self) -> None:
        """Start the thread; the first round runs one interval after start."""
        self._thread.start()
        log.info("demand sweep scheduled every %g minute(s)", self.interval / 60)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for it (a round in progress finishes first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the thread is running."""
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def tick(self) -> None:
        """One scheduled round, unless another worker has claimed it (see `claims`): log the
        counts, or log the error and carry on."""
        try:
            if not claim(self.engine, "sweep", timedelta(seconds=self.interval)):
                log.info("demand sweep: this round ran in another worker")
                return
            self.last = run_once(self.engine, self.settings)
            log.info("demand sweep: %s", self.last.summary())
        except Exception:  # noqa: BLE001  (the server must outlive a failed round)
            log.exception("demand sweep failed; trying again in %g minute(s)", self.interval / 60)
        finally:
            self.runs += 1


def start_scheduler(app: Any) -> SweepScheduler | None:
    """Start the round thread of a FastAPI app (app.state.engine, app.state.settings);
    None when settings.demand_sweep_minutes is 0."""
    settings: Settings = app.state.settings
    minutes = settings.demand_sweep_minutes
    if minutes <= 0:
        log.info("demand sweep not scheduled (HIGHLAND_DEMAND_SWEEP_MINUTES=0)")
        app.state.demand_sweep = None
        return None
    scheduler = SweepScheduler(app.state.engine, settings, minutes)
    scheduler.start()
    app.state.demand_sweep = scheduler
    return scheduler


def stop_scheduler(app: Any) -> None:
    """Stop the app's round thread, if any."""
    scheduler: SweepScheduler | None = getattr(app.state, "demand_sweep", None)
    if scheduler is not None:
        scheduler.stop()
        app.state.demand_sweep = None
