"""The Chinese working-day calendar that deadlines count in (demands, chain tasks, projects).

A working day is Monday to Friday unless it is a statutory day off, or a weekend day that the
State Council's yearly notice (国务院办公厅关于…部分节假日安排的通知) makes a working day
(调休上班).

Every year from MIN_YEAR to MAX_YEAR is one of three kinds:

- "official": the notice as packaged in the `holidays` package;
- "admin": entered by an admin from the notice (tables `calendar_year` and `calendar_day`),
  overriding the package;
- "provisional": neither. Its days off are the statutory holidays of 全国年节及纪念日放假办法
  (lunar dates and the 补假 of a holiday falling on a weekend computed by `holidays.China`);
  only the notice's 调休 swaps are unknown. A deadline whose count touches such a year is
  marked provisional wherever it is shown (docs/calendar.md), and recomputed when the year's
  notice is entered.

A year outside MIN_YEAR..MAX_YEAR is refused: `CalendarUnknown`.

Deadlines: N working days from a moment t end at 23:59:59 Asia/Shanghai of the Nth working day
after t's date (t's own date never counts). Every known working day is kept as a sorted array of
ordinals, so a deadline is a bisection.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.platform.calendar.models import CalendarDay, CalendarYear
from highland.platform.errors import InvalidInput
from highland.platform.kit.dates import CITY_TZ

END_OF_DAY = time(23, 59, 59)
OFFICIAL = "official"
ADMIN = "admin"
PROVISIONAL = "provisional"
MAKEUP_NAME = "调休上班"
# Years Highland counts in and an admin may enter (a sanity bound, not a policy).
MIN_YEAR, MAX_YEAR = 2000, 2100
LAW = "全国年节及纪念日放假办法"
MAX_NAME = 100  # calendar_day.name
MAX_SOURCE = 500

__all__ = [
    "ADMIN",
    "OFFICIAL",
    "PROVISIONAL",
    "CalendarUnknown",
    "WorkCalendar",
    "load_calendar",
    "official_calendar",
]


class CalendarUnknown(InvalidInput):
    """A deadline needs a day outside the years Highland counts in (MIN_YEAR..MAX_YEAR)."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year} is outside the years Highland counts working days in "
            f"({MIN_YEAR}–{MAX_YEAR}); no deadline can fall in it.",
            field="calendar",
            code="calendar.unknown_year",
            params={"year": year, "first": MIN_YEAR, "last": MAX_YEAR},
        )
        self.year = year


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")


def _local_date(value: datetime, what: str = "start") -> date:
    _aware(value, what)
    return value.astimezone(CITY_TZ).date()


def end_of_day(d: date) -> datetime:
    """23:59:59 of a date in Asia/Shanghai (aware)."""
    return datetime.combine(d, END_OF_DAY, CITY_TZ)


def _default_working(d: date) -> bool:
    return d.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    """Known years and their exceptions to the Monday–Friday rule.

    `exceptions[year]` maps each day that differs from the rule to whether it is worked: a
    weekday holiday to False, a make-up working weekend day to True. `kinds[year]` says where
    the year comes from ("official", "admin" or "provisional"), `notices[year]` which notice
    (or, for a provisional year, which law) it follows.
    """

    exceptions: Mapping[int, Mapping[date, bool]]
    kinds: Mapping[int, str]
    notices: Mapping[int, str] = field(default_factory=dict)
    names: Mapping[date, str] = field(default_factory=dict, compare=False)
    # Derived in __post_init__.
    _ords: list[int] = field(init=False, repr=False, compare=False)
    _ords_np: np.ndarray = field(init=False, repr=False, compare=False)
    _ends: list[datetime] = field(init=False, repr=False, compare=False)
    _ends_np: np.ndarray = field(init=False, repr=False, compare=False)
    # For each known year: the ordinal of 1 January of the first unknown year after it.
    _limit: dict[int, int] = field(init=False, repr=False, compare=False)
    # Runs of consecutive known years: first ordinal and limit ordinal of each run.
    _run_starts: np.ndarray = field(init=False, repr=False, compare=False)
    _run_limits: np.ndarray = field(init=False, repr=False, compare=False)
    _provisional: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if set(self.exceptions) != set(self.kinds):
            raise ValueError("exceptions and kinds must cover the same years")
        chunks: list[np.ndarray] = []
        for year in sorted(self.exceptions):
            first = date(year, 1, 1).toordinal()
            days = np.arange(first, date(year, 12, 31).toordinal() + 1, dtype=np.int64)
            working = (days - 1) % 7 < 5  # ordinal 1 (0001-01-01) is a Monday
            for d, worked in self.exceptions[year].items():
                if d.year != year:
                    raise ValueError(f"{d} listed under {year}")
                working[d.toordinal() - first] = worked
            chunks.append(days[working])
        ords_np = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
        ords = ords_np.tolist()
        ends = [end_of_day(date.fromordinal(o)) for o in ords]
        ends_np = np.empty(len(ends), dtype=object)
        ends_np[:] = ends
        limit: dict[int, int] = {}
        run_starts: list[int] = []
        run_limits: list[int] = []
        years = sorted(self.exceptions, reverse=True)
        for year in years:
            nxt = year + 1
            limit[year] = limit[nxt] if nxt in limit else date(nxt, 1, 1).toordinal()
            if nxt not in limit:
                run_limits.append(limit[year])
            if year - 1 not in self.exceptions:
                run_starts.append(date(year, 1, 1).toordinal())
        run_starts.reverse()
        run_limits.reverse()
        for name, value in (
            ("_ords", ords),
            ("_ords_np", ords_np),
            ("_ends", ends),
            ("_ends_np", ends_np),
            ("_limit", limit),
            ("_run_starts", np.array(run_starts, dtype=np.int64)),
            ("_run_limits", np.array(run_limits, dtype=np.int64)),
            ("_provisional", frozenset(y for y, k in self.kinds.items() if k == PROVISIONAL)),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def build(
        cls,
        official: Mapping[int, Mapping[date, bool]],
        admin: Mapping[int, Mapping[date, bool]] | None = None,
        *,
        provisional: Mapping[int, Mapping[date, bool]] | None = None,
        notices: Mapping[int, str] | None = None,
        names: Mapping[date, str] | None = None,
    ) -> WorkCalendar:
        """Official and provisional years overlaid with admin-entered ones (an admin year
        replaces its year, whatever it was)."""
        admin = admin or {}
        provisional = {y: v for y, v in (provisional or {}).items() if y not in official}
        exceptions = {**provisional, **official, **admin}
        kinds = (
            {y: PROVISIONAL for y in provisional}
            | {y: OFFICIAL for y in official}
            | {y: ADMIN for y in admin}
        )
        return cls(
            exceptions=exceptions,
            kinds=kinds,
            notices={y: n for y, n in (notices or {}).items() if y in exceptions},
            names={d: n for d, n in (names or {}).items() if d.year in exceptions},
        )

    # -- queries ---------------------------------------------------------------------------

    def known_years(self) -> dict[int, str]:
        """Year → "official" | "admin" | "provisional", in year order."""
        return {y: self.kinds[y] for y in sorted(self.kinds)}

    def is_provisional(self, year: int) -> bool:
        """Whether a year has no notice (official or entered): only statutory days are known."""
        return year in self._provisional

    def provisional_year(self, start: datetime | None, due: datetime | None) -> int | None:
        """The first provisional year a count from `start` to the deadline `due` touches (the
        days after start's Shanghai date up to due's), or None when every day of it is known
        from a notice. Without a start, only the deadline's own year is looked at."""
        if due is None or not self._provisional:
            return None
        last = _local_date(due, "due").year
        first = last if start is None else self._first_needed_year(_local_date(start))
        for year in range(first, last + 1):
            if year in self._provisional:
                return year
        return None

    def is_provisional_deadline(self, start: datetime | None, due: datetime | None) -> bool:
        """Whether a deadline counted from start touches a provisional year."""
        return self.provisional_year(start, due) is not None

    def is_working_day(self, d: date) -> bool:
        """Whether a date is worked; an aware datetime is taken at its Shanghai date."""
        if isinstance(d, datetime):
            d = _local_date(d, "d")
        days = self.exceptions.get(d.year)
        if days is None:
            raise CalendarUnknown(d.year)
        return days.get(d, d.weekday() < 5)

    def day_name(self, d: date) -> str | None:
        """The holiday or make-up day's name, if the source gives one."""
        return self.names.get(d)

    def _first_needed_year(self, local: date) -> int:
        # The first day a count from `local` looks at is the next day.
        return local.year + 1 if (local.month == 12 and local.day == 31) else local.year

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """End (23:59:59 Shanghai) of the nth working day after start's Shanghai date."""
        _aware(start, "start")
        if n < 0:
            raise ValueError(f"n must be 0 or more, got {n}")
        local = start.astimezone(CITY_TZ).date()
        if n == 0:
            return end_of_day(local)
        first_year = self._first_needed_year(local)
        limit = self._limit.get(first_year)
        if limit is None:
            raise CalendarUnknown(first_year)
        i = bisect_right(self._ords, local.toordinal()) + n - 1
        if i >= len(self._ords) or self._ords[i] >= limit:
            raise CalendarUnknown(date.fromordinal(limit).year)
        return self._ends[i]

    def add_working_days_many(self, starts: Sequence[datetime], n: int) -> list[datetime]:
        """`add_working_days` for many starts at once (vectorised; same errors)."""
        if n < 0:
            raise ValueError(f"n must be 0 or more, got {n}")
        for s in starts:
            if s.tzinfo is None:
                _aware(s, "start")
        ords = np.fromiter(
            (s.astimezone(CITY_TZ).date().toordinal() for s in starts),
            dtype=np.int64,
            count=len(starts),
        )
        if n == 0:
            return [end_of_day(date.fromordinal(o)) for o in ords.tolist()]
        idx = np.searchsorted(self._ords_np, ords, side="right") + (n - 1)
        nxt = ords + 1
        run = np.searchsorted(self._run_starts, nxt, side="right") - 1
        safe_run = np.clip(run, 0, max(len(self._run_limits) - 1, 0))
        run_limit = self._run_limits[safe_run] if len(self._run_limits) else np.zeros_like(nxt)
        in_range = idx < len(self._ords_np)
        safe_idx = np.where(in_range, idx, 0)
        landed = self._ords_np[safe_idx] if len(self._ords_np) else np.zeros_like(nxt)
        ok = (run >= 0) & (nxt < run_limit) & in_range & (landed < run_limit)
        if not ok.all():
            bad = int(np.argmin(ok))
            self.add_working_days(starts[bad], n)  # raises the precise CalendarUnknown
            raise AssertionError("vectorised and scalar deadlines disagree")  # pragma: no cover
        result: list[datetime] = self._ends_np[idx].tolist()
        return result

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with start's date < d <= end's date (Shanghai); 0 if end <= start."""
        _aware(start, "start")
        _aware(end, "end")
        if end <= start:
            return 0
        a = start.astimezone(CITY_TZ).date()
        b = end.astimezone(CITY_TZ).date().toordinal()
        if b <= a.toordinal():
            return 0
        first_year = self._first_needed_year(a)
        limit = self._limit.get(first_year)
        if limit is None:
            raise CalendarUnknown(first_year)
        if b >= limit:
            raise CalendarUnknown(date.fromordinal(limit).year)
        return bisect_right(self._ords, b) - bisect_right(self._ords, a.toordinal())


# -- the packaged (official) schedule -------------------------------------------------------


def _entries(value: Any) -> list[tuple[Any, ...]]:
    """A year's entries: a tuple of tuples, or one bare tuple (as the package allows)."""
    if not value:
        return []
    if isinstance(value, tuple) and value and not isinstance(value[0], tuple):
        return [value]
    return list(value)


def official_makeup_days(table: Mapping[int, Any]) -> set[date]:
    """Weekend days worked in exchange for a day off, read from `special_public_holidays`.

    Entries are (month, day, name) for an extra day off, or (month, day, from_month,
    from_day[, from_year]) for "off on month/day, worked on from_month/from_day"; the worked
    day is in from_year when given (e.g. 2001-12-29 for 2002-01-02), else in the same year.
    """
    worked: set[date] = set()
    for year, value in table.items():
        for entry in _entries(value):
            if len(entry) == 3:
                continue
            _to_m, _to_d, from_m, from_d, *rest = entry
            from_date = date(int(rest[0]) if rest else year, from_m, from_d)
            # A weekday "from" date is a holiday moved elsewhere: an ordinary working day.
            if from_date.weekday() >= 5:
                worked.add(from_date)
    return worked


def _official_data() -> tuple[dict[int, dict[date, bool]], dict[date, str]]:
    import holidays
    from holidays.countries.china import ChinaStaticHolidays

    table = ChinaStaticHolidays.special_public_holidays
    years = sorted(table)
    exceptions: dict[int, dict[date, bool]] = {y: {} for y in years}
    names: dict[date, str] = {}
    days_off = holidays.China(years=years, language="zh_CN")
    for d, name in days_off.items():
        if d.year in exceptions and d.weekday() < 5:
            exceptions[d.year][d] = False
            names[d] = name
    for d in official_makeup_days(table):
        if d.year in exceptions:
            if d in days_off:
                raise RuntimeError(f"holidays package lists {d} as both off and worked")
            exceptions[d.year][d] = True
            names[d] = MAKEUP_NAME
    return exceptions, names


def official_notice(year: int) -> str:
    """Where an official year comes from."""
    import holidays

    return f"国务院办公厅 notice for {year} (holidays {holidays.__version__})"


def provisional_notice(year: int) -> str:
    """What a provisional year follows: the law's statutory days, no notice yet."""
    import holidays

    version = holidays.__version__
    return f"{LAW}: statutory holidays only, no notice for {year} yet (holidays {version})"


def _provisional_data(
    years: Iterable[int],
) -> tuple[dict[int, dict[date, bool]], dict[date, str]]:
    """Weekday days off of years without a notice: the statutory holidays of the law in force
    that year and their 补假 (a holiday on a Saturday or Sunday is made up on the next working
    day, 办法 第六条), as `holidays.China` computes them, lunar dates included."""
    import holidays

    wanted = sorted(years)
    exceptions: dict[int, dict[date, bool]] = {y: {} for y in wanted}
    names: dict[date, str] = {}
    if not wanted:
        return exceptions, names
    days_off = holidays.China(years=wanted, language="zh_CN")
    for d, name in days_off.items():
        if d.year in exceptions and d.weekday() < 5:
            exceptions[d.year][d] = False
            names[d] = name
    return exceptions, names


@lru_cache(maxsize=1)
def official_calendar() -> WorkCalendar:
    """The packaged schedule alone: years with an official notice in `holidays`, and every
    other year from MIN_YEAR to MAX_YEAR as a provisional one."""
    exceptions, names = _official_data()
    rest = [y for y in range(MIN_YEAR, MAX_YEAR + 1) if y not in exceptions]
    provisional, provisional_names = _provisional_data(rest)
    notices = {y: official_notice(y) for y in exceptions}
    notices |= {y: provisional_notice(y) for y in provisional}
    return WorkCalendar.build(
        exceptions,
        provisional=provisional,
        notices=notices,
        names=names | provisional_names,
    )


def is_official(year: int) -> bool:
    """Whether the package has the State Council's notice for a year."""
    return official_calendar().kinds.get(year) == OFFICIAL


# -- admin-entered years --------------------------------------------------------------------

_cache: OrderedDict[tuple[Any, ...], WorkCalendar] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 16


def _fingerprint(session: Session) -> tuple[Any, ...]:
    days = select(func.count()).select_from(CalendarDay).scalar_subquery()
    row = session.execute(
        select(
            func.count(),
            func.max(CalendarYear.entered_at),
            func.coalesce(func.sum(CalendarYear.year), 0),
            days,
        ).select_from(CalendarYear)
    ).one()
    bind = session.get_bind()
    return (str(bind.engine.url), *tuple(row))


def load_calendar(session: Session) -> WorkCalendar:
    """Official years overlaid with the admin-entered ones in the database (cached; a new,
    changed or deleted admin year is seen at once)."""
    key = _fingerprint(session)
    if key[1] == 0:
        return official_calendar()
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    admin: dict[int, dict[date, bool]] = {}
    notices: dict[int, str] = {}
    for y in session.scalars(select(CalendarYear)):
        admin[y.year] = {}
        notices[y.year] = y.source
    names: dict[date, str] = {}
    for day in session.scalars(select(CalendarDay)):
        admin.setdefault(day.year, {})[day.day] = day.working
        if day.name:
            names[day.day] = day.name
    base = official_calendar()
    merged_names = {d: n for d, n in base.names.items() if d.year not in admin} | names
    merged_notices = {**base.notices, **notices}
    official_years = {y: base.exceptions[y] for y, k in base.kinds.items() if k == OFFICIAL}
    provisional = {y: base.exceptions[y] for y, k in base.kinds.items() if k == PROVISIONAL}
    cal = WorkCalendar.build(
        {y: v for y, v in official_years.items() if y not in admin},
        admin,
        provisional={y: v for y, v in provisional.items() if y not in admin},
        notices=merged_notices,
        names=merged_names,
    )
    with _cache_lock:
        _cache[key] = cal
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return cal


def recount(old: WorkCalendar, new: WorkCalendar, start: datetime, due: datetime) -> datetime:
    """The deadline `due` (counted from start with the old calendar) counted again with the
    new one: the same number of working days."""
    n = old.working_days_between(start, due)
    return new.add_working_days(start, n)
