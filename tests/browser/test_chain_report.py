"""The monthly chain report in a real browser: the software chain (demo registry, reference
figures, accepted suggestions, a leading firm) with last month's scheduling record and its
decisions, reached from the record's page; this month (no record) from the chain page; the
XLSX downloaded from the report's toolbar.

Screenshots: tests/browser/screenshots/, and chain-report.png in docs/screenshots/.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from highland.chains import indicators
from highland.chains.analytics import reference_data
from highland.chains.demo_data import REFERENCE
from highland.chains.governance import service as gov
from highland.chains.models import ChainMeeting, EnterpriseSegment, Prospect
from highland.chains.report import service as report
from highland.platform.audit.service import Actor
from highland.platform.db import utcnow
from highland.platform.identity.permissions import Principal, Role
from highland.platform.institutions.models import Institution
from highland.platform.kit.dates import CITY_TZ
from tests.browser.conftest import LiveServer, Shot, SignIn, expect
from tests.browser.test_chain_pictures import CHAIN, pictured  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Page

FOLDER = REFERENCE
ADMIN = Principal(user_id=0, username="browser-test", role=Role.admin)


def _month_before(month: str) -> str:
    year, mon = indicators.parse_month(month)
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


@pytest.fixture(scope="module")
def recorded(pictured: LiveServer) -> tuple[LiveServer, str]:  # noqa: F811
    """Records for the two months before this one: the earlier with a task left open, the
    later with three decisions (one started, one confirmed, one untouched)."""
    actor = Actor("browser-test", None, "system")
    now = utcnow()
    last = _month_before(indicators.current_month(now))
    before = _month_before(last)
    with pictured.sessions().begin() as s:
        inst = s.scalar(select(Institution.code).order_by(Institution.code).limit(1))
        done = s.scalar(select(ChainMeeting.id).where(ChainMeeting.chain_id == CHAIN,
                                                      ChainMeeting.month == last))  # fmt: skip
        if done is None:
            year, mon = indicators.parse_month(before)
            held = datetime(year, mon, 25, 9, 30, tzinfo=CITY_TZ)
            # The members were accepted just now: date them before both months, as a chain
            # mapped long ago, so the indicators as of those months count them.
            s.execute(
                update(EnterpriseSegment)
                .where(EnterpriseSegment.chain_id == CHAIN, EnterpriseSegment.status == "accepted")
                .values(decided_at=datetime(year, mon, 1, 9, tzinfo=CITY_TZ))
            )
            if s.scalar(select(Prospect.id).limit(1)) is None:
                name = "prospects.csv"
                reference_data.load_prospects(s, actor, (FOLDER / name).read_bytes(), name)
            gov.create_meeting(
                s, ADMIN, actor, CHAIN,
                gov.MeetingInput(month=before, held_at=held, chaired_by="张链长",
                                 matters="软件园二期用地"),
                [gov.DecisionInput(title="梳理园区二期可用地块", owner_name="陈科长",
                                   working_days=10)],
                now,
            )  # fmt: skip
            year, mon = indicators.parse_month(last)
            held = datetime(year, mon, 28, 9, 30, tzinfo=CITY_TZ)
            _, tasks = gov.create_meeting(
                s, ADMIN, actor, CHAIN,
                gov.MeetingInput(
                    month=last, held_at=held, place="区政府第三会议室", chaired_by="张链长",
                    attendees="区工信局、区科技局、区自然资源和规划分局、软件园管委会",
                    matters="一、通报本月链上企业营收与纳税情况；\n二、研究基础软件环节招引；\n"
                            "三、协调重点企业用地与人才公寓需求。",
                ),
                [
                    gov.DecisionInput(title="对接两家操作系统企业来宁考察", owner_institution=inst,
                                      owner_name="刘科长", working_days=3),
                    gov.DecisionInput(title="形成基础软件招商清单", owner_name="周主任",
                                      working_days=20),
                    gov.DecisionInput(title="报送人才公寓需求", owner_name="吴科长",
                                      working_days=5),
                ],
                now,
            )  # fmt: skip
            gov.act(s, ADMIN, actor, tasks[1].id, "start", version=1, now=now)
            later = now + timedelta(seconds=1)
            gov.act(s, ADMIN, actor, tasks[2].id, "done", version=1,
                    data={"result": "已报送 120 套需求"}, now=later)  # fmt: skip
            gov.act(s, ADMIN, actor, tasks[2].id, "confirm", version=2, now=later)
    return pictured, last


def test_chain_report(
    page: Page, recorded: tuple[LiveServer, str], shot: Shot, sign_in: SignIn, tmp_path: Path
) -> None:
    server, month = recorded
    sign_in(page)
    # This month, from the chain page: not recorded, computed now.
    page.goto(f"{server.url}/chains/{CHAIN}")
    page.click("#chain-links a#to-report")
    page.wait_for_url(f"**/chains/{CHAIN}/report")
    expect(page.locator("#indicators-basis")).to_have_attribute("data-basis", "computed")
    expect(page.locator("#no-record")).to_contain_text("本月无调度记录")
    expect(page.locator("#earlier-table")).to_contain_text("对接两家操作系统企业来宁考察")
    # Last month, from its record's page.
    page.goto(f"{server.url}/chains/{CHAIN}/meetings/{month}")
    page.click("a#to-report")
    page.wait_for_url(f"**/chains/{CHAIN}/report?month={month}")
    expect(page.locator("#report-title")).to_contain_text("月度报告")
    expect(page.locator("#indicators-basis")).to_have_attribute("data-basis", "recorded")
    rows = page.locator("#indicator-table tr[data-indicator]")
    expect(rows).to_have_count(9)
    for i in range(rows.count()):
        assert rows.nth(i).locator("td.freshness").inner_text().strip()
    expect(page.locator('tr[data-indicator="key_projects"] td.freshness')).to_have_text("无日期")
    expect(page.locator("#report-map svg.chain-map")).to_be_visible()
    expect(page.locator("#report-map")).to_contain_text("上游")
    expect(page.locator("#decision-table tr[data-task]")).to_have_count(3)
    expect(page.locator('#decision-table tr[data-state="confirmed"]')).to_contain_text("已确认办结")
    expect(page.locator('#decision-table tr[data-state="in_progress"]')).to_contain_text("办理中")
    expect(page.locator("#earlier-table")).to_contain_text("梳理园区二期可用地块")
    expect(page.locator("#matters")).to_contain_text("研究基础软件环节招引")
    assert page.locator("script").count() == 0
    page.mouse.move(0, 0)
    shot(page, "1-report", docs="chain-report.png", full_page=True)
    shot(page, "1a-top")
    page.locator("#gap-table").scroll_into_view_if_needed()
    shot(page, "1b-gaps-decisions")
    # Printing hides the toolbar and drops the page shadow.
    page.emulate_media(media="print")
    expect(page.locator("#report-links")).to_be_hidden()
    shot(page, "2-print", full_page=True)
    page.emulate_media(media="screen")
    with page.expect_download() as info:
        page.click("#xlsx-link")
    download = info.value
    assert download.suggested_filename == f"chain-{CHAIN}-{month}.xlsx"
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert wb.sheetnames == ["指标", "产业链环节", "短板", "调度事项", "说明"]  # Chinese by default
    # The same report saved to a file opens from disk, with nothing to fetch.
    with server.sessions()() as s:
        html = report.to_html(report.build(s, CHAIN, month, "zh-CN", by="browser-test"))
    saved = tmp_path / f"chain-{CHAIN}-{month}.html"
    saved.write_text(html, encoding="utf-8")
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(saved.as_uri())
    expect(page.locator("#report-map svg.chain-map")).to_be_visible()
    expect(page.locator("#report-title")).to_contain_text("月度报告")
    assert requests == [saved.as_uri()]
    page.goto(f"{server.url}/chains/{CHAIN}/report?month={month}")
    page.context.add_cookies([{"name": "highland_lang", "value": "en", "url": server.url}])
    page.reload()
    expect(page.locator("#report-title")).to_contain_text("monthly report")
    expect(page.locator("#report-map")).to_contain_text("Upstream")
    shot(page, "3-report-en", full_page=True)
