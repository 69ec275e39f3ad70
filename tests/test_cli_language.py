"""The `highland` command speaks the instance's default language (Chinese unless
HIGHLAND_DEFAULT_LANGUAGE says otherwise); HIGHLAND_LANG chooses another for one run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from highland.cli import app
from highland.platform import config
from highland.platform.web.i18n import has, translate
from tests.cli import Cli
from tests.factories import ENT_HEADER, ent_row, to_csv


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


# --help: every command's and option's words come from the catalogue in the command's language.

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Three English words in a row (with spaces, commas, apostrophes or hyphens between them).
SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]+){2,}")
# What a help text may show as it is: a command to type (`…`), typer's marks ([default: …],
# [required]), a value's type (<int>), an option's name.
VERBATIM = re.compile(r"`[^`]*`|\[[^\]]*\]|<[^>]*>|--?[\w-]+")


def _subcommands(command: Any) -> list[tuple[str, Any]]:
    """A group's commands, the lazy ones loaded (what `highland NAME …` would run)."""
    if not hasattr(command, "list_commands"):
        return []
    ctx = command.context_class(command)
    return [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]


def _commands() -> list[tuple[str, ...]]:
    """Every command path of `highland` (the root is ())."""
    paths: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        for name, sub in _subcommands(command):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


def _english_sentences(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        if line.strip().startswith("Usage:"):  # the command line to type
            continue
        found += SENTENCE.findall(VERBATIM.sub(" ", line))
    return found


def test_every_command_and_option_has_its_help_in_the_catalogue() -> None:
    missing = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        where = ".".join(path) or "highland"
        if not has(f"cli.help.{where}"):
            missing.append(f"cli.help.{where}")
        missing.extend(
            f"cli.opt.{where}.{p.name}"
            for p in command.params
            if not has(f"cli.opt.{where}.{p.name}")
        )
        for name, sub in _subcommands(command):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    assert not missing, f"--help texts missing from messages/cli.yaml: {missing}"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_help_speaks_the_command_language(
    lang: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIGHLAND_LANG", lang)
    monkeypatch.setenv("COLUMNS", "200")
    config.get_settings.cache_clear()
    wrong: dict[str, list[str]] = {}
    for path in _commands():
        ran = cli(*path, "--help")
        assert ran.code == 0, (path, ran.output)
        where = ".".join(path) or "highland"
        # The command's own help, as the catalogue words it in this language.
        assert translate(lang, f"cli.help.{where}").replace(" ", "") in "".join(
            ran.stdout.split()
        ), (path, ran.stdout)
        bad = CJK.findall(ran.stdout) if lang == "en" else _english_sentences(ran.stdout)
        if bad:
            wrong[" ".join(("highland", *path))] = bad
    assert not wrong, f"{lang} --help in the other language: {wrong}"


def test_report_lines_in_the_command_language(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIGHLAND_DEFAULT_LANGUAGE", raising=False)
    monkeypatch.setenv("HIGHLAND_LANG", "zh-CN")
    config.get_settings.cache_clear()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([ent_row(1), ent_row(2, founded_on="2020-02-30")], ENT_HEADER))
    ran = cli("import", "enterprises", str(bad), "--dry-run")
    assert ran.code == 1
    assert "企业名录：2 行，新增 0，更新 0，未变 0，拒绝 1 —— 试运行，未写入任何内容" in ran.stdout
    assert "第 3 行，成立日期：不是日期，请写作 YYYY-MM-DD（值：'2020-02-30'）" in ran.stderr
    assert cli("users", "create", "--username", "ana", "--password", "long-enough",
               "--role", "analyst").code == 0  # fmt: skip
    assert "用户名" in cli("users", "list").stdout

    monkeypatch.setenv("HIGHLAND_LANG", "en")
    ran = cli("import", "enterprises", str(bad), "--dry-run")
    summary = "enterprises: 2 rows, 0 created, 0 updated, 0 unchanged, 1 rejected — dry run"
    assert summary in ran.stdout
    assert "row 3, founded_on: not a date; write YYYY-MM-DD (value: '2020-02-30')" in ran.stderr
    listed = cli("users", "list").stdout
    assert "username" in listed and "enabled" in listed and not CJK.search(listed)
