"""The backup tests' databases and helpers: a source and an empty target of each backend (own
SQLite files; on PostgreSQL throw-away databases of the test's own), the CLI, and a dump of
every table for comparisons."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select, text

from highland.platform import db
from highland.platform.web.i18n import translate
from tests.cli import invoke
from tests.cli import point_at as point_at  # the tests switch databases with it
from tests.pg import fresh_database


@dataclass(frozen=True)
class Pair:
    """A source database and an empty target of one backend."""

    backend: str
    source: str
    target: str


@contextmanager
def databases(backend: str, folder: Path) -> Iterator[Pair]:
    """A fresh source URL and an empty target URL (PostgreSQL: created and dropped here)."""
    with (
        fresh_database(backend, folder, "highland_bk_src") as src,
        fresh_database(backend, folder, "highland_bk_tgt") as tgt,
    ):
        yield Pair(backend, src, tgt)


def run(*args: str) -> tuple[int, str]:
    """Run `highland ARGS`; exit code and output (stdout and stderr)."""
    result = invoke(*args)
    return result.code, result.output


def says(output: str, key: str) -> bool:
    """Whether the output holds the catalogue's text of `key` in the command's default language,
    Chinese (every literal part of it, whatever its parameters were)."""
    parts = [lit for lit, _, _, _ in string.Formatter().parse(translate("zh-CN", key)) if lit]
    flat = " ".join(output.split())
    return all(" ".join(p.split()) in flat for p in parts)


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the database (found by inspection), its rows in primary-key order."""
    engine = db.make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        found: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as conn:
            for name, table in meta.tables.items():
                order = list(table.primary_key.columns) or list(table.columns)
                found[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        return found
    finally:
        engine.dispose()


def sequences(url: str) -> dict[str, int | None]:
    """PostgreSQL: each sequence's last value (SQLite: none)."""
    engine = db.make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            return {}
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT sequencename, last_value FROM pg_sequences"))
            return {str(n): v for n, v in rows}
    finally:
        engine.dispose()


SHA = re.compile(r"SHA-256 ([0-9a-f]{64})")
