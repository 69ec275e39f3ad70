"""What every command line needs: its consoles, the operator as an actor, its words in the
reader's language, a clean failure, and the database made ready. The domains' commands use
these; the `highland` command itself (`highland.cli`) assembles them and tells the kernel how
a database is made ready (the schema knows every domain's tables, which the kernel may not
import)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer import rich_utils
from typer.core import TyperGroup

from highland.platform.audit.service import Actor
from highland.platform.config import get_settings
from highland.platform.errors import HighlandError
from highland.platform.web.i18n import LANGUAGES, error_text, has, translate

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_prepare: list[Callable[[], None]] = []


def actor() -> Actor:
    """The operator running the command, as the audit log names them."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "operator"
    return Actor(f"cli:{who}"[:64], None, "cli")


def language() -> str:
    """The language the command speaks: HIGHLAND_LANG for this run (zh-CN or en), else the
    instance's default language (HIGHLAND_DEFAULT_LANGUAGE, the one pages start in)."""
    for lang in (os.environ.get("HIGHLAND_LANG"), get_settings().default_language):
        if lang in LANGUAGES:
            return lang
    return "zh-CN"


def words(key: str, /, **params: Any) -> str:
    """The catalogue text `key` in the command's language, parameters filled in (a parameter
    that is an error, or a list of them, reads in the same language)."""
    lang = language()
    return translate(lang, key, **{k: _param(lang, v) for k, v in params.items()})


def _param(lang: str, value: Any) -> Any:
    if isinstance(value, HighlandError):
        return error_text(lang, value)
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, HighlandError) for v in value)
    ):
        return translate(lang, "sep.list").join(error_text(lang, v) for v in value)
    return value


def say(key: str, /, **params: Any) -> None:
    """Print a line of words (not data) on stdout: the catalogue text `key` with `params`."""
    out.print(words(key, **params), highlight=False, markup=False)


def fail(what: HighlandError | str, status: int = 1, /, **params: Any) -> typer.Exit:
    """Print an error on stderr and return the exit (status `status`) to raise. `what` is a
    HighlandError (its catalogue text with its parameters) or a catalogue key with `params`:
    `raise fail(exc) from None`, `raise fail("cli.no_such_file", 2, file=path)`."""
    text = (
        error_text(language(), what) if isinstance(what, HighlandError) else words(what, **params)
    )
    # The message is text, not markup: a "[…]" in a file name or a tool's message stays as is.
    err.print(f"[bold red]{escape(words('cli.error'))}[/] {escape(text)}", highlight=False)
    return typer.Exit(status)


class SpokenGroup(TyperGroup):
    """The `highland` command's group: before it runs (and so before any `--help`), every
    command's and option's help is put in the command's language from the catalogue."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        speak_help(self)
        return super().main(*args, **kwargs)


def speak_help(root: Any) -> None:
    """Give the commands under `root` their help in the command's language: a command's from
    `cli.help.<path>` (the root's from `cli.help.highland`), an option's or argument's from
    `cli.opt.<path>.<name>`, the `--help` option's and the panels' titles from `cli.panel.*`;
    a text missing from the catalogue stays as the code wrote it."""
    panels = {kind: words(f"cli.panel.{kind}") for kind in ("options", "arguments", "commands")}
    # Typer's own marks beside an option ("[default: …]", "[required]"), in the same language.
    rich_utils.DEFAULT_STRING = words("cli.help_default")
    rich_utils.REQUIRED_LONG_STRING = words("cli.help_required")
    rich_utils.ERRORS_PANEL_TITLE = words("cli.panel.error")
    rich_utils.RICH_HELP = words("cli.help_try")
    _speak(root, (), panels)


def _speak(command: Any, path: tuple[str, ...], panels: dict[str, str]) -> None:
    where = ".".join(path) or "highland"
    # Help is Rich markup: a "[…]" in the words is shown as it is written.
    if has(f"cli.help.{where}"):
        command.help = escape(words(f"cli.help.{where}"))
        command.short_help = None
    if path:
        command.rich_help_panel = panels["commands"]
    for param in command.params:
        if has(f"cli.opt.{where}.{param.name}"):
            param.help = escape(words(f"cli.opt.{where}.{param.name}"))
        kind = "arguments" if param.param_type_name == "argument" else "options"
        param.rich_help_panel = panels[kind]
    helper = command.get_help_option(command.context_class(command))
    if helper is not None:
        helper.help = words("cli.help_option")
        helper.rich_help_panel = panels["options"]
    for name, sub in getattr(command, "commands", {}).items():
        _speak(sub, (*path, name), panels)


def set_database_preparer(prepare: Callable[[], None]) -> None:
    """Say how `init_db` makes the database ready (called once by the `highland` command)."""
    _prepare[:] = [prepare]


def init_db() -> None:
    """Create or upgrade the schema and load the reference data (idempotent)."""
    if not _prepare:
        raise RuntimeError("no database preparer: run commands through the highland command")
    _prepare[0]()
