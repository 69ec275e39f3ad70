"""The working-day calendar: official 2001–2026 data, admin-entered years, deadlines, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.platform import db
from highland.platform.audit.models import AuditEntry
from highland.platform.calendar import (
    CalendarUnknown,
    WorkCalendar,
    delete_year,
    enter_year,
    load_calendar,
    official_calendar,
    official_makeup_days,
    parse_year_file,
)
from highland.platform.calendar import cli as calendar_cli
from highland.platform.calendar.models import CalendarDay, CalendarYear
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.kit import clock
from highland.platform.kit.dates import CITY_TZ
from tests.cli import Cli, invoke
from tests.conftest import ACTOR

OUTSIDE_2101 = (
    "2101 is outside the years Highland counts working days in (2000–2100); no deadline can "
    "fall in it."
)
# 2027 by the law alone (全国年节及纪念日放假办法, 2024 revision): the weekday days off.
STATUTORY_2027 = {
    date(2027, 1, 1): "元旦",  # Friday
    date(2027, 2, 5): "农历除夕",  # Friday; 初一 and 初二 fall on the weekend …
    date(2027, 2, 8): "春节",  # 初三, Monday
    date(2027, 2, 9): "春节（补假）",  # … so they are made up on Tuesday and Wednesday
    date(2027, 2, 10): "春节（补假）",
    date(2027, 4, 5): "清明节",
    date(2027, 5, 3): "劳动节（补假）",  # 1 and 2 May are a Saturday and a Sunday
    date(2027, 5, 4): "劳动节（补假）",
    date(2027, 6, 9): "端午节",
    date(2027, 9, 15): "中秋节",
    date(2027, 10, 1): "国庆节",  # Friday; 2 and 3 October are the weekend
    date(2027, 10, 4): "国庆节（补假）",
    date(2027, 10, 5): "国庆节（补假）",
}

# A made-up 2027 schedule (the real notice is not published yet): a test fixture only.
YEAR_2027 = """\
year: 2027
source: test fixture, not the real notice
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {date: 2027-02-05..2027-02-12, name: 春节}
  - 2027-10-01..2027-10-07
workdays:
  - 2027-02-13
  - {date: 2027-10-09, name: 国庆节调休上班}
"""


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return official_calendar()


# -- the known cases ------------------------------------------------------------------------


@pytest.mark.parametrize("at", [time(0, 0), time(9, 30), time(23, 59, 59)])
def test_friday_before_spring_festival_plus_one_is_the_makeup_saturday(
    cal: WorkCalendar, at: time
) -> None:
    due = cal.add_working_days(datetime.combine(date(2026, 2, 13), at, CITY_TZ), 1)
    assert due.isoformat() == "2026-02-14T23:59:59+08:00"
    assert due.tzinfo is not None and due.utcoffset() == timedelta(hours=8)


def test_national_day_golden_week(cal: WorkCalendar) -> None:
    due = cal.add_working_days(sh(2026, 9, 30, 10), 5)
    assert due.isoformat() == "2026-10-13T23:59:59+08:00"
    assert due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=CITY_TZ)
    assert cal.working_days_between(sh(2026, 9, 30, 10), due) == 5


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 28), True),  # Saturday, make-up for Feb 23
        (date(2026, 10, 10), True),  # Saturday, make-up for Oct 7
        (date(2026, 1, 4), True),  # Sunday, make-up for Jan 2
        (date(2026, 9, 20), True),  # Sunday, make-up for Oct 6
        (date(2026, 10, 8), True),  # Thursday after the golden week
        (date(2026, 2, 14), True),
        (date(2026, 1, 2), False),  # Friday off (substituted)
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), False),
        (date(2026, 10, 7), False),
        (date(2026, 6, 19), False),  # Dragon Boat Festival
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 3, 9), True),  # an ordinary Monday
        (date(2001, 12, 29), True),  # worked Saturday for 2002-01-02 (a 5-tuple entry)
        (date(2015, 9, 3), False),  # a one-off holiday (a 3-tuple entry)
    ],
)
def test_is_working_day(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_the_start_date_is_taken_in_shanghai(cal: WorkCalendar) -> None:
    # 20:00 UTC on the 13th is already the 14th in Shanghai; the next working day after the
    # 14th is the 24th (the 15th–23rd are the Spring Festival days off).
    utc = datetime(2026, 2, 13, 20, 0, tzinfo=UTC)
    assert cal.add_working_days(utc, 1).isoformat() == "2026-02-24T23:59:59+08:00"
    other = datetime(2026, 2, 13, 8, 0, tzinfo=timezone(timedelta(hours=-5)))  # 21:00 Shanghai
    assert cal.add_working_days(other, 1).isoformat() == "2026-02-14T23:59:59+08:00"


def test_zero_days_is_the_end_of_the_start_date(cal: WorkCalendar) -> None:
    assert cal.add_working_days(sh(2026, 10, 3, 8), 0).isoformat() == "2026-10-03T23:59:59+08:00"
    assert cal.add_working_days_many([sh(2026, 10, 3, 8)], 0) == [sh(2026, 10, 3, 23, 59, 59)]


def test_naive_or_negative_is_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(datetime(2026, 1, 5), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days_many([sh(2026, 1, 5), datetime(2026, 1, 5)], 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_days_between(sh(2026, 1, 5), datetime(2026, 1, 9))
    with pytest.raises(ValueError, match="0 or more"):
        cal.add_working_days(sh(2026, 1, 5), -1)


def test_working_days_between_edges(cal: WorkCalendar) -> None:
    assert cal.working_days_between(sh(2026, 3, 9, 12), sh(2026, 3, 9, 8)) == 0
    assert cal.working_days_between(sh(2026, 3, 9, 8), sh(2026, 3, 9, 18)) == 0
    assert cal.working_days_between(sh(2026, 3, 6), sh(2026, 3, 9)) == 1  # Fri → Mon
    assert (
        cal.working_days_between(sh(2026, 1, 1), sh(2026, 12, 31)) == 248
    )  # 261 weekdays - 19 off + 6 worked


def test_known_years_are_the_official_notices_then_provisional_ones(cal: WorkCalendar) -> None:
    years = cal.known_years()
    assert list(years) == list(range(2000, 2101))
    assert {y for y, k in years.items() if k == "official"} == set(range(2001, 2027))
    assert {y for y, k in years.items() if k == "provisional"} == {2000, *range(2027, 2101)}
    assert cal.is_provisional(2027) and not cal.is_provisional(2026)
    assert "全国年节及纪念日放假办法" in cal.notices[2027]
    assert cal.day_name(date(2026, 10, 1)) == "国庆节"
    assert cal.day_name(date(2026, 10, 2)) == "国庆节"
    assert cal.day_name(date(2026, 2, 14)) == "调休上班"


def test_official_data_agrees_with_the_holidays_package(cal: WorkCalendar) -> None:
    from holidays.countries.china import ChinaStaticHolidays

    ref = holidays.China(years=range(2001, 2027))
    assert official_makeup_days(ChinaStaticHolidays.special_public_holidays) == {
        d for d in ref.weekend_workdays if 2001 <= d.year <= 2026
    }
    d = date(2001, 1, 1)
    while d.year <= 2026:
        assert cal.is_working_day(d) is ref.is_working_day(d), d
        d += timedelta(days=1)


# -- provisional years ----------------------------------------------------------------------


def test_2027_has_the_statutory_days_of_the_law(cal: WorkCalendar) -> None:
    off = {
        d: cal.day_name(d)
        for d in (date(2027, 1, 1) + timedelta(days=i) for i in range(365))
        if d.weekday() < 5 and not cal.is_working_day(d)
    }
    assert off == STATUTORY_2027
    # 13 statutory days, each on a weekday or made up on one; no 调休 swap is guessed.
    assert len(off) == 13
    assert not any(cal.is_working_day(d) for d in (date(2027, 2, 6), date(2027, 10, 2)))
    assert cal.working_days_between(sh(2026, 12, 31, 12), sh(2027, 12, 31, 12)) == 261 - 13


def test_ten_working_days_from_the_last_monday_of_2026(cal: WorkCalendar) -> None:
    start = datetime.fromisoformat("2026-12-28T10:00:00+08:00")
    due = cal.add_working_days(start, 10)
    # Dec 29, 30, 31; 1 January is off; then 4–8 and 11–12 January.
    assert due.isoformat() == "2027-01-12T23:59:59+08:00"
    assert cal.provisional_year(start, due) == 2027 and cal.is_provisional_deadline(start, due)
    # A count that ends in 2026 does not touch 2027, even from a start near it.
    near = cal.add_working_days(start, 3)
    assert near.isoformat() == "2026-12-31T23:59:59+08:00"
    assert cal.provisional_year(start, near) is None
    # Without a start, only the deadline's year is looked at.
    assert cal.provisional_year(None, due) == 2027 and cal.provisional_year(None, near) is None


def test_a_count_spanning_2026_and_2027(cal: WorkCalendar) -> None:
    assert cal.working_days_between(sh(2026, 12, 28), sh(2027, 1, 5)) == 5
    assert cal.add_working_days(sh(2026, 12, 31, 9), 1).isoformat() == "2027-01-04T23:59:59+08:00"
    assert cal.add_working_days_many([sh(2026, 12, 1), sh(2026, 12, 28)], 5) == [
        sh(2026, 12, 8, 23, 59, 59),
        sh(2027, 1, 5, 23, 59, 59),
    ]
    # The Spring Festival of 2027: from Thursday 4 February, 5–10 February are off.
    assert cal.add_working_days(sh(2027, 2, 4), 1).date() == date(2027, 2, 11)


def test_years_outside_the_range_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarUnknown) as info:
        cal.add_working_days(sh(2100, 12, 30), 5)
    assert info.value.message == OUTSIDE_2101 and info.value.year == 2101
    assert info.value.code == "calendar.unknown_year"
    assert info.value.params == {"year": 2101, "first": 2000, "last": 2100}
    assert isinstance(info.value, InvalidInput) and info.value.status_code == 422
    with pytest.raises(CalendarUnknown, match="2101"):
        cal.add_working_days_many([sh(2100, 6, 1), sh(2100, 12, 30)], 5)
    with pytest.raises(CalendarUnknown, match="1999 is outside"):
        cal.is_working_day(date(1999, 5, 3))
    with pytest.raises(CalendarUnknown, match="2101"):
        cal.working_days_between(sh(2100, 12, 28), sh(2101, 1, 5))
    # 2000 has no notice in the package: provisional, counted by the law of the time.
    assert cal.is_provisional(2000) and cal.add_working_days(sh(2000, 6, 1), 1).year == 2000
    assert cal.add_working_days(sh(2100, 12, 28), 3).date() == date(2100, 12, 31)


def test_a_gap_between_known_years_is_refused() -> None:
    # A calendar built by hand can still have a gap (the loaded one never has: every year
    # without a notice is provisional).
    official = official_calendar()
    cal = WorkCalendar.build({2026: official.exceptions[2026]}, {2028: {date(2028, 1, 3): False}})
    assert cal.known_years() == {2026: "official", 2028: "admin"}
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.add_working_days(sh(2026, 12, 28), 5)
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.add_working_days_many([sh(2026, 12, 28)], 5)
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.add_working_days(sh(2027, 6, 1), 1)
    assert (
        cal.add_working_days_many([sh(2027, 12, 31), sh(2028, 1, 1)], 1)
        == [sh(2028, 1, 4, 23, 59, 59)] * 2
    )
    filled = WorkCalendar.build(
        {2026: official.exceptions[2026]},
        {2028: {date(2028, 1, 3): False}},
        provisional={2027: official.exceptions[2027]},
    )
    assert filled.known_years() == {2026: "official", 2027: "provisional", 2028: "admin"}
    assert filled.add_working_days(sh(2026, 12, 28), 5) == sh(2027, 1, 5, 23, 59, 59)
    due = filled.add_working_days(sh(2026, 12, 28), 260)
    assert due.year == 2028 and filled.provisional_year(sh(2026, 12, 28), due) == 2027


# -- the property ---------------------------------------------------------------------------


def naive_deadline(cal: WorkCalendar, start: datetime, n: int) -> datetime:
    d = start.astimezone(CITY_TZ).date()
    left = n
    while left:
        d += timedelta(days=1)
        if cal.is_working_day(d):
            left -= 1
    return datetime.combine(d, time(23, 59, 59), CITY_TZ)


starts = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2028, 10, 31, 23, 59, 59)
).flatmap(
    lambda naive: st.sampled_from([CITY_TZ, UTC, timezone(timedelta(hours=-8))]).map(
        lambda tz: naive.replace(tzinfo=tz)
    )
)


@settings(max_examples=400, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=30))
def test_deadline_property(start: datetime, n: int) -> None:
    cal = official_calendar()
    due = cal.add_working_days(start, n)
    assert due.tzinfo is CITY_TZ and due.time() == time(23, 59, 59)
    if n:
        assert cal.is_working_day(due.date())
    assert cal.working_days_between(start, due) == n
    assert due == naive_deadline(cal, start, n)
    assert cal.add_working_days_many([start, start], n) == [due, due]


def test_vectorised_matches_scalar_for_every_day(cal: WorkCalendar) -> None:
    # 2023 to 2028: official years, the turn of 2026 into the provisional 2027, and beyond.
    days = [sh(2023, 1, 1) + timedelta(days=i, hours=13) for i in range(365 * 6)]
    for n in (1, 5, 10, 20):
        assert cal.add_working_days_many(days, n) == [cal.add_working_days(s, n) for s in days]


# -- year files -----------------------------------------------------------------------------


def test_parse_year_file() -> None:
    year, source, days = parse_year_file(YEAR_2027, "2027.yaml")
    assert (year, source) == (2027, "test fixture, not the real notice")
    off = {d for d, (w, _) in days.items() if not w}
    assert date(2027, 1, 1) in off and days[date(2027, 1, 1)] == (False, "元旦")
    # Weekend days inside a range are off anyway and left out.
    assert date(2027, 2, 6) not in days and date(2027, 10, 2) not in days
    assert {d for d in off if d.month == 2} == {date(2027, 2, d) for d in (5, 8, 9, 10, 11, 12)}
    assert days[date(2027, 10, 1)] == (False, None)
    assert days[date(2027, 2, 13)] == (True, "调休上班")
    assert days[date(2027, 10, 9)] == (True, "国庆节调休上班")
    assert len(off) == 1 + 6 + 5


BAD_FILES = [
    ("holidays:\n  - 2027-02-30\n", "bad.yaml:5: holidays: '2027-02-30' is not a date"),
    ("holidays:\n  - 27-02-03\n", "bad.yaml:5: holidays: '27-02-03' is not a date"),
    ("holidays:\n  - 2026-12-31\n", "bad.yaml:5: holidays: 2026-12-31 is outside 2027"),
    ("holidays:\n  - 2027-12-30..2028-01-02\n", "bad.yaml:5: holidays: 2028-01-02 is outside"),
    ("holidays:\n  - 2027-02-12..2027-02-05\n", "ends before it starts"),
    (
        "holidays:\n  - 2027-02-12..2027-02-14\n",
        "bad.yaml:7: workdays: 2027-02-13 is also listed in holidays (line 5)",
    ),
    ("holidays:\n  - {date: 2027-01-01, nmae: x}\n", "bad.yaml:5: holidays: unknown field 'nmae'"),
    ("holidays: [2027-01-01]\nholiday: [2027-01-04]\n", "bad.yaml:5: holiday: unknown field"),
    ("holidays:\n  - {name: x}\n", "bad.yaml:5: holidays: each entry needs a date"),
]
HEAD = "year: 2027\nsource: test\n\n"
TAIL = "workdays:\n  - 2027-02-13\n"


@pytest.mark.parametrize(("body", "message"), BAD_FILES)
def test_bad_year_files(body: str, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_year_file(HEAD + body + TAIL, "bad.yaml")
    assert message in info.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year: 2027\nsource: [a\n", "bad.yaml:3: not valid YAML"),
        ("year: 2027\n  source: x\n", "bad.yaml:2: not valid YAML"),
        ("", "bad.yaml: the file is empty"),
        ("- 2027-01-01\n", "bad.yaml:1: file: expected a mapping"),
        ("year: 2027\nsource: x\nholidays: []\n", "bad.yaml:1: workdays: missing"),
        ("year: 27\nsource: x\nholidays: []\nworkdays: []\n", "year: '27' is not a year"),
        ("year: 2027\nsource: ''\nholidays: []\nworkdays: []\n", "source: say which notice"),
        ("year: 2027\nsource: x\nholidays: 2027-01-01\nworkdays: []\n", "expected a list"),
        (
            "year: 2027\nsource: x\nholidays: []\nworkdays: [2027-01-04]\n",
            "bad.yaml:4: workdays: 2027-01-04 is a Monday, a working day anyway",
        ),
        ("year: 2027\nyear: 2028\n", "bad.yaml:2: year: given twice"),
    ],
)
def test_malformed_year_files(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_year_file(text, "bad.yaml")
    assert message in info.value.message


# -- admin-entered years in the database ----------------------------------------------------


def test_load_calendar_without_admin_years_is_the_official_one(db: Session) -> None:
    assert load_calendar(db) is official_calendar()


def test_admin_entered_2027_is_accepted_then_deleted(db: Session) -> None:
    before = load_calendar(db)
    assert before.is_provisional(2027)
    # Provisional: 1 January off, nothing else known yet.
    assert before.add_working_days(sh(2026, 12, 28), 5) == sh(2027, 1, 5, 23, 59, 59)
    year, source, days = parse_year_file(YEAR_2027, "2027.yaml")
    moved = enter_year(db, ACTOR, year, source, days)
    assert (moved.demands, moved.tasks) == ([], [])
    cal = load_calendar(db)
    assert not cal.is_provisional(2027)
    assert cal.known_years()[2027] == "admin" and cal.notices[2027] == source
    # Dec 29, 30, 31, then Jan 1 2027 is off: Jan 4 and Jan 5.
    assert cal.add_working_days(sh(2026, 12, 28), 5).isoformat() == "2027-01-05T23:59:59+08:00"
    assert cal.is_working_day(date(2027, 2, 13)) and not cal.is_working_day(date(2027, 2, 8))
    assert cal.day_name(date(2027, 10, 9)) == "国庆节调休上班"
    assert load_calendar(db) is cal  # cached while nothing changes
    rows = db.scalars(select(CalendarDay).where(CalendarDay.year == 2027)).all()
    assert len(rows) == len(days) == 14
    entry = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "calendar.enter", AuditEntry.entity_key == "2027"
        )
    ).one()
    assert entry.entity == "calendar_year" and entry.actor == ACTOR.name
    assert entry.after is not None and entry.after["workdays"] == {
        "2027-02-13": "调休上班",
        "2027-10-09": "国庆节调休上班",
    }
    assert "2027-01-01" in entry.after["days_off"]

    delete_year(db, ACTOR, 2027)
    assert load_calendar(db).is_provisional(2027)
    assert load_calendar(db).is_working_day(date(2027, 2, 11))  # the fixture's 春节 is gone
    assert db.scalar(select(func.count()).select_from(CalendarDay)) == 0
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.delete")).one()
    with pytest.raises(NotFound):
        delete_year(db, ACTOR, 2027)


def test_admin_year_overrides_the_official_one(db: Session) -> None:
    # Suppose a later notice made Oct 8 2026 a day off too, worked on Saturday Oct 17 instead.
    official = official_calendar().exceptions[2026]
    days: dict[date, tuple[bool, str | None]] = {d: (w, None) for d, w in official.items()}
    del days[date(2026, 10, 10)]
    days[date(2026, 10, 8)] = (False, "国庆节")
    days[date(2026, 10, 17)] = (True, None)
    enter_year(db, ACTOR, 2026, "a corrected notice", days)
    cal = load_calendar(db)
    assert cal.known_years()[2026] == "admin" and cal.known_years()[2025] == "official"
    assert not cal.is_working_day(date(2026, 10, 8))
    assert not cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 10, 17))
    assert cal.add_working_days(sh(2026, 9, 30), 5).isoformat() == "2026-10-15T23:59:59+08:00"
    # Entering it again replaces it, and the change is seen at once.
    enter_year(
        db, ACTOR, 2026, "the official notice again", {d: (w, None) for d, w in official.items()}
    )
    again = load_calendar(db)
    assert again.add_working_days(sh(2026, 9, 30), 5).isoformat() == "2026-10-13T23:59:59+08:00"
    assert db.get(CalendarYear, 2026) is not None
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.entity_key == "2026")).all()) == 2


def test_enter_year_refuses_bad_input_and_writes_nothing(db: Session) -> None:
    with pytest.raises(InvalidInput, match="2026-12-31 is outside 2027"):
        enter_year(db, ACTOR, 2027, "x", {date(2026, 12, 31): (False, None)})
    with pytest.raises(InvalidInput, match="source"):
        enter_year(db, ACTOR, 2027, "  ", {})
    assert db.scalar(select(func.count()).select_from(CalendarYear)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 0


# -- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[Path]:
    """A fresh SQLite database for the CLI."""
    yield tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = invoke(*args, app=calendar_cli.app)
    return result.code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2026-09-30", "5", "2026-10-13T23:59:59+08:00"),
        ("2026-02-13", "1", "2026-02-14T23:59:59+08:00"),
        ("2026-02-13T10:00", "1", "2026-02-14T23:59:59+08:00"),
        ("2026-02-13 23:59:59", "1", "2026-02-14T23:59:59+08:00"),
        ("2026-02-13T20:00:00Z", "1", "2026-02-24T23:59:59+08:00"),
        ("2026-02-13T10:00+08:00", "0", "2026-02-13T23:59:59+08:00"),
    ],
)
def test_cli_deadline(env: Path, start: str, n: str, due: str) -> None:
    code, out, err = run("deadline", "--from", start, "--working-days", n)
    assert (code, out, err) == (0, due + "\n", "")


def test_cli_deadline_errors(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run("deadline", "--from", "2026-13-01", "--working-days", "1")
    assert code == 2 and out == "" and "--from：“2026-13-01”不是日期或日期时间" in err
    code, out, err = run("deadline", "--from", "2026-09-30", "--working-days", "-1")
    assert code == 2 and out == "" and "--working-days：必须为 0 或更大，收到 -1" in err
    # The English wording, as an operator with HIGHLAND_LANG=en reads it.
    monkeypatch.setenv("HIGHLAND_LANG", "en")
    code, out, err = run("deadline", "--from", "2100-12-30", "--working-days", "5")
    assert code == 1 and out == ""
    assert " ".join(err.split()) == "error: " + OUTSIDE_2101
    code, out, err = run("deadline", "--from", "2026-12-28T10:00:00", "--working-days", "x")
    assert code == 2 and out == ""


def test_cli_deadline_in_a_provisional_year(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run("deadline", "--from", "2026-12-28T10:00:00+08:00", "--working-days", "10")
    assert code == 0 and err == ""
    first, second = out.splitlines()
    assert first == "2027-01-12T23:59:59+08:00"
    assert second.startswith("暂定：2027 年尚无官方放假安排")
    monkeypatch.setenv("HIGHLAND_LANG", "en")  # the same, as an operator reads it in English
    code, out, err = run("deadline", "--from", "2026-12-28T10:00:00+08:00", "--working-days", "10")
    assert out.splitlines()[1].startswith("provisional: 2027 has no official holiday schedule yet")
    # A date alone works too, and a deadline within 2026 is not provisional.
    code, out, _ = run("deadline", "--from", "2026-12-28", "--working-days", "3")
    assert (code, out) == (0, "2026-12-31T23:59:59+08:00\n")


def test_cli_load_years_delete(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with clock.use(sh(2026, 12, 7, 9)):
        code, out, _ = run("years")
    assert code == 0 and out.startswith("2001  官方    国务院办公厅 notice for 2001")
    assert "2027–2100  暂定    仅按《全国年节及纪念日放假办法》的法定节假日" in out
    # The rest as an operator with HIGHLAND_LANG=en reads it.
    monkeypatch.setenv("HIGHLAND_LANG", "en")
    with clock.use(sh(2026, 12, 7, 9)):
        code, out, _ = run("years")
    assert code == 0 and out.startswith("2001  official  国务院办公厅 notice for 2001")
    assert "2026  official" in out and "2027–2100  provisional  statutory holidays" in out
    assert out.splitlines()[-1].startswith("2027 has no official holiday schedule")
    (env / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    code, out, err = run("load", str(env / "2027.yaml"))
    assert code == 0, err
    assert "entered 2027 following test fixture" in out and "12 weekday holidays" in out
    assert "2 make-up working days" in out
    assert (
        "0 open demand(s) and 0 open chain task(s) and 0 open cooperation project review(s) "
        "had their deadlines recomputed"
    ) in out
    code, out, _ = run("deadline", "--from", "2026-12-28", "--working-days", "10")
    assert (code, out) == (0, "2027-01-12T23:59:59+08:00\n")  # final now: no mark
    with clock.use(sh(2026, 12, 7, 9)):
        code, out, _ = run("years")
    assert code == 0 and "2027  admin     test fixture, not the real notice (entered by" in out
    assert "2028–2100  provisional" in out and "2027 has no official" not in out
    code, out, _ = run("delete", "2027")
    assert code == 0 and "deleted the admin-entered calendar of 2027" in out
    assert "2027 is provisional again" in out
    code, _, err = run("delete", "2027")
    assert code == 1 and "There is no admin-entered schedule for 2027" in err
    code, out, _ = run("deadline", "--from", "2026-12-28", "--working-days", "10")
    assert code == 0 and out.startswith("2027-01-12T23:59:59+08:00\nprovisional: 2027")


@pytest.mark.parametrize(("body", "message"), BAD_FILES[:1] + BAD_FILES[2:3] + BAD_FILES[5:8])
def test_cli_load_bad_files_store_nothing(env: Path, body: str, message: str) -> None:
    assert run("years")[0] == 0  # creates the database
    bad = env / "bad.yaml"
    bad.write_text(HEAD + body + TAIL, encoding="utf-8")
    code, out, err = run("load", str(bad))
    flat = " ".join(err.split())
    assert code == 1 and out == "" and flat.endswith("；未保存任何内容")
    line = message.split(":")[1]  # the file and line, as the Chinese text names them
    assert f"{bad} 第 {line} 行" in flat
    (env / "junk.yaml").write_text("year: [2027\n", encoding="utf-8")
    code, _, err = run("load", str(env / "junk.yaml"))
    assert code == 1 and "不是有效的 YAML" in err
    code, _, err = run("load", str(env / "missing.yaml"))
    assert code == 2 and "无法读取" in err
    with db.session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(CalendarYear)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0
