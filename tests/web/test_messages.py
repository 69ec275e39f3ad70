"""The message catalogue: every error code raised in the code has its text in both languages,
and catalogue files do not define a key twice."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

from highland.platform.errors import Conflict
from highland.platform.web import i18n

SRC = Path(__file__).resolve().parents[2] / "src" / "highland"
CODE = re.compile(r"""\bcode=["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def _codes() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        found.update(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_error_code_in_the_code_has_both_languages() -> None:
    codes = _codes()
    assert codes, "no error codes found: the scan is broken"
    missing = sorted(c for c in codes if not i18n.has(f"error.{c}"))
    assert not missing, f"error codes without a catalogue entry: {missing}"


def test_each_text_uses_the_same_parameters_in_both_languages() -> None:
    fields = string.Formatter()
    for key, texts in i18n.catalog().items():
        names = [{f for _, f, _, _ in fields.parse(t) if f} for t in texts.values()]
        assert names[0] == names[1], f"{key}: {names[0]} (zh) vs {names[1]} (en)"


def test_a_key_defined_in_two_files_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = tmp_path / "messages.yaml"
    main.write_text(yaml.safe_dump({"a.b": {"zh": "甲", "en": "A"}}, allow_unicode=True))
    extra = tmp_path / "messages"
    extra.mkdir()
    (extra / "x.yaml").write_text('a.b: {zh: "乙", en: "B"}\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOG", main)
    monkeypatch.setattr(i18n, "CATALOG_DIR", extra)
    i18n.catalog.cache_clear()
    try:
        with pytest.raises(ValueError, match="a.b is defined in messages.yaml and x.yaml"):
            i18n.catalog()
    finally:
        monkeypatch.undo()
        i18n.catalog.cache_clear()


def test_an_error_reads_in_the_page_language_with_translated_parameters() -> None:
    exc = Conflict(
        "cannot resolve a demand that is submitted",
        code="demand.wrong_state",
        params={"action": "@demands.action.resolve", "state": "@demands.state.submitted"},
    )
    assert i18n.error_text("zh-CN", exc) == "诉求当前状态为“待分派”，不能执行“办复”。"
    assert "Submitted" in i18n.error_text("en", exc)
    # An error without a code keeps its own message.
    assert i18n.error_text("zh-CN", Conflict("plain")) == "plain"


def test_a_malformed_address_reads_in_the_page_language(client, db) -> None:  # type: ignore[no-untyped-def]
    """A page reached with a malformed path or query says which field and what is wrong, in the
    page's language, never the validator's English; the API keeps its machine-readable list."""
    from highland.platform.identity import service as identity
    from tests.conftest import ACTOR

    identity.create_user(db, ACTOR, username="reader", password="pw-reader-1234", role="analyst")
    db.commit()
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    login = client.post(
        "/login",
        data={"username": "reader", "password": "pw-reader-1234", "csrf_token": token},
    )
    assert login.status_code == 303
    page = client.get("/demands/abc")
    assert page.status_code == 422
    assert "“诉求编号”须为整数。" in page.text and "Input should be" not in page.text
    en = client.get("/demands/abc", cookies={"highland_lang": "en"})
    assert "“Demand number” must be a whole number." in en.text


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        ("en-GB,en;q=0.9", None, "Sign in"),
        ("fr-FR, en;q=0.5, zh;q=0.8", None, "登录"),
        ("de", None, "登录"),
        (None, None, "登录"),
        ("en", "zh-CN", "登录"),
        ("zh-CN", "en", "Sign in"),
        ("en;q=0, zh;q=0.1", None, "登录"),
    ],
)
def test_the_first_visit_honours_accept_language(client, accept, cookie, expected) -> None:  # type: ignore[no-untyped-def]
    """Without the language switch's cookie, a page reads in the language the browser asks
    for; the switch, once used, wins; a language the platform lacks falls back to Chinese."""
    headers = {"accept-language": accept} if accept else {}
    cookies = {"highland_lang": cookie} if cookie else {}
    page = client.get("/login", headers=headers, cookies=cookies)
    title = page.text.split("<title>")[1].split("</title>")[0]
    assert expected in title


LANG_BRANCH = re.compile(r"""\blang\s*[!=]=|\.lang\s*[!=]=|\bzh\s*=\s*lang\b""")


def test_no_language_branches_outside_the_catalogue_module() -> None:
    """Words come from the catalogue; the one choice between a thing's Chinese and English form
    (a row's two names, a standard's two names) is `i18n.pick`. No page, template or service
    branches on the language itself."""
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted([*SRC.rglob("*.py"), *SRC.rglob("*.html")])
        if path.name != "i18n.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if LANG_BRANCH.search(line)
    ]
    assert not found, f"language branches: {found}"
