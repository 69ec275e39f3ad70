"""Translations: zh-CN (default) and English, from one YAML catalog."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh-CN", "en")
CATALOG = Path(__file__).with_name("messages.yaml")
# Further catalogue files, one per area of work (messages/*.yaml beside messages.yaml); a key
# may be defined in one file only.
CATALOG_DIR = Path(__file__).with_name("messages")
# libyaml's safe loader when PyYAML was built with it (the wheels are): the catalogue is read at
# every start of the app and of the command, and the pure-Python parser takes seconds for it.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def catalog_files() -> list[Path]:
    """The catalogue's files: messages.yaml first, then messages/*.yaml by name."""
    extra = sorted(CATALOG_DIR.glob("*.yaml")) if CATALOG_DIR.is_dir() else []
    return [CATALOG, *extra]


@lru_cache
def catalog() -> dict[str, dict[str, str]]:
    """Return key → {language → text}."""
    merged: dict[str, dict[str, str]] = {}
    seen: dict[str, str] = {}
    for path in catalog_files():
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        for k, v in data.items():
            key = str(k)
            if key in seen:
                raise ValueError(f"message key {key} is defined in {seen[key]} and {path.name}")
            seen[key] = path.name
            merged[key] = {"zh-CN": v["zh"], "en": v["en"]}
    return merged


def has(key: str) -> bool:
    """Whether the catalogue has a key."""
    return key in catalog()


def error_text(lang: str, exc: Any) -> str:
    """An error in the reader's language: its catalogue entry `error.<code>` when it has one
    (parameters filled in), else its own message."""
    code = getattr(exc, "code", None)
    if code and has(f"error.{code}"):
        params = {k: _param(lang, v) for k, v in (getattr(exc, "params", None) or {}).items()}
        try:
            return translate(lang, f"error.{code}", **params)
        except (KeyError, IndexError, ValueError):
            return str(getattr(exc, "message", exc))
    return str(getattr(exc, "message", exc))


def _param(lang: str, value: Any) -> Any:
    """A parameter that is itself a catalogue key (written `@key`) is translated, and a list of
    them is joined (`sep.enum`); one that is an error (or a list of errors: the problems of
    several rows) reads in the same language."""
    if isinstance(value, str) and value.startswith("@") and has(value[1:]):
        return translate(lang, value[1:])
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, str) and v.startswith("@") for v in value)
    ):
        return translate(lang, "sep.enum").join(str(_param(lang, v)) for v in value)
    if hasattr(value, "code") and hasattr(value, "message"):
        return error_text(lang, value)
    if isinstance(value, list | tuple) and value and all(hasattr(v, "message") for v in value):
        return translate(lang, "sep.list").join(error_text(lang, v) for v in value)
    return value


def translate(lang: str, key: str, /, **params: Any) -> str:
    """Translate a key; an unknown key shows itself, so gaps are visible, not fatal."""
    entry = catalog().get(key)
    text = entry.get(lang, entry["zh-CN"]) if entry else key
    return text.format(**params) if params else text


def accepted_language(accept: str | None) -> str | None:
    """The first of the platform's languages an Accept-Language header asks for, by its
    q-values (zh-* → zh-CN, en-* → en), or None when it asks for neither."""
    wanted: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        q = 1.0
        if rest.strip().lower().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            wanted.append((-q, i, tag.strip().lower()))
    for _, _, tag in sorted(wanted):
        if tag == "zh" or tag.startswith("zh-"):
            return "zh-CN"
        if tag == "en" or tag.startswith("en-"):
            return "en"
    return None


def pick_language(cookie: str | None, accept: str | None, default: str) -> str:
    """Choose the language: the user's switch (cookie); on a first visit, what the browser
    asks for (Accept-Language); else the platform's default (zh-CN)."""
    if cookie in LANGUAGES:
        return cookie
    return accepted_language(accept) or (default if default in LANGUAGES else "zh-CN")


def pick(lang: str, zh: Any, en: Any) -> Any:
    """The one place that chooses between a thing's Chinese and English form: the English one
    on English pages when there is one, else the Chinese (a row's name, a standard's name)."""
    return en if lang == "en" and en not in (None, "") else zh


def local_name(lang: str, name: str, name_en: str | None = None) -> str:
    """A name in the reader's language (`pick` over a row's two names)."""
    return str(pick(lang, name, name_en))


def other_language(lang: str) -> str:
    """The language the switch offers: the other one of the two."""
    return LANGUAGES[1] if lang == LANGUAGES[0] else LANGUAGES[0]
