"""`highland calendar …`: working-day deadlines and the admin-entered holiday years."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from highland.platform.audit.service import Actor
from highland.platform.cli import actor as _actor
from highland.platform.cli import fail, init_db, say, words
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.web.i18n import has

if TYPE_CHECKING:
    from highland.platform.calendar.years import Reclocked

app = typer.Typer(
    help="The working-day calendar: deadlines, known years, admin-entered years.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DATETIME_HELP = (
    "Start: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or 'YYYY-MM-DD HH:MM[:SS]', optionally with an "
    "offset (+08:00, Z); without one it is Asia/Shanghai time."
)


def _init() -> None:

    init_db()


def _init_and_actor() -> Actor:

    _init()
    return _actor()


def parse_when(text: str, flag: str = "--from") -> datetime:
    """A date or date-time; naive means Asia/Shanghai. Raises ValueError naming the flag."""
    from highland.platform.kit.dates import CITY_TZ

    value = text.strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{flag}: '{text}' is not a date or date-time; write YYYY-MM-DD, "
            "YYYY-MM-DDTHH:MM[:SS] or add an offset such as +08:00"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=CITY_TZ)
    return when


@app.command("deadline")
def deadline(
    start: Annotated[str, typer.Option("--from", help=DATETIME_HELP)],
    working_days: Annotated[
        int, typer.Option("--working-days", help="Number of working days (0 or more).")
    ],
) -> None:
    """Print the deadline N working days after a moment (ISO 8601 with offset); a deadline
    counted through a year without a holiday notice is said to be provisional."""
    from highland.platform.calendar import load_calendar

    try:
        when = parse_when(start)
    except ValueError:
        raise fail("cli.bad_when", 2, flag="--from", value=start) from None
    if working_days < 0:
        raise fail("cli.calendar.bad_working_days", 2, value=working_days)
    _init()
    try:
        with session_factory()() as s:
            cal = load_calendar(s)
        due = cal.add_working_days(when, working_days)
    except HighlandError as exc:
        raise fail(exc) from None
    typer.echo(due.isoformat())
    year = cal.provisional_year(when, due)
    if year is not None:
        typer.echo(words("cli.calendar.provisional_deadline", year=year))


@app.command("years")
def years() -> None:
    """List the years Highland knows, with where each comes from."""
    from highland.platform.calendar import LAW, OFFICIAL, PROVISIONAL, is_official, load_calendar
    from highland.platform.calendar.years import entered_years
    from highland.platform.kit import clock

    _init()
    with session_factory()() as s:
        cal = load_calendar(s)
        rows = entered_years(s)
    provisional: list[int] = []
    for year, kind in cal.known_years().items():
        if kind == PROVISIONAL:
            provisional.append(year)
            continue
        if kind == OFFICIAL:
            line = words("cli.calendar.year_official", year=year, notice=cal.notices.get(year, ""))
        else:
            row = rows[year]
            when = row.entered_at.date().isoformat()
            line = words(
                "cli.calendar.year_admin_over" if is_official(year) else "cli.calendar.year_admin",
                year=year,
                source=row.source,
                by=row.entered_by,
                on=when,
            )
        out.print(line, highlight=False, markup=False)
    for first, last in _runs(provisional):
        span = str(first) if first == last else f"{first}–{last}"
        say("cli.calendar.years_provisional", span=span, law=LAW)
    nxt = clock.today_local().year + 1
    if cal.is_provisional(nxt):
        say("cli.calendar.next_provisional", year=nxt)


def _runs(years: list[int]) -> list[tuple[int, int]]:
    """Consecutive years as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for y in years:
        if runs and runs[-1][1] == y - 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return runs


@app.command("load")
def load(file: Annotated[Path, typer.Argument(help="A year's calendar in YAML.")]) -> None:
    """Enter (or replace) a year from a YAML file: all of it or nothing."""
    from highland.platform.calendar import enter_year, is_official, parse_year_file

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("cli.cannot_read", 2, file=str(file), problem=str(exc)) from None
    try:
        year, source, days = parse_year_file(text, str(file))
    except HighlandError as exc:
        raise fail("cli.nothing_stored", problem=exc) from None
    actor = _init_and_actor()
    try:
        with transaction() as s:
            moved = enter_year(s, actor, year, source, days)
    except HighlandError as exc:
        raise fail("cli.nothing_stored", problem=exc) from None
    off = sorted(d for d, (w, _) in days.items() if not w)
    worked = sorted(d for d, (w, _) in days.items() if w)
    say(
        "cli.calendar.entered_over" if is_official(year) else "cli.calendar.entered",
        year=year,
        source=source,
        off=len(off),
        worked=len(worked),
    )
    for kind, dates in (("off", off), ("worked", worked)):
        for d in dates:
            name = days[d][1]
            day = words(f"cli.calendar.weekday.{d.isoweekday()}")
            line = words(f"cli.calendar.day_{kind}", date=d.isoformat(), weekday=day)
            out.print(line + (f"  {name}" if name else ""), highlight=False, markup=False)
    out.print(_moved_text(moved), highlight=False, markup=False)


def _moved_text(moved: Reclocked) -> str:
    """What entering or deleting a year recomputed, in the command's language."""
    parts = [
        words(f"cli.calendar.moved.{kind}", n=len(ids))
        if has(f"cli.calendar.moved.{kind}")
        else f"{len(ids)} {moved.labels.get(kind, kind)}"
        for kind, ids in moved.moved.items()
    ]
    if not parts:
        return words("cli.calendar.none_recomputed")
    return words("cli.calendar.recomputed", parts=words("cli.calendar.and").join(parts))


@app.command("delete")
def delete(year: Annotated[int, typer.Argument(help="The admin-entered year to remove.")]) -> None:
    """Remove an admin-entered year (the official schedule, if any, applies again)."""
    from highland.platform.calendar import delete_year, is_official

    actor = _init_and_actor()
    try:
        with transaction() as s:
            moved = delete_year(s, actor, year)
    except HighlandError as exc:
        raise fail(exc) from None
    then = "cli.calendar.official_again" if is_official(year) else "cli.calendar.provisional_again"
    say("cli.calendar.deleted", year=year, then=words(then, year=year), moved=_moved_text(moved))
