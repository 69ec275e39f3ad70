"""Rounds of periodic background jobs, claimed in the database so that several server workers
run each round once.

Every worker of `highland serve --workers N` starts the same scheduler thread. Before a
round, the worker claims it: one UPDATE of the job's row in `data_generation` (name
`job.<job>`, value: the Unix second of the last claimed round) that succeeds only when no
round was claimed within the last 90 % of the interval. On SQLite the claim's BEGIN
IMMEDIATE serialises the workers; on PostgreSQL the second UPDATE waits for the first one's
row lock and then finds the round taken. The losers skip the round; a worker that dies
leaves the next round to whichever worker ticks first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from highland.platform.db import begin_write, transaction, utcnow
from highland.platform.generations import DataGeneration

PREFIX = "job."
# A round may start this share of the interval after the last one (the workers' timers drift).
SLACK = 0.9


def claim(engine: Engine, job: str, every: timedelta, now: datetime | None = None) -> bool:
    """Claim this round of a job that runs every `every`: True when this worker should run it
    (no round claimed within SLACK × every), False when another worker has."""
    stamp = int((now or utcnow()).timestamp())
    due = stamp - int(every.total_seconds() * SLACK)
    name = f"{PREFIX}{job}"
    try:
        with transaction(engine) as s:
            begin_write(s)
            if s.scalar(select(DataGeneration.value).where(DataGeneration.name == name)) is None:
                s.add(DataGeneration(name=name, value=stamp))
                s.flush()  # two first rounds at once: the second gets IntegrityError
                return True
            taken = s.execute(
                update(DataGeneration)
                .where(DataGeneration.name == name)
                # A claim from the future: the clock was set back; the round is due.
                .where((DataGeneration.value <= due) | (DataGeneration.value > stamp))
                .values(value=stamp)
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]
    except IntegrityError:
        return False


def last_claimed(engine: Engine, job: str) -> datetime | None:
    """When the job's last round was claimed (None: never)."""
    from datetime import UTC

    with transaction(engine) as s:
        value = s.scalar(select(DataGeneration.value).where(DataGeneration.name == PREFIX + job))
    return None if value is None else datetime.fromtimestamp(int(value), UTC)
