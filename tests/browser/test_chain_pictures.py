"""Chain pictures in a real browser: the chain map and the district breakdown of the software
chain, with the demo reference figures, the strong suggestions accepted and one leading firm.

Screenshots: tests/browser/screenshots/, and chain-map.png / chain-districts.png in
docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from highland.chains.analytics import reference_data
from highland.chains.demo_data import REFERENCE
from highland.chains.demo_data.chains import load_demo_chains
from highland.chains.mapping import service as mapping
from highland.chains.mapping.leading import leading_firms, mark_leading
from highland.chains.models import EnterpriseSegment, ReferenceFigure
from highland.enterprises.models import Enterprise, Financial
from highland.platform.audit.service import Actor
from tests.browser.conftest import LiveServer

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

Shot = Callable[..., Path]
SignIn = Callable[..., None]
CHAIN = 1  # software & information services: the demo registry has many such firms


@pytest.fixture(scope="module")
def pictured(live_server: LiveServer) -> LiveServer:
    """Demo chains, reference figures, chain 1's strong suggestions accepted, a leading firm."""
    actor = Actor("browser-test", None, "system")
    folder = REFERENCE
    with live_server.sessions().begin() as s:
        load_demo_chains(s, actor)
        if s.scalar(select(ReferenceFigure.id).limit(1)) is None:
            name = "reference_figures.csv"
            reference_data.load_reference(s, actor, (folder / name).read_bytes(), name)
        accepted = select(func.count()).where(
            EnterpriseSegment.chain_id == CHAIN, EnterpriseSegment.status == "accepted"
        )
        if not s.scalar(accepted):
            mapping.suggest(s, actor, CHAIN)
            segments = s.scalars(
                select(EnterpriseSegment.segment_code)
                .where(EnterpriseSegment.chain_id == CHAIN)
                .distinct()
            ).all()
            for code in segments:
                mapping.decide(s, actor, CHAIN, "accept", segment=code, min_confidence=60)
        if not leading_firms(s, CHAIN):
            top = s.execute(
                select(Enterprise.uscc)
                .join(Financial, Financial.enterprise_id == Enterprise.id)
                .join(EnterpriseSegment, EnterpriseSegment.enterprise_id == Enterprise.id)
                .where(EnterpriseSegment.chain_id == CHAIN,
                       EnterpriseSegment.status == "accepted", Financial.revenue.is_not(None))
                .order_by(Financial.revenue.desc())
                .limit(1)
            ).scalar_one()  # fmt: skip
            mark_leading(s, actor, CHAIN, top, "browser test")
    return live_server


def test_chain_map(page: Page, pictured: LiveServer, shot: Shot, sign_in: SignIn) -> None:
    sign_in(page)
    page.goto(f"{pictured.url}/chains/{CHAIN}")
    img = page.locator("#chain-map-img")
    expect(img).to_be_visible()
    assert page.evaluate("document.querySelector('#chain-map-img').naturalWidth") > 0
    page.click("#chain-pictures a#to-map")
    page.wait_for_url(f"**/chains/{CHAIN}/map")
    expect(page.locator("#map-title")).to_contain_text("产业链图谱")
    boxes = page.locator("#chain-map g[data-segment]")
    assert boxes.count() >= 6
    streams = [boxes.nth(i).get_attribute("data-stream") for i in range(boxes.count())]
    order = {"upstream": 0, "midstream": 1, "downstream": 2}
    assert [order[s or ""] for s in streams] == sorted(order[s or ""] for s in streams)
    expect(page.locator("#chain-map")).to_contain_text("上游")
    expect(page.locator("#chain-map")).to_contain_text("链主")
    expect(page.locator("#chain-map")).to_contain_text("图例")
    expect(page.locator("#chain-map")).to_contain_text("数据截至")
    page.mouse.move(0, 0)
    shot(page, "1-map", docs="chain-map.png", full_page=True)
    page.click("#lang-switch")
    expect(page.locator("#map-title")).to_contain_text("Chain map")
    expect(page.locator("#chain-map")).to_contain_text("Upstream")
    shot(page, "2-map-en", full_page=True)
    page.click("#lang-switch")


def test_chain_districts(page: Page, pictured: LiveServer, shot: Shot, sign_in: SignIn) -> None:
    sign_in(page)
    page.goto(f"{pictured.url}/chains/{CHAIN}/map")
    page.click("#to-districts")
    page.wait_for_url(f"**/chains/{CHAIN}/districts")
    expect(page.locator("#districts-title")).to_contain_text("分区分布")
    expect(page.locator("#district-charts svg")).to_have_count(3)
    rows = page.locator("#district-table tr[data-district]")
    assert rows.count() >= 3
    expect(page.locator("#district-table")).to_contain_text("区")
    page.mouse.move(0, 0)
    shot(page, "1-districts", docs="chain-districts.png", full_page=True)
