"""The chains REST API: list, tree and versions, loading YAML or XLSX, scope and errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from highland.chains import service
from highland.chains.loader import read_yaml
from highland.chains.models import ChainVersion
from tests.chains.chain_files import BROKEN, FLAT, SMALL
from tests.chains.test_loader import _book
from tests.chains.users import make_users
from tests.conftest import ACTOR

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def users(db: Any) -> dict[str, dict[str, str]]:
    """Users of every role, and chains 1 (SMALL) and 2 (FLAT) stored."""
    service.store(db, [read_yaml(SMALL, "s.yaml"), read_yaml(FLAT, "f.yaml")], ACTOR)
    return make_users(db)


def _h(users: dict[str, dict[str, str]], role: str, **more: str) -> dict[str, str]:
    return {"authorization": f"Bearer {users[role]['token']}", **more}


def _post(
    client: Any, users: Any, role: str, body: str | bytes, ctype: str = "application/yaml"
) -> Any:
    data = body.encode() if isinstance(body, str) else body
    return client.post(
        "/api/v1/chains", content=data, headers=_h(users, role, **{"content-type": ctype})
    )


def _versions(db: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(ChainVersion)) or 0)


def test_list_and_tree(client: Any, users: Any) -> None:
    resp = client.get("/api/v1/chains", headers=_h(users, "leader"))
    assert resp.status_code == 200
    assert [(c["id"], c["segments"], c["bottlenecks"], c["version"]) for c in resp.json()] == [
        (1, 5, 1, 1), (2, 4, 1, 1)
    ]  # fmt: skip
    one = client.get("/api/v1/chains/1", headers=_h(users, "handler")).json()
    assert one["version"] == 1 and [v["version"] for v in one["versions"]] == [1]
    assert one["segments"][1] == {
        "code": "os", "parent": "basic", "name": "操作系统", "name_en": None,
        "stream": "upstream", "position": 1, "industry": ["6511"], "products": [],
        "keywords": [], "bottleneck": False,
    }  # fmt: skip
    assert client.get("/api/v1/chains/9", headers=_h(users, "leader")).status_code == 404
    assert client.get("/api/v1/chains/1/versions/2", headers=_h(users, "leader")).status_code == 404
    assert client.get("/api/v1/chains").status_code == 401


def test_load_new_version_and_read_the_old_one(client: Any, users: Any, db: Any) -> None:
    resp = _post(client, users, "chain_head", SMALL)
    assert resp.status_code == 201 and resp.json()["unchanged"] == [1]
    resp = _post(client, users, "chain_head", SMALL.replace("name: 数据库", "name: 分布式数据库"))
    assert resp.status_code == 201 and resp.json() == {
        "created": [],
        "updated": [1],
        "unchanged": [],
    }
    one = client.get("/api/v1/chains/1", headers=_h(users, "leader")).json()
    assert one["version"] == 2 and [v["version"] for v in one["versions"]] == [2, 1]
    assert one["segments"][2]["name"] == "分布式数据库"
    old = client.get("/api/v1/chains/1/versions/1", headers=_h(users, "leader")).json()
    assert old["segments"][2]["name"] == "数据库" and "name: 数据库" in old["source"]


def test_load_refuses_errors_with_lines_and_stores_nothing(
    client: Any, users: Any, db: Any
) -> None:
    before = _versions(db)
    resp = _post(client, users, "analyst", BROKEN)
    assert resp.status_code == 422
    body = resp.json()
    assert "nothing was stored" in body["detail"] and body["field"] == "file"
    got = {(e["line"], e["message"].split(" (")[0]) for e in body["errors"]}
    assert (10, "duplicate segment code 'a'") in got
    assert (1, "id must be a positive integer, got 0") in got
    assert len(body["errors"]) >= 9
    assert _versions(db) == before
    resp = _post(client, users, "analyst", "")
    assert resp.status_code == 422 and resp.json()["errors"][0]["message"] == "the file is empty"
    resp = _post(client, users, "analyst", b"{}", "application/json")
    assert resp.status_code == 415 and resp.json()["field"] == "content-type"
    assert _versions(db) == before


def test_scope_chain_heads_only_their_chain(client: Any, users: Any, db: Any) -> None:
    other = FLAT.replace("name: 扁平写法", "name: 改名")  # chain 2
    resp = _post(client, users, "chain_head", other)
    assert resp.status_code == 403 and "only its own chain (chain 1)" in resp.json()["detail"]
    assert _post(client, users, "chain_team", other).status_code == 201  # the team's chain 2
    new = SMALL.replace("id: 1", "id: 3").replace("code: software", "code: new")
    assert _post(client, users, "chain_team", new).status_code == 403
    assert _post(client, users, "analyst", new).status_code == 201  # chains:data: any chain
    assert _post(client, users, "leader", SMALL).status_code == 403  # no chains:write


def test_load_xlsx(client: Any, users: Any) -> None:
    book = _book([["up", None, "上游", "upstream", "6511", None, "true"]])
    resp = _post(client, users, "admin", book, XLSX)
    assert resp.status_code == 201 and resp.json()["created"] == [9]
    nine = client.get("/api/v1/chains/9", headers=_h(users, "admin")).json()
    assert nine["name"] == "表格链" and nine["segments"][0]["bottleneck"] is True
    assert "code: book" in nine["source"]
