"""Several server workers run each round of a background job once: the round is claimed in
the database (real connections and threads, SQLite file and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine

from highland.chains import figures
from highland.platform.config import Settings
from highland.platform.db import session_factory
from highland.platform.jobs import SweepScheduler
from highland.platform.jobs import claims as jobs
from highland.platform.kit import clock
from tests.test_busy_database import own_engine

__all__ = ["own_engine"]  # the fixture: a migrated database of the test's own

EVERY = timedelta(minutes=15)


def _race(n: int, run: object) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = []

    def one() -> None:
        barrier.wait(timeout=30)
        results.append(run())  # type: ignore[operator]

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_one_worker_claims_each_round(own_engine: Engine) -> None:
    now = clock.now()
    assert jobs.last_claimed(own_engine, "sweep") is None
    first = _race(4, lambda: jobs.claim(own_engine, "sweep", EVERY, now))
    assert sorted(first) == [False, False, False, True]  # the very first round too
    assert jobs.last_claimed(own_engine, "sweep") == now.replace(microsecond=0)
    # Workers whose timers fire a little later in the same round skip it.
    assert not jobs.claim(own_engine, "sweep", EVERY, now + timedelta(minutes=10))
    later = now + EVERY
    again = _race(4, lambda: jobs.claim(own_engine, "sweep", EVERY, later))
    assert sorted(again) == [False, False, False, True]
    # A clock set back (a claim from the future) does not stop the job for good.
    assert jobs.claim(own_engine, "sweep", EVERY, now - timedelta(days=1))
    # Other jobs are claimed on their own; the claims are no figure generations.
    assert jobs.claim(own_engine, "other", EVERY, now)
    with session_factory(own_engine)() as s:
        assert not any(name.startswith("job.") for name in figures.generations(s))


def test_several_workers_schedulers_sweep_once_per_round(own_engine: Engine) -> None:
    settings = Settings(secret_key="x", demand_sweep_minutes=15)
    workers = [SweepScheduler(own_engine, settings, minutes=15) for _ in range(3)]
    turn = iter(workers)
    lock = threading.Lock()

    def tick() -> None:
        with lock:
            worker = next(turn)
        worker.tick()

    _race(3, tick)
    assert [w.runs for w in workers] == [1, 1, 1]  # each worker's timer fired
    assert sum(w.last is not None for w in workers) == 1  # one of them swept
