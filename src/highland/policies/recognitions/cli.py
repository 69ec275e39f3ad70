"""`highland recognitions …`: a recognition's cultivation pool as a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from highland.enterprises import public as registry
from highland.platform.cli import fail, say
from highland.platform.cli import init_db as _init
from highland.platform.db import session_factory
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit import numbers
from highland.platform.kit.dates import today_local
from highland.policies.recognitions import catalogue
from highland.policies.recognitions.exports import pool_file
from highland.policies.recognitions.pools import check_pool, pools

app = typer.Typer(help="Recognition cultivation pools.", no_args_is_help=True)


def _suffix(out_path: Path) -> str:
    fmt = out_path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(
            f"--out: {out_path} must end in .csv or .xlsx",
            field="out",
            code="recognitions.bad_suffix",
            params={"file": str(out_path)[:200]},
        )
    return fmt


@app.command("pool")
def pool(
    ruleset: Annotated[str, typer.Option("--ruleset", help="Rule set id.")],
    pool: Annotated[str, typer.Option("--pool", help="qualify, near, missing or renewal.")],
    out_path: Annotated[Path, typer.Option("--out", help="File to write (.csv or .xlsx).")],
    headers: Annotated[str, typer.Option(help="zh (default) or codes.")] = "zh",
) -> None:
    """Write one recognition's cultivation pool as of today (CSV or XLSX)."""
    try:  # every flag checked before the database is opened
        catalogue.get(ruleset)
        check_pool(pool)
        fmt = _suffix(out_path)
        numbers.header_set(headers)
    except HighlandError as exc:
        raise fail(exc, 2) from None
    if out_path.is_dir():
        raise fail("cli.out_is_folder", 2, file=str(out_path))
    _init()
    today = today_local()
    everyone = Principal(0, "cli", Role.admin, channel="cli")
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with session_factory()() as s:
            result = pools(s, ruleset, today, fresh=True)
            part = result.rows(pool)
            names = registry.names_by_uscc(s, everyone, part["uscc"].to_list(), 5_000)
            regions = {r.code: (r.name_zh, r.name_en) for r in registry.regions(s)}
            file = pool_file(result, pool, part, names, regions, fmt, headers)
        tmp.write_bytes(file.content)
        tmp.replace(out_path)
    except HighlandError as exc:
        tmp.unlink(missing_ok=True)
        raise fail(exc) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise fail("cli.cannot_write", file=str(out_path), problem=str(exc)) from None
    say("cli.recognitions.written", rows=f"{part.height:,}", file=str(out_path), ruleset=ruleset,
        pool=pool, as_of=str(today))  # fmt: skip
