"""The notices page, the header's unread count on every page, the notices API, bad input
(nothing written), and the migration of the old pre-rendered notices (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import func, select, text

from highland.platform.db import make_engine
from highland.platform.identity import service as identity
from highland.platform.notices import service as notices
from highland.platform.notices.models import Notification
from highland.schema import alembic_config
from tests.conftest import ACTOR
from tests.demands.test_pages import _as, one, w

__all__ = ["one", "w"]


def _unread(db: Any, uid: int) -> int:
    db.expire_all()
    return notices.unread_count(db, uid)


def _ids(db: Any, uid: int) -> list[int]:
    db.expire_all()
    return list(db.scalars(select(Notification.id).where(Notification.user_id == uid)))


def test_page_lists_in_the_page_language_with_links(client: Any, w: Any, db: Any, one: int) -> None:
    uid = w["users"]["zrzy"]["id"]
    assert _unread(db, uid) == 1  # the dispatch of the fixture's demand
    _as(client, w, "zrzy")
    page = html.unescape(client.get("/notices").text)
    assert f"【新交办】诉求 #{one}：扩产用地需求" in page
    assert f'href="/demands/{one}"' in page and re.search(r'id="unread-count"[^>]*>1<', page)
    # The count is in the header of every page, not only the demands module's.
    for path in ("/enterprises", "/policies", f"/demands/{one}"):
        assert re.search(r'id="unread-count"[^>]*>1<', client.get(path).text), path
    client.cookies.set("highland_lang", "en")
    page = html.unescape(client.get("/notices").text)
    assert f"[New] Demand #{one}: 扩产用地需求" in page and "Mark all read" in page
    # Another enterprise's user sees nothing of it.
    _as(client, w, "other_firm")
    assert 'id="no-unread"' in client.get("/notices").text
    assert 'id="unread-count"' not in client.get("/enterprises").text


def test_mark_read_only_ones_own(client: Any, w: Any, db: Any, one: int) -> None:
    zrzy, jrj = w["users"]["zrzy"]["id"], w["users"]["jrj"]["id"]
    n = notices.Notice("legacy", "x:1", "/notices", {"subject": "给金融局", "body": ""})
    notices.notify(db, [jrj], n)
    db.commit()
    (theirs,) = _ids(db, jrj)
    (mine,) = _ids(db, zrzy)
    csrf = _as(client, w, "zrzy")
    resp = client.post("/notices/read", data={"csrf_token": csrf, "id": [str(theirs)]})
    assert resp.status_code == 303 and _unread(db, jrj) == 1 and _unread(db, zrzy) == 1
    resp = client.post("/notices/read", data={"csrf_token": csrf, "id": [str(mine)]})
    assert resp.status_code == 303 and _unread(db, zrzy) == 0 and _unread(db, jrj) == 1
    page = client.get("/notices").text
    assert 'id="no-unread"' in page and 'id="read-notices"' in page
    assert 'id="unread-count"' not in page


def test_mark_read_with_garbage_is_refused_and_writes_nothing(
    client: Any, w: Any, db: Any, one: int
) -> None:
    uid = w["users"]["zrzy"]["id"]
    (mine,) = _ids(db, uid)
    csrf = _as(client, w, "zrzy")
    for bad in ("abc", "-3", "1.5", ""):
        resp = client.post("/notices/read", data={"csrf_token": csrf, "id": [str(mine), bad]})
        assert resp.status_code == 422, bad
        assert f"“{bad}”不是通知编号，未做任何更改" in html.unescape(resp.text)
        assert _unread(db, uid) == 1
    client.cookies.set("highland_lang", "en")
    resp = client.post("/notices/read", data={"csrf_token": csrf, "id": "x"})
    assert "'x' is not a notice id; nothing was changed." in html.unescape(resp.text)
    # Without the form's CSRF token: refused.
    assert client.post("/notices/read", data={"id": str(mine)}).status_code == 403
    assert client.get("/notices", params={"page": "zero"}).status_code == 422
    assert _unread(db, uid) == 1


def test_api_lists_own_notices_paginated_and_marks_read(
    client: Any, w: Any, db: Any, one: int
) -> None:
    uid = w["users"]["zrzy"]["id"]
    extra = [
        notices.Notice("legacy", f"x:{i}", "/notices", {"subject": f"第{i}条"}) for i in (1, 2)
    ]
    for n in extra:
        notices.notify(db, [uid], n)
    other = notices.Notice("legacy", "x:9", "/notices", {"subject": "别人的"})
    notices.notify(db, [w["users"]["jrj"]["id"]], other)
    token = identity.create_token(db, ACTOR, "d_zrzy")
    db.commit()
    client.cookies.clear()
    auth = {"authorization": f"Bearer {token}"}
    got = client.get("/api/v1/notices", params={"per_page": 2}, headers=auth).json()
    assert (got["total"], got["unread"], got["page"], got["per_page"]) == (3, 3, 1, 2)
    assert [i["subject"] for i in got["items"]] == ["第2条", "第1条"]
    last = client.get("/api/v1/notices", params={"per_page": 2, "page": 2}, headers=auth).json()
    (first,) = last["items"]
    assert first["subject"] == f"【新交办】诉求 #{one}：扩产用地需求"
    assert first["link"] == f"/demands/{one}" and first["ref"] == f"demand:{one}"
    assert first["url"].endswith(f"/demands/{one}") and first["read_at"] is None
    en = client.get("/api/v1/notices", params={"page": 2, "per_page": 2},
                    headers=auth | {"accept-language": "en"}).json()  # fmt: skip
    assert en["items"][0]["subject"] == f"[New] Demand #{one}: 扩产用地需求"
    theirs = _ids(db, w["users"]["jrj"]["id"])
    resp = client.post("/api/v1/notices/read", json={"ids": [first["id"], *theirs]}, headers=auth)
    assert resp.status_code == 200 and resp.json() == {"read": 1, "unread": 2}
    assert _unread(db, w["users"]["jrj"]["id"]) == 1
    resp = client.post("/api/v1/notices/read", json={"all": True}, headers=auth)
    assert resp.json() == {"read": 2, "unread": 0}
    unread = client.get("/api/v1/notices", params={"unread": "true"}, headers=auth).json()
    assert unread["items"] == [] and unread["total"] == 0


def test_api_bad_input_is_refused_and_writes_nothing(
    client: Any, w: Any, db: Any, one: int
) -> None:
    uid = w["users"]["zrzy"]["id"]
    token = identity.create_token(db, ACTOR, "d_zrzy")
    db.commit()
    client.cookies.clear()
    auth = {"authorization": f"Bearer {token}"}
    (mine,) = _ids(db, uid)
    for body, field, code in (
        ({"ids": [mine, "x"]}, "ids", "notices.bad_id"),
        ({"ids": [0]}, "ids", "notices.bad_id"),
        ({"ids": [True]}, "ids", "notices.bad_id"),
        ({"ids": []}, "ids", "notices.ids_or_all"),
        ({}, "ids", "notices.ids_or_all"),
        ({"ids": [mine], "all": True}, "ids", "notices.ids_or_all"),
        ({"ids": list(range(1, 502))}, "ids", "notices.too_many_ids"),
    ):
        resp = client.post("/api/v1/notices/read", json=body, headers=auth)
        assert resp.status_code == 422, body
        got = resp.json()
        assert (got["field"], got["code"]) == (field, code), got
        assert "message" in got  # the Chinese text for zh clients
    for raw in (b"{not json", b"[1, 2]", b'{"ids": "1"}', b'{"everything": true}'):
        resp = client.post("/api/v1/notices/read", content=raw,
                           headers=auth | {"content-type": "application/json"})  # fmt: skip
        assert resp.status_code == 422, raw
    for params in ({"page": "0"}, {"page": "x"}, {"per_page": "0"}, {"per_page": "201"}):
        resp = client.get("/api/v1/notices", params=params, headers=auth)
        assert resp.status_code == 422 and resp.json()["code"].startswith("notices.bad_"), params
    assert _unread(db, uid) == 1


def test_migration_carries_old_notices_over(tmp_path: Path) -> None:
    """Rows of the old table (pre-rendered text, demand FK) become language-neutral notices."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_account (id, username, password_hash, role, is_active, "
                "created_at) VALUES (1, 'u', 'x', 'handler', 1, '2026-03-01 00:00:00')"
            )
        )
        conn.execute(text(
            "INSERT INTO notification (id, user_id, demand_id, kind, due_key, subject, body, "
            "created_at) VALUES (5, 1, NULL, 'task_breach', 't7:202603091559', '【已超期】', "
            "'正文', '2026-03-10 00:00:00'), (6, 1, NULL, 'note', '', '老通知', '老正文', "
            "'2026-03-10 00:00:00')"))  # fmt: skip
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        sql = "SELECT id, kind, ref, dedupe_key, link FROM notification ORDER BY id"
        rows = conn.execute(text(sql)).all()
        assert [tuple(r) for r in rows] == [
            (5, "task.breach", "task:7", "t7:202603091559", "/chain-tasks/7"),
            (6, "legacy", "legacy:6", "note:", "/notices"),
        ]
        # The new unique key holds without a demand: the same notice cannot come again.
        n = conn.execute(text("SELECT COUNT(*) FROM notification")).scalar()
        assert n == 2
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        legacy = s.get(Notification, 6)
        assert legacy is not None
        assert notices.text("en", legacy.kind, legacy.params) == ("老通知", "老正文")
        again = notices.Notice("task.breach", "task:7", "/chain-tasks/7", {}, "t7:202603091559")
        assert notices.notify(s, [1], again) == 0
        assert s.scalar(select(func.count()).select_from(Notification)) == 2
        # And back down: the old table again.
        s.rollback()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind, due_key FROM notification ORDER BY id")).all()
    engine.dispose()
