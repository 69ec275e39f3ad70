"""The cooperation pipeline in a real browser: the demo's chains, institutions and innovation
data on the live server; the leader's view answers "Munich 2024: 12 signed, 7 started, 2
stalled" on one page, filters by event and stage, puts the stalled projects first; a project
moved a stage from its page; a stage out of order and a date before signing refused in the
page's language with nothing written.

Screenshots: tests/browser/screenshots/, and innovation-pipeline.png in docs/screenshots/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from highland.innovation.models import CoopProject
from tests.browser.conftest import LiveServer, Shot, SignIn, expect

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture(scope="module")
def innovated(live_server: LiveServer) -> LiveServer:
    """The demo chains, institutions and innovation data (once)."""
    from highland.chains.demo_data.chains import load_demo_chains
    from highland.demands.demo.service import load_demo_reference
    from highland.innovation.demo.service import load_demo_innovation
    from highland.platform.audit.service import Actor

    actor = Actor("browser-test", None, "system")
    with live_server.sessions().begin() as s:
        load_demo_chains(s, actor)
        load_demo_reference(s, actor)
        load_demo_innovation(s)
    return live_server


def _signed(server: LiveServer, partner: str) -> CoopProject:
    with server.sessions()() as s:
        row = s.scalar(select(CoopProject).where(CoopProject.partner_en == partner))
        assert row is not None
        return row


def test_the_pipeline_answers_the_leaders_question(
    page: Page, innovated: LiveServer, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page)
    page.goto(f"{innovated.url}/innovation/pipeline")
    munich = page.locator("#event-lines [data-event='munich-2024']")
    expect(munich).to_contain_text("签约 12 个，已开工 7 个，停滞 2 个")
    first = page.locator("#project-table tr[data-project]").first
    expect(first).to_have_attribute("data-state", "stalled")
    expect(page.locator("#chart-funnel svg")).to_be_visible()
    shot(page, "pipeline-zh", docs="innovation-pipeline.png")
    page.select_option("#f-event", "munich-2024")
    page.select_option("#f-stage", "stalled")
    page.click("#filter-go")
    rows = page.locator("#project-table tr[data-project]")
    expect(rows).to_have_count(2)
    page.click("text=English")
    expect(page.locator("#event-lines")).to_contain_text("12 signed, 7 started, 2 stalled")


def test_the_world_map_draws_the_partner_countries(
    page: Page, innovated: LiveServer, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page)
    page.goto(f"{innovated.url}/innovation")
    germany = page.locator("#chart-country g.de.country").first
    expect(germany).to_be_visible()  # drawn as SVG, not unknown elements
    box = germany.bounding_box()  # all its shapes (the first is an island)
    assert box is not None and box["width"] > 5 and box["height"] > 5
    expect(page.locator("#country-table tr[data-country]")).to_have_count(23)
    expect(page.locator("#country-table tr[data-country='DE']")).to_contain_text("德国")
    page.locator("#chart-country").scroll_into_view_if_needed()
    shot(page, "innovation-world-map-zh", docs="innovation-world-map.png")


def test_a_project_moves_on_and_bad_steps_are_refused(
    page: Page, innovated: LiveServer, shot: Shot, sign_in: SignIn
) -> None:
    project = _signed(innovated, "Fraunhofer-Gesellschaft")  # signed, not registered yet
    sign_in(page)
    page.goto(f"{innovated.url}/innovation/projects/{project.id}")
    expect(page.locator("#project-state")).to_have_attribute("data-state", "signed")
    form = page.locator("form[data-action='register']")
    form.locator("input[name='on']").fill("2024-05-01")  # before the signing on 2024-06-12
    form.locator("button").click()
    expect(page.locator("#form-error")).to_contain_text("早于项目签约日期 2024-06-12")
    expect(page.locator("#project-state")).to_have_attribute("data-state", "signed")
    assert _signed(innovated, "Fraunhofer-Gesellschaft").registered_on is None
    shot(page, "project-refused-zh")
    form = page.locator("form[data-action='register']")
    form.locator("input[name='on']").fill("2024-07-01")
    form.locator("button").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#project-state")).to_have_attribute("data-state", "registered")
    # A stale page: the old form's version is refused, the stage is not skipped.
    page.goto(f"{innovated.url}/innovation/projects/{project.id}")
    assert _signed(innovated, "Fraunhofer-Gesellschaft").state == "registered"
    expect(page.locator("form[data-action='operate']")).to_have_count(0)  # not offered yet
