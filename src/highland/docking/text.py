"""Chinese (and English) text into search terms: jieba's search-mode segmentation, so that a
long compound also yields its parts (锂离子电池 → 锂离子, 离子, 电池, 锂离子电池), minus
punctuation, single characters and words every need and achievement says (一种, 技术, 方法…).

jieba's dictionary ships inside the package: nothing is downloaded. It is loaded once, on the
first text segmented (about half a second), not when the module is imported."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

# Words that say nothing about what is offered or wanted (they would match everything).
STOPWORDS = frozenset((
    "一种", "示例", "基于", "及其", "以及", "方法", "技术", "研究", "关键", "应用", "我们", "需要",
    "希望", "寻求", "企业", "公司", "进行", "用于", "提供", "实现", "相关", "问题", "提高",
    "提升", "能力", "开发", "研发", "装置", "系统", "产品", "项目", "合作", "解决", "寻找",
    "成果", "具有", "可以", "通过", "目前", "现有", "对于", "一个", "我司", "本公司", "the",
    "and", "for", "with", "of", "in", "to", "on", "a", "an",
))
_WORD = re.compile(r"[0-9a-z\u3400-\u9fff]", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff]")


@cache
def _jieba() -> Any:
    import jieba  # loaded on first use: the dictionary takes half a second

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _keep(term: str) -> bool:
    if term in STOPWORDS or not _WORD.search(term):
        return False
    # A single Chinese character (的, 与, 及) carries no meaning on its own.
    return len(term) > 1


def terms(text: str | None) -> list[str]:
    """The search terms of a text, in order, repeats kept (BM25 counts them)."""
    if not text:
        return []
    cut = _jieba().lcut_for_search(text.lower())
    return [t.strip() for t in cut if _keep(t.strip())]


def keyword_terms(keywords: Iterable[str]) -> list[str]:
    """The terms of declared keywords: each keyword whole and its parts."""
    out: list[str] = []
    for k in keywords:
        word = k.strip().lower()
        if not word:
            continue
        parts = terms(word)
        out.extend(parts if word in parts else [word, *parts])
    return out


def document(title: str, body: str | None, keywords: Iterable[str]) -> list[str]:
    """The terms of a need or an achievement: title (twice: it says what matters), body and
    keywords."""
    head = terms(title)
    return head + head + terms(body) + keyword_terms(keywords)


def split_keywords(text: str | None) -> list[str]:
    """Keywords as people write them in one cell: separated by ；;，,、 or spaces (a Chinese
    phrase keeps its inner spaces out: 'machine vision' stays one keyword only with a comma)."""
    if not text:
        return []
    parts = re.split(r"[;；,，、|\n]+", text)
    if len(parts) == 1 and _HAN.search(text):
        parts = text.split()
    seen: dict[str, None] = {}
    for p in parts:
        word = p.strip()
        if word and word.lower() not in {s.lower() for s in seen}:
            seen[word] = None
    return list(seen)
