"""Open311 API keys: shown once, stored as SHA-256, audited without the key; the CLI."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import highland.cli.common  # noqa: F401  (the `highland` command's database preparer)
from highland.demands.apikeys import cli as apikeys_cli
from highland.demands.apikeys import service as apikeys
from highland.demands.models import ApiKey
from highland.platform import db
from highland.platform.audit.models import AuditEntry
from highland.platform.errors import Conflict, InvalidInput, NotFound
from tests.cli import Cli, invoke
from tests.conftest import ACTOR


def _audit_text(session: Session) -> str:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.entity == "open311_api_key"))
    return json.dumps(
        [[r.action, r.entity_key, r.before, r.after, r.summary] for r in rows], ensure_ascii=False
    )


def test_create_verify_revoke(db: Session) -> None:
    key, plain = apikeys.create_key(db, ACTOR, "hotline-12345")
    assert plain.startswith("o311_") and len(plain) > 40
    stored = db.scalar(select(ApiKey).where(ApiKey.name == "hotline-12345"))
    assert stored is not None and stored.id == key.id
    assert stored.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in stored.key_hash and stored.created_by == ACTOR.name
    assert apikeys.verify_key(db, plain) is stored
    assert apikeys.verify_key(db, plain + "x") is None
    assert apikeys.verify_key(db, "") is None and apikeys.verify_key(db, None) is None
    assert apikeys.verify_key(db, stored.key_hash) is None  # the hash is not a key
    apikeys.revoke(db, ACTOR, "hotline-12345")
    assert apikeys.verify_key(db, plain) is None
    log = _audit_text(db)
    assert "hotline-12345" in log and "create" in log and "revoke" in log
    assert plain not in log and stored.key_hash not in log


def test_two_keys_are_different(db: Session) -> None:
    _, one = apikeys.create_key(db, ACTOR, "one")
    _, two = apikeys.create_key(db, ACTOR, "two")
    assert one != two
    assert [k.name for k in apikeys.list_keys(db)] == ["one", "two"]


@pytest.mark.parametrize("name", ["", " ", "-lead", "has space", "x" * 57, "名字"])
def test_bad_names_are_refused(db: Session, name: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        apikeys.create_key(db, ACTOR, name)
    assert exc.value.field == "name" and "is not a key name" in exc.value.message
    assert db.scalar(select(func.count()).select_from(ApiKey)) == 0


def test_duplicate_and_unknown_names(db: Session) -> None:
    apikeys.create_key(db, ACTOR, "dup")
    with pytest.raises(Conflict, match="named 'dup' exists already"):
        apikeys.create_key(db, ACTOR, "dup")
    with pytest.raises(NotFound, match="no API key named 'nope'"):
        apikeys.revoke(db, ACTOR, "nope")
    apikeys.revoke(db, ACTOR, "dup")
    with pytest.raises(Conflict, match="revoked already"):
        apikeys.revoke(db, ACTOR, "dup")
    assert db.scalar(select(func.count()).select_from(ApiKey)) == 1


# -- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[Path]:
    """A fresh SQLite database for the CLI."""
    yield tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = invoke(*args, app=apikeys_cli.app)
    return result.code, result.stdout, result.stderr


def test_cli_create_list_revoke(env: Path) -> None:
    code, out, err = run("list")
    assert code == 0 and "没有 API 密钥" in out
    code, out, err = run("create", "--name", "hotline")
    assert code == 0, err
    plain = out.strip()
    assert plain.startswith("o311_") and "仅显示这一次" in err
    with db.transaction() as s:
        assert apikeys.verify_key(s, plain) is not None
    code, out, _ = run("list")
    assert code == 0 and "hotline" in out and "有效" in out and plain not in out
    code, out, err = run("create", "--name", "hotline")
    assert code == 1 and "已有名为“hotline”的 API 密钥" in err
    code, out, err = run("revoke", "hotline")
    assert code == 0 and "已吊销：hotline" in out
    code, out, _ = run("list")
    assert "已吊销" in out
    with db.transaction() as s:
        assert apikeys.verify_key(s, plain) is None
    code, _, err = run("revoke", "nobody")
    assert code == 1 and "没有名为“nobody”的 API 密钥" in err
    code, _, err = run("create", "--name", "bad name")
    assert code == 1 and "不是有效的密钥名称" in err
