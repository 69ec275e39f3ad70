"""The 12345 practice in a real browser: a leader refuses an extension without a reason (told
so in Chinese, nothing written) and then approves it, the page showing the original and the
extended deadline; an analyst records a callback on a resolved demand; the metrics page shows
the on-time rate over what fell due and the figures by request type.

Works on the demo demands (loaded into the live server's database once): their times follow
the demo's clock, so nothing here depends on today's date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from highland.demands.demo.service import load_demo
from highland.demands.models import Demand
from highland.demands.practice.models import DemandExtension
from highland.platform.audit.service import Actor
from highland.platform.identity.service import create_user
from tests.browser.conftest import LiveServer
from tests.demands.page_helpers import seed_reference

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

Shot = Callable[..., Path]
SignIn = Callable[..., None]
PASSWORD = "browser-practice-pw"


@dataclass(frozen=True)
class PracticeWorld:
    """The live server with the demo demands and a leader and an analyst of the practice."""

    server: LiveServer
    pending: int  # a demand with an extension request waiting for a decision
    resolved: int  # a resolved demand to call back


@pytest.fixture(scope="module")
def practice(live_server: LiveServer) -> PracticeWorld:
    actor = Actor("browser-test", None, "system")
    with live_server.sessions().begin() as s:
        seed_reference(s)
    with live_server.sessions().begin() as s:
        load_demo(s, actor)  # once per database: a second call adds nothing
        for name, role in (("p-leader", "leader"), ("p-analyst", "analyst")):
            create_user(s, actor, username=name, password=PASSWORD, role=role)
        pending = s.scalar(
            select(DemandExtension.demand_id).where(DemandExtension.state == "pending")
        )
        resolved = s.scalar(select(Demand.id).where(Demand.state == "resolved").limit(1))
    assert pending is not None and resolved is not None
    return PracticeWorld(live_server, pending, resolved)


def submit(page: Page, button: str) -> None:
    """Click a submit button and wait for the page it loads."""
    with page.expect_navigation():
        page.click(button)


def test_leader_decides_an_extension_and_analyst_calls_back(
    page: Page, practice: PracticeWorld, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, "p-leader", PASSWORD)
    page.goto(f"/demands/{practice.pending}")
    expect(page.locator("#extension-list li[data-state=pending]")).to_have_count(1)
    expect(page.locator("#extension-ask")).to_have_count(0)  # leaders do not ask
    submit(page, "#do-extend-no")  # refusing needs a reason
    expect(page.locator("#form-error")).to_contain_text("不同意延期时须说明理由")
    expect(page.locator("#extension-list li[data-state=pending]")).to_have_count(1)
    submit(page, "#do-extend-ok")
    expect(page.locator("#extension-list li[data-state=approved]")).to_have_count(1)
    expect(page.locator("#resolution-due-original")).to_contain_text("原期限")
    expect(page.locator("#resolution-due-extended")).to_contain_text("延期后期限")
    expect(page.locator("#event-log")).to_contain_text("同意延期")
    shot(page, "extension", full_page=True)
    page.context.clear_cookies()
    sign_in(page, "p-analyst", PASSWORD)
    page.goto(f"/demands/{practice.resolved}")
    page.select_option("#cb-reached", "no")
    page.select_option("#cb-satisfied", "yes")
    submit(page, "#do-callback")
    expect(page.locator("#form-error")).to_contain_text("未联系上企业")
    page.select_option("#cb-reached", "yes")
    page.select_option("#cb-satisfied", "yes")
    page.fill("#cb-note", "企业表示满意。")
    submit(page, "#do-callback")
    calls = page.locator("#callback-list li[data-reached=yes][data-satisfied=yes]")
    expect(calls.last).to_contain_text("企业表示满意。")
    shot(page, "callback")
    page.goto("/demand-metrics")
    expect(page.locator("#on-time-due")).to_contain_text("按期办结率（到期口径）")
    expect(page.locator("#by-type-table tr[data-type=complaint]")).to_contain_text("投诉")
    expect(page.locator("#satisfaction-sources")).to_be_visible()
    shot(page, "metrics", full_page=True)
