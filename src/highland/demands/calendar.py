"""The Chinese working-day calendar that demand deadlines count in.

A working day is Monday to Friday unless it is a statutory day off, or a weekend day that the
State Council's yearly notice (国务院办公厅关于…部分节假日安排的通知) makes a working day
(调休上班).
The packaged data come from the `holidays` package; a year an admin entered (tables
`calendar_year` and `calendar_day`) overrides it. A year that is neither is refused, never
guessed: `CalendarUnknown`.

Deadlines: N working days from a moment t end at 23:59:59 Asia/Shanghai of the Nth working day
after t's date (t's own date never counts). Every known working day is kept as a sorted array of
ordinals, so a deadline is a bisection.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from highland.audit.service import Actor, Change, record
from highland.db import utcnow
from highland.demands.models import CalendarDay, CalendarYear
from highland.errors import InvalidInput, NotFound

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
OFFICIAL = "official"
ADMIN = "admin"
MAKEUP_NAME = "调休上班"
# Years an admin may enter (a sanity bound, not a policy).
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NAME = 100  # calendar_day.name
MAX_SOURCE = 500

__all__ = [
    "SHANGHAI",
    "CalendarUnknown",
    "WorkCalendar",
    "delete_year",
    "enter_year",
    "load_calendar",
    "official_calendar",
    "parse_year_file",
]


class CalendarUnknown(InvalidInput):
    """A deadline needs a day of a year whose holiday schedule Highland does not know."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"No official holiday schedule for {year} is known to Highland; an admin must enter "
            f"the {year} calendar (`highland calendar load FILE` or the Calendar page) before "
            "deadlines can fall in that year.",
            field="calendar",
        )
        self.year = year


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")


def _local_date(value: datetime, what: str = "start") -> date:
    _aware(value, what)
    return value.astimezone(SHANGHAI).date()


def end_of_day(d: date) -> datetime:
    """23:59:59 of a date in Asia/Shanghai (aware)."""
    return datetime.combine(d, END_OF_DAY, SHANGHAI)


def _default_working(d: date) -> bool:
    return d.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    """Known years and their exceptions to the Monday–Friday rule.

    `exceptions[year]` maps each day that differs from the rule to whether it is worked: a
    weekday holiday to False, a make-up working weekend day to True. `kinds[year]` says where
    the year comes from ("official" or "admin"), `notices[year]` which notice it follows.
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
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def build(
        cls,
        official: Mapping[int, Mapping[date, bool]],
        admin: Mapping[int, Mapping[date, bool]] | None = None,
        *,
        notices: Mapping[int, str] | None = None,
        names: Mapping[date, str] | None = None,
    ) -> WorkCalendar:
        """Official years overlaid with admin-entered ones (an admin year replaces its year)."""
        admin = admin or {}
        exceptions = {**official, **admin}
        kinds = {y: OFFICIAL for y in official} | {y: ADMIN for y in admin}
        return cls(
            exceptions=exceptions,
            kinds=kinds,
            notices=dict(notices or {}),
            names={d: n for d, n in (names or {}).items() if d.year in exceptions},
        )

    # -- queries ---------------------------------------------------------------------------

    def known_years(self) -> dict[int, str]:
        """Year → "official" | "admin", in year order."""
        return {y: self.kinds[y] for y in sorted(self.kinds)}

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
        local = start.astimezone(SHANGHAI).date()
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
            (s.astimezone(SHANGHAI).date().toordinal() for s in starts),
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
        a = start.astimezone(SHANGHAI).date()
        b = end.astimezone(SHANGHAI).date().toordinal()
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


@lru_cache(maxsize=1)
def official_calendar() -> WorkCalendar:
    """The packaged schedule alone (years that have an official notice in `holidays`)."""
    exceptions, names = _official_data()
    return WorkCalendar.build(
        exceptions, notices={y: official_notice(y) for y in exceptions}, names=names
    )


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
    official = official_calendar()
    merged_names = {d: n for d, n in official.names.items() if d.year not in admin} | names
    merged_notices = {**official.notices, **notices}
    official_years = {y: official.exceptions[y] for y in official.exceptions if y not in admin}
    cal = WorkCalendar.build(official_years, admin, notices=merged_notices, names=merged_names)
    with _cache_lock:
        _cache[key] = cal
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return cal


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOP_KEYS = ("year", "source", "holidays", "workdays")
_ITEM_KEYS = ("date", "name")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_year_file(text: str, where: str) -> tuple[int, str, dict[date, tuple[bool, str | None]]]:
    """Read a year's calendar from YAML; return (year, source, {day: (working, name)}).

    ```yaml
    year: 2027
    source: 国办发明电〔2026〕N号
    holidays:            # days off: dates or ranges, optionally named
      - 2027-01-01
      - {date: 2027-02-06..2027-02-13, name: 春节}
    workdays:            # weekend days worked (调休上班)
      - 2027-02-14
    ```

    Only exceptions are returned: weekday holidays (False) and worked weekend days (True);
    weekend days inside a holiday range are off anyway and left out. Any problem raises
    InvalidInput naming the file, the line and the field.
    """
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

    def fail(node: Node | None, fld: str, problem: str) -> InvalidInput:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return InvalidInput(f"{where}{line}: {fld}: {problem}", field=fld)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(f"{where}{line}: not valid YAML: {problem}", field="file") from None
    if root is None:
        raise InvalidInput(f"{where}: the file is empty; expected year, source, holidays and "
                           "workdays", field="file")  # fmt: skip
    if not isinstance(root, MappingNode):
        raise fail(root, "file", "expected a mapping with year, source, holidays and workdays")

    fields: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in root.value:
        if not isinstance(key_node, ScalarNode):
            raise fail(key_node, "file", "keys must be plain names")
        key = key_node.value
        if key not in _TOP_KEYS:
            raise fail(key_node, key, f"unknown field '{key}'; expected {', '.join(_TOP_KEYS)}")
        if key in fields:
            raise fail(key_node, key, "given twice")
        fields[key] = (key_node, value_node)
    for key in _TOP_KEYS:
        if key not in fields:
            raise fail(root, key, "missing (write `workdays: []` if no weekend day is worked)"
                       if key == "workdays" else "missing")  # fmt: skip

    def scalar(node: Node, fld: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            raise fail(node, fld, "expected a single value")
        return str(node.value).strip()

    year_node = fields["year"][1]
    year_text = scalar(year_node, "year")
    if not re.fullmatch(r"\d{4}", year_text) or not MIN_YEAR <= int(year_text) <= MAX_YEAR:
        raise fail(year_node, "year", f"'{year_text}' is not a year between {MIN_YEAR} and "
                   f"{MAX_YEAR}")  # fmt: skip
    year = int(year_text)
    source_node = fields["source"][1]
    source = scalar(source_node, "source")
    if not source:
        raise fail(source_node, "source", "say which notice this follows")
    if len(source) > MAX_SOURCE:
        raise fail(source_node, "source", f"longer than {MAX_SOURCE} characters")

    def one_date(node: Node, fld: str, text: str) -> date:
        if not _DATE.fullmatch(text):
            raise fail(node, fld, f"'{text}' is not a date; write YYYY-MM-DD")
        try:
            d = date.fromisoformat(text)
        except ValueError:
            raise fail(node, fld, f"'{text}' is not a date; write YYYY-MM-DD") from None
        if d.year != year:
            raise fail(node, fld, f"{d} is outside {year}")
        return d

    def dates_of(node: Node, fld: str, text: str) -> list[date]:
        if ".." in text:
            lo_text, _, hi_text = text.partition("..")
            lo, hi = one_date(node, fld, lo_text.strip()), one_date(node, fld, hi_text.strip())
            if hi < lo:
                raise fail(node, fld, f"range {text} ends before it starts")
            return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        return [one_date(node, fld, text)]

    def items(key: str) -> Iterable[tuple[Node, date, str | None]]:
        node = fields[key][1]
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return
        if not isinstance(node, SequenceNode):
            raise fail(node, key, "expected a list of dates")
        for item in node.value:
            name: str | None = None
            if isinstance(item, MappingNode):
                parts: dict[str, Node] = {}
                for k, v in item.value:
                    k_text = k.value if isinstance(k, ScalarNode) else "?"
                    if k_text not in _ITEM_KEYS:
                        raise fail(k, key, f"unknown field '{k_text}'; expected date and name")
                    if k_text in parts:
                        raise fail(k, key, f"'{k_text}' given twice")
                    parts[k_text] = v
                if "date" not in parts:
                    raise fail(item, key, "each entry needs a date")
                text = scalar(parts["date"], key)
                if "name" in parts:
                    name = scalar(parts["name"], key) or None
                    if name is not None and len(name) > MAX_NAME:
                        raise fail(parts["name"], key, f"name longer than {MAX_NAME} characters")
                where_node: Node = parts["date"]
            else:
                text = scalar(item, key)
                where_node = item
            for d in dates_of(where_node, key, text):
                yield where_node, d, name

    off: dict[date, tuple[Node, str | None]] = {}
    for node, d, name in items("holidays"):
        if d not in off or name is not None:
            off[d] = (node, name)
    days: dict[date, tuple[bool, str | None]] = {}
    for d, (_node, name) in off.items():
        if d.weekday() < 5:
            days[d] = (False, name)
    for node, d, name in items("workdays"):
        if d in off:
            other = off[d][0].start_mark.line + 1
            raise fail(node, "workdays", f"{d} is also listed in holidays (line {other}); a day "
                       "cannot be both")  # fmt: skip
        if d.weekday() < 5:
            raise fail(node, "workdays", f"{d} is a {_WEEKDAYS[d.weekday()]}, a working day "
                       "anyway; list only the weekend days that are worked")  # fmt: skip
        days[d] = (True, name or MAKEUP_NAME)
    return year, source, dict(sorted(days.items()))


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
) -> None:
    """Store (or replace) an admin-entered year; it overrides the packaged schedule.

    Only exceptions are kept: weekday days off and worked weekend days; a day that matches the
    Monday–Friday rule anyway is dropped.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year: {year} is not between {MIN_YEAR} and {MAX_YEAR}", field="year")
    source = (source or "").strip()
    if not source:
        raise InvalidInput("source: say which notice this year follows", field="source")
    if len(source) > MAX_SOURCE:
        raise InvalidInput(f"source: longer than {MAX_SOURCE} characters", field="source")
    kept: dict[date, tuple[bool, str | None]] = {}
    for d, (working, name) in sorted(days.items()):
        if d.year != year:
            raise InvalidInput(f"days: {d} is outside {year}", field="days")
        if name is not None and len(name) > MAX_NAME:
            raise InvalidInput(f"days: the name of {d} is longer than {MAX_NAME} characters",
                               field="days")  # fmt: skip
        if bool(working) != _default_working(d):
            kept[d] = (bool(working), name)
    row, before = _stored(session, year)
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    if row is None:
        row = CalendarYear(
            year=year, source=source, entered_at=utcnow(), entered_by=actor.name[:64]
        )
        session.add(row)
    else:
        row.source = source
        row.entered_at = utcnow()
        row.entered_by = actor.name[:64]
    session.flush()
    session.add_all(CalendarDay(day=d, year=year, working=w, name=n) for d, (w, n) in kept.items())
    session.flush()
    after = _summary(year, source, kept)
    n_off = len(after["days_off"])
    n_work = len(after["workdays"])
    overrides = " (overrides the official schedule)" if year in official_calendar().kinds else ""
    record(
        session,
        actor,
        Change(
            action="calendar.enter",
            entity="calendar_year",
            key=str(year),
            before=before,
            after=after,
            summary=(
                f"{year}: {n_off} weekday holidays, {n_work} make-up working days{overrides}, "
                f"following {source}"
            )[:500],
        ),
    )


def delete_year(session: Session, actor: Actor, year: int) -> None:
    """Remove an admin-entered year (the packaged schedule, if any, applies again)."""
    row, before = _stored(session, year)
    if row is None:
        raise NotFound(f"no admin-entered calendar for {year}", field="year")
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    session.delete(row)
    session.flush()
    record(
        session,
        actor,
        Change(
            action="calendar.delete",
            entity="calendar_year",
            key=str(year),
            before=before,
            summary=f"{year}: admin-entered calendar removed",
        ),
    )
