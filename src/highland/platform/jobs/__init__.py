"""The server's background jobs: a registry the domains' jobs and calendar listeners are
registered in by the assembly (`registry`), the scheduler that runs a round of them
(`scheduler`), and the claims that make several workers run each round once (`claims`)."""

from highland.platform.jobs.claims import claim, last_claimed
from highland.platform.jobs.registry import (
    AFTER,
    SWEEP,
    Job,
    Report,
    calendar_listeners,
    jobs,
    register_calendar_listener,
    register_job,
)
from highland.platform.jobs.scheduler import (
    LOCK_KEY,
    RunResult,
    SweepScheduler,
    run_once,
    start_scheduler,
    stop_scheduler,
)

__all__ = [
    "AFTER",
    "LOCK_KEY",
    "SWEEP",
    "Job",
    "Report",
    "RunResult",
    "SweepScheduler",
    "calendar_listeners",
    "claim",
    "jobs",
    "last_claimed",
    "register_calendar_listener",
    "register_job",
    "run_once",
    "start_scheduler",
    "stop_scheduler",
]
