"""The audit log in a real browser: from a demand's page the administrator follows "历史记录" to
the log filtered to that demand (its filing and dispatch named in Chinese, times in Beijing),
narrows it to one action with the form, and a wrong date is said on the page with the form kept.
Screenshot: docs/screenshots/audit.png.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from highland.demands import service
from highland.platform.audit.service import Actor
from highland.platform.identity.models import User
from highland.platform.identity.permissions import Principal, Role
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
PASSWORD = "browser-audit-pw"


@pytest.fixture(scope="module")
def demand_id(live_server: LiveServer) -> int:
    """A land demand filed and dispatched by a router (through the services, channel ui)."""
    actor = Actor("a_router", "analyst", "ui")
    with live_server.sessions().begin() as s:
        if s.scalar(select(User.id).where(User.username == "a_router")) is None:
            seed_reference(s)
            create_user(s, actor, username="a_router", password=PASSWORD, role="analyst")
    with live_server.sessions().begin() as s:
        router = s.scalar(select(User).where(User.username == "a_router"))
        assert router is not None
        who = Principal(user_id=router.id, username="a_router", role=Role.analyst)
        data = service.DemandInput(live_server.own.uscc, "land", "审计测试：用地", "需新增用地。")
        return service.file_demand(s, who, actor, data, dispatch=True).id


def test_history_from_a_demand_filters_and_wrong_dates(
    page: Page, live_server: LiveServer, demand_id: int, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page)
    page.goto(f"/demands/{demand_id}")
    with page.expect_navigation():
        page.click("#history-link")
    table = page.locator("#audit-entries")
    expect(table).to_contain_text("提交诉求")
    expect(table).to_contain_text("派单")
    expect(table).to_contain_text("网页")
    expect(page.locator("input[name=key]")).to_have_value(str(demand_id))
    shot(page, "audit", docs="audit.png")
    page.select_option("select[name=action]", "dispatch")
    with page.expect_navigation():
        page.click("#audit-filter button[type=submit]")
    expect(page.locator("#audit-count")).to_contain_text("共 1 条记录")
    expect(table).not_to_contain_text("提交诉求")
    page.fill("input[name=from]", "2026-02-30")
    with page.expect_navigation():
        page.click("#audit-filter button[type=submit]")
    expect(page.locator("#audit-error")).to_contain_text("“2026-02-30”不是日期")
    expect(page.locator("input[name=from]")).to_have_value("2026-02-30")
    expect(page.locator("select[name=action]")).to_have_value("dispatch")
