"""The working calendar: which days are worked in the city (the State Council's yearly notice,
admin-entered years, provisional years), and deadlines counted in working days. Every deadline
of every domain (demands, chain tasks, cooperation projects) counts in it; a change of a year's
working days tells the listeners registered in `highland.platform.jobs` (they recount their open
deadlines). See docs/calendar.md."""

from highland.platform.calendar.core import (
    ADMIN,
    END_OF_DAY,
    LAW,
    MAKEUP_NAME,
    MAX_NAME,
    MAX_SOURCE,
    MAX_YEAR,
    MIN_YEAR,
    OFFICIAL,
    PROVISIONAL,
    CalendarUnknown,
    WorkCalendar,
    end_of_day,
    is_official,
    load_calendar,
    official_calendar,
    official_makeup_days,
    official_notice,
    provisional_notice,
)
from highland.platform.calendar.file import parse_year_file
from highland.platform.calendar.years import Reclocked, delete_year, enter_year

__all__ = [
    "ADMIN",
    "END_OF_DAY",
    "LAW",
    "MAKEUP_NAME",
    "MAX_NAME",
    "MAX_SOURCE",
    "MAX_YEAR",
    "MIN_YEAR",
    "OFFICIAL",
    "PROVISIONAL",
    "CalendarUnknown",
    "Reclocked",
    "WorkCalendar",
    "delete_year",
    "end_of_day",
    "enter_year",
    "is_official",
    "load_calendar",
    "official_calendar",
    "official_makeup_days",
    "official_notice",
    "parse_year_file",
    "provisional_notice",
]
