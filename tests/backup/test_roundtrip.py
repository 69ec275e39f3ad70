"""`highland backup` and `highland restore` end to end, on SQLite and PostgreSQL: every table
comes back row for row, the audit chain verifies, and a backup taken while another thread
writes is intact and restores."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import select

from highland.platform import db
from highland.platform.audit.models import AuditEntry
from highland.platform.audit.service import Actor, Change, record_many
from tests.backup.helpers import SHA, Pair, point_at, run, sequences, tables

AUDIT = ("audit_entry", "audit_head")


def _audit_rows(url: str) -> list[AuditEntry]:
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as s:
            return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    finally:
        engine.dispose()


def test_round_trip_gives_back_every_table_row_for_row(pair: Pair, tmp_path: Path) -> None:
    point_at(pair.source)
    assert run("init")[0] == 0
    code, out = run("demo", "--enterprises", "30", "--seed", "5")
    assert code == 0, out
    code, out = run("tokens", "create", "--user", "admin")
    assert code == 0, out
    before = tables(pair.source)
    seqs = sequences(pair.source)
    assert len(before) > 40 and "alembic_version" in before and before["enterprise"]

    file = tmp_path / "highland.backup"
    code, out = run("backup", "--out", str(file))
    assert code == 0, out
    digest = SHA.search(out)
    assert digest is not None and file.is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".highland-backup-")]

    point_at(pair.target)
    code, out = run("restore", str(file))
    assert code == 0, out
    after = tables(pair.target)
    assert sorted(after) == sorted(before)
    for name in sorted(before):
        if name not in AUDIT:
            assert after[name] == before[name], name
    # The restored log is the backed-up log plus one entry: the restore itself.
    assert after["audit_entry"][:-1] == before["audit_entry"]
    assert len(after["audit_entry"]) == len(before["audit_entry"]) + 1
    restored = _audit_rows(pair.target)[-1]
    assert (restored.action, restored.entity, restored.entity_key) == (
        "restore",
        "database",
        digest.group(1),
    )
    if pair.backend == "postgresql":
        moved = {k: v for k, v in sequences(pair.target).items() if v != seqs.get(k)}
        assert list(moved) == ["audit_entry_id_seq"]
    code, out = run("audit", "verify")
    assert code == 0 and "审计日志完好" in out, out
    # The sequences came back: new rows get fresh ids.
    code, out = run("users", "create", "--username", "after-restore", "--password",
                    "password-1", "--role", "analyst")  # fmt: skip
    assert code == 0, out

    # The source's log records the backup: the file, its size and digest, never the address.
    entry = _audit_rows(pair.source)[-1]
    assert (entry.action, entry.entity_key) == ("backup", digest.group(1))
    assert entry.after is not None and entry.after["file"] == str(file)
    assert entry.after["bytes"] == file.stat().st_size
    assert "://" not in str(entry.after) and "://" not in str(entry.summary)


class Writer(threading.Thread):
    """Appends to the audit log in short transactions until stopped (its own engine)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = db.make_engine(url)
        self.done = 0
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.started_writing = threading.Event()

    def run(self) -> None:
        actor = Actor("load", None, "system")
        try:
            while not self.stop.is_set():
                with db.transaction(self.engine) as s:
                    db.begin_write(s)
                    changes = [Change("update", "load", f"{self.done}-{i}") for i in range(5)]
                    record_many(s, actor, changes)
                self.done += 1
                if self.done >= 20:
                    self.started_writing.set()
                self.stop.wait(0.002)  # leaves the backup's own audit entry a turn
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            self.errors.append(exc)
            self.started_writing.set()
        finally:
            self.engine.dispose()


def test_backup_while_another_thread_writes_is_intact_and_restores(
    pair: Pair, tmp_path: Path
) -> None:
    point_at(pair.source)
    assert run("init")[0] == 0
    writer = Writer(pair.source)
    writer.start()
    try:
        assert writer.started_writing.wait(60)
        first = writer.done
        file = tmp_path / "busy.backup"
        code, out = run("backup", "--out", str(file))
        during = writer.done
    finally:
        writer.stop.set()
        writer.join(60)
    assert code == 0, out
    assert not writer.errors, writer.errors
    assert during > first  # the writer kept committing while the backup ran
    if pair.backend == "sqlite":
        conn = sqlite3.connect(file)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()
    point_at(pair.target)
    code, out = run("restore", str(file))
    assert code == 0, out
    code, out = run("audit", "verify")
    assert code == 0 and "审计日志完好" in out, out
    # A snapshot: whole transactions only (5 entries each), plus the restore's own entry.
    entries = len(_audit_rows(pair.target))
    assert (entries - 1) % 5 == 0 and 5 * first <= entries - 1 <= 5 * writer.done
