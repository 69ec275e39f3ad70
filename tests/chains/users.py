"""Users for the chain API and page tests: a session cookie and an API token per role."""

from __future__ import annotations

from typing import Any

from highland.platform.identity import service as identity
from tests.conftest import ACTOR

ROLES = ("admin", "analyst", "chain_head", "chain_team", "leader", "handler")


def make_users(db: Any) -> dict[str, dict[str, str]]:
    """One user a role; the chain head owns chain 1 and the team chain 2."""
    users: dict[str, dict[str, str]] = {}
    for role in ROLES:
        extra: dict[str, Any] = {}
        if role == "chain_head":
            extra["chain_id"] = 1
        elif role == "chain_team":
            extra["chain_id"] = 2
        elif role == "handler":
            extra["institution_code"] = "320115-ZRZY"
        user = identity.create_user(
            db, ACTOR, username=f"c_{role}", password="password-1", role=role, **extra
        )
        cookie, csrf = identity.open_session(db, user, 1)
        token = identity.create_token(db, ACTOR, user.username)
        users[role] = {"cookie": cookie, "csrf": csrf, "token": token}
    db.commit()
    return users
