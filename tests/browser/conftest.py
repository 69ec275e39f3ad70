"""Real-browser fixtures: a live Highland server over a small demo database, and Chromium.

The browser is Debian's Chromium (`apt-get install chromium fonts-noto-cjk`), driven by
Playwright's sync API; `playwright install` is never needed. HIGHLAND_BROWSER_PATH points at
another executable. Without a browser the tests are skipped with a loud line in the terminal,
unless HIGHLAND_REQUIRE_BROWSER=1 (as in CI): then they fail.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

try:  # for the test modules: `from tests.browser.conftest import expect, Shot, SignIn`
    from playwright.sync_api import expect
except ImportError:  # the tests are skipped (or fail, in CI) without Playwright
    expect = None  # type: ignore[assignment]

Shot = Callable[..., Path]  # the `shot` fixture: shot(page, "step", docs=…, full_page=…)
SignIn = Callable[..., None]  # the `sign_in` fixture: sign_in(page, username, password)

HERE = Path(__file__).resolve().parent
SHOTS = HERE / "screenshots"
DOCS_SHOTS = HERE.parent.parent / "docs" / "screenshots"
DEFAULT_BROWSER = "/usr/bin/chromium"
APT = "apt-get install chromium fonts-noto-cjk"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1360, "height": 900}
ADMIN_PASSWORD = "browser-admin-pw"
ENTERPRISE_PASSWORD = "browser-firm-pw"
DEMO_SIZE = 300
DEMO_SEED = 7
# Two-character pieces too common in company names to find one firm.
COMMON_GRAMS = {"南京", "有限", "限公", "公司", "科技", "技术", "股份"}


def chromium_path() -> str | None:
    """The browser to drive: HIGHLAND_BROWSER_PATH, else /usr/bin/chromium, else PATH."""
    configured = os.environ.get("HIGHLAND_BROWSER_PATH")
    candidates = [configured] if configured else [DEFAULT_BROWSER, shutil.which("chromium")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package cannot be imported (pip install -e '.[test]')"
    if chromium_path() is None:
        configured = os.environ.get("HIGHLAND_BROWSER_PATH")
        if configured:
            return f"no Chromium found at HIGHLAND_BROWSER_PATH={configured} ({APT})"
        return f"no Chromium found at {DEFAULT_BROWSER} nor on PATH ({APT})"
    return None


PROBLEM = browser_problem()
REQUIRED = os.environ.get("HIGHLAND_REQUIRE_BROWSER") == "1"
SKIP_LINE = f"!!!!! BROWSER TESTS SKIPPED: {PROBLEM} !!!!!"
_collected = pytest.StashKey[int]()


def _is_browser_test(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this folder's tests; skip them when there is no browser and none is required.
    Under pytest-xdist (`make test`) they form one group, run by one worker: one server and
    one Chromium, while the other worker runs the rest."""
    mine = [i for i in items if _is_browser_test(i)]
    config.stash[_collected] = len(mine)
    for item in mine:
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.xdist_group("browser"))
        if PROBLEM and not REQUIRED:
            item.add_marker(pytest.mark.skip(reason=SKIP_LINE))


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say it at the top too (the header is hidden under -q; the summary is not)."""
    return SKIP_LINE if PROBLEM and not REQUIRED else None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Shout when the browser tests were skipped, so nobody mistakes a skip for a pass."""
    # Under pytest-xdist the workers collect, not this process: shout whenever they may have.
    parallel = getattr(config.option, "numprocesses", None)
    if PROBLEM and not REQUIRED and (config.stash.get(_collected, 0) or parallel):
        terminalreporter.write_line("")
        terminalreporter.write_line(SKIP_LINE, red=True, bold=True)
        terminalreporter.write_line("")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so the page fixture can photograph failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --------------------------------------------------------------------------- live server


@dataclass(frozen=True)
class Firm:
    """An enterprise the tests look for."""

    uscc: str
    name: str
    name_en: str
    district_code: str


@dataclass(frozen=True)
class LiveServer:
    """A running Highland over a demo database, with what the tests need to know about it."""

    url: str
    engine: Engine
    subject: Firm  # has an English name and several years of figures (charts, growth)
    gram: str  # a two-character piece of subject.name that few other names contain
    own: Firm  # the enterprise user's enterprise

    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the server's database (for the tests' own expectations)."""
        return sessionmaker(bind=self.engine, expire_on_commit=False)


def _pick_firms(ents: Any, figs: Any) -> tuple[Firm, Firm, str]:
    import polars as pl

    years = figs.group_by("uscc").agg(pl.len().alias("years"), pl.col("revenue").null_count())
    good = (
        ents.join(years, on="uscc")
        .filter(
            (pl.col("years") >= 4)
            & (pl.col("revenue") == 0)
            & pl.col("name_en").is_not_null()
            & ~pl.col("district_code").str.contains("-")
        )
        .sort("uscc")
    )
    assert good.height >= 2, "the demo data has too few firms with figures"
    firms = [
        Firm(r["uscc"], r["name"], r["name_en"], r["district_code"])
        for r in good.head(2).iter_rows(named=True)
    ]
    names = ents.get_column("name").to_list()
    subject = firms[0]
    pieces = {
        subject.name[i : i + 2]
        for i in range(len(subject.name) - 1)
        if all("\u4e00" <= ch <= "\u9fff" for ch in subject.name[i : i + 2])
    } - COMMON_GRAMS
    gram = min(sorted(pieces), key=lambda g: sum(g in n for n in names))
    assert sum(gram in n for n in names) <= 50, "no rare piece in the subject's name"
    return subject, firms[1], gram


def _load_demo(engine: Engine) -> tuple[Firm, Firm, str]:
    from highland.enterprises import demo
    from highland.enterprises import imports as importer
    from highland.enterprises.models import Enterprise
    from highland.enterprises.service import seed_regions
    from highland.platform.audit.service import Actor
    from highland.platform.identity.service import create_user
    from highland.schema import upgrade

    upgrade(engine)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    actor = Actor("demo", None, "system")
    ents, figs = demo.generate(DEMO_SIZE, DEMO_SEED)
    with sessions.begin() as s:
        seed_regions(s, "320100")
    for kind, frame in (("enterprises", ents), ("financials", figs)):
        sha = hashlib.sha256(f"browser:{kind}".encode()).hexdigest()
        with sessions.begin() as s:
            if kind == "enterprises":
                res = importer.import_enterprise_frame(
                    s, actor, frame, f"demo-{kind}", "generated", sha256=sha, synthetic=True
                )
            else:
                res = importer.import_financial_frame(
                    s, actor, frame, f"demo-{kind}", "generated", sha256=sha
                )
            assert not res.errors, res.errors[:3]
    subject, own, gram = _pick_firms(ents, figs)
    with sessions.begin() as s:
        own_id = s.scalar(select(Enterprise.id).where(Enterprise.uscc == own.uscc))
        create_user(s, actor, username="admin", password=ADMIN_PASSWORD, role="admin")
        create_user(
            s,
            actor,
            username="firm",
            password=ENTERPRISE_PASSWORD,
            role="enterprise",
            enterprise_id=own_id,
        )
    return subject, own, gram


@pytest.fixture(scope="session")
def browser_executable() -> str:
    """The Chromium to drive; fails the tests when one is required and missing."""
    if PROBLEM:
        if REQUIRED:
            pytest.fail(f"HIGHLAND_REQUIRE_BROWSER=1 but {PROBLEM}", pytrace=False)
        pytest.skip(SKIP_LINE)
    path = chromium_path()
    assert path
    return path


@pytest.fixture(scope="session")
def live_server(
    browser_executable: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Highland on 127.0.0.1 (a free port) over a fresh SQLite file with 300 demo firms."""
    from highland.main import create_app
    from highland.platform.config import Settings
    from highland.platform.db import make_engine
    from tests.live import serving

    tmp = tmp_path_factory.mktemp("browser")
    engine = make_engine(f"sqlite:///{tmp / 'highland.db'}")
    subject, own, gram = _load_demo(engine)
    app = create_app(engine, Settings(secret_key="browser-test", instance_dir=tmp))
    try:
        with serving(app) as url:
            yield LiveServer(url, engine, subject, gram, own)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- browser


def browser_environment() -> dict[str, str]:
    """The browser's environment: ours, but never libfaketime's (under `make test-dates`
    Chromium faked is slow to a crawl; it keeps the real date, as PostgreSQL does: pages
    compute no dates, the server does, and its clock is the one under test)."""
    return {
        k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")
    }


@pytest.fixture(scope="session")
def chromium(browser_executable: str) -> Iterator[Browser]:
    """One Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_executable, args=BROWSER_ARGS, env=browser_environment()
        )
        yield browser
        browser.close()


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    chromium: Browser,
    live_server: LiveServer,
    screenshots_dir: Path,
) -> Iterator[Page]:
    """A fresh browser context (no cookies: Chinese, signed out) at 1360×900."""
    context = chromium.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    # The Content-Security-Policy (docs/security.md) must not block anything a page uses.
    blocked: list[str] = []

    def _console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(f"{pg.url}: {message.text}")

    pg.on("console", _console)
    yield pg
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        pg.screenshot(path=screenshots_dir / f"FAILED-{request.node.name}.png", full_page=True)
    context.close()
    assert not blocked, f"the CSP blocked: {blocked}"


def sign_in_with_form(page: Page, username: str, password: str) -> None:
    """Sign in through the form, as a person does."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.login-card button[type=submit]")
    page.wait_for_url("**/")  # the desk


@pytest.fixture(scope="session")
def _signed_in_cookies() -> dict[str, list[Any]]:
    return {}


@pytest.fixture
def sign_in(_signed_in_cookies: dict[str, list[Any]]) -> Callable[..., None]:
    """sign_in(page, username, password): the form once per user, then its session cookie;
    either way the page ends on the registry list (`/enterprises`)."""

    def sign(page: Page, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
        if username not in _signed_in_cookies:
            sign_in_with_form(page, username, password)  # lands on the desk
            _signed_in_cookies[username] = page.context.cookies()
            page.goto("/enterprises")  # the same page as a signed-in session's, whichever first
            return
        page.context.add_cookies(_signed_in_cookies[username])
        page.goto("/enterprises")
        if "/login" in page.url:  # the session ran out (a test moved the clock on): again
            page.context.clear_cookies()
            sign_in_with_form(page, username, password)
            _signed_in_cookies[username] = page.context.cookies()

    return sign


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """tests/browser/screenshots/, emptied of the previous run's pictures."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    return SHOTS


@pytest.fixture
def shot(request: pytest.FixtureRequest, screenshots_dir: Path) -> Callable[..., Path]:
    """shot(page, "step", docs="list-zh.png", full_page=False): save a screenshot."""
    test = request.node.name.removeprefix("test_")

    def take(pg: Page, step: str, *, docs: str | None = None, full_page: bool = False) -> Path:
        path = screenshots_dir / f"{test}-{step}.png"
        # Pictures are written only when asked (HIGHLAND_SCREENSHOTS=1): a plain test run
        # never rewrites the tracked pictures under docs/screenshots/.
        if os.environ.get("HIGHLAND_SCREENSHOTS") != "1":
            return path
        pg.screenshot(path=path, full_page=full_page)
        if docs:
            DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SHOTS / docs)
        return path

    return take
