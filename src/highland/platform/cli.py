"""What every command line needs: its consoles, the operator as an actor, its words in the
reader's language, a clean failure, and the database made ready. The domains' commands use
these; the `highland` command itself (`highland.cli`) assembles them and tells the kernel how
a database is made ready (the schema knows every domain's tables, which the kernel may not
import)."""

from __future__ import annotations

import functools
import getpass
import importlib
import os
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import typer
from rich.console import Console
from rich.markup import escape
from typer import rich_utils
from typer.core import TyperCommand, TyperGroup

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
    command's and option's help is put in the command's language from the catalogue.

    Its commands may be lazy: `lazy` maps a command's name to "module.path:attribute" (a Typer
    app, or a function that is the command), imported only when that command is run or its own
    help is asked for; the group's `--help` lists them with their help from the catalogue
    (`cli.help.<name>`) without importing them. `before` maps a lazy command's name to the
    functions ("module.path:function", no arguments) run before any of its commands runs (not
    for its `--help`)."""

    lazy: ClassVar[Mapping[str, str]] = {}
    before: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, Any] = {}
        self._listing = False

    def main(self, *args: Any, **kwargs: Any) -> Any:
        speak_help(self)
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        if cmd_name in self._loaded:
            return self._loaded[cmd_name]
        if self._listing:  # the group's own --help: the catalogue's words, nothing imported
            return _listed(cmd_name)
        command = lazy_command(cmd_name, self.lazy[cmd_name])
        _speak(command, (cmd_name,), _panels())
        steps = self.before.get(cmd_name, ())
        if steps:
            _run_first(command, lambda: [load(step)() for step in steps])
        self._loaded[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def load(path: str) -> Any:
    """What "module.path:attribute" names, its module imported now."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def lazy_command(name: str, path: str) -> Any:
    """The click command of a lazy entry: a Typer app as its group, a function as a command."""
    target = load(path)
    if isinstance(target, typer.Typer):
        return typer.main.get_group(target)
    single = typer.Typer(add_completion=False)
    single.command(name)(target)
    return typer.main.get_command(single)


def _listed(name: str) -> TyperCommand:
    """A lazy command as its group's --help lists it: its name and its catalogue help."""
    text = escape(words(f"cli.help.{name}")) if has(f"cli.help.{name}") else ""
    return TyperCommand(name, help=text, rich_help_panel=words("cli.panel.commands"))


def _run_first(command: Any, step: Callable[[], object]) -> None:
    """Run `step` before the callback of every command under `command` (not its groups')."""
    subs = getattr(command, "commands", None)
    if subs is not None:
        for sub in subs.values():
            _run_first(sub, step)
        return
    callback = command.callback
    if callback is None:
        return

    @functools.wraps(callback)
    def prepared(*args: Any, **kwargs: Any) -> Any:
        step()
        return callback(*args, **kwargs)

    command.callback = prepared


def _panels() -> dict[str, str]:
    return {kind: words(f"cli.panel.{kind}") for kind in ("options", "arguments", "commands")}


def speak_help(root: Any) -> None:
    """Give the commands under `root` their help in the command's language: a command's from
    `cli.help.<path>` (the root's from `cli.help.highland`), an option's or argument's from
    `cli.opt.<path>.<name>`, the `--help` option's and the panels' titles from `cli.panel.*`;
    a text missing from the catalogue stays as the code wrote it."""
    panels = _panels()
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
