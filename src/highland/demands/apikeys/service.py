"""Open311 API keys: what a third-party client sends as `api_key` to file demands.

A key is shown once when it is created; only its SHA-256 is stored. Creating and revoking a
key are audited (by name; the key itself never enters the log).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy.orm import Session

from highland.demands.apikeys import repository
from highland.demands.models import ApiKey
from highland.platform.audit.service import Actor, Change, record
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Conflict, InvalidInput, NotFound

# The name becomes part of the filer's name "open311:NAME", which must fit in 64 characters.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,55}$")
PREFIX = "o311_"


def _sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_name(name: str) -> str:
    text = (name or "").strip()
    if not NAME.match(text):
        raise InvalidInput(
            f"name: '{name}' is not a key name (1–56 letters, digits, '-', '_', '.'; "
            "starting with a letter or digit)",
            field="name",
            code="apikey.bad_name",
            params={"name": name},
        )
    return text


def create_key(session: Session, actor: Actor, name: str) -> tuple[ApiKey, str]:
    """Create a key named `name`; return it and the plain key (shown once, stored hashed)."""
    begin_write(session)
    name = _check_name(name)
    if repository.by_name(session, name) is not None:
        raise Conflict(
            f"name: an API key named '{name}' exists already",
            field="name",
            code="apikey.exists",
            params={"name": name},
        )
    plain = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=_sha(plain), created_at=utcnow(), created_by=actor.name,
                 revoked=False)  # fmt: skip
    session.add(key)
    session.flush()
    record(session, actor, Change("create", "open311_api_key", name, after={"name": name}))
    return key, plain


def verify_key(session: Session, key: str | None) -> ApiKey | None:
    """The live (not revoked) key with this value, or None."""
    if not key or not key.startswith(PREFIX) or len(key) > 200:
        return None
    return repository.live_by_hash(session, _sha(key))


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones included, by name."""
    return repository.all_keys(session)


def revoke(session: Session, actor: Actor, name: str) -> ApiKey:
    """Revoke the key named `name` (it stops working at once); 404 when there is none."""
    begin_write(session)
    key = repository.by_name(session, (name or "").strip())
    if key is None:
        raise NotFound(
            f"name: no API key named '{name}'",
            field="name",
            code="apikey.not_found",
            params={"name": name},
        )
    if key.revoked:
        raise Conflict(
            f"name: the API key '{key.name}' is revoked already",
            field="name",
            code="apikey.revoked_already",
            params={"name": key.name},
        )
    key.revoked = True
    session.flush()
    record(
        session,
        actor,
        Change("revoke", "open311_api_key", key.name, before={"revoked": False},
               after={"revoked": True}),
    )  # fmt: skip
    return key
