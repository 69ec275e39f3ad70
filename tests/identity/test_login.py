"""Sign-in hardening: growing delays per (username, address) instead of locking the account,
the same argon2 work for unknown users, X-Forwarded-For only from trusted proxies, and no
server error under 40 concurrent sign-ins on a real server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from highland.platform import config
from highland.platform.config import Settings
from highland.platform.identity import credentials, login
from highland.platform.identity import service as identity
from highland.platform.identity.models import LoginAttempt
from highland.platform.identity.proxies import client_address
from highland.platform.kit import clock
from tests.conftest import ACTOR, BACKENDS
from tests.live import serving
from tests.pg import fresh_database

PW = "correct-horse"


def _user(db: Any, username: str = "ana") -> None:
    identity.create_user(db, ACTOR, username=username, password=PW, role="analyst")
    db.commit()


def _client(app: Any, ip: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(ip, 40000))


def _try(c: TestClient, username: str, password: str, **headers: str) -> Any:
    page = c.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    data = {"username": username, "password": password, "csrf_token": csrf}
    return c.post("/login", data=data, headers=headers)


def test_delay_seconds_grow_and_are_capped() -> None:
    assert [login.delay_seconds(n, 5, 900) for n in range(4)] == [0, 0, 0, 0]
    assert [login.delay_seconds(n, 5, 900) for n in range(5, 10)] == [1, 2, 4, 8, 16]
    assert login.delay_seconds(15, 5, 900) == 900
    assert login.delay_seconds(10_000, 5, 900) == 900


def test_delays_grow_per_user_and_address_and_never_lock_the_owner(app, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    _user(db, "bob")
    attacker, owner = _client(app, "198.51.100.7"), _client(app, "203.0.113.5")
    t0 = clock.now()
    with clock.use(t0):
        for _ in range(5):
            assert _try(attacker, "ana", "wrong-wrong").status_code == 401
        limited = _try(attacker, "ana", PW)  # even the right password waits
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
        assert "1 秒后再试" in limited.text
        # The real owner, elsewhere, is not slowed at all; nor is a neighbour behind the
        # attacker's address.
        assert _try(owner, "ana", PW).status_code == 303
        assert _try(attacker, "bob", PW).status_code == 303
    waits = []
    for step in (1, 2, 4, 8):
        t0 += timedelta(seconds=step)
        with clock.use(t0):
            assert _try(attacker, "ana", "wrong-wrong").status_code == 401
            resp = _try(attacker, "ana", "wrong-wrong")
            assert resp.status_code == 429
            waits.append(int(resp.headers["retry-after"]))
    assert waits == [2, 4, 8, 16]
    attacker.cookies.set("highland_lang", "en")
    with clock.use(t0 + timedelta(seconds=3)):
        assert "try again in 13 seconds" in _try(attacker, "ana", PW).text
    # Waiting it out and signing in starts the count afresh.
    with clock.use(t0 + timedelta(seconds=16)):
        assert _try(attacker, "ana", PW).status_code == 303
        assert _try(attacker, "ana", "wrong-wrong").status_code == 401
    # Failures older than the window are forgotten.
    later = t0 + timedelta(minutes=16)
    with clock.use(later):
        for _ in range(5):
            assert _try(attacker, "bob", "wrong-wrong").status_code == 401
    with clock.use(later + timedelta(minutes=16)):
        assert _try(attacker, "bob", PW).status_code == 303


def test_a_refused_attempt_writes_nothing_and_spends_no_argon2(app, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    c = _client(app, "198.51.100.8")
    with clock.use(clock.now()):
        for _ in range(5):
            _try(c, "ana", "wrong-wrong")
        before = len(db.scalars(select(LoginAttempt)).all())
        calls: list[str] = []
        real = PasswordHasher.verify
        monkeypatch.setattr(
            PasswordHasher, "verify", lambda self, h, p: calls.append(h) or real(self, h, p)
        )
        assert _try(c, "ana", PW).status_code == 429
    assert calls == [] and len(db.scalars(select(LoginAttempt)).all()) == before


def test_unknown_and_disabled_users_cost_the_same_argon2_work(app, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    _user(db, "off")
    credentials.set_active(db, ACTOR, "off", False, acting_user_id=None)
    db.commit()
    hashes: list[str] = []
    real = PasswordHasher.verify

    def spy(self: PasswordHasher, stored: str, password: str) -> bool:
        hashes.append(stored)
        return real(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    c = _client(app, "198.51.100.9")
    for username in ("ana", "nobody-at-all", "off"):
        assert _try(c, username, "wrong-wrong").status_code == 401
    assert _try(c, "off", PW).status_code == 401  # a disabled user's right password too
    assert len(hashes) == 4  # one full argon2 verification each, known or not

    def params(h: str) -> str:
        return h.split("$")[3]  # m=…,t=…,p=…

    assert params(hashes[1]) == params(hashes[0]) == params(hashes[2])
    assert hashes[1].startswith("$argon2id$")


# ---------------------------------------------------------------- trusted proxies


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "seen"),
    [
        ("127.0.0.1", "203.0.113.1", "", "127.0.0.1"),  # loopback is not trusted by default
        ("198.51.100.1", "203.0.113.1", "10.0.0.0/8", "198.51.100.1"),  # peer not a proxy
        ("10.0.0.2", "203.0.113.1", "10.0.0.0/8", "203.0.113.1"),
        ("10.0.0.2", "6.6.6.6, 203.0.113.1, 10.0.0.9", "10.0.0.0/8", "203.0.113.1"),
        ("10.0.0.2", "10.0.0.3, 10.0.0.9", "10.0.0.0/8", "10.0.0.3"),
        ("10.0.0.2", "not-an-ip", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "203.0.113.1, garbage", "10.0.0.0/8", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.0/8", "10.0.0.2"),
        ("::1", "2001:db8::7", "::1", "2001:db8::7"),
        (None, "203.0.113.1", "10.0.0.0/8", "unknown"),
    ],
)
def test_client_address(peer, header, trusted, seen) -> None:  # type: ignore[no-untyped-def]
    assert client_address(peer, header, trusted) == seen


@pytest.mark.parametrize("value", ["10.0.0.300", "localhost", "10.0.0.0/99", "1.2.3.4,,x"])
def test_a_malformed_trusted_proxy_is_refused_at_start(value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="HIGHLAND_TRUSTED_PROXIES"):
        Settings(trusted_proxies=value)


def test_forwarded_for_counts_only_behind_a_trusted_proxy(app, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    app.state.settings = app.state.settings.model_copy(update={"trusted_proxies": "10.0.0.1"})
    proxy, stranger = _client(app, "10.0.0.1"), _client(app, "198.51.100.20")
    with clock.use(clock.now()):
        _try(proxy, "ana", "wrong-wrong", **{"x-forwarded-for": "203.0.113.50"})
        # A stranger cannot pick the address its failures are counted against.
        for n in range(6):
            resp = _try(stranger, "ana", "wrong-wrong", **{"x-forwarded-for": f"192.0.2.{n}"})
        assert resp.status_code == 429
    ips = [a.ip for a in db.scalars(select(LoginAttempt).order_by(LoginAttempt.id))]
    assert ips == ["203.0.113.50"] + ["198.51.100.20"] * 5


# ---------------------------------------------------------------- concurrency


@pytest.fixture(params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A real server over a fresh database (SQLite file; PostgreSQL when configured) with 40
    users, hashed at a realistic cost."""
    monkeypatch.setenv("HIGHLAND_PASSWORD_HASH_MEMORY_KIB", "8192")
    monkeypatch.setenv("HIGHLAND_PASSWORD_HASH_TIME_COST", "2")
    config.get_settings.cache_clear()
    with fresh_database(request.param, tmp_path, "highland_logins") as url:
        yield from _serve(url, tmp_path)
    monkeypatch.undo()
    config.get_settings.cache_clear()


def _serve(url: str, tmp_path: Path) -> Iterator[str]:

    from highland.enterprises.service import seed_regions
    from highland.main import create_app
    from highland.platform.db import make_engine, session_factory
    from highland.schema import upgrade

    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as s:
        seed_regions(s, "320100")
        for i in range(40):
            identity.create_user(s, ACTOR, username=f"u{i}", password=PW, role="analyst")
        s.commit()
    app = create_app(engine, Settings(secret_key="login-test", instance_dir=tmp_path))
    try:
        with serving(app) as base:
            yield base
    finally:
        engine.dispose()


def test_forty_concurrent_sign_ins_no_server_error(live: str) -> None:
    start = threading.Barrier(40)

    def one(i: int) -> int:
        with httpx.Client(base_url=live, follow_redirects=False, timeout=120) as c:
            page = c.get("/login")
            csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            password = PW if i % 2 == 0 else "wrong-wrong"
            start.wait()
            resp = c.post(
                "/login", data={"username": f"u{i}", "password": password, "csrf_token": csrf}
            )
            return resp.status_code

    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(one, range(40)))
    assert [c for c in codes if c >= 500] == []
    assert codes == [303 if i % 2 == 0 else 401 for i in range(40)]


def test_parallel_guesses_of_one_pair_count_at_once(live: str) -> None:
    """Twelve guesses at once from one address for one user: the first five are checked, the
    rest wait (each attempt is counted before its password is checked). The clock stands
    still, so the 1-second wait cannot run out while they race."""
    start = threading.Barrier(12)

    def one(_: int) -> int:
        with httpx.Client(base_url=live, follow_redirects=False, timeout=120) as c:
            page = c.get("/login")
            csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            start.wait()
            data = {"username": "u0", "password": "wrong-wrong", "csrf_token": csrf}
            return c.post("/login", data=data).status_code

    with clock.use(clock.now()), ThreadPoolExecutor(12) as pool:
        codes = sorted(pool.map(one, range(12)))
    assert codes == [401] * 5 + [429] * 7
