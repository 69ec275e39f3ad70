"""Policies in a real browser: an analyst reads a policy, switches tabs, exports and runs a
what-if; an enterprise reads its own policies; a broken upload shows its line numbers.

The demo policy library is loaded into the live server's database by a module fixture, with
an analyst and an enterprise user whose firm nearly meets an R&D-intensity threshold.
Screenshots: tests/browser/screenshots/, and policy-detail.png, enterprise-policies.png and
policy-what-if.png in docs/screenshots/.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor
from highland.platform.identity.permissions import Principal, Role
from highland.platform.identity.service import create_user
from highland.platform.kit import numbers
from highland.policies import service
from highland.policies.models import PolicyVersion
from highland.policies.present import Formatter
from tests.browser.conftest import LiveServer

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

Shot = Callable[..., Path]
SignIn = Callable[..., None]
AS_OF = date(2026, 6, 30)
POLICY = "nj-2025-rd-subsidy"  # 企业研发费用补助: intensity >= 3% (2025) / 3.5% (2026 on)
RD_POLICIES = (POLICY, "jn-2025-rd-subsidy", "js-2024-rd-reward", "nj-2025-hightech-renew")
ANALYST_PASSWORD = "browser-analyst-pw"
SHOWCASE_PASSWORD = "browser-showcase-pw"
BROKEN = """\
id: browser-broken
title: 浏览器测试政策
issuer: 测试局
level: municipal
effective: 2026-01-01
benefit:
  type: award
  amount: "50000"
eligibility:
  all:
    - {field: employees, op: ">=", value: 100}
    - {field: headcount, op: ">=", value: 10}
    - {field: revenue, op: "~", value: 1}
"""


@dataclass(frozen=True)
class PolicyWorld:
    """The live server with policies, and the firm its enterprise user owns."""

    server: LiveServer
    showcase: str  # USCC of a firm one R&D-intensity step from a policy
    near_policy: str  # that policy
    sentence: str  # the near-miss sentence its page must show (zh)


def _principal() -> Principal:
    return Principal(0, "browser-test", Role.admin)


def _pick_showcase(s: Any) -> tuple[str, str, str]:
    """A firm that is one R&D-intensity step from an R&D policy, receiving something already."""
    candidates: list[tuple[str, str]] = []
    for policy_id in RD_POLICIES:
        _, compiled, _, frame = service.policy_details(s, policy_id, AS_OF)
        index = next(i for i, c in enumerate(compiled.criteria) if c.field == "rd_intensity")
        near = frame.filter(frame["near"].str.split(";").list.contains(str(index)))
        candidates += [(u, policy_id) for u in near["uscc"].to_list()]
    assert candidates, "no demo firm is one R&D-intensity step from an R&D policy"
    fmt = Formatter("zh-CN", {})
    best: tuple[int, str, str, str] | None = None
    for uscc, policy_id in sorted(candidates):
        match = service.enterprise_match(s, _principal(), uscc, AS_OF)
        result = next(r for v, r in match.results if v.policy_id == policy_id)
        gaps = [cr for cr in result.criteria if cr.gap and cr.gap.via_field == "rd_spend"]
        if gaps and (best is None or match.total_fen > best[0]):
            sentence = fmt.gap(gaps[0])
            assert sentence
            best = (match.total_fen, uscc, policy_id, sentence)
    assert best is not None
    return best[1], best[2], best[3]


@pytest.fixture(scope="module")
def policies(live_server: LiveServer) -> PolicyWorld:
    """Load the demo policy library and the users into the live server's database."""
    actor = Actor("browser-test", None, "system")
    with live_server.sessions().begin() as s:
        service.load_demo_library(s, actor)
    with live_server.sessions().begin() as s:
        showcase, near_policy, sentence = _pick_showcase(s)
        firm = s.scalar(select(Enterprise.id).where(Enterprise.uscc == showcase))
        create_user(s, actor, username="analyst", password=ANALYST_PASSWORD, role="analyst")
        create_user(
            s,
            actor,
            username="showcase",
            password=SHOWCASE_PASSWORD,
            role="enterprise",
            enterprise_id=firm,
        )
    return PolicyWorld(live_server, showcase, near_policy, sentence)


def submit(page: Page, button: str) -> None:
    """Click a submit button and wait for the page it loads."""
    with page.expect_navigation():
        page.click(button)


def _versions(server: LiveServer) -> int:
    with server.sessions()() as s:
        return int(s.scalar(select(func.count()).select_from(PolicyVersion)) or 0)


def test_analyst_reads_a_policy_switches_tab_exports_and_runs_what_if(
    page: Page, policies: PolicyWorld, shot: Shot, sign_in: SignIn
):
    with policies.server.sessions()() as s:
        _, _, _, frame = service.policy_details(s, POLICY, AS_OF)
        counts = service.counts(frame)
        source = service.get_version(s, POLICY).source
    sign_in(page, "analyst", ANALYST_PASSWORD)
    page.click("header nav a:has-text('政策')")
    page.wait_for_url("**/policies")
    expect(page.locator("main h1")).to_have_text("政策库")
    expect(page.locator("header nav a.active")).to_have_text("政策")
    table = page.locator("#policy-table")
    table.get_by_role("link", name="企业研发费用补助", exact=True).click()
    page.wait_for_url(f"**/policies/{POLICY}")
    expect(page.locator("#policy-title")).to_contain_text("企业研发费用补助")
    expect(page.locator("#eligibility")).to_contain_text("研发投入强度")

    page.fill("#as_of", AS_OF.isoformat())
    submit(page, "#who form[method=get] button")
    for key in ("eligible", "unknown", "near", "ineligible"):
        value = page.locator(f"[data-count={key}] .value")
        expect(value).to_have_text(f"{counts[key]:,}")
    expect(page.locator("#total-cost")).to_have_text(numbers.money(counts["amount_fen"], "zh-CN"))
    rows = page.locator("#who-table tr:has(td)")
    expect(rows).to_have_count(min(counts["eligible"], 50))
    expect(page.locator("#snapshot")).to_contain_text("数据快照生成于")
    page.mouse.move(0, 0)
    shot(page, "1-detail", docs="policy-detail.png", full_page=True)

    page.click("#who-tabs a[data-status=near]")
    page.wait_for_url(re.compile(r"status=near"))
    expect(page.locator("#who-tabs a.active")).to_have_attribute("data-status", "near")
    expect(rows).to_have_count(min(counts["near"], 50))
    for text in rows.locator("td:nth-child(7)").all_inner_texts():
        assert text.strip(), "a near-miss row names the criterion that keeps it out"
    shot(page, "2-near-tab")

    with page.expect_download() as dl:
        page.click("#export-csv")
    download = dl.value
    assert download.suggested_filename == f"policy-{POLICY}-{AS_OF}-near.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    # Chinese headers by default (docs/numbers.md)
    exported = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(exported) == counts["near"] and all(r["仅差此项"] for r in exported)

    edited = source.replace("value: 1000000, cite:", "value: 500000, cite:")
    assert edited != source
    with policies.server.sessions()() as s:
        expected = service.what_if(s, POLICY, AS_OF, edited)
    assert expected.after.eligible > expected.before.eligible  # the demo shows a change
    page.click("#what-if-details summary")  # the rule as written opens on request
    page.fill("#rule", edited)
    submit(page, "#what-if-submit")
    expect(page.locator("main h1")).to_contain_text("模拟调整")
    eligible = page.locator("#what-if-table [data-row=eligible] td")
    before, after = expected.before.eligible, expected.after.eligible
    expect(eligible.nth(1)).to_have_text(f"{before:,}")
    expect(eligible.nth(2)).to_have_text(f"{after:,}")
    expect(eligible.nth(3)).to_have_text(f"{after - before:+,}" if after != before else "0")
    cost = page.locator("#what-if-table [data-row=amount] td")
    expect(cost.nth(2)).to_have_text(numbers.money(expected.after.amount_fen, "zh-CN"))
    expect(page.locator("#rule")).to_have_value(edited)
    shot(page, "3-what-if", docs="policy-what-if.png", full_page=True)
    with policies.server.sessions()() as s:
        assert service.get_version(s, POLICY).source == source  # nothing saved


def test_enterprise_user_reads_its_policies(
    page: Page, policies: PolicyWorld, shot: Shot, sign_in: SignIn
):
    uscc = policies.showcase
    with policies.server.sessions()() as s:
        match = service.enterprise_match(s, _principal(), uscc, AS_OF)
        name = s.scalar(select(Enterprise.name).where(Enterprise.uscc == uscc))
    sign_in(page, "showcase", SHOWCASE_PASSWORD)
    page.goto("/")  # the enterprise's desk: its portrait is one click away
    page.click("#portrait-link")
    page.wait_for_url(f"**/enterprises/{uscc}")
    page.click("#policies-link")
    page.wait_for_url(re.compile(f"/enterprises/{uscc}/policies"))
    page.fill("#as_of", AS_OF.isoformat())
    submit(page, "form.inline button[type=submit]")
    expect(page.locator("#enterprise-name")).to_contain_text(name)
    expect(page.locator("#total")).to_have_text(numbers.money(match.total_fen, "zh-CN"))
    eligible = sum(1 for _, r in match.results if r.status == "eligible")
    expect(page.locator("#n-eligible")).to_have_text(str(eligible))
    card = page.locator(f".policy-card[data-policy={policies.near_policy}]")
    expect(card.locator("ul.near")).to_contain_text(policies.sentence)
    expect(card.locator(".badge.status-ineligible")).to_have_text("不符合")
    page.mouse.move(0, 0)
    shot(page, "1-own-policies", docs="enterprise-policies.png")
    card.scroll_into_view_if_needed()
    shot(page, "2-near-miss")

    page.click("#lang-switch")
    expect(page.locator("#eligible")).to_contain_text("Eligible")
    expect(card.locator("ul.near")).to_contain_text("more R&D spend")
    shot(page, "3-english")

    other = policies.server.subject.uscc
    response = page.goto(f"/enterprises/{other}/policies")
    assert response is not None and response.status == 404


def test_broken_upload_shows_line_numbered_errors(
    page: Page, policies: PolicyWorld, shot: Shot, sign_in: SignIn
):
    before = _versions(policies.server)
    sign_in(page, "analyst", ANALYST_PASSWORD)
    page.goto("/policies")
    page.fill("#yaml", BROKEN)
    submit(page, "#upload-submit")
    expect(page.locator("#upload-status")).to_contain_text("未保存任何内容")
    errors = page.locator("#upload-errors li")
    expect(errors.first).to_be_visible()
    texts = errors.all_inner_texts()
    assert any(t.startswith("pasted.yaml:12:") and "headcount" in t for t in texts), texts
    assert any(t.startswith("pasted.yaml:13:") for t in texts), texts
    expect(page.locator("#yaml")).to_have_value(BROKEN)
    page.locator("#upload").scroll_into_view_if_needed()
    shot(page, "1-errors")

    page.fill("#yaml", "")
    page.set_input_files(
        "#file",
        files=[
            {"name": "规则-有错.yaml", "mimeType": "application/x-yaml", "buffer": BROKEN.encode()}
        ],  # fmt: skip
    )
    submit(page, "#upload-submit")
    expect(page.locator("#upload-errors")).to_contain_text("规则-有错.yaml:12:")
    assert _versions(policies.server) == before
