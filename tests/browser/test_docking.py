"""Tech docking in a real browser: the achievements registry (illustrative rows, a bad import
refused with its row named and nothing written), a need's match list with the reasons, an
introduction from it and the record's steps; in Chinese and English.

Screenshots: tests/browser/screenshots/, and docking-need.png in docs/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from highland.docking.models import Achievement, TechNeed
from tests.browser.conftest import LiveServer, Shot, SignIn, expect

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture(scope="module")
def docked(live_server: LiveServer) -> LiveServer:
    """The live server's demo firms plus the demo chains and a small docking demo."""
    from highland.chains.demo_data.chains import load_demo_chains
    from highland.docking.demo.service import load_demo
    from highland.platform.audit.service import Actor

    actor = Actor("browser-test", None, "system")
    with live_server.sessions().begin() as s:
        load_demo_chains(s, actor)
        load_demo(s, actor, achievements=200, needs=20)
    return live_server


def _count(server: LiveServer, model: type) -> int:
    with server.sessions()() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_docking(page: Page, docked: LiveServer, shot: Shot, sign_in: SignIn,
                 tmp_path: Path) -> None:
    sign_in(page)
    page.goto(f"{docked.url}/docking")
    expect(page.locator("#achievement-table")).to_contain_text("示例")
    # A bad file: refused with its row and column named, nothing written.
    before = _count(docked, Achievement)
    bad = tmp_path / "bad.csv"
    bad.write_text("成果编号,成果名称,技术领域,完成单位,技术成熟度\nB-1,标题,software,南大,12\n",
                   encoding="utf-8")  # fmt: skip
    page.set_input_files("#file", str(bad))
    page.click("#import")
    expect(page.locator("#import-refused")).to_contain_text("未写入任何数据")
    expect(page.locator("#import-problems [data-row='2']")).to_contain_text("不在 1–9 之间")
    assert _count(docked, Achievement) == before
    # A need with its matches and the reasons; introduce the best one.
    with docked.sessions()() as s:
        need_id = s.scalar(select(TechNeed.id).where(TechNeed.segment_code.is_not(None))
                           .order_by(TechNeed.id))  # fmt: skip
    page.goto(f"{docked.url}/docking/needs/{need_id}")
    table = page.locator("#match-table")
    expect(table).to_contain_text("共同关键词")
    expect(table).to_contain_text("技术领域一致")
    shot(page, "need-zh", docs="docking-need.png")
    table.locator("[data-introduce]").first.click()
    expect(page.locator("#record-state")).to_have_attribute("data-state", "introduced")
    page.click("[data-action='meet']")
    expect(page.locator("#record-state")).to_have_attribute("data-state", "met")
    expect(page.locator("#done")).to_contain_text("记录洽谈")
    # No fit needs a reason (the browser asks for it); given, the record ends.
    page.fill("#decline-reason", "成熟度不足")
    page.click("[data-action='decline']")
    expect(page.locator("#record-state")).to_have_attribute("data-state", "no_fit")
    expect(page.locator("#record-events")).to_contain_text("成熟度不足")
    # English.
    page.click("text=English")
    expect(page.locator("#record-state")).to_contain_text("No fit")
    page.goto(f"{docked.url}/docking/needs/{need_id}")
    expect(page.locator("#match-table")).to_contain_text("Shared terms")
    shot(page, "need-en", full_page=True)
