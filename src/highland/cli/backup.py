"""`highland backup --out FILE` and `highland restore FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from highland.backup.common import human_size
from highland.backup.service import backup as take
from highland.backup.service import restore as put_back
from highland.cli.common import actor, fail
from highland.platform.cli import say
from highland.platform.config import get_settings
from highland.platform.errors import HighlandError


def backup(
    out_path: Annotated[
        Path, typer.Option("--out", help="The backup file to write (written whole or not at all).")
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace an existing file of that name.")
    ] = False,
) -> None:
    """Write a consistent backup of the whole database while the server keeps running."""
    settings = get_settings()
    try:
        done = take(settings.database_url, out_path, actor(), settings, replace=replace)
    except HighlandError as exc:
        raise fail(exc) from None
    say("backup.cli.written", file=str(done.file), size=human_size(done.size),
        sha256=done.sha256,
    )  # fmt: skip


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `highland backup`.")],
) -> None:
    """Restore a backup into the configured, empty database (stop the server first)."""
    settings = get_settings()
    try:
        done = put_back(settings.database_url, file, actor(), settings)
    except HighlandError as exc:
        raise fail(exc) from None
    say("backup.cli.restored", file=str(done.file), target=done.target,
        revision=done.revision,
    )  # fmt: skip
