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
from typer.testing import CliRunner

from highland import config, db
from highland.audit.models import AuditEntry
from highland.demands import calendar_cli
from highland.demands.calendar import (
    SHANGHAI,
    CalendarUnknown,
    WorkCalendar,
    delete_year,
    enter_year,
    load_calendar,
    official_calendar,
    official_makeup_days,
    parse_year_file,
)
from highland.demands.models import CalendarDay, CalendarYear
from highland.errors import InvalidInput, NotFound
from tests.conftest import ACTOR

UNKNOWN_2027 = (
    "No official holiday schedule for 2027 is known to Highland; an admin must enter the 2027 "
    "calendar (`highland calendar load FILE` or the Calendar page) before deadlines can fall in "
    "that year."
)

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
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return official_calendar()


# -- the known cases ------------------------------------------------------------------------


@pytest.mark.parametrize("at", [time(0, 0), time(9, 30), time(23, 59, 59)])
def test_friday_before_spring_festival_plus_one_is_the_makeup_saturday(
    cal: WorkCalendar, at: time
) -> None:
    due = cal.add_working_days(datetime.combine(date(2026, 2, 13), at, SHANGHAI), 1)
    assert due.isoformat() == "2026-02-14T23:59:59+08:00"
    assert due.tzinfo is not None and due.utcoffset() == timedelta(hours=8)


def test_national_day_golden_week(cal: WorkCalendar) -> None:
    due = cal.add_working_days(sh(2026, 9, 30, 10), 5)
    assert due.isoformat() == "2026-10-13T23:59:59+08:00"
    assert due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=SHANGHAI)
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


def test_known_years_are_the_official_notices(cal: WorkCalendar) -> None:
    years = cal.known_years()
    assert list(years) == list(range(2001, 2027))
    assert set(years.values()) == {"official"}
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


# -- refusing unknown years -----------------------------------------------------------------


def test_a_deadline_that_needs_2027_is_refused(cal: WorkCalendar) -> None:
    # Dec 29, 30, 31 are three working days; the fourth would be in 2027.
    assert cal.add_working_days(sh(2026, 12, 28), 3).isoformat() == "2026-12-31T23:59:59+08:00"
    with pytest.raises(CalendarUnknown) as info:
        cal.add_working_days(sh(2026, 12, 28), 5)
    assert info.value.message == UNKNOWN_2027
    assert info.value.year == 2027
    assert isinstance(info.value, InvalidInput) and info.value.status_code == 422
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.add_working_days(sh(2026, 12, 31, 9), 1)
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.add_working_days_many([sh(2026, 12, 1), sh(2026, 12, 28)], 5)
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.is_working_day(date(2027, 1, 4))
    with pytest.raises(CalendarUnknown, match="2027"):
        cal.working_days_between(sh(2026, 12, 28), sh(2027, 1, 5))
    assert cal.working_days_between(sh(2026, 12, 28), sh(2026, 12, 31, 23)) == 3


def test_years_before_the_first_notice_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarUnknown, match="for 2000 is known"):
        cal.add_working_days(sh(2000, 6, 1), 1)
    with pytest.raises(CalendarUnknown, match="for 1999 is known"):
        cal.is_working_day(date(1999, 5, 3))
    # Only days after the start count: from 2000-12-31 the first needed day is in 2001.
    assert cal.add_working_days(sh(2000, 12, 31), 1).date() == date(2001, 1, 2)


def test_a_gap_between_known_years_is_refused() -> None:
    official = official_calendar()
    cal = WorkCalendar.build({2026: official.exceptions[2026]}, {2028: {date(2028, 1, 3): False}})
    assert cal.known_years() == {2026: "official", 2028: "admin"}
    with pytest.raises(CalendarUnknown, match="for 2027 is known"):
        cal.add_working_days(sh(2026, 12, 28), 5)
    with pytest.raises(CalendarUnknown, match="for 2027 is known"):
        cal.add_working_days_many([sh(2026, 12, 28)], 5)
    with pytest.raises(CalendarUnknown, match="for 2027 is known"):
        cal.add_working_days(sh(2027, 6, 1), 1)
    assert (
        cal.add_working_days_many([sh(2027, 12, 31), sh(2028, 1, 1)], 1)
        == [sh(2028, 1, 4, 23, 59, 59)] * 2
    )


# -- the property ---------------------------------------------------------------------------


def naive_deadline(cal: WorkCalendar, start: datetime, n: int) -> datetime:
    d = start.astimezone(SHANGHAI).date()
    left = n
    while left:
        d += timedelta(days=1)
        if cal.is_working_day(d):
            left -= 1
    return datetime.combine(d, time(23, 59, 59), SHANGHAI)


starts = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2026, 10, 31, 23, 59, 59)
).flatmap(
    lambda naive: st.sampled_from([SHANGHAI, UTC, timezone(timedelta(hours=-8))]).map(
        lambda tz: naive.replace(tzinfo=tz)
    )
)


@settings(max_examples=400, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=30))
def test_deadline_property(start: datetime, n: int) -> None:
    cal = official_calendar()
    due = cal.add_working_days(start, n)
    assert due.tzinfo is SHANGHAI and due.time() == time(23, 59, 59)
    if n:
        assert cal.is_working_day(due.date())
    assert cal.working_days_between(start, due) == n
    assert due == naive_deadline(cal, start, n)
    assert cal.add_working_days_many([start, start], n) == [due, due]


def test_vectorised_matches_scalar_for_every_day(cal: WorkCalendar) -> None:
    days = [sh(2023, 1, 1) + timedelta(days=i, hours=13) for i in range(365 * 4 - 70)]
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
    with pytest.raises(CalendarUnknown):
        load_calendar(db).add_working_days(sh(2026, 12, 28), 5)
    year, source, days = parse_year_file(YEAR_2027, "2027.yaml")
    enter_year(db, ACTOR, year, source, days)
    cal = load_calendar(db)
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
    with pytest.raises(CalendarUnknown):
        load_calendar(db).add_working_days(sh(2026, 12, 28), 5)
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

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite database for the CLI."""
    monkeypatch.setenv("HIGHLAND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HIGHLAND_INSTANCE_DIR", str(tmp_path / "var"))
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield tmp_path
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(calendar_cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


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


def test_cli_deadline_errors(env: Path) -> None:
    code, out, err = run("deadline", "--from", "2026-13-01", "--working-days", "1")
    assert code == 2 and out == "" and "--from" in err and "'2026-13-01'" in err
    code, out, err = run("deadline", "--from", "2026-09-30", "--working-days", "-1")
    assert code == 2 and out == "" and "--working-days" in err
    code, out, err = run("deadline", "--from", "2026-12-28", "--working-days", "5")
    assert code == 1 and out == ""
    assert " ".join(err.split()) == "error: " + UNKNOWN_2027


def test_cli_load_years_delete(env: Path) -> None:
    code, out, _ = run("years")
    assert code == 0 and out.startswith("2001  official  国务院办公厅 notice for 2001")
    assert "2026  official" in out and "2027" in out.splitlines()[-1]
    (env / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    code, out, err = run("load", str(env / "2027.yaml"))
    assert code == 0, err
    assert "entered 2027 following test fixture" in out and "12 weekday holidays" in out
    assert "2 make-up working days" in out
    code, out, _ = run("deadline", "--from", "2026-12-28", "--working-days", "5")
    assert (code, out) == (0, "2027-01-05T23:59:59+08:00\n")
    code, out, _ = run("years")
    assert code == 0 and "2027  admin     test fixture, not the real notice (entered by" in out
    code, out, _ = run("delete", "2027")
    assert code == 0 and "deleted the admin-entered calendar of 2027" in out
    code, _, err = run("delete", "2027")
    assert code == 1 and "no admin-entered calendar for 2027" in err
    code, out, _ = run("deadline", "--from", "2026-12-28", "--working-days", "5")
    assert code == 1 and out == ""


@pytest.mark.parametrize(("body", "message"), BAD_FILES[:1] + BAD_FILES[2:3] + BAD_FILES[5:8])
def test_cli_load_bad_files_store_nothing(env: Path, body: str, message: str) -> None:
    assert run("years")[0] == 0  # creates the database
    bad = env / "bad.yaml"
    bad.write_text(HEAD + body + TAIL, encoding="utf-8")
    code, out, err = run("load", str(bad))
    flat = " ".join(err.split())
    assert code == 1 and out == "" and "nothing was stored" in flat
    assert message.replace("bad.yaml", str(bad)) in flat
    (env / "junk.yaml").write_text("year: [2027\n", encoding="utf-8")
    code, _, err = run("load", str(env / "junk.yaml"))
    assert code == 1 and "not valid YAML" in err
    code, _, err = run("load", str(env / "missing.yaml"))
    assert code == 2 and "cannot read" in err
    with db.session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(CalendarYear)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0
