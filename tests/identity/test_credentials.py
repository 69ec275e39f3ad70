"""The life of credentials: token expiry, listing and revoking tokens, disabling and enabling
users, resetting passwords, the admin page — each takes effect at once and is audited without
a secret in the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from highland.platform.audit.models import AuditEntry
from highland.platform.errors import Conflict, InvalidInput, NotFound
from highland.platform.identity import credentials
from highland.platform.identity import service as identity
from highland.platform.identity.models import ApiToken, User, UserSession
from highland.platform.kit import clock
from highland.platform.web.i18n import error_text
from tests.conftest import ACTOR

PW = "correct-horse"


def _user(db: Any, username: str = "ana", role: str = "analyst") -> User:
    user = identity.create_user(db, ACTOR, username=username, password=PW, role=role)
    db.commit()
    return user


def _me(client: Any, token: str) -> int:
    client.cookies.clear()
    return int(client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).status_code)


def _page_as(client: Any, cookie: str, path: str = "/enterprises") -> Any:
    client.cookies.clear()
    client.cookies.set("highland_session", cookie)
    return client.get(path)


def _audit(db: Any, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# ---------------------------------------------------------------- expiry


def test_token_expires_after_the_default_days(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    now = clock.now()
    with clock.use(now):
        token = identity.create_token(db, ACTOR, "ana", "default")
    db.commit()
    row = db.scalars(select(ApiToken)).one()
    assert row.expires_at == now + timedelta(days=settings.api_token_days)
    with clock.use(now + timedelta(days=settings.api_token_days) - timedelta(minutes=1)):
        assert _me(client, token) == 200
    with clock.use(now + timedelta(days=settings.api_token_days, seconds=1)):
        assert _me(client, token) == 401
        assert credentials.list_tokens(db)[0].state(clock.now()) == "expired"


def test_token_days_per_token_and_never(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    now = clock.now()
    with clock.use(now):
        short = identity.create_token(db, ACTOR, "ana", "short", days=1)
        forever = identity.create_token(db, ACTOR, "ana", "forever", days=0)
    db.commit()
    with clock.use(now + timedelta(days=2)):
        assert _me(client, short) == 401
        assert _me(client, forever) == 200
    audit = _audit(db, "create")
    tokens = [e for e in audit if e.entity == "api_token"]
    assert {e.after["name"] for e in tokens} == {"short", "forever"}
    assert short not in str([e.after for e in tokens]) and forever not in str(
        [e.after for e in tokens]
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"days": -1}, InvalidInput, "creds.bad_days"),
        ({"days": 3651}, InvalidInput, "creds.bad_days"),
        ({"days": True}, InvalidInput, "creds.bad_days"),
        ({"name": ""}, InvalidInput, "creds.bad_token_name"),
        ({"name": "x" * 101}, InvalidInput, "creds.bad_token_name"),
        ({"username": "nobody"}, NotFound, "creds.no_user"),
    ],
)
def test_create_token_refuses(db, kwargs, error, code) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    args = {"username": "ana", "name": "t", **kwargs}
    with pytest.raises(error) as caught:
        identity.create_token(db, ACTOR, args.pop("username"), **args)
    assert caught.value.code == code
    assert error_text("zh-CN", caught.value) != error_text("en", caught.value)
    assert db.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_no_token_for_a_disabled_user(db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    credentials.set_active(db, ACTOR, "ana", False, acting_user_id=None)
    with pytest.raises(Conflict) as caught:
        identity.create_token(db, ACTOR, "ana")
    assert caught.value.code == "creds.user_disabled"
    assert "已停用" in error_text("zh-CN", caught.value)


# ---------------------------------------------------------------- revoke


def test_revoke_ends_the_token_at_once_and_is_audited(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    token = identity.create_token(db, ACTOR, "ana", "robot")
    db.commit()
    assert _me(client, token) == 200
    [row] = credentials.list_tokens(db, "ana")
    assert row.state(clock.now()) == "active" and row.last_used_at is not None
    credentials.revoke_token(db, ACTOR, row.id)
    db.commit()
    assert _me(client, token) == 401
    [entry] = _audit(db, "revoke")
    assert entry.entity == "api_token" and entry.entity_key == str(row.id)
    assert entry.after == {"revoked": True} and token not in str(entry.before)
    with pytest.raises(Conflict) as again:
        credentials.revoke_token(db, ACTOR, row.id)
    assert again.value.code == "creds.token_revoked"
    assert len(_audit(db, "revoke")) == 1


@pytest.mark.parametrize("token_id", [0, -1, 999_999, 2**63, 2**64])
def test_revoke_unknown_token(db, token_id) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as caught:
        credentials.revoke_token(db, ACTOR, token_id)
    assert caught.value.code == "creds.no_token"
    assert "API 令牌" in error_text("zh-CN", caught.value)


# ---------------------------------------------------------------- disable / enable


def test_disable_ends_sessions_and_tokens_at_once(client, db) -> None:  # type: ignore[no-untyped-def]
    user = _user(db)
    cookie, _ = identity.open_session(db, user, 1)
    token = identity.create_token(db, ACTOR, "ana")
    db.commit()
    assert _page_as(client, cookie).status_code == 200 and _me(client, token) == 200
    ended = credentials.set_active(db, ACTOR, "ana", False, acting_user_id=None)
    db.commit()
    assert ended == 1
    assert db.scalar(select(func.count()).select_from(UserSession)) == 0
    assert _page_as(client, cookie).status_code == 303  # back to the sign-in page
    assert _me(client, token) == 401
    [entry] = _audit(db, "disable")
    assert entry.before == {"is_active": True}
    assert entry.after == {"is_active": False, "sessions_ended": 1}
    with pytest.raises(Conflict) as again:
        credentials.set_active(db, ACTOR, "ana", False, acting_user_id=None)
    assert again.value.code == "creds.already_disabled"
    credentials.set_active(db, ACTOR, "ana", True, acting_user_id=None)
    db.commit()
    assert _me(client, token) == 200  # the token was not revoked, only its user paused
    assert _page_as(client, cookie).status_code == 303  # the ended session stays ended
    with pytest.raises(Conflict) as twice:
        credentials.set_active(db, ACTOR, "ana", True, acting_user_id=None)
    assert twice.value.code == "creds.already_enabled"


def test_a_disabled_user_cannot_sign_in(client, db) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    credentials.set_active(db, ACTOR, "ana", False, acting_user_id=None)
    db.commit()
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/login", data={"username": "ana", "password": PW, "csrf_token": csrf})
    assert resp.status_code == 401 and "用户名或密码错误" in resp.text


def test_nobody_disables_themselves(db) -> None:  # type: ignore[no-untyped-def]
    user = _user(db, "root", "admin")
    with pytest.raises(Conflict) as caught:
        credentials.set_active(db, ACTOR, "root", False, acting_user_id=user.id)
    assert caught.value.code == "creds.self_disable"
    assert db.get(User, user.id).is_active  # type: ignore[union-attr]


@pytest.mark.parametrize("username", ["nobody", "", " "])
def test_disable_unknown_user(db, username) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as caught:
        credentials.set_active(db, ACTOR, username, False, acting_user_id=None)
    assert caught.value.code == "creds.no_user"


# ---------------------------------------------------------------- reset password


def test_reset_password_ends_sessions_and_keeps_no_secret(client, db) -> None:  # type: ignore[no-untyped-def]
    user = _user(db)
    cookie, _ = identity.open_session(db, user, 1)
    db.commit()
    ended = credentials.reset_password(db, ACTOR, "ana", "brand-new-pw")
    db.commit()
    assert ended == 1 and _page_as(client, cookie).status_code == 303
    db.refresh(user)
    assert identity.check_password(user.password_hash, "brand-new-pw")
    assert not identity.check_password(user.password_hash, PW)
    [entry] = _audit(db, "reset_password")
    assert "brand-new-pw" not in str(entry.after) and "$argon2" not in str(entry.after)
    assert entry.after == {"sessions_ended": 1}


@pytest.mark.parametrize(
    ("password", "code"), [("short", "creds.short_password"), ("x" * 1025, "creds.long_password")]
)
def test_reset_password_refuses(db, password, code) -> None:  # type: ignore[no-untyped-def]
    user = _user(db)
    before = user.password_hash
    with pytest.raises(InvalidInput) as caught:
        credentials.reset_password(db, ACTOR, "ana", password)
    assert caught.value.code == code
    assert user.password_hash == before and _audit(db, "reset_password") == []
    with pytest.raises(NotFound):
        credentials.reset_password(db, ACTOR, "nobody", "long-enough-pw")


# ---------------------------------------------------------------- the admin page


def _admin(db: Any) -> tuple[User, str, str]:
    admin = _user(db, "root", "admin")
    cookie, csrf = identity.open_session(db, admin, 1)
    db.commit()
    return admin, cookie, csrf


def test_admin_page_lists_users_and_tokens_without_secrets(client, db) -> None:  # type: ignore[no-untyped-def]
    _admin_user, cookie, _ = _admin(db)
    _user(db)
    token = identity.create_token(db, ACTOR, "ana", "报表机器人", days=30)
    db.commit()
    page = _page_as(client, cookie, "/admin/users")
    assert page.status_code == 200
    assert 'data-user="ana"' in page.text and "报表机器人" in page.text
    assert token not in page.text
    hashes = db.scalars(select(ApiToken.token_hash)).all()
    assert not any(h in page.text for h in hashes)
    assert "账号与 API 令牌" in page.text and 'id="nav-admin-users"' in page.text
    client.cookies.set("highland_lang", "en")
    assert "Accounts and API tokens" in client.get("/admin/users").text


def test_admin_page_disables_resets_revokes(client, db) -> None:  # type: ignore[no-untyped-def]
    _, cookie, csrf = _admin(db)
    ana = _user(db)
    ana_cookie, _ = identity.open_session(db, ana, 1)
    token = identity.create_token(db, ACTOR, "ana")
    db.commit()
    _page_as(client, cookie)
    resp = client.post(f"/admin/users/{ana.id}/disable", data={"csrf_token": csrf})
    assert resp.status_code == 303
    done = client.get(resp.headers["location"])
    assert "账号“ana”已停用，1 个会话已结束" in done.text
    assert _me(client, token) == 401
    assert _page_as(client, ana_cookie).status_code == 303
    _page_as(client, cookie)
    assert (
        client.post(f"/admin/users/{ana.id}/enable", data={"csrf_token": csrf}).status_code == 303
    )
    form = {"csrf_token": csrf, "password": "fresh-pw-123", "password_again": "fresh-pw-123"}
    assert client.post(f"/admin/users/{ana.id}/reset-password", data=form).status_code == 303
    token_id = credentials.list_tokens(db, "ana")[0].id
    resp = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert resp.status_code == 303 and _me(client, token) == 401
    actions = [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.actor == "root"))]
    assert actions == ["disable", "enable", "reset_password", "revoke"]


@pytest.mark.parametrize(
    ("path", "form", "status", "zh", "en"),
    [
        ("/admin/users/{self}/disable", {}, 409, "不能停用自己的账号", "cannot disable your own"),
        ("/admin/users/{ana}/enable", {}, 409, "已处于启用状态", "already enabled"),
        ("/admin/users/999999/disable", {}, 404, "没有用户名为", "There is no user"),
        (
            "/admin/users/9223372036854775808/enable",
            {},
            422,
            "“用户编号”过大",
            "“User number” is too large",
        ),
        (
            "/admin/users/{ana}/reset-password",
            {"password": "fresh-pw-123", "password_again": "fresh-pw-124"},
            422, "两次输入的新密码不一致", "two new passwords differ",
        ),
        (
            "/admin/users/{ana}/reset-password",
            {"password": "short", "password_again": "short"},
            422, "密码至少需要 8 个字符", "at least 8 characters",
        ),
        ("/admin/tokens/999999/revoke", {}, 404, "没有编号为 999999 的 API 令牌", "no API token"),
        ("/admin/tokens/{revoked}/revoke", {}, 409, "已被吊销", "already revoked"),
    ],
)  # fmt: skip
def test_admin_page_refusals(client, db, path, form, status, zh, en) -> None:  # type: ignore[no-untyped-def]
    admin, cookie, csrf = _admin(db)
    ana = _user(db)
    identity.create_token(db, ACTOR, "ana")
    revoked = credentials.list_tokens(db, "ana")[0].id
    credentials.revoke_token(db, ACTOR, revoked)
    db.commit()
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    hash_before = ana.password_hash
    url = path.format(self=admin.id, ana=ana.id, revoked=revoked)
    for lang, needle in (("zh-CN", zh), ("en", en)):
        _page_as(client, cookie)
        client.cookies.set("highland_lang", lang)
        resp = client.post(url, data={"csrf_token": csrf, **form})
        assert resp.status_code == status, resp.text[:300]
        assert needle in resp.text
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before
    db.refresh(ana)
    assert ana.is_active and ana.password_hash == hash_before


@pytest.mark.parametrize(
    "query",
    ["?done=disabled&n=abc&u=x", "?done=nope", "?n=99999999999999999999", "?done=reset&n=-1"],
)
def test_admin_page_ignores_a_malformed_query(client, db, query) -> None:  # type: ignore[no-untyped-def]
    _, cookie, _ = _admin(db)
    assert _page_as(client, cookie, "/admin/users" + query).status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"role": "emperor"}, "creds.bad_role"),
        ({"password": "short"}, "creds.short_password"),
        ({"role": "enterprise"}, "creds.needs_enterprise"),
        ({"role": "handler"}, "creds.needs_institution"),
        ({"role": "chain_head"}, "creds.needs_chain"),
        ({"username": ""}, "creds.bad_username"),
        ({"email": "not-an-address"}, "creds.bad_email"),
        ({"username": "ana"}, "creds.username_taken"),
    ],
)
def test_create_user_errors_have_codes_in_both_languages(db, kwargs, code) -> None:  # type: ignore[no-untyped-def]
    _user(db)
    args = {"username": "x", "password": "long-enough", "role": "analyst", **kwargs}
    with pytest.raises((InvalidInput, Conflict)) as caught:
        identity.create_user(db, ACTOR, **args)
    assert caught.value.code == code
    zh, en = error_text("zh-CN", caught.value), error_text("en", caught.value)
    assert zh != en and "error." not in zh and "{" not in zh + en
