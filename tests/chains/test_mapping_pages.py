"""The members and leading-firms pages: filters, bulk decisions, manual add, marks, errors
shown on the page with nothing written, and chain heads limited to their own chain."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from highland.chains.mapping import leading as lead
from highland.chains.mapping import service as mapping
from highland.platform.identity import service as identity
from tests.chains.test_mapping import World, _snapshot, build
from tests.conftest import ACTOR
from tests.factories import uscc


@pytest.fixture
def w(db: Session, sessions: Any) -> World:
    world = build(db, sessions, financials=True)
    mapping.suggest(db, ACTOR)
    db.commit()
    return world


@pytest.fixture
def users(db: Session, w: World) -> dict[str, tuple[str, str]]:
    specs: dict[str, dict[str, Any]] = {
        "head": {"role": "chain_head", "chain_id": w.chain.id},
        "other_head": {"role": "chain_head", "chain_id": w.other.id},
        "leader": {"role": "leader"},
    }
    out = {}
    for name, spec in specs.items():
        user = identity.create_user(db, ACTOR, username=f"p_{name}", password="password-123",
                                    **spec)  # fmt: skip
        out[name] = identity.open_session(db, user, 1)
    db.commit()
    return out


def sign_in(client: Any, users: dict[str, tuple[str, str]], who: str) -> str:
    token, csrf = users[who]
    client.cookies.set("highland_session", token)
    return csrf


def test_members_page_filters_and_bulk(
    client: Any, db: Session, w: World, users: dict[str, tuple[str, str]]
) -> None:
    csrf = sign_in(client, users, "head")
    url = f"/chains/{w.chain.id}/members"
    r = client.get(url)
    assert r.status_code == 200 and "共 7 条" in r.text and 'name="ids"' in r.text
    r = client.get(url, params={"segment": "design", "evidence": "keyword"})
    assert r.text.count('name="ids" value=') == 1 and uscc(4) in r.text
    r = client.get(url, params={"min_confidence": "abc"})
    assert r.status_code == 422 and "“min_confidence”须为 0 至 100 的整数（收到“abc”）" in r.text
    ids = [row.id for row, _ in mapping.members(db, w.chain.id, mapping.MemberFilter(
        segment="pack"))[1]]  # fmt: skip
    r = client.post(f"{url}/decide", data={"csrf_token": csrf, "decision": "reject",
                                           "ids": [str(i) for i in ids]})  # fmt: skip
    assert r.status_code == 303 and "done=" in r.headers["location"]
    r = client.post(
        f"{url}/decide",
        data={
            "csrf_token": csrf,
            "decision": "accept",
            "segment": "design",
            "min_confidence": "60",
        },
    )
    assert r.status_code == 303
    page = client.get(url, params={"status": "accepted"})
    assert "共 1 条" in page.text and uscc(1) in page.text


def test_members_page_errors_write_nothing(
    client: Any, db: Session, w: World, users: dict[str, tuple[str, str]]
) -> None:
    csrf = sign_in(client, users, "head")
    url = f"/chains/{w.chain.id}/members"
    before = _snapshot(db)
    cases = [
        (url, {"uscc": "91320115MA1XXXXX0X", "segment": "pack"}, 422,
         "企业库中没有统一社会信用代码为 91320115MA1XXXXX0X 的企业"),
        (url, {"uscc": uscc(5), "segment": "nope"}, 422, "没有环节“nope”"),
        (url, {"uscc": "", "segment": "pack"}, 422, "请填写企业的统一社会信用代码"),
        (f"{url}/decide", {"decision": "accept", "ids": "999999"}, 422,
         "中没有编号为 999999 的建议"),
        (f"{url}/decide", {"decision": "accept", "segment": "design", "min_confidence": "300"},
         422, "“min_confidence”须在 0 至 100 之间（收到 300）"),
        (f"{url}/decide", {"decision": "accept"}, 422, "请勾选要处理的行，或选择一个环节"),
    ]  # fmt: skip
    for path, data, status, words in cases:
        r = client.post(path, data={"csrf_token": csrf, **data})
        assert r.status_code == status and words in r.text, (data, r.text[-500:])
        assert 'id="form-error"' in r.text
    assert _snapshot(db) == before
    # twice in a segment: 409 on the page, nothing written
    assert client.post(url, data={"csrf_token": csrf, "uscc": uscc(5), "segment": "pack"}
                       ).status_code == 303  # fmt: skip
    before = _snapshot(db)
    r = client.post(url, data={"csrf_token": csrf, "uscc": uscc(5), "segment": "pack"})
    assert r.status_code == 409 and "已在产业链 ic 的环节 pack" in r.text
    assert _snapshot(db) == before


def test_other_chain_head_reads_but_cannot_write(
    client: Any, db: Session, w: World, users: dict[str, tuple[str, str]]
) -> None:
    csrf = sign_in(client, users, "other_head")
    url = f"/chains/{w.chain.id}/members"
    r = client.get(url)
    assert r.status_code == 200 and 'name="ids"' not in r.text and "add-form" not in r.text
    before = _snapshot(db)
    for path, data in [
        (url, {"uscc": uscc(5), "segment": "pack"}),
        (f"{url}/decide", {"decision": "accept", "segment": "design"}),
        (f"/chains/{w.chain.id}/leading", {"uscc": uscc(1)}),
        (f"/chains/{w.chain.id}/leading/{uscc(1)}/unmark", {}),
    ]:
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 403
    assert _snapshot(db) == before


def test_leading_page(
    client: Any, db: Session, w: World, users: dict[str, tuple[str, str]]
) -> None:
    for n, seg in ((1, "design"), (2, "make"), (3, "pack")):
        mapping.add_member(db, ACTOR, w.chain.id, uscc(n), seg)
    db.commit()
    csrf = sign_in(client, users, "head")
    url = f"/chains/{w.chain.id}/leading"
    r = client.get(url)
    assert r.status_code == 200 and "66.7%" in r.text and "没有供应商数据" in r.text
    assert r.text.index(uscc(1)) < r.text.index(uscc(2)) < r.text.index(uscc(3))
    r = client.post(url, data={"csrf_token": csrf, "uscc": uscc(1), "reason": "营收第一"})
    assert r.status_code == 303
    before = _snapshot(db)
    r = client.post(url, data={"csrf_token": csrf, "uscc": uscc(5)})
    assert r.status_code == 422 and "不是产业链 ic 已接受的成员企业" in r.text
    r = client.post(url, data={"csrf_token": csrf, "uscc": uscc(1)})
    assert r.status_code == 409 and "已是产业链 ic 的链主企业" in r.text
    assert _snapshot(db) == before
    page = client.get(url)
    assert "营收第一" in page.text
    r = client.post(f"{url}/{uscc(1)}/unmark", data={"csrf_token": csrf})
    assert r.status_code == 303 and lead.leading_firms(db, w.chain.id) == []
    sign_in(client, users, "leader")
    r = client.get(url, cookies=None)
    assert r.status_code == 200 and 'id="mark-form"' not in r.text
    client.cookies.set("highland_lang", "en")
    assert "there is no supplier data" in client.get(url).text
