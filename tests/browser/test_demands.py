"""Demands in a real browser: an enterprise files a demand with an attachment, a router
dispatches it, the handler accepts and resolves it, the enterprise says "not solved" and it
reopens; staff record a meeting with three demand rows on one screen and the board shows
them; the language switch on a demand's page.

The demo reference data (Jiangning's institutions, categories, routing) and the demo
breakfast meeting with demands in every state are loaded into the live server's database by a
module fixture. Screenshots: tests/browser/screenshots/, and demand-page.png,
demand-board.png, demand-queue.png, demand-metrics.png and demand-meeting-form.png in
docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from highland.demands.demo.service import load_demo
from highland.demands.models import Demand, Meeting
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor
from highland.platform.identity.service import create_user
from tests.browser.conftest import ENTERPRISE_PASSWORD, LiveServer
from tests.demands.page_helpers import PDF, seed_reference

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

Shot = Callable[..., Path]
SignIn = Callable[..., None]
ROUTER_PASSWORD = "browser-router-pw"
HANDLER_PASSWORD = "browser-handler-pw"


@dataclass(frozen=True)
class DemandWorld:
    """The live server with demand reference data and the users of a demand's life."""

    server: LiveServer
    own: str  # USCC of the enterprise user's firm
    others: tuple[str, str, str]  # three other firms for a meeting


@pytest.fixture(scope="module")
def demands(live_server: LiveServer) -> DemandWorld:
    """Reference data, the demo meeting, a router and a handler of 自然资源 (land)."""
    actor = Actor("browser-test", None, "system")
    with live_server.sessions().begin() as s:
        seed_reference(s)
    with live_server.sessions().begin() as s:
        load_demo(s, actor)
        create_user(s, actor, username="router", password=ROUTER_PASSWORD, role="analyst")
        create_user(
            s, actor, username="zrzy", password=HANDLER_PASSWORD, role="handler",
            institution_code="320115-ZRZY",
        )  # fmt: skip
        others = s.scalars(
            select(Enterprise.uscc)
            .where(Enterprise.uscc != live_server.own.uscc)
            .order_by(Enterprise.uscc)
            .limit(3)
        ).all()
    return DemandWorld(live_server, live_server.own.uscc, (others[0], others[1], others[2]))


def submit(page: Page, button: str) -> None:
    """Click a submit button and wait for the page it loads."""
    with page.expect_navigation():
        page.click(button)


def switch_user(page: Page, sign_in: SignIn, username: str, password: str) -> None:
    """Sign out the browser's current user and sign in another."""
    page.context.clear_cookies()
    sign_in(page, username, password)


def test_a_demand_from_filing_to_not_solved_and_the_language_switch(
    page: Page, demands: DemandWorld, shot: Shot, sign_in: SignIn, tmp_path: Path
) -> None:
    pdf = tmp_path / "扩产用地红线图.pdf"
    pdf.write_bytes(PDF)
    # The enterprise files its own demand with an attachment.
    sign_in(page, "firm", ENTERPRISE_PASSWORD)
    page.goto("/demands")
    page.click("#new-demand")
    expect(page.locator("#enterprise-fixed")).to_contain_text(demands.own)
    page.select_option("#category", "land")
    page.fill("#title", "浏览器测试：扩产用地需求")
    page.fill("#description", "二期扩产需新增工业用地约 30 亩，希望协调用地指标。")
    page.select_option("#request_type", "help")
    page.set_input_files("#attachments", str(pdf))
    submit(page, "#submit-demand")
    expect(page.locator("#filed-ok")).to_be_visible()
    expect(page.locator("#demand-state")).to_have_text("待分派")
    expect(page.locator("#attachments")).to_contain_text("扩产用地红线图.pdf")
    demand_id = int(page.url.split("/demands/")[1].split("?")[0].split("#")[0])
    # A router dispatches it by the routing table.
    switch_user(page, sign_in, "router", ROUTER_PASSWORD)
    page.goto(f"/demands/{demand_id}")
    submit(page, "#do-dispatch")
    expect(page.locator("#demand-state")).to_have_text("已交办")
    expect(page.locator("#demand-institution")).to_contain_text("自然资源")
    # The handler finds it in the queue, accepts and resolves it.
    switch_user(page, sign_in, "zrzy", HANDLER_PASSWORD)
    page.goto("/demands")
    row = page.locator(f'tr[data-demand="{demand_id}"]')
    expect(row).to_contain_text("浏览器测试：扩产用地需求")
    expect(row).to_contain_text("23:59")
    row.locator("a").first.click()
    submit(page, "#do-accept")
    expect(page.locator("#demand-state")).to_have_text("已受理")
    page.fill("#resolve-resolution", "已协调二期用地指标，正在办理供地手续。")
    submit(page, "#do-resolve")
    expect(page.locator("#demand-state")).to_have_text("已办复")
    # The enterprise says it is not solved: the demand reopens.
    switch_user(page, sign_in, "firm", ENTERPRISE_PASSWORD)
    page.goto(f"/demands/{demand_id}")
    page.select_option("#confirm-verdict", "not")
    page.select_option("#confirm-rating", "2")
    page.fill("#confirm-comment", "供地时间仍未明确。")
    submit(page, "#do-confirm")
    expect(page.locator("#demand-state")).to_have_text("重新办理")
    expect(page.locator("#demand-verdict")).to_contain_text("未解决")
    log = page.locator("#event-log")
    for words in ("提交", "交办", "受理", "办复", "已办复 → 重新办理", "供地时间仍未明确"):
        expect(log).to_contain_text(words)
    with demands.server.sessions()() as s:
        d = s.get(Demand, demand_id)
        assert d is not None and d.state == "reopened" and d.reopens == 1
    shot(page, "demand-zh", docs="demand-page.png", full_page=True)
    # The language switch keeps the page and shows it in English, then back.
    page.click("#lang-switch")
    page.wait_for_url(f"**/demands/{demand_id}")
    expect(page.locator("#demand-state")).to_have_text("Reopened")
    expect(page.locator("#log h2")).to_have_text("Event log")
    shot(page, "demand-en", docs="demand-page-en.png")
    page.click("#lang-switch")
    expect(page.locator("#demand-state")).to_have_text("重新办理")


def test_staff_record_a_meeting_with_three_rows_and_the_board_shows_them(
    page: Page, demands: DemandWorld, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, "router", ROUTER_PASSWORD)
    page.goto("/demand-meetings")
    page.click("#new-meeting")
    page.fill("#m-title", "浏览器测试：江宁区制造业企业座谈会")
    page.fill("#m-place", "江宁区行政中心 3 楼会议室")
    page.fill("#m-leader", "王副区长")
    page.fill("#m-attendees", "\n".join(demands.others))
    rows = page.locator("tr.demand-row")
    expect(rows).to_have_count(3)
    wanted = [
        (demands.others[0], "land", "标准厂房租赁"),
        (demands.others[1], "financing", "技改项目贷款贴息"),
        (demands.others[2], "talent", "高技能人才公寓"),
    ]
    for i, (uscc, category, title) in enumerate(wanted):
        row = rows.nth(i)
        row.locator('input[name="row_enterprise"]').fill(uscc)
        row.locator('select[name="row_category"]').select_option(category)
        row.locator('input[name="row_title"]').fill(title)
        row.locator('select[name="row_request_type"]').select_option("help")
        row.locator('textarea[name="row_description"]').fill(f"{title}：会上企业提出。")
    page.click("#add-row")  # one more line; left empty, it is not a demand
    expect(rows).to_have_count(4)
    expect(rows.nth(3).locator("td.n")).to_have_text("4")
    page.check("#dispatch-all")
    shot(page, "meeting-form", docs="demand-meeting-form.png", full_page=True)
    submit(page, "#save-meeting")
    expect(page.locator("#meeting-title")).to_have_text("浏览器测试：江宁区制造业企业座谈会")
    board = page.locator("#board-table tr[data-demand]")
    expect(board).to_have_count(3)
    for _, _, title in wanted:
        expect(page.locator("#board-table")).to_contain_text(title)
    expect(page.locator("#count-total")).to_have_text("3")
    expect(board.first).to_contain_text("已交办")
    with demands.server.sessions()() as s:
        m = s.scalar(select(Meeting).where(Meeting.title.like("浏览器测试：%")))
        assert m is not None
        n = len(s.scalars(select(Demand.id).where(Demand.meeting_id == m.id)).all())
        assert n == 3
    with page.expect_download() as info:
        page.click("#export-xlsx")
    assert info.value.suggested_filename.endswith(".xlsx")


def test_screenshots_of_the_demo_board_queue_and_metrics(
    page: Page, demands: DemandWorld, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, "admin")
    page.goto("/demand-meetings")
    page.click("text=江宁区领导与重点工业企业早餐会")
    expect(page.locator("#board-table")).to_be_visible()
    expect(page.locator("#count-overdue")).not_to_have_text("0")
    shot(page, "board", docs="demand-board.png", full_page=True)
    page.goto("/demands?open=true")
    expect(page.locator("#demand-table")).to_be_visible()
    shot(page, "queue", docs="demand-queue.png")
    page.goto("/demand-metrics")
    expect(page.locator("#metrics-table")).to_be_visible()
    shot(page, "metrics", docs="demand-metrics.png", full_page=True)
