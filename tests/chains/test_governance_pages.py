"""The governance pages and API: the list and new form with decision rows, the record page
with indicators, deadlines and task buttons, errors shown with nothing written, and chain
heads and teams limited to their own chain."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.chains.models import ChainMeeting, ChainTask, ChainTaskEvent
from highland.platform.kit.dates import CITY_TZ
from tests.chains.test_indicators import build_world
from tests.chains.users import make_users

FORM = {
    "month": "2026-09", "held_at": "2026-09-30T10:00", "place": "区政府", "chaired_by": "张链长",
    "attendees": "成员单位", "matters": "产能与用地",
    "row_title": ["协调用地", "", "走访企业"], "row_owner_institution": ["320115-ZRZY", "", ""],
    "row_owner_name": ["", "", "李科长"], "row_working_days": ["5", "", "1"],
}  # fmt: skip
BODY = {
    "month": "2026-09", "held_at": "2026-09-30T10:00:00+08:00", "chaired_by": "张链长",
    "decisions": [{"title": "协调用地", "owner_institution": "320115-ZRZY", "working_days": 5}],
}  # fmt: skip


@pytest.fixture
def users(db: Session) -> dict[str, dict[str, str]]:
    build_world(db)
    return make_users(db)  # chain head: chain 1; chain team: chain 2


def counts(db: Session) -> tuple[int, ...]:
    return tuple(int(db.scalar(select(func.count()).select_from(m)) or 0)
                 for m in (ChainMeeting, ChainTask, ChainTaskEvent))  # fmt: skip


def sign_in(client: Any, users: dict[str, dict[str, str]], role: str) -> str:
    client.cookies.clear()
    client.cookies.set("highland_session", users[role]["cookie"])
    return users[role]["csrf"]


def bearer(users: dict[str, dict[str, str]], role: str) -> dict[str, str]:
    return {"authorization": f"Bearer {users[role]['token']}"}


def test_pages_create_and_act(client: Any, db: Session, users: dict[str, dict[str, str]]) -> None:
    sign_in(client, users, "leader")
    r = client.get("/chains/1/meetings")
    assert r.status_code == 200 and 'id="no-meetings"' in r.text and "meeting-form" not in r.text
    assert "张链长" in r.text  # the person in charge
    csrf = sign_in(client, users, "chain_head")
    assert 'id="meeting-form"' in client.get("/chains/1/meetings").text
    r = client.post("/chains/1/meetings", data={**FORM, "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/chains/1/meetings/2026-09"
    assert counts(db) == (1, 2, 2)
    page = client.get("/chains/1/meetings/2026-09").text
    assert "2026-10-13 23:59" in page and "2026-10-08 23:59" in page
    assert 'data-indicator="revenue"' in page and "2026-05-20" in page
    assert "暂无数据" in page and "1 家有数，2 家缺失" in page  # key projects; output value
    # Every time on the page is Beijing time to the minute (docs/numbers.md): the indicators'
    # freshness and computation stamp too, never an ISO text in UTC.
    assert not re.search(r"(?<!value=\")\d{4}-\d\d-\d\dT\d\d:\d\d", page) and "+00:00" not in page
    meeting = db.scalars(select(ChainMeeting)).one()
    stamp = datetime.fromisoformat(meeting.indicators["computed_at"]).astimezone(CITY_TZ)
    assert stamp.strftime("%Y-%m-%d %H:%M") in page.split('id="indicators-basis"')[1][:300]
    members = page.split('data-indicator="members"')[1].split("</tr>")[0]
    assert re.search(r"<td class=\"num\">\d+ 家</td>", members)  # a count with its unit
    task = db.scalars(select(ChainTask).order_by(ChainTask.id)).first()
    assert task is not None and f'action="/chain-tasks/{task.id}/actions/start"' in page
    url = f"/chain-tasks/{task.id}/actions/start"
    r = client.post(url, data={"csrf_token": csrf, "version": "1"})
    assert r.status_code == 303 and f"#task-{task.id}" in r.headers["location"]
    r = client.post(url, data={"csrf_token": csrf, "version": "1"})
    assert r.status_code == 409 and "has changed since you loaded it" in r.text
    r = client.post(f"/chain-tasks/{task.id}/actions/wait", data={"csrf_token": csrf,
                                                                   "version": "2"})  # fmt: skip
    assert r.status_code == 422 and "[reason]" in r.text
    r = client.post("/chains/1/meetings/2026-09/indicators", data={"csrf_token": csrf})
    assert r.status_code == 303
    r = client.get(f"/chain-tasks/{task.id}")
    assert r.status_code == 303 and r.headers["location"].endswith(f"#task-{task.id}")
    client.cookies.set("highland_lang", "en")
    assert "Scheduling of 2026-09" in client.get("/chains/1/meetings/2026-09").text


def test_page_errors_write_nothing(
    client: Any, db: Session, users: dict[str, dict[str, str]]
) -> None:
    csrf = sign_in(client, users, "chain_head")
    for change, field in (
        ({"row_working_days": ["0", "", "1"]}, "decisions[1].working_days"),
        ({"row_owner_institution": ["NOPE", "", ""]}, "decisions[1].owner_institution"),
        ({"month": "2026-9"}, "month"),
        ({"held_at": "2099-01-01T10:00"}, "held_at"),
        ({"held_at": "yesterday"}, "held_at"),
    ):
        r = client.post("/chains/1/meetings", data={**FORM, **change, "csrf_token": csrf})
        assert r.status_code == 422 and f'data-field="{field}"' in r.text, field
        assert 'value="张链长"' in r.text  # the form keeps what was typed
    assert counts(db) == (0, 0, 0)
    csrf = sign_in(client, users, "chain_team")  # the team of chain 2
    r = client.post("/chains/1/meetings", data={**FORM, "csrf_token": csrf})
    assert r.status_code == 403 and counts(db) == (0, 0, 0)


def test_api(client: Any, db: Session, users: dict[str, dict[str, str]]) -> None:
    head = bearer(users, "chain_head")
    r = client.post("/api/v1/chains/1/meetings", json=BODY, headers=head)
    assert r.status_code == 201, r.text
    out = r.json()
    (task,) = out["tasks"]
    due = datetime.fromisoformat(task["due"].replace("Z", "+00:00"))
    assert due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=CITY_TZ)
    assert task["actions"] == ["start", "done", "wait", "cancel"]
    assert out["indicators"]["items"]["revenue"]["value"] == 150_000
    r = client.post("/api/v1/chains/1/meetings", json=BODY, headers=head)
    assert r.status_code == 409 and "already has a scheduling record" in r.text
    r = client.post("/api/v1/chains/1/meetings", json=BODY, headers=bearer(users, "chain_team"))
    assert r.status_code == 403
    leader = bearer(users, "leader")
    assert client.get("/api/v1/chains/1/meetings", headers=leader).json()[0]["tasks"] == 1
    r = client.get("/api/v1/chains/1/meetings/2026-09", headers=leader)
    assert r.status_code == 200 and r.json()["tasks"][0]["actions"] == []
    assert client.get("/api/v1/chains/1/meetings/2026-08", headers=leader).status_code == 404
    assert client.get("/api/v1/chains/1/meetings/2026-8", headers=leader).status_code == 422
    r = client.get("/api/v1/chains/1/indicators", params={"month": "2026-09"}, headers=leader)
    assert r.status_code == 200 and r.json()["items"]["members"]["value"] == 3
    r = client.get("/api/v1/chains/1/indicators", params={"month": "09-2026"}, headers=leader)
    assert r.status_code == 422
    url = f"/api/v1/chain-tasks/{task['id']}/actions"
    assert client.post(f"{url}/start", json={"version": 1}, headers=leader).status_code == 403
    r = client.post(f"{url}/start", json={"version": 1}, headers=head)
    assert r.status_code == 200 and r.json()["state"] == "in_progress"
    r = client.post(f"{url}/done", json={"version": 1, "result": "x"}, headers=head)
    assert r.status_code == 409
    r = client.post(f"{url}/wait", json={"version": 2, "reason": "等待"}, headers=head)
    assert r.status_code == 200 and r.json()["state"] == "waiting"
    r = client.get(f"/api/v1/chain-tasks/{task['id']}", headers=leader)
    assert [e["action"] for e in r.json()["events"]] == ["create", "start", "wait"]
