"""The members and leading-firms API: lists, manual add, bulk decisions, marks, bad input,
and chain heads limited to their own chain."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

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
def tokens(db: Session, w: World) -> dict[str, str]:
    specs: dict[str, dict[str, Any]] = {
        "analyst": {"role": "analyst"},
        "head": {"role": "chain_head", "chain_id": w.chain.id},
        "other_head": {"role": "chain_head", "chain_id": w.other.id},
        "team": {"role": "chain_team", "chain_id": w.chain.id},
        "leader": {"role": "leader"},
        "enterprise": {"role": "enterprise", "enterprise_id": w.ids[1]},
    }
    out = {}
    for name, spec in specs.items():
        identity.create_user(db, ACTOR, username=f"m_{name}", password="password-123", **spec)
        out[name] = identity.create_token(db, ACTOR, f"m_{name}")
    db.commit()
    return out


def h(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_list_filters_and_pages(client: Any, w: World, tokens: dict[str, str]) -> None:
    url = f"/api/v1/chains/{w.chain.id}/members"
    got = client.get(url, headers=h(tokens["leader"])).json()
    assert got["total"] == 7 and got["items"][0]["confidence"] == 80
    got = client.get(url, params={"segment": "design", "evidence": "keyword"},
                     headers=h(tokens["leader"])).json()  # fmt: skip
    assert [(i["uscc"], i["detail"]) for i in got["items"]] == [(uscc(4), "集成电路")]
    got = client.get(url, params={"min_confidence": 60, "per_page": 2, "page": 2},
                     headers=h(tokens["head"])).json()  # fmt: skip
    assert got["total"] == 3 and len(got["items"]) == 1
    r = client.get(url, params={"status": "maybe"}, headers=h(tokens["leader"]))
    assert r.status_code == 422 and "status must be one of" in r.text
    r = client.get(url, params={"min_confidence": 101}, headers=h(tokens["leader"]))
    assert r.status_code == 422
    assert client.get("/api/v1/chains/999/members", headers=h(tokens["leader"])).status_code == 404
    assert client.get(url, headers=h(tokens["enterprise"])).status_code == 403


def test_decide_in_bulk(client: Any, db: Session, w: World, tokens: dict[str, str]) -> None:
    url = f"/api/v1/chains/{w.chain.id}/members"
    items = client.get(url, headers=h(tokens["head"])).json()["items"]
    ids = [i["id"] for i in items if i["segment"] == "pack"]
    r = client.post(f"{url}/decide", json={"decision": "reject", "ids": ids},
                    headers=h(tokens["team"]))  # fmt: skip
    assert r.status_code == 200 and r.json() == {"changed": len(ids)}
    body = {"decision": "accept", "segment": "design", "min_confidence": 50}
    r = client.post(f"{url}/decide", json=body, headers=h(tokens["head"]))
    assert r.json() == {"changed": 2}
    got = client.get(url, params={"status": "accepted"}, headers=h(tokens["head"])).json()
    assert {i["uscc"] for i in got["items"]} == {uscc(1), uscc(4)}
    assert all(i["decided_by"] == "m_head" for i in got["items"])


@pytest.mark.parametrize(
    "body,status,words",
    [
        ({"decision": "accept", "ids": [987654]}, 422, "no suggestion with id 987654"),
        ({"decision": "accept", "segment": "nope"}, 422, "has no segment 'nope'"),
        ({"decision": "accept", "segment": "design", "min_confidence": 101}, 422, "100"),
        ({"decision": "accept", "segment": "design", "min_confidence": "high"}, 422, "integer"),
        ({"decision": "maybe", "ids": [1]}, 422, "accept"),
    ],
)
def test_decide_bad_input_writes_nothing(
    client: Any, db: Session, w: World, tokens: dict[str, str], body: Any, status: int, words: str
) -> None:
    before = _snapshot(db)
    r = client.post(f"/api/v1/chains/{w.chain.id}/members/decide", json=body,
                    headers=h(tokens["analyst"]))  # fmt: skip
    assert r.status_code == status and words in r.text
    assert _snapshot(db) == before


def test_manual_add(client: Any, db: Session, w: World, tokens: dict[str, str]) -> None:
    url = f"/api/v1/chains/{w.chain.id}/members"
    r = client.post(url, json={"uscc": uscc(5), "segment": "pack", "note": "走访"},
                    headers=h(tokens["head"]))  # fmt: skip
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["evidence"], got["confidence"], got["status"]) == ("manual", 100, "accepted")
    before = _snapshot(db)
    r = client.post(url, json={"uscc": uscc(5), "segment": "pack"}, headers=h(tokens["analyst"]))
    assert r.status_code == 409
    assert "already in segment pack (封装测试) of chain ic (accepted on " in r.json()["detail"]
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    "body,status,words",
    [
        ({"uscc": "91320115MA1XXXXX0X", "segment": "pack"}, 422, "no enterprise with USCC"),
        ({"uscc": "UNKNOWN", "segment": "nope"}, 422, "has no segment 'nope'"),
        ({"uscc": "", "segment": "pack"}, 422, "uscc"),
        ({"segment": "pack"}, 422, "uscc"),
    ],
)
def test_manual_add_bad_input_writes_nothing(
    client: Any, db: Session, w: World, tokens: dict[str, str], body: Any, status: int, words: str
) -> None:
    before = _snapshot(db)
    r = client.post(f"/api/v1/chains/{w.chain.id}/members", json=body,
                    headers=h(tokens["analyst"]))  # fmt: skip
    assert r.status_code == status and words in r.text, r.text
    assert _snapshot(db) == before


def test_chain_heads_write_only_their_chain(
    client: Any, db: Session, w: World, tokens: dict[str, str]
) -> None:
    before = _snapshot(db)
    base = f"/api/v1/chains/{w.chain.id}"
    for who in ("other_head", "leader"):
        calls = [
            client.post(f"{base}/members", json={"uscc": uscc(5), "segment": "pack"},
                        headers=h(tokens[who])),
            client.post(f"{base}/members/decide", json={"decision": "accept",
                        "segment": "design"}, headers=h(tokens[who])),
            client.post(f"{base}/leading", json={"uscc": uscc(1)}, headers=h(tokens[who])),
            client.delete(f"{base}/leading/{uscc(1)}", headers=h(tokens[who])),
        ]  # fmt: skip
        assert [c.status_code for c in calls] == [403] * 4, [c.text for c in calls]
    assert "only your own chain" in calls[0].text or "may not" in calls[0].text
    assert _snapshot(db) == before
    # the other chain's head reads this chain
    r = client.get(f"{base}/members", headers=h(tokens["other_head"]))
    assert r.status_code == 200


def test_leading_list_mark_unmark(
    client: Any, db: Session, w: World, tokens: dict[str, str]
) -> None:
    base = f"/api/v1/chains/{w.chain.id}"
    for n, seg in ((1, "design"), (2, "make"), (3, "pack")):
        client.post(f"{base}/members", json={"uscc": uscc(n), "segment": seg},
                    headers=h(tokens["head"]))  # fmt: skip
    got = client.get(f"{base}/leading", headers=h(tokens["leader"])).json()
    assert got["year"] == 2024 and got["marked"] == []
    first = got["suggestions"][0]
    assert (first["uscc"], first["revenue_fen"], first["chain_revenue_fen"], first["share"]) == (
        uscc(1), 60000, 90000, "0.666667"
    )  # fmt: skip
    last = got["suggestions"][-1]
    assert last["uscc"] == uscc(3) and last["revenue_fen"] is None and last["share"] is None
    assert last["upstream_members"] == 2
    r = client.post(f"{base}/leading", json={"uscc": uscc(1), "reason": "营收第一"},
                    headers=h(tokens["head"]))  # fmt: skip
    assert r.status_code == 201 and r.json()["marked_by"] == "m_head"
    before = _snapshot(db)
    r = client.post(f"{base}/leading", json={"uscc": uscc(1)}, headers=h(tokens["head"]))
    assert r.status_code == 409
    r = client.post(f"{base}/leading", json={"uscc": uscc(5)}, headers=h(tokens["head"]))
    assert r.status_code == 422 and "not an accepted member" in r.text
    assert _snapshot(db) == before
    got = client.get(f"{base}/leading", headers=h(tokens["leader"])).json()
    assert [m["uscc"] for m in got["marked"]] == [uscc(1)] and got["suggestions"][0]["marked"]
    r = client.delete(f"{base}/leading/{uscc(1)}", headers=h(tokens["head"]))
    assert r.status_code == 204
    r = client.delete(f"{base}/leading/{uscc(1)}", headers=h(tokens["head"]))
    assert r.status_code == 404
