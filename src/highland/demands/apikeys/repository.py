"""The API keys' reads."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands.models import ApiKey


def by_name(session: Session, name: str) -> ApiKey | None:
    """The key with this name, revoked or not."""
    return session.scalar(select(ApiKey).where(ApiKey.name == name))


def live_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    """The live (not revoked) key with this SHA-256."""
    return session.scalar(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked.is_(False))
    )


def all_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones included, by name."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))
