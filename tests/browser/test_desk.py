"""The desks in a real browser: the leader signs in to the city overview, the handler to its
queue, the enterprise to its own page (and the chain head and admin to theirs); each figure
of the overview opens the list it counts.

The demo's chains, members, scheduling records, demands and policies (with an official run)
are loaded into the live server's database by a module fixture (each loader skips what is
there). Screenshots (HIGHLAND_SCREENSHOTS=1): desk-overview.png, desk-handler.png,
desk-enterprise.png, desk-chain.png and desk-data.png in docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from highland.chains.demo_data.chains import load_demo_chains
from highland.chains.demo_data.governance import load_demo_governance
from highland.chains.demo_data.members import load_demo_members
from highland.demands.demo.service import first_demand_owner, load_demo
from highland.demands.models import Demand
from highland.demands.sweep import sweep
from highland.platform.audit.service import Actor
from highland.platform.identity.service import create_user, user_exists
from highland.platform.kit import clock
from highland.policies import service as policies
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
PASSWORD = "browser-desk-pw"
USERS = (
    ("desk-leader", "leader", {}),
    ("desk-handler", "handler", {"institution_code": "320115-ZRZY"}),
    ("desk-chain", "chain_head", {"chain_id": 2}),  # new energy vehicles: figures of both years
)


@dataclass(frozen=True)
class DeskWorld:
    """The live server with the demo's chains, demands and policies, and the desks' users."""

    server: LiveServer
    handler_open: int  # open demands at 320115-ZRZY


@pytest.fixture(scope="module")
def desks(live_server: LiveServer) -> DeskWorld:
    actor = Actor("browser-test", None, "system")
    with live_server.sessions().begin() as s:
        seed_reference(s)
    with live_server.sessions().begin() as s:
        load_demo(s, actor)
        sweep(s)
    with live_server.sessions().begin() as s:
        load_demo_chains(s, actor)
    with live_server.sessions().begin() as s:
        load_demo_members(s, actor)
    with live_server.sessions().begin() as s:
        load_demo_governance(s)
    with live_server.sessions().begin() as s:
        policies.load_demo_library(s, actor)
        if not policies.has_runs(s):
            policies.run_match(s, clock.today_local(), actor)
    with live_server.sessions().begin() as s:
        owner = first_demand_owner(s)
        firm = ("desk-firm", "enterprise", {"enterprise_id": owner})
        for username, role, extra in (*USERS, firm):
            if not user_exists(s, username):
                create_user(s, actor, username=username, password=PASSWORD, role=role, **extra)
        n = len(
            s.scalars(
                select(Demand.id).where(
                    Demand.institution_code == "320115-ZRZY", Demand.open.is_(True)
                )
            ).all()
        )
    return DeskWorld(live_server, n)


def test_the_leader_signs_in_to_the_city_overview_and_follows_a_figure(
    page: Page, desks: DeskWorld, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, "desk-leader", PASSWORD)
    page.goto("/")
    expect(page.locator("#desk-title")).to_have_text("全市总览")
    expect(page.locator("header nav a.active")).to_have_text("工作台")
    expect(page.locator("#chain-figures tr[data-chain]")).to_have_count(8)
    expect(page.locator("#chart-output svg")).to_be_visible()
    expect(page.locator("#fig-above-scale .asof").last).to_contain_text("截至")
    shot(page, "overview", docs="desk-overview.png", full_page=True)
    # The open demands' figure opens the list it counts.
    figure = page.locator("a[data-figure='fig-demands-open']")
    n = figure.inner_text()
    figure.click()
    page.wait_for_url("**/demands?open=true")
    expect(page.locator("#demand-count")).to_have_text(f"共 {n} 条诉求")


def test_the_handler_signs_in_to_its_queue(
    page: Page, desks: DeskWorld, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, "desk-handler", PASSWORD)
    page.goto("/")
    expect(page.locator("#desk-title")).to_have_text("我的待办")
    rows = page.locator("#desk-queue tr[data-demand]")
    expect(rows).to_have_count(min(desks.handler_open, 20))
    shot(page, "queue", docs="desk-handler.png", full_page=True)
    rows.first.locator("a").click()
    page.wait_for_url("**/demands/*")
    expect(page.locator("#demand-state")).to_be_visible()


def test_the_enterprise_signs_in_to_its_own_page(
    page: Page, desks: DeskWorld, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, "desk-firm", PASSWORD)
    page.goto("/")
    expect(page.locator("#desk-title")).to_have_text("企业工作台")
    expect(page.locator("#desk-portrait")).to_be_visible()
    expect(page.locator("#desk-lacking")).to_be_visible()
    expect(page.locator("#desk-demands tr[data-demand]").first).to_be_visible()
    shot(page, "enterprise", docs="desk-enterprise.png", full_page=True)
    page.click("#file-demand")
    page.wait_for_url("**/demands/new")


def test_the_chain_head_and_the_admin_see_their_desks(
    page: Page, desks: DeskWorld, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, "desk-chain", PASSWORD)
    page.goto("/")
    expect(page.locator("#desk-title")).to_have_text("产业链工作台")
    expect(page.locator("#open-tasks")).to_be_visible()
    shot(page, "chain", docs="desk-chain.png", full_page=True)
    page.context.clear_cookies()
    sign_in(page)
    page.goto("/")
    expect(page.locator("#desk-title")).to_have_text("数据工作台")
    expect(page.locator("#import-runs tr[data-run]").first).to_be_visible()
    shot(page, "data", docs="desk-data.png", full_page=True)
