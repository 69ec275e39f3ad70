"""Sign-in, sessions, CSRF, rate limiting, API tokens, password hashing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from highland.platform.audit.models import AuditEntry
from highland.platform.errors import Conflict, InvalidInput
from highland.platform.identity import service as identity
from highland.platform.identity.models import ApiToken, User
from highland.platform.kit import clock
from tests.conftest import ACTOR


def _login_form(client: Any) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


def _user(db: Any, role: str = "analyst", username: str = "ana") -> User:
    user = identity.create_user(db, ACTOR, username=username, password="correct-horse", role=role)
    db.commit()
    return user


def test_password_is_argon2_and_never_logged(db) -> None:  # type: ignore[no-untyped-def]
    user = _user(db)
    assert user.password_hash.startswith("$argon2id$")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity == "user")).one()
    assert "correct-horse" not in str(entry.after) and "password" not in (entry.after or {})


def test_login_sets_secure_session_and_logout_ends_it(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    token = _login_form(client)
    resp = client.post(
        "/login",
        data={
            "username": "ana",
            "password": "correct-horse",
            "csrf_token": token,
            "next": "/enterprises",
        },
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/enterprises"
    cookie = resp.headers["set-cookie"]
    assert "highland_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/enterprises")
    assert page.status_code == 200
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    client.cookies.clear()
    client.cookies.set("highland_session", cookie.split("highland_session=")[1].split(";")[0])
    assert client.get("/enterprises").status_code == 303  # the old cookie is worthless


def test_login_refuses_foreign_next_url(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    token = _login_form(client)
    resp = client.post(
        "/login",
        data={
            "username": "ana",
            "password": "correct-horse",
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert resp.headers["location"] == "/"


def test_login_without_csrf_is_refused(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    resp = client.post("/login", data={"username": "ana", "password": "correct-horse"})
    assert resp.status_code == 403


def test_wrong_password_then_rate_limit(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    with clock.use(clock.now()):  # the wait is counted in seconds: hold the clock still
        for _ in range(5):
            token = _login_form(client)
            resp = client.post(
                "/login", data={"username": "ana", "password": "wrong-wrong", "csrf_token": token}
            )
            assert resp.status_code == 401
            assert "用户名或密码错误" in resp.text
        token = _login_form(client)
        resp = client.post(
            "/login", data={"username": "ana", "password": "correct-horse", "csrf_token": token}
        )
    assert resp.status_code == 429  # from this address even the right password waits a while


def test_api_token_works_and_is_stored_hashed(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    token = identity.create_token(db, ACTOR, "ana", "test")
    db.commit()
    stored = db.scalars(select(ApiToken.token_hash)).one()
    assert token not in stored and len(stored) == 64
    resp = client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.json()["role"] == "analyst"
    bad = client.get("/api/v1/me", headers={"authorization": "Bearer hl_nope"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert token not in str(db.scalars(select(AuditEntry.after)).all())


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"role": "emperor"}, InvalidInput, "unknown role"),
        ({"password": "short"}, InvalidInput, "at least 8"),
        ({"role": "enterprise"}, InvalidInput, "needs its enterprise"),
        ({"role": "handler"}, InvalidInput, "institution"),
        ({"role": "chain_head"}, InvalidInput, "chain"),
        ({"username": ""}, InvalidInput, "username"),
        ({"email": "not-an-address"}, InvalidInput, "email: 'not-an-address'"),
    ],
)
def test_create_user_rejects_bad_input(db, kwargs, error, needle) -> None:  # type: ignore[no-untyped-def]
    args = {"username": "x", "password": "long-enough", "role": "analyst", **kwargs}
    with pytest.raises(error, match=needle):
        identity.create_user(db, ACTOR, **args)
    assert db.scalars(select(User)).all() == []


def test_duplicate_username(db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    with pytest.raises(Conflict, match="taken"):
        _user(db)
