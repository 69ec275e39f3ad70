"""Chain pages: the list, a tree in both languages, the edit form, uploads, scope."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from highland.chains import service
from highland.chains.loader import read_yaml
from highland.chains.models import Chain, ChainVersion
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


def _as(client: Any, users: Any, role: str) -> str:
    client.cookies.set("highland_session", users[role]["cookie"])
    return str(users[role]["csrf"])


def _versions(db: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(ChainVersion)) or 0)


def test_list_and_tree_in_both_languages(client: Any, users: Any) -> None:
    _as(client, users, "leader")
    page = client.get("/chains")
    assert page.status_code == 200
    assert 'id="nav-chains"' in page.text and "共 2 条产业链" in page.text
    assert 'data-chain="1"' in page.text and "软件和信息服务" in page.text
    assert 'id="upload-form"' not in page.text  # a leader reads only
    tree = client.get("/chains/1").text
    assert "上游" in tree and "中游" in tree and "下游" in tree
    assert 'data-segment="os"' in tree and "★ 卡脖子" in tree and ">6511<" in tree
    assert "操作系统、数据库" in tree  # products
    assert 'id="edit-link"' not in tree
    up = tree.index('id="stream-upstream"')
    assert up < tree.index('data-segment="basic"') < tree.index('id="stream-midstream"')
    client.cookies.set("highland_lang", "en")
    en = client.get("/chains/1").text
    assert "Software and information services" in en and "Upstream" in en and "Bottleneck" in en
    assert client.get("/chains/9").status_code == 404
    assert client.get("/chains/1?version=5").status_code == 404


def test_edit_stores_a_new_version_and_shows_it(client: Any, users: Any, db: Any) -> None:
    csrf = _as(client, users, "chain_head")
    form = client.get("/chains/1/edit")
    assert form.status_code == 200 and "code: software" in form.text
    changed = SMALL.replace("name: 应用软件", "name: 行业应用软件")
    resp = client.post("/chains/1/edit", data={"yaml": changed, "csrf_token": csrf})
    assert resp.status_code == 303 and resp.headers["location"] == "/chains/1?saved=new"
    page = client.get(resp.headers["location"]).text
    assert "已保存为第 2 版" in page and "行业应用软件" in page and 'data-version="1"' in page
    old = client.get("/chains/1?version=1").text
    assert 'id="old-version"' in old and "行业应用软件" not in old and ">应用软件<" in old
    resp = client.post("/chains/1/edit", data={"yaml": changed, "csrf_token": csrf})
    assert resp.headers["location"] == "/chains/1?saved=unchanged"


def test_edit_with_errors_shows_lines_and_stores_nothing(client: Any, users: Any, db: Any) -> None:
    csrf = _as(client, users, "analyst")
    before = _versions(db)
    bad = SMALL.replace("stream: midstream", "stream: sideways").replace(
        "{code: db, name: 数据库}", "{code: os, name: 数据库}"
    )
    resp = client.post("/chains/1/edit", data={"yaml": bad, "csrf_token": csrf})
    assert resp.status_code == 422
    errors = re.findall(r'<li class="mono">([^<]*)</li>', resp.text)
    assert "chain-1.yaml:15: 环节代码“os”重复（第 14 行和第 15 行）。" in errors
    assert any(e.startswith("chain-1.yaml:18: stream“sideways”无效") for e in errors)
    assert "stream: sideways" in resp.text  # the text is kept for fixing
    other = FLAT  # id 2 in chain 1's form
    resp = client.post("/chains/1/edit", data={"yaml": other, "csrf_token": csrf})
    assert resp.status_code == 422 and "此表单编辑产业链 1，但文本中的 id 为 2。" in resp.text
    assert _versions(db) == before


def test_edit_scope(client: Any, users: Any, db: Any) -> None:
    csrf = _as(client, users, "chain_head")  # owns chain 1
    assert client.get("/chains/2/edit").status_code == 403
    resp = client.post("/chains/2/edit", data={"yaml": FLAT, "csrf_token": csrf})
    assert resp.status_code == 403
    assert 'id="edit-link"' not in client.get("/chains/2").text
    assert 'id="edit-link"' in client.get("/chains/1").text
    _as(client, users, "leader")
    assert client.get("/chains/1/edit").status_code == 403
    _as(client, users, "analyst")
    assert client.get("/chains/2/edit").status_code == 200
    assert client.get("/chains/7/edit").status_code == 404
    resp = client.post("/chains/1/edit", data={"yaml": SMALL})  # no CSRF token
    assert resp.status_code == 403


def test_upload_yaml_xlsx_and_errors(client: Any, users: Any, db: Any) -> None:
    csrf = _as(client, users, "admin")
    before = _versions(db)
    resp = client.post("/chains", data={"yaml": BROKEN, "csrf_token": csrf})
    assert resp.status_code == 422 and 'id="upload-errors"' in resp.text
    assert "pasted.yaml:1: id 应为正整数（收到“0”）。" in resp.text
    assert _versions(db) == before
    book = _book([["up", None, "上游", "upstream", "6511", None, None]])
    resp = client.post(
        "/chains", data={"csrf_token": csrf}, files={"file": ("book.xlsx", book, XLSX)}
    )
    assert resp.status_code == 200 and "新建 1 条" in resp.text and 'data-chain="9"' in resp.text
    bad_book = _book([["up", "nowhere", "上游", "upstream", None, None, None]])
    resp = client.post(
        "/chains", data={"csrf_token": csrf}, files={"file": ("bad.xlsx", bad_book, XLSX)}
    )
    orphan = "bad.xlsx[segments]:2: 环节“up”的上级“nowhere”不是本链的环节。"
    assert resp.status_code == 422 and orphan in resp.text
    yaml_file = SMALL.replace("id: 1", "id: 4").replace("code: software", "code: four")
    resp = client.post(
        "/chains",
        data={"csrf_token": csrf},
        files={"file": ("four.yaml", yaml_file.encode(), "text/yaml")},
    )
    assert resp.status_code == 200 and db.get(Chain, 4) is not None
    csrf = _as(client, users, "chain_team")  # owns chain 2 only
    resp = client.post("/chains", data={"yaml": SMALL, "csrf_token": csrf})
    assert resp.status_code == 403
