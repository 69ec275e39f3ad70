"""The high-growth list and its cultivation pool in a real browser: the demo's 300 firms with
the shipped rule sets published, the list filtered by industry, a firm's why, and the pool's
near misses with the data to supply — on a desktop and at phone width, in both languages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from highland.growth.demo import publish_demo_lists
from highland.platform.audit.service import Actor
from tests.browser.conftest import LiveServer, Shot, SignIn, expect
from tests.browser.test_every_page import AXE_OPTIONS, Axe, failures

if TYPE_CHECKING:
    from playwright.sync_api import Page

PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def published(live_server: LiveServer) -> LiveServer:
    """Every shipped rule set published for each year the demo's figures allow (once)."""
    with live_server.sessions().begin() as s:
        publish_demo_lists(s, Actor("browser-test", None, "system"))
    return live_server


def _fits(page: Page) -> None:
    """The page fits a phone and axe-core finds no serious or critical WCAG 2.1 AA problem
    (with the lists' tables filled, which the every-page sweep's world has not)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)
    bad = failures(Axe().run(page, options=AXE_OPTIONS).response)
    assert not bad, (page.url, [(v["id"], v["help"]) for v in bad])


def test_the_list_page(page: Page, published: LiveServer, shot: Shot, sign_in: SignIn) -> None:
    sign_in(page)
    page.goto("/growth?ruleset=nanjing-2024")
    expect(page.locator("h1")).to_contain_text("高成长企业名单")
    expect(page.locator("#growth-summary")).to_contain_text("nanjing-2024")
    expect(page.locator("#cat-gazelle")).to_contain_text("瞪羚企业")
    shot(page, "list")
    page.select_option("#growth-industry", "I")
    page.click("#growth-filter button[type=submit]")
    page.wait_for_url("**industry=I**")
    expect(page.locator("#growth-industry")).to_have_value("I")
    links = page.locator("table.data a[href$='/growth']")
    if links.count():  # a firm of the list: its page says why, in words
        links.first.click()
        page.wait_for_url("**/growth")
        expect(page.locator("#why")).to_be_visible()
        expect(page.locator(".growth-why li").first).to_contain_text("满足")
    page.set_viewport_size(PHONE)
    page.goto("/growth?ruleset=nanjing-2024")
    _fits(page)
    page.context.add_cookies([{"name": "highland_lang", "value": "en", "url": published.url}])
    page.goto("/growth?ruleset=nanjing-2024")
    expect(page.locator("h1")).to_contain_text("High-growth enterprise lists")
    _fits(page)


def test_the_pool_page(page: Page, published: LiveServer, shot: Shot, sign_in: SignIn) -> None:
    sign_in(page)
    page.goto("/growth?ruleset=nanjing-2024")
    page.click("#growth-pool")
    page.wait_for_url("**/growth/pool**")
    expect(page.locator("h1")).to_contain_text("高成长企业培育库")
    expect(page.locator("#pool-summary")).to_contain_text("差一项条件")
    rows = page.locator("#pool-table tr[data-kind]")
    expect(rows.first).to_be_visible()
    page.click("#pool-tabs a[data-kind='unknown']")
    page.wait_for_url("**kind=unknown**")
    unknown = page.locator("#pool-table tr[data-kind='unknown']").first
    supply = unknown.locator("td").last  # the data to supply, in words (估值, 是否上市 …)
    expect(supply).not_to_have_text("—")
    expect(supply).not_to_contain_text("_usd")
    assert page.locator("#pool-table tr[data-kind='near']").count() == 0
    shot(page, "pool")
    with page.expect_download() as got:
        page.click("#pool-export-xlsx")
    assert got.value.suggested_filename.endswith(".xlsx")
    page.set_viewport_size(PHONE)
    page.goto("/growth/pool?ruleset=nanjing-2024")
    _fits(page)
    page.goto("/growth/movements?ruleset=nanjing-2024")
    _fits(page)
