"""What a person does in a real browser: sign in, search, read a portrait, switch language,
import a file with mistakes, and see only what their role allows.

Run with `pytest tests/browser`; screenshots of every step go to tests/browser/screenshots/
and the README's four to docs/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from highland.enterprises.models import Enterprise, Region
from tests.browser.conftest import ADMIN_PASSWORD, ENTERPRISE_PASSWORD, LiveServer
from tests.factories import ENT_HEADER, ent_row, to_csv

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

Shot = Callable[..., Path]
SignIn = Callable[..., None]
METRICS = (
    "size_class",
    "lifecycle_stage",
    "age_years",
    "rd_intensity",
    "revenue_growth",
    "revenue_cagr_3y",
)


def count_where(server: LiveServer, *conditions: Any) -> int:
    """How many enterprises the database holds under the conditions (the test's oracle)."""
    with server.sessions()() as s:
        stmt = select(func.count()).select_from(Enterprise).where(*conditions)
        return int(s.scalar(stmt) or 0)


def submit(page: Page, button: str) -> None:
    """Click a submit button and wait for the page it loads."""
    with page.expect_navigation():
        page.click(button)


def apply_search(page: Page, q: str) -> None:
    page.fill("#q", q)
    submit(page, "#apply")


def table_rows(page: Page) -> Any:
    return page.locator("#enterprise-table tr:has(td)")


def test_sign_in_in_chinese_and_wrong_password(page: Page, live_server: LiveServer, shot: Shot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
    expect(page.locator("h1")).to_have_text("Highland 产业创新服务平台")
    expect(page.locator("label[for=username]")).to_have_text("用户名")
    shot(page, "1-form")

    page.fill("#username", "admin")
    page.fill("#password", "not-the-password")
    page.click("form.login-card button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
    assert page.url.split("?")[0].endswith("/login")
    expect(page.locator("#username")).to_have_value("admin")
    expect(page.locator("#password")).to_have_value("")
    shot(page, "2-wrong-password")

    page.fill("#password", ADMIN_PASSWORD)
    page.click("form.login-card button[type=submit]")
    page.wait_for_url("**/")  # the admin's desk
    expect(page.locator("#desk-title")).to_have_text("数据工作台")
    page.click("header nav a[href='/enterprises']")
    page.wait_for_url("**/enterprises")
    expect(page.locator("main h1")).to_have_text("企业库")
    expect(page.locator("header nav a.active")).to_have_text("企业库")
    expect(page.locator("header .user span")).to_have_text("admin · 系统管理员")
    total = count_where(live_server)
    expect(page.locator("#result-count")).to_have_text(f"共 {total:,} 家企业")
    expect(table_rows(page)).to_have_count(50)
    shot(page, "3-signed-in")


def test_search_by_name_uscc_prefix_and_district(
    page: Page, live_server: LiveServer, shot: Shot, sign_in: SignIn
):
    sign_in(page)
    shot(page, "1-list", docs="list-zh.png")
    subject, gram = live_server.subject, live_server.gram

    # Any two characters of the name find it.
    apply_search(page, gram)
    n = count_where(live_server, Enterprise.name.contains(gram))
    assert 1 <= n <= 50
    expect(page.locator("#result-count")).to_have_text(f"共 {n} 家企业")
    expect(table_rows(page)).to_have_count(n)
    expect(page.locator("#enterprise-table").get_by_role("link", name=subject.name)).to_be_visible()
    for name in table_rows(page).locator("td:first-child a").all_inner_texts():
        assert gram in name
    expect(page.locator("#q")).to_have_value(gram)
    shot(page, "2-name")

    # A USCC prefix (lower case is fine) narrows to the codes that start with it.
    prefix = subject.uscc[:10]
    apply_search(page, prefix.lower())
    n = count_where(live_server, Enterprise.uscc.startswith(prefix))
    expect(page.locator("#result-count")).to_have_text(f"共 {n} 家企业")
    expect(page.locator("#enterprise-table")).to_contain_text(subject.uscc)
    for code in table_rows(page).locator("td:nth-child(2)").all_inner_texts():
        assert code.startswith(prefix)
    shot(page, "3-uscc-prefix")

    # The district select.
    with live_server.sessions()() as s:
        district = s.scalar(select(Region.name_zh).where(Region.code == subject.district_code))
    page.fill("#q", "")
    page.select_option("#district", label=district)
    submit(page, "#apply")
    n = count_where(live_server, Enterprise.district_code == subject.district_code)
    expect(page.locator("#result-count")).to_have_text(f"共 {n} 家企业")
    expect(table_rows(page)).to_have_count(min(n, 50))
    assert set(table_rows(page).locator("td:nth-child(3)").all_inner_texts()) == {district}
    expect(page.locator("#district option:checked")).to_have_text(district)
    shot(page, "4-district")


def test_portrait_from_the_list(page: Page, live_server: LiveServer, shot: Shot, sign_in: SignIn):
    sign_in(page)
    subject = live_server.subject
    apply_search(page, live_server.gram)
    page.locator("#enterprise-table").get_by_role("link", name=subject.name).click()
    page.wait_for_url(f"**/enterprises/{subject.uscc}")
    expect(page.locator("#enterprise-name")).to_contain_text(subject.name)
    expect(page).to_have_title(re.compile(re.escape(subject.name)))

    metrics = page.locator("#portrait [data-field]")
    expect(metrics).to_have_count(6)
    assert tuple(metrics.evaluate_all("els => els.map(e => e.dataset.field)")) == METRICS
    for label in ("企业规模", "生命周期阶段", "成立年限", "研发强度", "营收增长率"):
        expect(page.locator("#portrait .metric .label", has_text=label).first).to_be_visible()
    # Age is known for every firm: a number of years.
    expect(page.locator("[data-field=age_years] .value")).to_have_text(re.compile(r"^\d+ 年$"))

    rd = page.locator("[data-field=rd_intensity]")
    rule = rd.locator("details p").first
    expect(rule).to_be_hidden()
    rd.get_by_text("计算方法").click()
    expect(rule).to_be_visible()
    expect(rule).to_contain_text("研发投入")  # the rule in the page's language
    expect(rule).to_contain_text("营业收入")

    figures = page.locator("#figures tr:has(td)")
    assert figures.count() >= 4
    expect(page.locator("#figures th").first).to_have_text("年份")
    years = figures.locator("td:first-child").all_inner_texts()
    assert years == sorted(years) and all(re.fullmatch(r"20\d\d", y) for y in years)

    charts = page.locator(".chart svg")
    expect(charts).to_have_count(2)
    for i in range(2):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    page.mouse.move(0, 0)
    shot(page, "1-portrait", docs="portrait-zh.png", full_page=True)


def test_switch_language_and_back(page: Page, live_server: LiveServer, shot: Shot, sign_in: SignIn):
    sign_in(page)
    subject = live_server.subject
    apply_search(page, live_server.gram)
    expect(page.locator("#lang-switch")).to_have_text("English")
    page.click("#lang-switch")
    expect(page.locator("main h1")).to_have_text("Enterprise registry")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header nav a.active")).to_have_text("Enterprises")
    # The search survives the switch, and English names appear under the Chinese ones.
    expect(page.locator("#q")).to_have_value(live_server.gram)
    expect(page.locator("#enterprise-table")).to_contain_text(subject.name_en)
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^\d+ enterprises$"))
    page.click("a.btn.secondary:has-text('Reset')")
    page.wait_for_url("**/enterprises")
    shot(page, "1-english", docs="list-en.png")

    page.goto(f"/enterprises/{subject.uscc}")
    expect(page.locator("#portrait h2")).to_contain_text("Portrait")
    expect(page.locator("[data-field=rd_intensity] summary")).to_have_text("How it was computed")
    shot(page, "2-portrait-en", full_page=True)

    page.click("#lang-switch")
    expect(page).to_have_url(re.compile(f"/enterprises/{subject.uscc}$"))
    expect(page.locator("[data-field=rd_intensity] summary")).to_have_text("计算方法")
    page.click("header nav a:has-text('企业库')")
    expect(page.locator("main h1")).to_have_text("企业库")
    expect(page.locator("#lang-switch")).to_have_text("English")
    shot(page, "3-back-to-chinese")


def _bad_file() -> tuple[bytes, str]:
    """Rows 2 and 4 (as a spreadsheet numbers them, header = row 1) are wrong; row 3 is fine."""
    good = ent_row(900_001, name="南京浏览器测试软件科技有限公司")
    rows = [
        ent_row(900_002, uscc="91320115MA1XXXXX0I"),
        good,
        ent_row(900_003, founded_on="2019-13-40"),
    ]
    return to_csv(rows, ENT_HEADER), good["uscc"]


def _upload(page: Page, data: bytes, *, skip_invalid: bool = False) -> None:
    page.select_option("#kind", "enterprises")
    page.set_input_files(
        "#file", files=[{"name": "企业名录-有错.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.locator("input[name=skip_invalid]").set_checked(skip_invalid)
    submit(page, "#import-submit")


def test_import_with_errors_then_skip_invalid(
    page: Page, live_server: LiveServer, shot: Shot, sign_in: SignIn
):
    sign_in(page)
    page.click("header nav a:has-text('数据导入')")
    page.wait_for_url("**/imports")
    expect(page.locator("main h1")).to_have_text("数据导入")
    shot(page, "1-form")
    data, good_uscc = _bad_file()
    before = count_where(live_server)

    _upload(page, data)
    expect(page.locator("#import-status")).to_have_text("文件有 2 行错误，未写入任何数据。")
    expect(page.locator("#rejected-count")).to_have_text("2")
    errors = page.locator("#import-errors tr:has(td)")
    expect(errors.first).to_be_visible()
    rows = {int(r) for r in errors.locator("td:first-child").all_inner_texts()}
    assert rows == {2, 4}
    expect(page.locator("#import-errors")).to_contain_text("91320115MA1XXXXX0I")
    expect(page.locator("#import-errors")).to_contain_text("2019-13-40")
    assert count_where(live_server) == before
    shot(page, "2-errors", docs="import-errors-zh.png", full_page=True)

    with page.expect_download() as dl:
        page.click("#report-link")
    download = dl.value
    assert download.suggested_filename.startswith("import-report-")
    report = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,column,value,error"
    assert {line.split(",")[0] for line in report[1:]} == {"2", "4"}

    _upload(page, data, skip_invalid=True)
    skipped = "导入完成：2 行有错误，已跳过；其余行已写入。"
    expect(page.locator("#import-status")).to_have_text(skipped)
    created = page.locator(".stats .metric", has_text="新增").locator(".value")
    expect(created).to_have_text("1")
    expect(page.locator("#rejected-count")).to_have_text("2")
    assert count_where(live_server) == before + 1
    shot(page, "3-skip-invalid", full_page=True)

    page.goto("/enterprises")
    apply_search(page, good_uscc)
    expect(page.locator("#result-count")).to_have_text("共 1 家企业")
    expect(page.locator("#enterprise-table")).to_contain_text("南京浏览器测试软件科技有限公司")


def test_enterprise_user_sees_only_its_own(
    page: Page, live_server: LiveServer, shot: Shot, sign_in: SignIn
):
    own, other = live_server.own, live_server.subject
    sign_in(page, "firm", ENTERPRISE_PASSWORD)
    expect(page.locator("header .user span")).to_have_text("firm · 企业用户")
    expect(page.locator("header nav a:has-text('数据导入')")).to_have_count(0)
    expect(page.locator("#result-count")).to_have_text("共 1 家企业")
    expect(table_rows(page)).to_have_count(1)
    expect(table_rows(page).first).to_contain_text(own.name)
    shot(page, "1-own-list")

    apply_search(page, other.uscc)
    expect(page.locator("#no-results")).to_have_text("没有符合条件的企业。")

    response = page.goto(f"/enterprises/{other.uscc}")
    assert response is not None and response.status == 404
    expect(page.locator("#error-message")).to_have_text("找不到该页面或对象，或您无权查看。")
    expect(page.locator("body")).not_to_contain_text(other.name)
    shot(page, "2-other-not-found")

    page.click("text=返回企业库")
    page.locator("#enterprise-table").get_by_role("link", name=own.name).click()
    expect(page.locator("#enterprise-name")).to_contain_text(own.name)


def test_synthetic_banner(page: Page, live_server: LiveServer, shot: Shot, sign_in: SignIn):
    sign_in(page)
    banner = page.locator("#synthetic-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("演示数据（合成）")
    page.goto(f"/enterprises/{live_server.subject.uscc}")
    expect(banner).to_be_visible()
    page.click("#lang-switch")
    expect(banner).to_contain_text("Demo data (synthetic)")
    shot(page, "1-banner-en")
