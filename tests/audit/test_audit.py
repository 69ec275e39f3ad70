"""The audit log is append-only and its hash chain reveals tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from highland.platform.audit.service import Actor, Change, record, record_many, verify


def _fill(db, n: int = 5) -> None:  # type: ignore[no-untyped-def]
    record_many(
        db,
        Actor("a", "admin", "ui"),
        [Change("update", "enterprise", f"K{i}", {"n": i}, {"n": i + 1}) for i in range(n)],
    )
    db.flush()


def test_chain_verifies(db) -> None:  # type: ignore[no-untyped-def]
    _fill(db)
    record(db, Actor("b", None, "cli"), Change("create", "user", "x", None, {"role": "leader"}))
    r = verify(db)
    assert r.ok and r.checked == 6


def test_database_refuses_update_and_delete(db) -> None:  # type: ignore[no-untyped-def]
    _fill(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE audit_entry SET actor = 'mallory'"))
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM audit_entry"))


def _drop_guard(db) -> None:  # type: ignore[no-untyped-def]
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.execute(text("DROP TRIGGER audit_entry_no_delete"))
    else:
        db.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))


def test_tampered_content_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _fill(db)
    _drop_guard(db)  # someone with database access bypasses the guard
    db.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3"))
    r = verify(db)
    assert not r.ok and r.first_bad_seq == 3 and "content" in (r.problem or "")


def test_deleted_row_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _fill(db)
    _drop_guard(db)
    db.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    r = verify(db)
    assert not r.ok and r.first_bad_seq == 2


def test_truncated_tail_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _fill(db)
    _drop_guard(db)
    db.execute(text("DELETE FROM audit_entry WHERE seq = 5"))
    r = verify(db)
    assert not r.ok and "missing" in (r.problem or "")


def test_secrets_never_enter_the_log(db) -> None:  # type: ignore[no-untyped-def]
    record(
        db,
        Actor("a", None, "cli"),
        Change("update", "user", "u", {"password": "x"}, {"password_hash": "y", "role": "admin"}),
    )
    from sqlalchemy import select

    from highland.platform.audit.models import AuditEntry

    e = db.scalars(select(AuditEntry)).one()
    assert e.before == {} and e.after == {"role": "admin"}


def test_a_batch_is_hashed_as_the_chain_is_verified(db) -> None:  # type: ignore[no-untyped-def]
    """The set-based append writes each row's canonical JSON from its parts: the text must be
    the one `verify` recomputes, whatever the values (Chinese, quotes, nesting, numbers, None,
    an enum), and a batch larger than one INSERT slice stays one unbroken chain."""
    from enum import StrEnum

    from sqlalchemy import select

    from highland.platform.audit import repository
    from highland.platform.audit.models import AuditEntry
    from highland.platform.audit.service import record_rows

    class Kind(StrEnum):
        a = "甲"

    odd = {"z": [1, 2.5, None, True], "a": {"b": "引号\"与\\反斜杠\n", "k": Kind.a}, "n": -3}
    record_many(db, Actor("张三", None, "ui"), [
        Change("update", "enterprise", "91320115MA1", {"name": "旧"}, odd, "摘要 \u2028"),
        Change("create", "policy", None, None, None),
    ])  # fmt: skip
    n = repository.CHUNK + 7
    rows = [("warning", "demand", str(i), {"state": "dispatched"},
             {"state": "dispatched", "event": i, "due": "2026-10-27T15:59:59+00:00"}, None)
            for i in range(n)]  # fmt: skip
    assert record_rows(db, Actor("system", None, "job"), rows) == n
    db.flush()
    r = verify(db)
    assert r.ok and r.checked == n + 2
    first = db.scalars(select(AuditEntry).where(AuditEntry.seq == 1)).one()
    assert first.after == {"z": [1, 2.5, None, True], "a": {"b": "引号\"与\\反斜杠\n", "k": "甲"},
                           "n": -3} and first.summary == "摘要 \u2028"  # fmt: skip
    assert db.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one().after is None
