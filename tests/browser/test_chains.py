"""Chains as data in a real browser: the list, a chain's tree, editing a segment through the
form (a new version appears, the old one stays readable) and a broken file's errors.

The demo chains are loaded into the live server's database by a module fixture (idempotent,
so other modules may load them too), with an analyst who may edit any chain.
Screenshots: tests/browser/screenshots/, and chain-tree.png in docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from highland.chains import service
from highland.chains.demo_data.chains import load_demo_chains
from highland.chains.models import ChainVersion
from highland.platform.audit.service import Actor
from highland.platform.identity.models import User
from highland.platform.identity.service import create_user
from tests.browser.conftest import LiveServer

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

Shot = Callable[..., Path]
SignIn = Callable[..., None]
USER = "chains-analyst"
PASSWORD = "browser-chains-pw"
EDITED = 7  # rail transit: the chain the form edits


@pytest.fixture(scope="module")
def chains(live_server: LiveServer) -> LiveServer:
    """The eight demo chains and an analyst in the live server's database."""
    actor = Actor("browser-test", None, "system")
    with live_server.sessions().begin() as s:
        load_demo_chains(s, actor)
        if s.scalar(select(User.id).where(User.username == USER)) is None:
            create_user(s, actor, username=USER, password=PASSWORD, role="analyst")
    return live_server


def _versions(server: LiveServer, chain_id: int) -> int:
    with server.sessions()() as s:
        stmt = select(func.count()).select_from(ChainVersion)
        return int(s.scalar(stmt.where(ChainVersion.chain_id == chain_id)) or 0)


def test_chain_list_and_tree(page: Page, chains: LiveServer, shot: Shot, sign_in: SignIn) -> None:
    sign_in(page, USER, PASSWORD)
    page.click("#nav-chains")
    page.wait_for_url("**/chains")
    expect(page.locator("main h1")).to_have_text("产业链")
    rows = page.locator("#chain-table tr[data-chain]")
    expect(rows).to_have_count(8)
    expect(rows.nth(4)).to_contain_text("集成电路")
    shot(page, "1-list")
    rows.nth(4).get_by_role("link").click()
    page.wait_for_url("**/chains/5")
    expect(page.locator("#chain-title")).to_contain_text("集成电路")
    for stream, first in (("upstream", "EDA工具与IP核"), ("midstream", "芯片设计"),
                          ("downstream", "终端应用")):  # fmt: skip
        expect(page.locator(f"#stream-{stream}")).to_contain_text(first)
    lithography = page.locator("li[data-segment=lithography]")
    expect(lithography).to_contain_text("光刻设备")
    expect(lithography).to_contain_text("卡脖子")
    expect(lithography).to_contain_text("3562")
    page.mouse.move(0, 0)
    shot(page, "2-tree", docs="chain-tree.png", full_page=True)
    page.click("#lang-switch")
    expect(page.locator("#chain-title")).to_contain_text("Integrated circuits")
    expect(page.locator("#stream-upstream h2")).to_have_text("Upstream")
    page.click("#lang-switch")  # back to Chinese for the other tests' cookies
    expect(page.locator("#stream-upstream h2")).to_have_text("上游")


def test_edit_a_segment_then_a_broken_file(
    page: Page, chains: LiveServer, shot: Shot, sign_in: SignIn
) -> None:
    before = _versions(chains, EDITED)
    sign_in(page, USER, PASSWORD)
    page.goto(f"/chains/{EDITED}")
    page.click("#edit-link")
    page.wait_for_url(f"**/chains/{EDITED}/edit")
    text = page.locator("#yaml").input_value()
    assert "name: 制动系统" in text
    page.fill("#yaml", text.replace("name: 制动系统", "name: 制动与防滑系统"))
    with page.expect_navigation():
        page.click("#edit-submit")
    expect(page.locator("#saved")).to_contain_text(f"已保存为第 {before + 1} 版")
    expect(page.locator("li[data-segment=braking]")).to_contain_text("制动与防滑系统")
    expect(page.locator("#versions tr[data-version]")).to_have_count(before + 1)
    shot(page, "1-new-version", full_page=True)
    assert _versions(chains, EDITED) == before + 1
    # The old version stays readable.
    page.click(f"#versions tr[data-version='{before}'] a")
    expect(page.locator("#old-version")).to_be_visible()
    expect(page.locator("li[data-segment=braking]")).to_contain_text("制动系统")
    # A broken file: every error with its line; nothing stored.
    page.goto(f"/chains/{EDITED}/edit")
    text = page.locator("#yaml").input_value()
    broken = text.replace("code: emu", "code: bearings").replace("stream: downstream",
                                                                 "stream: sideways", 1)  # fmt: skip
    page.fill("#yaml", broken)
    with page.expect_navigation():
        page.click("#edit-submit")
    expect(page.locator("#edit-status")).to_contain_text("未保存任何内容")
    errors = page.locator("#edit-errors li")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("环节代码“bearings”重复")
    expect(errors.nth(1)).to_contain_text("stream“sideways”无效")
    assert all(e.startswith(f"chain-{EDITED}.yaml:") for e in errors.all_inner_texts())
    expect(page.locator("#yaml")).to_have_value(broken)
    shot(page, "2-errors", full_page=True)
    assert _versions(chains, EDITED) == before + 1
    with chains.sessions()() as s:
        assert service.get_version(s, EDITED).version == before + 1


def test_tick_all_members_runs_under_the_csp(
    page: Page, chains: LiveServer, sign_in: SignIn
) -> None:
    """The members page's "tick all" box is a script file now (the CSP allows no inline
    handler): it still ticks and clears every row."""
    from highland.chains.mapping import service as mapping

    actor = Actor("browser-test", None, "system")
    with chains.sessions().begin() as s:
        if not mapping.members(s, EDITED, mapping.MemberFilter(), 1, 5)[0]:
            mapping.suggest(s, actor, EDITED)
    sign_in(page, USER, PASSWORD)
    page.goto(f"/chains/{EDITED}/members")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() > 0
    page.click("#tick-all")
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()
    page.click("#tick-all")
    expect(boxes.first).not_to_be_checked()
