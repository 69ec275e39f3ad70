"""The one clock: every "now" in Highland comes from here.

Production reads the process clock. Tests (and a demo frozen at a moment) inject another
source with `use(...)`; `time-machine` in the tests moves the process clock itself, which this
module follows. Nothing else in the code calls `datetime.now()` or `date.today()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")

Source = Callable[[], datetime]


def _system() -> datetime:
    return datetime.now(UTC)


_source: Source = _system


def now() -> datetime:
    """The current moment, timezone-aware (UTC)."""
    value = _source()
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the clock returned a naive datetime")
    return value.astimezone(UTC)


def now_local() -> datetime:
    """The current moment in Beijing time (Asia/Shanghai)."""
    return now().astimezone(CITY_TZ)


def today_local() -> date:
    """Today's date in Beijing time."""
    return now_local().date()


def set_source(source: Source | None) -> None:
    """Replace the clock's source (None: back to the process clock)."""
    global _source
    _source = source or _system


@contextmanager
def use(source: Source | datetime) -> Iterator[None]:
    """Within the block, "now" is `source` (a fixed aware datetime or a callable)."""
    if isinstance(source, datetime):
        fixed = source
        if fixed.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware datetime")
        new: Source = lambda: fixed  # noqa: E731
    else:
        new = source
    previous = _source
    set_source(new)
    try:
        yield
    finally:
        set_source(previous)
