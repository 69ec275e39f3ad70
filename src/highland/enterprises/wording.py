"""Catalogue phrases (the portrait's explanations, an import's row errors) put in the reader's
language: a Phrase is its catalogue text with each parameter in the same language in turn."""

from __future__ import annotations

from highland.enterprises.portrait.facts import Joined, Local, Phrase
from highland.platform.web.i18n import pick, translate


def phrase_text(lang: str, value: object) -> str:
    """A Phrase, a Joined list of them or a Local name in `lang`; anything else as text."""
    if isinstance(value, Phrase):
        params = {k: phrase_text(lang, v) for k, v in value.params.items()}
        return translate(lang, value.key, **params)
    if isinstance(value, Joined):
        return translate(lang, value.sep).join(phrase_text(lang, v) for v in value.items)
    if isinstance(value, Local):
        return str(pick(lang, value.zh, value.en))
    return str(value)
