"""Every way `highland backup` and `highland restore` refuse, with the catalogue's text, and
what is left behind: no half backup under the asked-for name, a target untouched."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.backup.helpers import Pair, point_at, run, says, tables

LEFTOVER = ".highland-backup-"


def _no_leftovers(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(LEFTOVER)]


def _backup(pair: Pair, file: Path) -> Path:
    point_at(pair.source)
    assert run("init")[0] == 0
    code, out = run("backup", "--out", str(file))
    assert code == 0, out
    return file


def _target_untouched(pair: Pair) -> None:
    if pair.backend == "sqlite":
        assert not Path(make_url(pair.target).database or "").exists()
    else:
        assert tables(pair.target) == {}


def test_a_non_empty_target_is_refused_and_left_alone(pair: Pair, tmp_path: Path) -> None:
    file = _backup(pair, tmp_path / "b.backup")
    point_at(pair.target)
    assert run("init")[0] == 0
    before = tables(pair.target)
    code, out = run("restore", str(file))
    assert code == 1 and says(out, "error.backup.target_not_empty"), out
    assert "alembic_version" in out
    assert tables(pair.target) == before


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (None, "error.backup.file_missing"),
        (b"", "error.backup.not_a_backup"),
        (b"garbage, not a backup\n" * 100, "error.backup.not_a_backup"),
        ("folder", "error.backup.file_unreadable"),
    ],
)
def test_a_missing_unreadable_or_garbage_file_is_refused(
    pair: Pair, tmp_path: Path, content: bytes | str | None, key: str
) -> None:
    file = tmp_path / "in.backup"
    if content == "folder":
        file.mkdir()
    elif isinstance(content, bytes):
        file.write_bytes(content)
    point_at(pair.target)
    code, out = run("restore", str(file))
    assert code == 1 and says(out, key), out
    assert str(file) in out
    _target_untouched(pair)


def test_a_truncated_backup_is_refused(pair: Pair, tmp_path: Path) -> None:
    whole = _backup(pair, tmp_path / "whole.backup")
    cut = tmp_path / "cut.backup"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    point_at(pair.target)
    code, out = run("restore", str(cut))
    assert code == 1 and says(out, "error.backup.not_a_backup"), out
    _target_untouched(pair)


def test_a_backup_of_the_other_kind_is_refused(pair: Pair, tmp_path: Path) -> None:
    other = tmp_path / "other.backup"
    if pair.backend == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    else:
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE t (x)")
        conn.close()
    point_at(pair.target)
    code, out = run("restore", str(other))
    assert code == 1 and says(out, "error.backup.wrong_kind"), out
    _target_untouched(pair)


@pytest.mark.parametrize("where", ["through a file", "missing folder", "a folder"])
def test_an_unwritable_out_is_refused(pair: Pair, tmp_path: Path, where: str) -> None:
    point_at(pair.source)
    assert run("init")[0] == 0
    (tmp_path / "plain").write_text("x")
    out_path = {
        "through a file": tmp_path / "plain" / "b.backup",
        "missing folder": tmp_path / "no" / "such" / "b.backup",
        "a folder": tmp_path,
    }[where]
    code, out = run("backup", "--out", str(out_path))
    assert code == 1 and says(out, "error.backup.out_unwritable"), out
    assert str(out_path) in out
    _no_leftovers(tmp_path)


def test_an_existing_file_is_replaced_only_when_asked(pair: Pair, tmp_path: Path) -> None:
    file = tmp_path / "b.backup"
    file.write_text("the previous backup")
    point_at(pair.source)
    assert run("init")[0] == 0
    code, out = run("backup", "--out", str(file))
    assert code == 1 and says(out, "error.backup.out_exists"), out
    assert file.read_text() == "the previous backup"
    code, out = run("backup", "--out", str(file), "--replace")
    assert code == 0, out
    assert file.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    _no_leftovers(tmp_path)


def test_sqlite_backup_never_over_the_live_database(tmp_path: Path, pair: Pair) -> None:
    if pair.backend != "sqlite":
        pytest.skip("SQLite only")
    point_at(pair.source)
    assert run("init")[0] == 0
    live = Path(make_url(pair.source).database or "")
    for target in (live, Path(f"{live}-wal")):
        code, out = run("backup", "--out", str(target), "--replace")
        assert code == 1 and says(out, "error.backup.out_is_database"), out


def test_sqlite_a_corrupt_database_leaves_no_backup(tmp_path: Path, pair: Pair) -> None:
    """A backup that does not pass its integrity check is removed: the earlier file of that
    name stays as it was, and no temporary file is left."""
    if pair.backend != "sqlite":
        pytest.skip("SQLite only")
    broken = tmp_path / "broken.db"
    conn = sqlite3.connect(broken)
    conn.execute("CREATE TABLE t (x BLOB)")
    conn.executemany("INSERT INTO t VALUES (randomblob(300))", [()] * 200)
    conn.commit()
    conn.close()
    with broken.open("r+b") as fh:  # scribble over the third page (a b-tree page of t)
        fh.seek(2 * 4096)
        fh.write(b"\xff" * 4096)
    file = tmp_path / "b.backup"
    file.write_text("the previous backup")
    point_at(f"sqlite:///{broken}")
    code, out = run("backup", "--out", str(file), "--replace")
    assert code == 1 and says(out, "error.backup.check_failed"), out
    assert file.read_text() == "the previous backup"
    _no_leftovers(tmp_path)


def test_sqlite_a_backup_of_a_newer_version_is_refused(tmp_path: Path, pair: Pair) -> None:
    if pair.backend != "sqlite":
        pytest.skip("SQLite only")
    file = _backup(pair, tmp_path / "b.backup")
    conn = sqlite3.connect(file)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    point_at(pair.target)
    code, out = run("restore", str(file))
    assert code == 1 and says(out, "error.backup.newer_schema"), out
    _target_untouched(pair)


# ---------------------------------------------------------------- PostgreSQL client tools


def _tools(folder: Path, script: str) -> Path:
    """A folder of stand-ins for pg_dump and pg_restore: `script` runs first, then the real
    tool (the scripts only record or break; the database work is the real tools')."""
    folder.mkdir()
    for name in ("pg_dump", "pg_restore"):
        real = shutil.which(name)
        assert real, f"{name} is not installed"
        path = folder / name
        path.write_text(f'#!/bin/sh\nTOOL={name}\n{script}\nexec {real} "$@"\n')
        path.chmod(0o755)
    return folder


def _pg_only(pair: Pair) -> None:
    if pair.backend != "postgresql":
        pytest.skip("PostgreSQL only")


def test_pg_the_password_stays_off_command_lines_output_and_audit(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pg_only(pair)
    secret = "s3cret-Pw-7"
    log = tmp_path / "calls.log"
    script = f'printf "%s|%s|%s\\n" "$TOOL" "$*" "${{PGPASSWORD:-}}" >> {log}'
    monkeypatch.setenv("HIGHLAND_PG_BIN_DIR", str(_tools(tmp_path / "bin", script)))
    with_pw = make_url(pair.source).set(password=secret).render_as_string(hide_password=False)
    point_at(with_pw)
    code, out = run("init")
    assert code == 0 and secret not in out and "***" in out, out
    file = tmp_path / "b.backup"
    code, out = run("backup", "--out", str(file))
    assert code == 0 and secret not in out, out
    point_at(make_url(pair.target).set(password=secret).render_as_string(hide_password=False))
    code, out = run("restore", str(file))
    assert code == 0 and secret not in out, out
    calls = [line.split("|") for line in log.read_text().splitlines()]
    used = [(tool, pw) for tool, argv, pw in calls if "--dbname" in argv]
    assert {t for t, _ in used} == {"pg_dump", "pg_restore"}
    assert all(pw == secret for _, pw in used)  # given in the environment
    assert all(secret not in argv for _, argv, _ in calls)  # never on the command line
    assert secret not in str(tables(pair.source)["audit_entry"])
    assert secret not in str(tables(pair.target)["audit_entry"])
    # An address that cannot be reached is named with its password masked.
    gone = make_url(pair.target).set(database="highland_no_such_db", password=secret)
    point_at(gone.render_as_string(hide_password=False))
    code, out = run("restore", str(file))
    assert code == 1 and says(out, "error.backup.target_unreachable"), out
    assert secret not in out and "***" in out


def test_pg_a_failed_dump_leaves_no_half_file(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pg_only(pair)
    script = (
        'if [ "$TOOL" = pg_dump ] && [ "$1" != --version ]; then\n'
        '  for a in "$@"; do case "$a" in --file=*) f="${a#--file=}";; esac; done\n'
        '  printf "PGDMP half an archive" > "$f"\n'
        '  echo "pg_dump: error: connection to server lost" >&2; exit 1\nfi'
    )
    monkeypatch.setenv("HIGHLAND_PG_BIN_DIR", str(_tools(tmp_path / "bin", script)))
    point_at(pair.source)
    assert run("init")[0] == 0
    file = tmp_path / "b.backup"
    file.write_text("the previous backup")
    code, out = run("backup", "--out", str(file), "--replace")
    assert code == 1 and says(out, "error.backup.tool_failed"), out
    assert "connection to server lost" in out
    assert file.read_text() == "the previous backup"
    _no_leftovers(tmp_path)


def test_pg_client_tools_older_than_the_server_or_missing_are_refused(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pg_only(pair)
    script = 'if [ "$1" = --version ]; then echo "$TOOL (PostgreSQL) 9.6.24"; exit 0; fi'
    monkeypatch.setenv("HIGHLAND_PG_BIN_DIR", str(_tools(tmp_path / "old", script)))
    point_at(pair.source)
    assert run("init")[0] == 0
    code, out = run("backup", "--out", str(tmp_path / "b.backup"))
    assert code == 1 and says(out, "error.backup.tool_too_old"), out
    assert "9.6.24" in out
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("HIGHLAND_PG_BIN_DIR", str(tmp_path / "empty"))
    point_at(pair.source)
    code, out = run("backup", "--out", str(tmp_path / "b.backup"))
    assert code == 1 and says(out, "error.backup.tool_missing"), out
    assert not (tmp_path / "b.backup").exists()
    _no_leftovers(tmp_path)
    assert os.listdir(tmp_path / "empty") == []
