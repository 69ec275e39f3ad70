"""Chain analytics and the monthly scheduling in a real browser.

- Analytics of the software chain (demo registry, reference figures, accepted suggestions):
  LQs with their method, tiers, concentration, gaps with explained prospects, when the
  figures were built; in Chinese and English.
- Governance on the new-energy-vehicle chain (chain 2, so that chain 1's months stay free for
  the report test): a record with a bad month is refused with the field named and nothing
  stored, then a record of this month with two decisions; a task started, done and
  confirmed from its buttons; a stale version refused.

Screenshots: tests/browser/screenshots/, and chain-analytics.png / chain-meeting.png in
docs/screenshots/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from highland.chains import indicators
from highland.chains.analytics import reference_data
from highland.chains.demo_data import REFERENCE
from highland.chains.models import ChainMeeting, ChainTask, Prospect
from highland.platform.kit import clock
from tests.browser.conftest import LiveServer, Shot, SignIn, expect
from tests.browser.test_chain_pictures import CHAIN, pictured  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Page

GOVERNED = 2  # new energy vehicles
FOLDER = REFERENCE


@pytest.fixture(scope="module")
def analysed(pictured: LiveServer) -> LiveServer:  # noqa: F811
    """The pictures' world plus the demo prospects (for the gaps)."""
    from highland.platform.audit.service import Actor

    with pictured.sessions().begin() as s:
        if s.scalar(select(Prospect.id).limit(1)) is None:
            name = "prospects.csv"
            data = (FOLDER / name).read_bytes()
            reference_data.load_prospects(s, Actor("browser-test", None, "system"), data, name)
    return pictured


def test_chain_analytics(page: Page, analysed: LiveServer, shot: Shot, sign_in: SignIn) -> None:
    sign_in(page)
    page.goto(f"{analysed.url}/chains/{CHAIN}")
    page.click("#chain-links a[href$='/analytics']")
    page.wait_for_url(f"**/chains/{CHAIN}/analytics")
    expect(page.locator("#analytics-title")).to_contain_text("软件和信息服务")
    expect(page.locator("#method-lq")).to_be_visible()
    lq = page.locator("#chain-lq")
    expect(lq).to_contain_text("÷")  # the four figures of the quotient are shown
    expect(page.locator("#figures-at")).to_contain_text("本地汇总数据生成于")
    segments = page.locator("[data-segment]")
    assert segments.count() >= 5
    expect(page.locator("body")).to_contain_text("HHI")
    gaps = page.locator("[data-gap]")
    if gaps.count():
        expect(gaps.first).to_contain_text("示例")  # a prospect, with its points
    shot(page, "zh-top", docs="chain-analytics.png")  # the first screen
    shot(page, "zh-full", full_page=True)
    # A bad year is refused with the parameter named; the page stays usable.
    page.goto(f"{analysed.url}/chains/{CHAIN}/analytics?year=20x4")
    expect(page.locator("body")).to_contain_text("year")
    # English.
    page.goto(f"{analysed.url}/chains/{CHAIN}/analytics")
    page.click("text=English")
    expect(page.locator("#method-lq")).to_contain_text("US Cluster Mapping Project")
    expect(page.locator("#figures-at")).to_contain_text("Local figures built")
    shot(page, "en-full", full_page=True)


def _records(server: LiveServer) -> int:
    with server.sessions()() as s:
        where = ChainMeeting.chain_id == GOVERNED
        return int(s.scalar(select(func.count()).select_from(ChainMeeting).where(where)) or 0)


def test_monthly_scheduling_and_tasks(
    page: Page, analysed: LiveServer, shot: Shot, sign_in: SignIn
) -> None:
    server = analysed
    month = indicators.current_month()
    sign_in(page)
    page.goto(f"{server.url}/chains/{GOVERNED}")
    page.click("#chain-links a[href$='/meetings']")
    page.wait_for_url(f"**/chains/{GOVERNED}/meetings")
    before = _records(server)
    # A bad month: refused, the field named, nothing stored, the form kept.
    page.fill("#f-month", "2026-13")
    page.fill("#f-held", "2026-11-20T09:30")
    page.fill("#f-chair", "王链长")
    rows = page.locator("#decision-rows tr:has(input[name='row_title'])")
    rows.nth(0).locator("input[name='row_title']").fill("走访三家电池材料企业")
    rows.nth(0).locator("input[name='row_owner_name']").fill("赵科长")
    rows.nth(0).locator("input[name='row_working_days']").fill("5")
    page.click("#meeting-submit")
    expect(page.locator("#form-error")).to_have_attribute("data-field", "month")
    expect(page.locator("#form-error-detail")).to_contain_text("2026-13")
    expect(page.locator("#f-chair")).to_have_value("王链长")
    assert _records(server) == before
    # This month, two decisions.
    page.fill("#f-month", month)
    # Held today at midnight: this month, never in the future, whatever today is.
    page.fill("#f-held", f"{clock.today_local():%Y-%m-%d}T00:00")
    page.fill("#f-place", "区政府第二会议室")
    page.fill("#f-matters", "一、研究动力电池环节补链；\n二、协调充换电设施用地。")
    rows = page.locator("#decision-rows tr:has(input[name='row_title'])")
    rows.nth(1).locator("input[name='row_title']").fill("形成充换电设施选址清单")
    rows.nth(1).locator("input[name='row_owner_name']").fill("钱主任")
    rows.nth(1).locator("input[name='row_working_days']").fill("10")
    page.click("#meeting-submit")
    page.wait_for_url(f"**/chains/{GOVERNED}/meetings/{month}**")
    tasks = page.locator("#task-table tr[data-task]")
    expect(tasks).to_have_count(2)
    expect(page.locator("#task-table")).to_contain_text("走访三家电池材料企业")
    assert _records(server) == before + 1
    # The first task: started, done with a result, confirmed by the head (admin here).
    first = tasks.nth(0)
    task_id = first.get_attribute("data-task")
    first.locator("button[data-action='start']").click()
    row = page.locator(f"#task-{task_id}")
    expect(row).to_have_attribute("data-state", "in_progress")
    expect(page.locator("#done")).to_contain_text(f"#{task_id} 开始办理")
    row.locator("form:has(button[data-action='done']) input[name='result']").fill("已走访 3 家")
    row.locator("button[data-action='done']").click()
    row = page.locator(f"#task-{task_id}")
    expect(row).to_have_attribute("data-state", "done")
    shot(page, "zh", docs="chain-meeting.png", full_page=True)
    row.locator("button[data-action='confirm']").click()
    expect(page.locator(f"#task-{task_id}")).to_have_attribute("data-state", "confirmed")
    with server.sessions()() as s:
        task = s.get(ChainTask, int(task_id or 0))
        assert task is not None and task.state == "confirmed" and task.event_count == 4
    # A stale page: the second task's form still carries version 1 after it was started.
    second = page.locator("#task-table tr[data-task]").nth(1)
    second_id = second.get_attribute("data-task")
    start = second.locator("form:has(button[data-action='start'])")
    page.evaluate(
        "id => fetch(document.querySelector(`#task-${id} form:has(button[data-action=start])`)"
        ".action, {method: 'POST', body: new FormData(document.querySelector("
        "`#task-${id} form:has(button[data-action=start])`))})",
        second_id,
    )
    start.locator("button").click()
    expect(page.locator("#form-error")).to_be_visible()
    expect(page.locator("#form-error-detail")).to_contain_text("version")
    shot(page, "stale", full_page=True)
