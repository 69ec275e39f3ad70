"""What both backends share: errors from the catalogue, the masked database address, the
atomic output file, the backup file's kind and the schema revisions this version knows."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.web.i18n import translate
from highland.schema import alembic_config

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
TMP_PREFIX = ".highland-backup-"


def refuse(cls: type[HighlandError], *, code: str, **params: Any) -> HighlandError:
    """An error whose English message is the catalogue's own text (`error.<code>`), so the
    CLI, the logs and a page say the same thing."""
    english = {k: _english(v) for k, v in params.items()}
    return cls(translate("en", f"error.{code}", **english), code=code, params=params)


def _english(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return translate("en", value[1:])
    return value


def parse(url: str) -> URL:
    """The database URL, parsed."""
    return make_url(url)


def backend(url: str) -> str:
    """'sqlite' or 'postgresql' (anything else is refused by the caller)."""
    return parse(url).get_backend_name()


def shown(url: str) -> str:
    """The database address for people and logs: a SQLite path, or the URL with its password
    masked and without the driver name."""
    u = parse(url)
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    return u.set(drivername=u.get_backend_name()).render_as_string(hide_password=True)


def problem(exc: BaseException, secret: str | None = None) -> str:
    """A short, one-line reason from an exception or a tool's message, never with `secret`."""
    raw = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    text = " ".join(str(raw).split())
    if secret:
        text = text.replace(secret, "***")
    return text[:300] or type(exc).__name__


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read 1 MB at a time."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def human_size(n: int) -> str:
    """Bytes as B, KB, MB or GB."""
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def kind_of(path: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes; InvalidInput when it is
    neither, missing or unreadable (saying which)."""
    if not path.exists():
        raise refuse(InvalidInput, code="backup.file_missing", file=str(path))
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise refuse(
            InvalidInput, code="backup.file_unreadable", file=str(path), problem=problem(exc)
        ) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    what = "empty file" if not head else "neither a SQLite database nor a pg_dump archive"
    raise refuse(InvalidInput, code="backup.not_a_backup", file=str(path), problem=what)


def unwritable_out(out: Path) -> Callable[[OSError], HighlandError]:
    """The refusal of a backup file that cannot be written, for `atomic_file`."""

    def fail(exc: OSError) -> HighlandError:
        return refuse(
            InvalidInput, code="backup.out_unwritable", file=str(out), problem=problem(exc)
        )

    return fail


def check_failed(out: Path, why: str) -> HighlandError:
    """The refusal of a backup that did not come out intact."""
    return refuse(HighlandError, code="backup.check_failed", file=str(out), problem=why)


@cache
def known_revisions() -> frozenset[str]:
    """Every schema revision of this version's migrations."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(r.revision for r in script.walk_revisions())


def check_revision(file: Path, revision: str | None) -> str:
    """The backup's schema revision, refused when missing or newer than this version."""
    if not revision:
        raise refuse(
            InvalidInput,
            code="backup.not_a_backup",
            file=str(file),
            problem="no alembic_version: not a Highland database",
        )
    if revision not in known_revisions():
        raise refuse(InvalidInput, code="backup.newer_schema", file=str(file), revision=revision)
    return revision


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_file(target: Path, fail: Callable[[OSError], HighlandError]) -> Iterator[Path]:
    """A temporary path next to `target`; when the block succeeds the file is synced and
    renamed over `target`, else removed, so `target` is only ever absent, the old file or
    the complete new one. Creating the temporary file or the rename failing raise `fail(exc)`
    (a folder that cannot be written, a path through a file, …)."""
    folder = target.parent
    tmp = folder / f"{TMP_PREFIX}{secrets.token_hex(6)}-{target.name}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except OSError as exc:
        raise fail(exc) from None
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise fail(exc) from None
        fsync_dir(folder)
    finally:
        for leftover in (tmp, *(Path(f"{tmp}{end}") for end in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
