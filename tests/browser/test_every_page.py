"""Every page type in a real browser: on a phone, offline, and accessible (docs/accessibility.md).

The world of the access test (tests/test_access.py: two enterprises, a user of every role,
demands, meetings, a chain with a task, policies and a run) is built in a SQLite file of its
own and served live. Every page route of the app (the list of tests/test_language.py, with the
access test's sample ids) is opened once per language at 375 px, as the admin, and the routes
an enterprise may open once more as the enterprise user (its own firm), with the handler's queue
and the sign-in and error pages. Each visit measures the page's width, runs axe-core (WCAG 2.1
A and AA) and records every request that would leave 127.0.0.1 (it is aborted).

Then the enterprise's journey on a phone: its portrait, its policies, a demand filed, dispatched,
accepted and resolved in the handler's queue, and closed (confirmed solved) — every page fits.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import SHOTS
from tests.live import serving
from tests.test_access import ROUTES, _build_world, _fill
from tests.test_language import page_routes

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect
except ImportError:  # the conftest skips (or fails) every test here
    Axe = None  # type: ignore[assignment,misc]
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

PHONE = {"width": 375, "height": 740}
LOCALES = {"zh": "zh-CN", "en": "en"}
# WCAG 2.1 A and AA; "serious" and "critical" fail the test (docs/accessibility.md).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
FAILING = ("serious", "critical")
# Routes that answer with a file, not a page.
NOT_PAGES = ("/attachments/",)


@dataclass(frozen=True)
class Site:
    """The access test's world, served live: its URL, the users' session cookies, the ids."""

    url: str
    world: dict[str, Any]
    routes: list[str]


@dataclass
class Visit:
    """What one page showed: its width at 375 px, axe's violations, requests sent away."""

    who: str
    path: str
    lang: str
    status: int | None
    width: int
    violations: list[dict[str, Any]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.lang} {self.who} {self.path}"


@pytest.fixture(scope="module")
def site(browser_executable: str) -> Iterator[Site]:
    """The access test's world in a SQLite file of its own, served on 127.0.0.1."""
    from fastapi.testclient import TestClient

    from highland.enterprises.service import seed_regions
    from highland.main import create_app, refresh_state
    from highland.platform.config import Settings
    from highland.platform.db import make_engine
    from highland.platform.db import session_factory as app_sessions
    from highland.schema import upgrade

    with tempfile.TemporaryDirectory(prefix="highland-pages-") as tmp:
        folder = Path(tmp)
        engine = make_engine(f"sqlite:///{folder / 'world.db'}")
        upgrade(engine)
        with app_sessions(engine).begin() as s:
            seed_regions(s, "320100")
        settings = Settings(secret_key="pages-test", instance_dir=folder, login_max_failures=50)
        app = create_app(engine, settings)
        sessions = app.state.sessions
        with sessions() as db, TestClient(app, follow_redirects=False) as client:
            world = _build_world(sessions, db, client)
        refresh_state(app)
        try:
            with serving(app) as url:
                yield Site(url, world, page_routes(app))
        finally:
            engine.dispose()


def visits(site: Site) -> list[tuple[str, str]]:
    """(who, path) of every page type: each route as the admin, the enterprise's routes as the
    enterprise user too, the handler's queue, the sign-in page and an error page."""
    w = site.world
    # The enterprise's first page ("/", its desk) and the handler's queue by name.
    out = [
        ("anonymous", "/login"),
        ("enterprise", "/"),
        ("handler", "/demands"),
        ("admin", "/demands/999999"),
    ]
    for route in site.routes:
        if route == "/login" or any(part in route for part in NOT_PAGES):
            continue
        out.append(("admin", _fill(route, w, w["a"])))
        if ROUTES[("GET", route)].allowed == "enterprise":
            out.append(("enterprise", _fill(route, w, w["b"])))
    return list(dict.fromkeys(out))


def open_context(chromium: Browser, site: Site, who: str, lang: str) -> BrowserContext:
    """A phone-sized context signed in as `who` (by the world's session cookie) in `lang`,
    that aborts every request to anywhere but 127.0.0.1 and remembers it."""
    context = chromium.new_context(
        base_url=site.url, viewport=PHONE, locale=LOCALES[lang], is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    cookies = [{"name": "highland_lang", "value": LOCALES[lang], "url": site.url}]
    if who != "anonymous":
        token = site.world["users"][who]["cookie"]
        cookies.append({"name": "highland_session", "value": token, "url": site.url})
    context.add_cookies(cookies)  # type: ignore[arg-type]
    outside: list[str] = []

    def route(r: Any) -> None:
        if urlsplit(r.request.url).hostname in ("127.0.0.1", None):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    context.outside = outside  # type: ignore[attr-defined]
    # A load the Content-Security-Policy blocked was a request for elsewhere, too.
    context.on(
        "console",
        lambda m: outside.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return context


def page_width(page: Page) -> int:
    """How wide the page is laid out (wider than the window: sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


def failures(axe_response: dict[str, Any]) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations."""
    return [v for v in axe_response["violations"] if v["impact"] in FAILING]


def look(page: Page, who: str, path: str, lang: str) -> Visit:
    """Open a page and take its measures."""
    outside: list[str] = page.context.outside  # type: ignore[attr-defined]
    before = len(outside)
    response = page.goto(path)
    page.wait_for_load_state("load")
    visit = Visit(who, path, lang, response.status if response else None, page_width(page))
    result = Axe().run(page, options=AXE_OPTIONS)
    visit.violations = failures(result.response)
    visit.outside = outside[before:]
    if os.environ.get("HIGHLAND_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = f"phone-{lang}-{who}-{path.strip('/').replace('/', '_') or 'root'}"
        page.screenshot(path=SHOTS / f"{name[:100]}.png", full_page=True)
    return visit


@pytest.fixture(scope="module")
def sweep(site: Site, chromium: Browser) -> dict[str, list[Visit]]:
    """Every page type in both languages at 375 px (one visit each, measured three ways)."""
    found: dict[str, list[Visit]] = {}
    todo = visits(site)
    for lang in LOCALES:
        found[lang] = []
        for who in dict.fromkeys(who for who, _ in todo):
            context = open_context(chromium, site, who, lang)
            page = context.new_page()
            try:
                found[lang] += [look(page, w, p, lang) for w, p in todo if w == who]
            finally:
                context.close()
    return found


def _describe(v: dict[str, Any]) -> str:
    targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
    return f"{v['id']} ({v['impact']}, {len(v['nodes'])}×: {'; '.join(targets)})"


def test_every_page_type_was_visited(sweep: dict[str, list[Visit]]) -> None:
    for lang, seen in sweep.items():
        assert len(seen) > 45, lang
        broken = [f"{v.where} → {v.status}" for v in seen if v.status is None or v.status >= 500]
        assert not broken, broken
        errors = [v.where for v in seen if v.status in (401, 403)]
        assert not errors, f"pages refused to the role that opened them: {errors}"


def test_every_page_fits_a_phone(sweep: dict[str, list[Visit]]) -> None:
    wide = [
        f"{v.where}: {v.width}px" for seen in sweep.values() for v in seen
        if v.width > PHONE["width"] + 1
    ]  # fmt: skip
    assert not wide, f"pages wider than a 375 px phone ({len(wide)}):\n" + "\n".join(wide)


@pytest.mark.parametrize("lang", list(LOCALES))
def test_no_serious_accessibility_violations(sweep: dict[str, list[Visit]], lang: str) -> None:
    lines = [f"{v.where}: {_describe(x)}" for v in sweep[lang] for x in v.violations]
    count = sum(len(v.violations) for v in sweep[lang])
    assert not lines, f"serious or critical WCAG 2.1 AA violations ({count}):\n" + "\n".join(lines)


def test_no_page_asks_anything_of_the_internet(
    sweep: dict[str, list[Visit]], site: Site, chromium: Browser
) -> None:
    away = [f"{v.where}: {u}" for seen in sweep.values() for v in seen for u in v.outside]
    context = open_context(chromium, site, "anonymous", "en")
    page = context.new_page()
    try:  # the bundles are large and the OpenAPI document is built on the first call
        page.goto("/docs")
        title = page.locator(".swagger-ui .info .title")
        expect(title).to_contain_text("Highland API", timeout=30_000)
        page.goto("/redoc")
        expect(page.locator("h1").first).to_contain_text("Highland API", timeout=30_000)
        expect(page.locator("text=API docs by Redocly")).to_be_attached()
        away += [f"docs: {u}" for u in context.outside]  # type: ignore[attr-defined]
    finally:
        context.close()
    assert not away, "requests that left 127.0.0.1:\n" + "\n".join(away)


# --------------------------------------------------------------------------- journeys


@pytest.mark.parametrize(("lang", "words"), [("zh", "跳到正文"), ("en", "Skip to content")])
def test_the_first_tab_reaches_the_skip_link(
    site: Site, chromium: Browser, lang: str, words: str
) -> None:
    context = open_context(chromium, site, "enterprise", lang)
    try:
        page = context.new_page()
        page.goto("/demands")
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_text(words)
        expect(focused).to_be_in_viewport()
        ring = focused.evaluate(
            "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
        )
        assert ring == ["solid", "3px"], ring
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        page.keyboard.press("Tab")  # the next stop is inside the page's content, past the menu
        assert page.evaluate("document.activeElement.closest('main') !== null")
    finally:
        context.close()


def fits(page: Page) -> None:
    """The page is no wider than the phone, and its text fields and lists are not squeezed."""
    assert page_width(page) <= PHONE["width"] + 1, f"{page.url} is {page_width(page)}px wide"
    narrow = page.evaluate(
        """() => [...document.querySelectorAll('main select, main textarea, main input[type=text]')]
            .filter(e => e.offsetParent !== null && !e.closest('.table-scroll'))
            .filter(e => e.getBoundingClientRect().width < 150).map(e => e.id || e.name)"""
    )
    assert not narrow, f"{page.url}: squeezed form controls {narrow}"


def submit(page: Page, button: str) -> None:
    """Click a submit button and wait for the page it loads."""
    with page.expect_navigation():
        page.click(button)
    fits(page)


def test_an_enterprise_files_and_closes_a_demand_on_a_phone(site: Site, chromium: Browser) -> None:
    w = site.world
    firm = open_context(chromium, site, "enterprise", "zh")
    staff = open_context(chromium, site, "admin", "zh")
    handler = open_context(chromium, site, "handler", "zh")
    try:
        page = firm.new_page()
        # Its first page, its portrait and its policies.
        page.goto("/")
        fits(page)
        page.goto(f"/enterprises/{w['b']}")
        expect(page.locator("h1")).to_be_visible()
        fits(page)
        page.goto(f"/enterprises/{w['b']}/policies")
        fits(page)
        # It files a demand from its list, on the phone.
        page.goto("/demands")
        fits(page)
        with page.expect_navigation():
            page.click("#new-demand")
        fits(page)
        expect(page.locator("#enterprise-fixed")).to_contain_text(w["b"])
        # Sent empty, the form comes back with its errors: still on the phone, still named.
        submit(page, "#submit-demand")
        expect(page.locator("#form-error")).to_be_visible()
        bad = failures(Axe().run(page, options=AXE_OPTIONS).response)
        assert not bad, [_describe(v) for v in bad]
        page.select_option("#category", "land")
        page.fill("#title", "手机上提交：厂房用地")
        page.fill("#description", "二期扩产需新增工业用地约 30 亩。")
        page.select_option("#request_type", "help")
        submit(page, "#submit-demand")
        expect(page.locator("#filed-ok")).to_be_visible()
        demand = page.url.split("/demands/")[1].split("?")[0].split("#")[0]
        # Staff dispatch it; the handler finds it in the queue, accepts and resolves it.
        desk = staff.new_page()
        desk.goto(f"/demands/{demand}")
        fits(desk)
        submit(desk, "#do-dispatch")
        queue = handler.new_page()
        queue.goto("/demands")
        fits(queue)
        for control in ("#q", "#state", "#category", "#request_type"):
            box = queue.locator(control).bounding_box()
            assert box and box["width"] >= 300, f"{control} is squeezed on a phone: {box}"
        row = queue.locator(f'tr[data-demand="{demand}"]')
        expect(row).to_contain_text("手机上提交：厂房用地")
        with queue.expect_navigation():
            row.locator("a").first.click()
        fits(queue)
        submit(queue, "#do-accept")
        queue.fill("#resolve-resolution", "已协调用地指标。")
        submit(queue, "#do-resolve")
        expect(queue.locator("#demand-state")).to_have_text("已办复")
        # The enterprise closes it: solved.
        page.goto(f"/demands/{demand}")
        fits(page)
        page.select_option("#confirm-verdict", "solved")
        page.select_option("#confirm-rating", "5")
        submit(page, "#do-confirm")
        expect(page.locator("#demand-state")).to_have_text("已办结")
        for ctx in (firm, staff, handler):
            assert not ctx.outside, ctx.outside  # type: ignore[attr-defined]
    finally:
        for ctx in (firm, staff, handler):
            ctx.close()


def test_a_what_if_with_a_broken_rule_on_a_phone(site: Site, chromium: Browser) -> None:
    context = open_context(chromium, site, "admin", "en")
    try:
        page = context.new_page()
        page.goto("/policies/nj-2025-rd-subsidy")
        fits(page)
        page.click("#what-if-details summary")  # the editor opens on request
        page.get_by_label("The rule (YAML; edit it and try)").fill("a: [")
        submit(page, "#what-if-submit")
        bad = failures(Axe().run(page, options=AXE_OPTIONS).response)
        assert not bad, [_describe(v) for v in bad]
        assert not context.outside  # type: ignore[attr-defined]
    finally:
        context.close()
