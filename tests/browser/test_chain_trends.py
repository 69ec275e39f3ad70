"""Chain indicator trends in a real browser: the software chain of the demo with its members
accepted over the past months and two months recorded at scheduling, in Chinese and English.

Screenshots: tests/browser/screenshots/, and chain-trends.png in docs/screenshots/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from highland.chains import indicators
from highland.chains.demo_data.chains import load_demo_chains
from highland.chains.mapping import service as mapping
from highland.chains.models import ChainMeeting, EnterpriseSegment
from highland.chains.trends import service as trends
from highland.platform.audit.service import Actor
from highland.platform.db import utcnow
from tests.browser.conftest import LiveServer, Shot, SignIn, expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHAIN = 1  # software & information services


@pytest.fixture(scope="module")
def recorded(live_server: LiveServer) -> tuple[LiveServer, list[str]]:
    """Chain 1's strong suggestions accepted, spread over the last nine months, and the
    scheduling records of the two months before the current one."""
    actor = Actor("browser-test", None, "system")
    now = utcnow()
    this = indicators.current_month(now)
    months = [trends.shift(this, -2), trends.shift(this, -1)]
    with live_server.sessions().begin() as s:
        load_demo_chains(s, actor)
        es = EnterpriseSegment
        accepted = select(func.count()).where(es.chain_id == CHAIN, es.status == "accepted")
        if not s.scalar(accepted):
            mapping.suggest(s, actor, CHAIN)
            codes = s.scalars(select(es.segment_code).where(es.chain_id == CHAIN).distinct())
            for code in list(codes):
                mapping.decide(s, actor, CHAIN, "accept", segment=code, min_confidence=60)
        links = s.scalars(select(es).where(es.chain_id == CHAIN, es.status == "accepted"))
        for link in links:  # accepted month by month, so the members line grows
            year, mon = indicators.parse_month(trends.shift(this, -(link.enterprise_id % 9)))
            link.decided_at = indicators.month_end(year, mon).replace(day=1, hour=10)
        s.flush()
        for month in months:
            where = (ChainMeeting.chain_id == CHAIN, ChainMeeting.month == month)
            if s.scalar(select(ChainMeeting.id).where(*where)) is None:
                year, mon = indicators.parse_month(month)
                held = indicators.month_end(year, mon).replace(day=25, hour=10)
                snap = indicators.compute(s, CHAIN, month, held)
                s.add(ChainMeeting(chain_id=CHAIN, month=month, held_at=held, indicators=snap,
                                   created_at=held, created_by="browser-test"))  # fmt: skip
    return live_server, months


def test_chain_trends(
    page: Page, recorded: tuple[LiveServer, list[str]], shot: Shot, sign_in: SignIn
) -> None:
    server, months = recorded
    sign_in(page)
    page.goto(f"{server.url}/chains/{CHAIN}")
    page.click("#chain-links a#to-trends")
    page.wait_for_url(f"**/chains/{CHAIN}/trends")
    expect(page.locator("#trends-title")).to_contain_text("指标趋势")
    charts = page.locator("#trend-charts svg.pygal-chart")
    expect(charts).to_have_count(4)
    for i in range(4):
        expect(charts.nth(i)).to_be_visible()
    expect(page.locator("#chart-members")).to_contain_text("链上企业")
    expect(page.locator("#chart-money")).to_contain_text("万元")
    rows = page.locator("#trend-table tr[data-month]")
    expect(rows).to_have_count(12)
    expect(page.locator("#trend-table")).to_be_visible()
    for month in months:
        row = page.locator(f'#trend-table tr[data-month="{month}"]')
        expect(row).to_have_attribute("data-source", "recorded")
        expect(row).to_contain_text("调度记录")
    assert page.locator('#trend-table tr[data-source="computed"]').count() == 10
    page.mouse.move(0, 0)
    shot(page, "1-zh", docs="chain-trends.png", full_page=True)
    page.click("#lang-switch")
    expect(page.locator("#trends-title")).to_contain_text("Indicator trends")
    expect(page.locator("#chart-members")).to_contain_text("Members")
    expect(page.locator("#chart-money")).to_contain_text("10k yuan")
    expect(page.locator(f'#trend-table tr[data-month="{months[0]}"]')).to_contain_text("recorded")
    shot(page, "2-en", full_page=True)
    page.fill("#trend-months", "40")
    page.click("#trend-form button[type=submit]")
    expect(page.locator("#trend-error")).to_contain_text(
        "Months “40” must be a whole number from 1 to 36."
    )
    shot(page, "3-error")
    page.click("#lang-switch")
