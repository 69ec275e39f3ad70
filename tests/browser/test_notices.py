"""Notices in a real browser: a demand dispatched to a handler's institution shows as an unread
count in the header; the handler opens /notices, follows the notice's link to the demand, comes
back and marks it read — the count goes away. Screenshot: docs/screenshots/notices.png.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from highland.demands import service
from highland.demands.models import Demand
from highland.platform.audit.service import Actor
from highland.platform.identity.models import User
from highland.platform.identity.permissions import Principal, Role
from highland.platform.identity.service import create_user
from highland.platform.notices import service as notices
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
PASSWORD = "browser-notices-pw"


@pytest.fixture(scope="module")
def dispatched(live_server: LiveServer) -> tuple[int, int]:
    """A handler of 自然资源 and a land demand a router dispatched to it: (demand, user)."""
    actor = Actor("n_router", "analyst", "ui")
    with live_server.sessions().begin() as s:
        if s.scalar(select(User.id).where(User.username == "n_router")) is None:
            seed_reference(s)
            create_user(s, actor, username="n_router", password=PASSWORD, role="analyst")
            create_user(s, actor, username="n_zrzy", password=PASSWORD, role="handler",
                        institution_code="320115-ZRZY")  # fmt: skip
    with live_server.sessions().begin() as s:
        router = s.scalar(select(User).where(User.username == "n_router"))
        handler = s.scalar(select(User.id).where(User.username == "n_zrzy"))
        assert router is not None and handler is not None
        who = Principal(user_id=router.id, username="n_router", role=Role.analyst)
        title, text = "通知测试：扩产用地", "需新增工业用地。"
        data = service.DemandInput(live_server.own.uscc, "land", title, text)
        d = service.file_demand(s, who, actor, data, dispatch=True)
        return d.id, handler


def test_a_handler_sees_the_count_follows_the_link_and_marks_read(
    page: Page, live_server: LiveServer, dispatched: tuple[int, int], shot: Shot, sign_in: SignIn
) -> None:
    demand_id, uid = dispatched
    with live_server.sessions()() as s:
        unread = notices.unread_count(s, uid)
        assert s.get(Demand, demand_id) is not None
    assert unread >= 1
    sign_in(page, "n_zrzy", PASSWORD)
    page.goto("/enterprises")
    expect(page.locator("#unread-count")).to_have_text(str(unread))
    page.click("#nav-notices")
    page.wait_for_url("**/notices")
    row = page.locator(f'#unread-notices tr[data-notice]:has(a[href="/demands/{demand_id}"])')
    expect(row).to_contain_text(f"【新交办】诉求 #{demand_id}：通知测试：扩产用地")
    expect(row).to_contain_text("北京时间")
    shot(page, "notices", docs="notices.png")
    with page.expect_navigation():
        row.locator("a.notice-link").click()
    page.wait_for_url(f"**/demands/{demand_id}")
    expect(page.locator("#demand-state")).to_have_text("已交办")
    page.goto("/notices")
    with page.expect_navigation():
        row.locator("button.mark-read").click()
    expect(page.locator(f'#read-notices a[href="/demands/{demand_id}"]')).to_be_visible()
    if unread == 1:
        expect(page.locator("#unread-count")).to_have_count(0)
    else:
        expect(page.locator("#unread-count")).to_have_text(str(unread - 1))
    # In English the same notice reads in English.
    page.click("#lang-switch")
    expect(page.locator("#read-notices")).to_contain_text(f"[New] Demand #{demand_id}")
    page.click("#lang-switch")
