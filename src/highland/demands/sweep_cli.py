"""`highland demands sweep`: mark warnings, breaches and escalations now and send the e-mails."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from highland.platform.cli import fail, init_db, say, words
from highland.platform.config import get_settings
from highland.platform.db import get_engine
from highland.platform.errors import HighlandError
from highland.platform.jobs import run_once
from highland.platform.kit.dates import CITY_TZ

app = typer.Typer(help="The overdue sweep of demands.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

NOW_HELP = (
    "The moment to sweep at (for tests and replays): YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or "
    "'YYYY-MM-DD HH:MM[:SS]', optionally with an offset (+08:00, Z); without one it is "
    "Asia/Shanghai time. Default: now."
)


@app.callback()
def _group() -> None:
    """The overdue sweep of demands."""


def parse_now(text: str | None) -> datetime | None:
    """The --now value as an aware datetime (naive means Asia/Shanghai); ValueError names
    the flag."""
    if text is None:
        return None

    value = text.strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--now: '{text}' is not a date or date-time; write YYYY-MM-DD, "
            "YYYY-MM-DDTHH:MM[:SS] or add an offset such as +08:00"
        ) from None
    return when.replace(tzinfo=CITY_TZ) if when.tzinfo is None else when


# What a round counted, by job: the catalogue entry and the counts it names.
SUMMARY = (
    ("cli.sweep.demands", ("warned", "breached", "response_breached", "escalated")),
    ("cli.sweep.tasks", ("tasks_warned", "tasks_breached")),
    ("cli.sweep.emails", ("emails_sent", "emails_failed")),
    ("cli.sweep.pruned", ("pruned_attempts", "pruned_sessions", "pruned_notices")),
)


def summary_words(counts: dict[str, int]) -> str:
    """The round's summary line in the command's language (the jobs' own lines are English,
    for the logs): the counts of each job that ran."""
    parts = [
        words(key, **{name: counts[name] for name in names})
        for key, names in SUMMARY
        if all(name in counts for name in names)
    ]
    return words("sep.list").join(parts)


@app.command("sweep")
def sweep_command(
    now: Annotated[str | None, typer.Option("--now", help=NOW_HELP)] = None,
) -> None:
    """Mark warnings, breaches and escalations due now, notify, send pending e-mails."""

    try:
        when = parse_now(now)
    except ValueError:
        raise fail("cli.bad_when", 2, flag="--now", value=now) from None
    settings = get_settings()
    engine = get_engine()
    init_db()
    try:
        result = run_once(engine, settings, when)
    except HighlandError as exc:
        raise fail(exc) from None
    if result.skipped:
        err.print(words("cli.sweep.locked"), highlight=False, markup=False)
        return
    out.print(summary_words(result.counts), highlight=False, markup=False)
    if not settings.smtp_host:
        say("cli.sweep.mail_off")
