"""The `highland` command speaks the instance's default language (Chinese unless
HIGHLAND_DEFAULT_LANGUAGE says otherwise); HIGHLAND_LANG chooses another for one run."""

from __future__ import annotations

import pytest

from highland.platform import config
from tests.cli import Cli


def test_the_same_failure_in_chinese_by_default_and_english_when_asked(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIGHLAND_LANG", raising=False)
    monkeypatch.delenv("HIGHLAND_DEFAULT_LANGUAGE", raising=False)
    config.get_settings.cache_clear()
    # A failure of the command itself (a catalogue key) ...
    ran = cli("import", "enterprises", "/no/such/file.csv")
    assert (ran.code, ran.stdout) == (1, "")
    assert ran.stderr.strip() == "错误： 文件不存在：/no/such/file.csv"
    # ... and one refused by a service (a HighlandError with its code and parameters).
    assert cli("init").code == 0
    ran = cli("tokens", "create", "--user", "ghost")
    assert ran.code == 1 and ran.stderr.strip() == "错误： 没有用户名为“ghost”的用户。"

    monkeypatch.setenv("HIGHLAND_LANG", "en")
    ran = cli("import", "enterprises", "/no/such/file.csv")
    assert ran.stderr.strip() == "error: no such file: /no/such/file.csv"
    ran = cli("tokens", "create", "--user", "ghost")
    assert ran.code == 1 and ran.stderr.strip().startswith("error: ")
    assert "ghost" in ran.stderr and not any("\u4e00" <= ch <= "\u9fff" for ch in ran.stderr)


def test_the_instance_default_language_and_a_bad_highland_lang(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIGHLAND_DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("HIGHLAND_LANG", "fr")  # not a language of the catalogue: ignored
    config.get_settings.cache_clear()
    try:
        ran = cli("import", "enterprises", "/no/such/file.csv")
        assert ran.stderr.strip() == "error: no such file: /no/such/file.csv"
        monkeypatch.setenv("HIGHLAND_LANG", "zh-CN")
        ran = cli("import", "enterprises", "/no/such/file.csv")
        assert ran.stderr.strip() == "错误： 文件不存在：/no/such/file.csv"
    finally:
        monkeypatch.delenv("HIGHLAND_DEFAULT_LANGUAGE")
        config.get_settings.cache_clear()
