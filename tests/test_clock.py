"""The one clock: tests and product read "now" only from `highland.platform.kit.clock`
(a source scan keeps it so), and the tests' `clock_at` fixture moves it for the test, its
threads and a live server alike."""

from __future__ import annotations

import ast
import json
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from highland.platform.db import utcnow
from highland.platform.kit import clock
from tests.clock import BEIJING, beijing

ROOT = Path(__file__).resolve().parent.parent
# The clock itself, and this file (its samples of what the guard must see).
ALLOWED = {
    ROOT / "src" / "highland" / "platform" / "kit" / "clock.py",
    Path(__file__).resolve(),
}

# --------------------------------------------------------------------------- the guard

# Calls that read the process clock for a date: X.now() / X.utcnow() / X.today() on a date
# type, time.time() & co., and email's formatdate() without a time.
DATE_TYPES = {"datetime", "date", "dt", "Timestamp", "pendulum", "arrow"}
TIME_READERS = {"time", "time_ns"}
TIME_READERS_WITHOUT_ARG = {"localtime", "gmtime", "ctime", "asctime"}
# SQL that asks the database server for the time (a PostgreSQL server is another process with
# its own clock; the product passes the clock's value as a parameter instead).
SQL_CLOCK = re.compile(
    r"\b(now\s*\(\s*\)|current_timestamp|current_date|current_time|localtimestamp|"
    r"localtime\b|statement_timestamp|clock_timestamp|transaction_timestamp|"
    r"(date|datetime|strftime|julianday|unixepoch)\s*\([^)]*'now')",
    re.IGNORECASE,
)
SQL_FUNCS = {"now", "current_timestamp", "current_date", "current_time", "localtimestamp",
             "localtime", "sysdate", "statement_timestamp", "clock_timestamp"}  # fmt: skip


def _sources() -> Iterator[Path]:
    for folder in ("src", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path not in ALLOWED:
                yield path


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _reads_clock(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute):
        owner, attr = _name(func.value), func.attr
        return (
            (attr in {"now", "utcnow", "today"} and owner in DATE_TYPES)
            or (owner == "time" and attr in TIME_READERS)
            or (owner == "time" and attr in TIME_READERS_WITHOUT_ARG and not node.args)
            or (owner == "time" and attr == "strftime" and len(node.args) < 2)
            or (owner == "func" and attr.lower() in SQL_FUNCS)
        )
    if isinstance(func, ast.Name):
        timeval = node.args or any(k.arg == "timeval" for k in node.keywords)
        return (func.id == "formatdate" and not timeval) or (
            func.id in TIME_READERS and not node.args and not node.keywords  # from time import
        )
    return False


def clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, call) of every read of the process clock for a date in a Python source."""
    tree = ast.parse(source)
    prose = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _reads_clock(node):
            found.append((node.lineno, ast.unparse(node.func)))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and SQL_CLOCK.search(node.value)
            and _looks_like_sql(node.value)
        ):
            found.append((node.lineno, f"SQL {node.value.strip()[:60]!r}"))
    return found


def _looks_like_sql(text: str) -> bool:
    return bool(re.search(r"\b(select|insert|update|delete|where|set|default|values)\b", text,
                          re.IGNORECASE))  # fmt: skip


def test_nothing_reads_the_clock_but_kit_clock() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in _sources()
        for line, call in clock_reads(path.read_text("utf-8"))
    ]
    assert not offenders, (
        "read 'now' from highland.platform.kit.clock "
        "(clock.now(), clock.today_local(), db.utcnow()), "
        "pass now= explicitly, or fix the day with the clock_at fixture (tests/clock.py); "
        "SQL takes the clock's value as a parameter:\n" + "\n".join(offenders)
    )


@pytest.mark.parametrize(
    "code",
    [
        "datetime.now(UTC)",
        "datetime.datetime.now()",
        "date.today()",
        "dt.datetime.utcnow()",
        "time.time()",
        "time.strftime('%Y')",
        "time.localtime()",
        "formatdate(localtime=True)",
        "func.now()",
        "sa.func.current_date()",
        'text("UPDATE t SET at = CURRENT_TIMESTAMP WHERE id = 1")',
        "text(\"SELECT * FROM t WHERE day < date('now')\")",
        "text('SELECT now()')",
    ],
)
def test_the_guard_sees_a_clock_read(code: str) -> None:
    assert clock_reads(code), code


@pytest.mark.parametrize(
    "code",
    [
        "clock.now()",
        "utcnow()",
        "clock.today_local()",
        "time.monotonic()",
        "time.localtime(0)",
        "time.strftime('%Y', t)",
        "now.strftime('%Y-%m')",
        "formatdate(timeval=1.0)",
        "'nowhere, not now'",
        "'the current date is shown'",
    ],
)
def test_the_guard_leaves_the_clock_alone(code: str) -> None:
    assert not clock_reads(code), code


# --------------------------------------------------------------------------- the fixture


def test_beijing_moments() -> None:
    assert beijing("2026-12-28 10:00") == datetime(2026, 12, 28, 2, tzinfo=UTC)
    assert beijing("2027-01-04") == datetime(2027, 1, 4, 10, tzinfo=BEIJING)
    aware = datetime(2027, 1, 1, tzinfo=UTC)
    assert beijing(aware) is aware
    with pytest.raises(ValueError, match="time zone"):
        beijing(datetime(2027, 1, 1))  # noqa: DTZ001 - the naive value is the point


@pytest.mark.clock_at("2026-12-28 10:00", tick=False)
def test_the_marker_fixes_the_day() -> None:
    assert clock.now() == datetime(2026, 12, 28, 2, tzinfo=UTC)
    assert clock.today_local() == date(2026, 12, 28)
    assert utcnow() == clock.now()
    assert time.time() == clock.now().timestamp()  # the process clock, for the libraries


@pytest.fixture
def set_up_at() -> datetime:
    """When a fixture of the test was set up."""
    return clock.now()


@pytest.mark.clock_at("2027-01-04 10:00", tick=False)
def test_the_marker_comes_before_the_other_fixtures(set_up_at: datetime) -> None:
    assert set_up_at == beijing("2027-01-04 10:00")


def test_the_fixture_travels_within_a_test(clock_at: Callable[..., datetime]) -> None:
    at = clock_at("2027-01-04 10:00")
    assert at == datetime(2027, 1, 4, 10, tzinfo=BEIJING)
    assert clock.today_local() == date(2027, 1, 4)
    assert 0 <= (clock.now() - at).total_seconds() < 60  # it ticks on
    clock_at("2028-02-29 23:59:30", tick=False)
    assert clock.now_local() == datetime(2028, 2, 29, 23, 59, 30, tzinfo=BEIJING)


def test_other_threads_see_the_same_day(clock_at: Callable[..., datetime]) -> None:
    clock_at("2027-01-01 00:00:05", tick=False)
    seen: list[date] = []
    thread = threading.Thread(target=lambda: seen.append(clock.today_local()))
    thread.start()
    thread.join()
    assert seen == [date(2027, 1, 1)]


async def _now_app(scope: dict, receive: Callable, send: Callable) -> None:  # type: ignore[type-arg]
    if scope["type"] != "http":
        return
    body = json.dumps({"now": clock.now_local().isoformat()}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def test_a_live_server_thread_sees_the_day(clock_at: Callable[..., datetime]) -> None:
    """As the browser tests' server does: uvicorn in a thread of the test process."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_now_app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started
        clock_at("2026-12-31 23:59:59", tick=False)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            first = json.load(r)["now"]
        clock_at("2027-01-04 10:00", tick=False)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            second = json.load(r)["now"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert first == "2026-12-31T23:59:59+08:00"
    assert second == "2027-01-04T10:00:00+08:00"


def test_an_email_is_dated_by_the_clock() -> None:
    """The Date header of a notice's e-mail is the clock's "now", not the process clock's."""
    from email.utils import parsedate_to_datetime

    from highland.platform.config import Settings
    from highland.platform.notices.email import build_email

    at = beijing("2027-01-01 00:00:30")
    with clock.use(at):
        msg = build_email(Settings(secret_key="k"), "a@example.com", "主题", "正文")
    assert parsedate_to_datetime(msg["Date"]) == at
