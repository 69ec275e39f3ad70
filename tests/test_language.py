"""One way to speak: every page, signed in as every role, reads in one language.

The world of the access test (tests/test_access.py: two enterprises, a user of every role,
demands, a chain with a task, policies and a run) is rendered page by page (every GET route
of the app that is not the API, Open311, a file or a redirect), in Chinese and in English,
with the error pages of a form, an import, a stale edit (409) and a what-if. A Chinese page
fails on English words that are not proper nouns, acronyms, codes or units; an English page
fails on Chinese characters that are not the name of something in the database.

Words that still come from Python in domain code are listed in KNOWN (with the file they come
from); the list may only shrink: a KNOWN entry that no page shows any more fails the test too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import MetaData, String, Text, select

from tests.factories import ENT_HEADER, ent_row, to_csv
from tests.test_access import (  # noqa: F401 (the access test's world, in savepoints)
    POLICY,
    _fill,
    _world_db,
    app_routes,
    connection,
    world,
)

LANGS = {"zh": "zh-CN", "en": "en"}
ROLES = ("admin", "analyst", "chain_head", "chain_team", "handler", "enterprise", "leader")
# Routes that are no HTML page of their own.
NOT_PAGES = ("/api/", "/open311/", "/static", "/docs", "/redoc", "/openapi.json", "/lang/")
FILES = (".csv", ".xlsx", ".svg", ".json", ".xml")

# Proper nouns, acronyms, units and format codes a Chinese page may show as they are.
ALLOWED_EN = {
    "API", "CSV", "XLSX", "USCC", "Open311", "Highland", "ID", "IPO", "AI", "IC", "NEV",
    "PDF", "R&D", "YAML", "JSON", "SVG", "UTC", "GB/T", "HHI", "LQ", "ECO", "AKZO", "max",
    "English", "Excel", "MB", "KB", "YYYY-MM-DD", "YYYY-MM",
    # file types (the upload form lists them)
    "csv", "doc", "docx", "jpeg", "jpg", "pdf", "png", "pptx", "txt", "xls", "xlsx",
    # the calendar's source: the `holidays` package
    "holidays",
    # a command to type
    "highland chains suggest",
}  # fmt: skip
# The language switch names the other language in that language.
ALLOWED_ZH = {"中文"}

# Texts on pages that still come from Python in domain code: (language, a piece of the text)
# → the file that builds it. Only shrinks: fix the source, then delete the row.
KNOWN: dict[tuple[str, str], str] = {
}

IGNORED_TAGS = {"script", "style", "code", "pre", "textarea", "kbd", "samp"}
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area", "base"}
ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[A-Za-z]+(?:[&'’.][A-Za-z]+)*")
# Tokens that are codes, not words: with a digit, an underscore, a path, an e-mail, a file name.
CODE = re.compile(r"\d|_|^/|/\w|@|\w\.\w{2,4}$")
URL = re.compile(r"\w+://\S+")
# Where a text splits into tokens: spaces, Chinese characters and punctuation.
SPLIT = re.compile(
    r"[\s\u3000-\u303f\uff00-\uffef\u3400-\u9fff()\[\]{}“”\"‘,;:!?·…—–=+*|<>«»≥≤×÷±→←]+"
)


class Texts(HTMLParser):
    """The visible texts of a page (text nodes and the attributes a person reads), without
    scripts, styles, code and form contents, nor elements marked as written in another
    language than the page's (`lang="…"`: a name or a document quoted as it is)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.page_lang: str | None = None
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped from here)

    @property
    def _skip(self) -> bool:
        return any(skipped for _, skipped in self._stack)

    def _attributes(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ATTRIBUTES and value and not self._skip:
                self.found.append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag == "html":
            self.page_lang = given.get("lang")
            return
        foreign = "lang" in given and given["lang"] != self.page_lang
        if tag in VOID:
            self._attributes(attrs)
            return
        self._stack.append((tag, tag in IGNORED_TAGS or foreign))
        self._attributes(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attributes(attrs)

    def handle_endtag(self, tag: str) -> None:
        if any(t == tag for t, _ in self._stack):
            while self._stack and self._stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.found.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    parser.close()
    return parser.found


def stored_names(db: Any) -> set[str]:
    """Strings stored in the database (names, titles, notes…), which a page shows as they
    are, in whatever language they were written."""
    names: set[str] = set()
    tables = MetaData()
    tables.reflect(bind=db.connection())
    for table in tables.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.execute(select(*columns)):
            for value in row:
                if isinstance(value, str) and value.strip() and len(value) <= 300:
                    names.add(value.strip())
    return names


def _without(text: str, names: set[str]) -> str:
    """The text with these strings taken out (longest first; Latin ones as whole words)."""
    for name in sorted((n for n in names if n in text), key=len, reverse=True):
        if CJK.search(name):
            text = text.replace(name, " ")
        else:
            text = re.sub(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", " ", text)
    return text


def english_words(text: str, names: set[str]) -> list[str]:
    """English words in a Chinese page's text."""
    if text in names:
        return []
    words: list[str] = []
    for token in SPLIT.split(_without(_without(URL.sub(" ", text), names), ALLOWED_EN)):
        token = token.strip(".'’-%/")
        if token and not CODE.search(token):
            words += [w for w in WORD.findall(token) if len(w) > 1]
    return words


def chinese_in(text: str, names: set[str]) -> str | None:
    """The stray Chinese of an English page's text, or None."""
    if text in names or text in ALLOWED_ZH:
        return None
    return text if CJK.search(_without(text, names)) else None


def page_routes(app: Any) -> list[str]:
    """Every GET route that answers with a page."""
    return sorted(
        path
        for method, path in app_routes(app)
        if method == "GET" and not path.startswith(NOT_PAGES) and not path.endswith(FILES)
    )


@dataclass
class Findings:
    lang: str
    names: set[str]
    wrong: dict[str, set[str]] = field(default_factory=dict)  # text → where

    def check(self, where: str, html: str) -> None:
        for text in visible_texts(html):
            if self.lang == "zh":
                bad = english_words(text, self.names)
                if bad:
                    self.wrong.setdefault(text, set()).add(where)
            elif chinese_in(text, self.names):
                self.wrong.setdefault(text, set()).add(where)


def _as(client: Any, user: dict[str, Any] | None, lang: str) -> None:
    client.cookies.clear()
    client.cookies.set("highland_lang", LANGS[lang])
    if user is not None:
        client.cookies.set("highland_session", user["cookie"])


def _pages(client: Any, app: Any, w: dict[str, Any], lang: str) -> Iterator[tuple[str, Any]]:
    """Every page as every role (and the public ones signed out)."""
    routes = page_routes(app)
    _as(client, None, lang)
    yield "anonymous /login", client.get("/login")
    for role in ROLES:
        own = w["b"] if role == "enterprise" else w["a"]
        for route in routes:
            path = _fill(route, w, own)
            _as(client, w["users"][role], lang)
            yield f"{role} {route}", client.get(path)


def _error_pages(client: Any, w: dict[str, Any], lang: str) -> Iterator[tuple[str, Any]]:
    """A form error, an import error, a stale edit and a what-if error."""
    admin, handler = w["users"]["admin"], w["users"]["handler"]
    _as(client, admin, lang)
    yield "form error /demands/new", client.post(
        "/demands/new",
        data={"csrf_token": admin["csrf"], "enterprise": w["a"], "category": "land",
              "title": "", "description": "", "request_type": "help"},
    )  # fmt: skip
    bad = to_csv([ent_row(3, founded_on="2015-13-45", district_code="999999")], ENT_HEADER)
    yield (
        "import error /imports",
        client.post(
            "/imports",
            data={"kind": "enterprises", "csrf_token": admin["csrf"]},
            files={"file": ("bad.csv", bad, "text/csv")},
        ),
    )
    yield (
        "import error /imports (not a CSV)",
        client.post(
            "/imports",
            data={"kind": "financials", "csrf_token": admin["csrf"]},
            files={"file": ("bad.csv", b"\x00\x01nonsense", "text/csv")},
        ),
    )
    _as(client, handler, lang)
    yield (
        "409 stale edit",
        client.post(
            f"/demands/{w['demand_a']}/actions/accept",
            data={"csrf_token": handler["csrf"], "version": "1"},
        ),
    )
    from highland.policies.rules.loader import read_paths
    from highland.policies.service import DEMO_LIBRARY

    source = read_paths([DEMO_LIBRARY]).policies[POLICY].source
    broken = source.replace("field: rd_spend", "field: rd_money")
    _as(client, admin, lang)
    yield (
        "what-if error",
        client.post(
            f"/policies/{POLICY}/what-if", data={"rule": broken, "csrf_token": admin["csrf"]}
        ),
    )
    yield (
        "what-if error (not YAML)",
        client.post(
            f"/policies/{POLICY}/what-if", data={"rule": "a: [", "csrf_token": admin["csrf"]}
        ),
    )


@pytest.fixture
def one_backend(engine: Any) -> None:
    """Words do not depend on the database: SQLite only (PostgreSQL with HIGHLAND_LANGUAGE_PG=1),
    skipped before the world is built."""
    if engine.dialect.name != "sqlite" and os.environ.get("HIGHLAND_LANGUAGE_PG") != "1":
        pytest.skip("the language test runs on SQLite (HIGHLAND_LANGUAGE_PG=1 for PostgreSQL)")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(one_backend, client, app, db, world, lang: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    names = stored_names(db)
    found = Findings(lang, names)
    seen = 0
    statuses: dict[str, int] = {}
    for where, resp in [*_pages(client, app, world, lang), *_error_pages(client, world, lang)]:
        statuses[where] = resp.status_code
        if "text/html" not in resp.headers.get("content-type", ""):
            continue
        seen += 1
        found.check(f"{where} ({resp.status_code})", resp.text)
    errors = {w: s for w, s in statuses.items() if w.startswith(("form", "import", "409", "what"))}
    assert errors == {
        "form error /demands/new": 422,
        "import error /imports": 422,
        "import error /imports (not a CSV)": 422,
        "409 stale edit": 409,
        "what-if error": 422,
        "what-if error (not YAML)": 422,
    }
    assert seen > 100, statuses
    known = {piece for (language, piece) in KNOWN if language == lang}
    new = {t: sorted(w)[:3] for t, w in found.wrong.items() if not any(k in t for k in known)}
    gone = {k for k in known if not any(k in t for t in found.wrong)}
    lines = [f"  {t!r}  ← {', '.join(w)}" for t, w in sorted(new.items())]
    what = "English words on Chinese pages" if lang == "zh" else "Chinese on English pages"
    assert not new, f"{what} ({len(new)}):\n" + "\n".join(lines)
    assert not gone, f"KNOWN rows no page shows any more (delete them): {sorted(gone)}"


def test_the_parser_sees_what_a_person_sees() -> None:
    html = (
        "<html><head><title>标题 Title</title><style>p{color:red}</style></head><body>"
        "<p>你好 <b>world</b></p><script>var x = 'hidden';</script><code>select 1</code>"
        '<img alt="a picture"><input placeholder="type here" value="kept">'
        '<a aria-label="close" title="tip" href="/x">✕</a></body></html>'
    )
    assert visible_texts(html) == [
        "标题 Title", "你好", "world", "a picture", "type here", "close", "tip", "✕",
    ]  # fmt: skip
    names = {"南京测试1号", "u_admin"}
    assert english_words("共 12 家 USCC 91320100MA1ABCDE2X，2026-03-01", names) == []
    assert english_words("点击 Search 查询 https://x.org/a", names) == ["Search"]
    assert english_words("导出 CSV · XLSX（R&D 投入）", names) == []
    assert chinese_in("Firms of 南京测试1号", names) is None
    assert chinese_in("Firms 企业", names) == "Firms 企业"
