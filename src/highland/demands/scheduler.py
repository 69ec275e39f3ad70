"""The server's scheduled overdue sweep: a daemon thread that runs `run_once` every
`settings.demand_sweep_minutes` minutes (0: never), logs the counts and never takes the server
down with it.

`run_once` is also what `highland demands sweep` calls. With several app workers, each round
is claimed in the database first (highland.demands.jobs), so one worker runs it and the others skip
it; on PostgreSQL a transaction-level advisory lock also keeps a CLI sweep and a server's
apart, and on SQLite the sweep's BEGIN IMMEDIATE queues it behind other writers.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from highland.demands.jobs import claim
from highland.demands.sweep import SweepResult, sweep
from highland.platform.config import Settings
from highland.platform.db import begin_write, transaction
from highland.platform.notices.email import send_pending

log = logging.getLogger("highland.demands.scheduler")

# pg_try_advisory_xact_lock key of the sweep ("HLDSWP" in ASCII).
LOCK_KEY = 0x484C_4453_5750
EMAIL_BATCH = 100
EMAIL_BUDGET_SECONDS = 300.0


def _try_lock(session: Session) -> bool:
    """On PostgreSQL, take the sweep's advisory lock for this transaction (False: another
    worker holds it). Other databases: always True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}))


def run_once(engine: Engine, settings: Settings, now: datetime | None = None) -> SweepResult:
    """One sweep in its own transaction, the prune of old rows in another, then the pending
    e-mails in short transactions of at most EMAIL_BATCH notices each (so that SMTP never holds
    the database for long)."""
    with transaction(engine) as s:
        begin_write(s)
        if not _try_lock(s):
            log.info("demand sweep skipped: another worker is sweeping")
            return SweepResult(skipped=True)
        result = sweep(s, now, settings=settings)
        # Tasks of the chains' monthly scheduling run on the same clock and sweep.
        from highland.chains.governance.sweep import sweep_tasks

        tasks = sweep_tasks(s, now, settings=settings)
        result.notifications += tasks.notifications
        log.info("%s", tasks.summary())
    _prune(engine, settings, result)
    if settings.smtp_host:
        started = time.monotonic()
        while time.monotonic() - started < EMAIL_BUDGET_SECONDS:
            with transaction(engine) as s:
                begin_write(s)
                if not _try_lock(s):
                    break
                sent, failed = send_pending(s, settings, limit=EMAIL_BATCH)
            result.emails_sent += sent
            result.emails_failed += failed
            if sent == 0 or sent + failed < EMAIL_BATCH:
                break
    _refresh_figures(engine)
    return result


def _prune(engine: Engine, settings: Settings, result: SweepResult) -> None:
    """The tables that only grow, pruned in a transaction of their own (by the real clock,
    whatever moment the sweep was run for); the counts go into the sweep's log line."""
    from highland.platform.prune import prune

    with transaction(engine) as s:
        begin_write(s)
        pruned = prune(s, settings)
    result.pruned_attempts = pruned.attempts
    result.pruned_sessions = pruned.sessions
    result.pruned_notices = pruned.notices


def _refresh_figures(engine: Engine) -> None:
    """Rebuild the chain analytics' aggregates, and this month's indicators of every chain,
    if their sources changed since they were built, so that the next reader does not wait
    for it (see chains.figures and chains.indicators)."""
    from sqlalchemy import select

    from highland.chains import figures, indicators
    from highland.chains.models import Chain

    try:
        with transaction(engine) as s:
            state = figures.refresh(s)
        log.info("chain figures: %s", {k: v["built_from"] for k, v in state.items()})
        month = indicators.current_month()
        with transaction(engine) as s:
            for chain_id in s.scalars(select(Chain.id).where(Chain.retired.is_(False))):
                indicators.compute(s, chain_id, month)
    except Exception:  # noqa: BLE001  (a failed rebuild is retried by the next reader)
        log.exception("chain figures: rebuild failed")


class SweepScheduler:
    """A daemon thread running `run_once` every `minutes` minutes until stopped."""

    def __init__(self, engine: Engine, settings: Settings, minutes: float) -> None:
        self.engine = engine
        self.settings = settings
        self.interval = minutes * 60.0
        self.runs = 0
        self.last: SweepResult | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="highland-sweep", daemon=True)

    def start(self) -> None:
        """Start the thread; the first sweep runs one interval after start."""
        self._thread.start()
        log.info("demand sweep scheduled every %g minute(s)", self.interval / 60)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for it (a sweep in progress finishes first)."""
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
        """One scheduled run, unless another worker has claimed this round (see
        highland.demands.jobs): log the counts, or log the error and carry on."""
        try:
            if not claim(self.engine, "sweep", timedelta(seconds=self.interval)):
                log.info("demand sweep: this round ran in another worker")
                return
            self.last = run_once(self.engine, self.settings)
            log.info("demand sweep: %s", self.last.summary())
        except Exception:  # noqa: BLE001  (the server must outlive a failed sweep)
            log.exception("demand sweep failed; trying again in %g minute(s)", self.interval / 60)
        finally:
            self.runs += 1


def start_scheduler(app: Any) -> SweepScheduler | None:
    """Start the sweep thread of a FastAPI app (app.state.engine, app.state.settings);
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
    """Stop the app's sweep thread, if any."""
    scheduler: SweepScheduler | None = getattr(app.state, "demand_sweep", None)
    if scheduler is not None:
        scheduler.stop()
        app.state.demand_sweep = None
