"""The tests' clock: every "now" a test needs comes from `highland.platform.kit.clock`
(the product's one clock); a test that needs a particular day fixes it here, in Beijing time.

    from tests.clock import beijing

    @pytest.mark.clock_at("2026-12-28 10:00")          # the whole test (or module: pytestmark)
    def test_year_end(db): ...

    def test_new_year(db, clock_at):                    # or from inside the test
        now = clock_at("2027-01-04 10:00")             # returns the moment (aware)

`clock_at` travels with time-machine: it moves the process clock itself (time.time(),
datetime.now(), …), so `kit.clock.now()`, the libraries (cookie and token timestamps), every
thread of the process (the browser tests' uvicorn server) and the SQL the product runs with
the clock's value see the same moment. The time ticks on from there unless `tick=False`.
It does not move other processes: Chromium keeps its own clock (pages compute no dates) and
the PostgreSQL server keeps the real date, which is why no product SQL calls now() or
CURRENT_DATE (`tests/test_clock.py` checks).

`make test-dates` runs the whole suite with the process clock set by faketime to the two
moments of issue 11 (2026-12-28 and 2027-01-04, 10:00 Beijing time).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from highland.platform.kit import clock

BEIJING = ZoneInfo("Asia/Shanghai")

Moment = str | datetime


def beijing(moment: Moment) -> datetime:
    """An aware moment from "YYYY-MM-DD HH:MM[:SS]" (or "YYYY-MM-DD", 10:00) in Beijing time;
    an aware datetime is returned as it is."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{moment!r}: a fixed moment needs a time zone")
        return moment
    text = moment.strip()
    value = datetime.fromisoformat(text if len(text) > 10 else f"{text} 10:00")
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value


@contextmanager
def frozen(moment: Moment, *, tick: bool = True) -> Iterator[datetime]:
    """Within the block the process clock (and so `kit.clock`) reads `moment` onwards."""
    at = beijing(moment)
    with time_machine.travel(at, tick=tick):
        if abs((clock.now() - at).total_seconds()) > 60:  # pragma: no cover - a safety net
            raise RuntimeError("kit.clock does not follow the process clock")
        yield at


def now() -> datetime:
    """The current moment of the one clock (aware UTC), for tests' own expectations."""
    return clock.now()


def now_local() -> datetime:
    """The current moment in Beijing time."""
    return clock.now_local()


def under_faketime() -> bool:
    """Whether this process runs under libfaketime (`make test-dates`)."""
    return "faketime" in os.environ.get("LD_PRELOAD", "")


def mend_sleep_under_faketime() -> None:
    """Under faketime with FAKETIME_DONT_FAKE_MONOTONIC=1, libfaketime 0.9.10 (Debian's) hands
    a negative deadline to clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), which time.sleep
    uses from Python 3.11: every sleep fails with EINVAL (wolfcw/libfaketime#426). Faking the
    monotonic clock instead hangs every timed lock wait (#390). So, under faketime only,
    time.sleep waits on a lock (sem_clockwait on the real monotonic clock, which works)."""
    if not under_faketime() or getattr(time.sleep, "mended", False):
        return

    def sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        threading.Event().wait(seconds)

    sleep.mended = True  # type: ignore[attr-defined]
    time.sleep = sleep
