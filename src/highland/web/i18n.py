"""Translations: zh-CN (default) and English, from one YAML catalog."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh-CN", "en")
CATALOG = Path(__file__).with_name("messages.yaml")


@lru_cache
def catalog() -> dict[str, dict[str, str]]:
    """Return key → {language → text}."""
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return {str(k): {"zh-CN": v["zh"], "en": v["en"]} for k, v in data.items()}


def translate(lang: str, key: str, **params: Any) -> str:
    """Translate a key; an unknown key shows itself, so gaps are visible, not fatal."""
    entry = catalog().get(key)
    text = entry.get(lang, entry["zh-CN"]) if entry else key
    return text.format(**params) if params else text


def pick_language(cookie: str | None, accept: str | None, default: str) -> str:
    """Choose the language: the user's switch, else zh-CN by default."""
    if cookie in LANGUAGES:
        return cookie
    return default if default in LANGUAGES else "zh-CN"
