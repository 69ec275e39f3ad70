"""The matching index: BM25 (bm25s) over segmented text, plus the field and the chain segment
as features, with an explanation of every score.

score = 0.70 × BM25 / the best BM25 of the query        (text: which terms matched)
      + 0.20 × same field                               (领域一致)
      + 0.10 × same chain segment (0.05: same chain)    (产业链环节一致)

Only documents sharing at least one term are listed: a field alone is no match. The index is
built once per registry generation (docking.matching keeps it) and never per query. Pure: no
database here, so the bench and the labelled-set evaluation use it as the pages do."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

W_TEXT, W_FIELD, W_SEGMENT, W_CHAIN = 0.70, 0.20, 0.10, 0.05
TERMS_SHOWN = 8


@dataclass(frozen=True)
class Doc:
    """One indexed need or achievement."""

    id: int
    terms: list[str]
    field: str
    chain_id: int | None = None
    segment: str | None = None


@dataclass(frozen=True)
class Query:
    """What is matched against the index: the other side's terms, field and segment."""

    terms: list[str]
    field: str | None = None
    chain_id: int | None = None
    segment: str | None = None


@dataclass(frozen=True)
class Match:
    """One match with its score and what made it (the explanation's parts)."""

    id: int
    score: float
    text: float  # BM25 relative to the query's best, 0–1
    terms: list[str]  # the terms both sides share, rarest first
    same_field: bool
    same_segment: bool
    same_chain: bool


@dataclass
class Index:
    """BM25 over documents' terms, with their fields and segments as arrays."""

    ids: np.ndarray
    fields: np.ndarray
    chains: np.ndarray
    segments: np.ndarray
    term_sets: list[frozenset[str]]
    df: Counter[str]
    bm25: object | None = field(default=None, repr=False)

    @classmethod
    def build(cls, docs: Sequence[Doc]) -> Index:
        """Index the documents (bm25s's sparse matrix; nothing per query)."""
        import bm25s  # loaded on first build

        term_sets = [frozenset(d.terms) for d in docs]
        df: Counter[str] = Counter()
        for s in term_sets:
            df.update(s)
        bm25 = None
        if docs:
            bm25 = bm25s.BM25()
            # An empty document would have no column: give it a token nobody searches for.
            bm25.index([d.terms or ["\x00"] for d in docs], show_progress=False)
        return cls(
            ids=np.array([d.id for d in docs], dtype=np.int64),
            fields=np.array([d.field for d in docs], dtype=object),
            chains=np.array([d.chain_id or 0 for d in docs], dtype=np.int64),
            segments=np.array([d.segment or "" for d in docs], dtype=object),
            term_sets=term_sets,
            df=df,
            bm25=bm25,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def _scores(self, query: Query) -> tuple[np.ndarray, ...] | None:
        """(raw BM25, text share, score, same field, same chain, same segment) per document."""
        if self.bm25 is None or not query.terms:
            return None
        raw = np.asarray(self.bm25.get_scores(query.terms), dtype=np.float64)  # type: ignore[attr-defined]
        best = float(raw.max()) if raw.size else 0.0
        if best <= 0:
            return None
        text = raw / best
        none = np.zeros(len(self), bool)
        same_field = (self.fields == query.field) if query.field else none
        same_chain = (self.chains == query.chain_id) if query.chain_id else none
        same_seg = same_chain & (self.segments == (query.segment or "\x00"))
        score = W_TEXT * text + W_FIELD * same_field
        score += np.where(same_seg, W_SEGMENT, np.where(same_chain, W_CHAIN, 0.0))
        score[raw <= 0] = -1.0  # no shared term: not a match
        return raw, text, score, same_field, same_chain, same_seg

    def search(self, query: Query, k: int = 10) -> list[Match]:
        """The k best matches of the query, best first (ties: lower id first)."""
        parts = self._scores(query)
        if parts is None:
            return []
        raw, score = parts[0], parts[2]
        n = min(k, int((raw > 0).sum()))
        if n == 0:
            return []
        top = np.argpartition(-score, n - 1)[:n] if n < len(self) else np.arange(len(self))
        order = sorted(top.tolist(), key=lambda i: (-score[i], self.ids[i]))[:n]
        return [self._match(parts, set(query.terms), i) for i in order]

    def one(self, query: Query, doc_id: int) -> Match | None:
        """The match of one document (None: it shares no term with the query)."""
        parts = self._scores(query)
        pos = int(np.searchsorted(self.ids, doc_id))
        if parts is None or pos >= len(self) or self.ids[pos] != doc_id or parts[0][pos] <= 0:
            return None
        return self._match(parts, set(query.terms), pos)

    def _match(self, parts: tuple[np.ndarray, ...], wanted: set[str], i: int) -> Match:
        _raw, text, score, same_field, same_chain, same_seg = parts
        return Match(
            id=int(self.ids[i]), score=round(float(score[i]), 4), text=round(float(text[i]), 4),
            terms=self._shared(wanted, i), same_field=bool(same_field[i]),
            same_segment=bool(same_seg[i]), same_chain=bool(same_chain[i]),
        )  # fmt: skip

    def _shared(self, wanted: set[str], i: int) -> list[str]:
        shared = wanted & self.term_sets[i]
        # A part of a longer shared term says nothing more (分布 beside 分布式).
        shared = {t for t in shared if not any(t != o and t in o for o in shared)}
        # Rarest first (most telling); longer first among equals (锂离子电池 before 电池).
        ranked = sorted(shared, key=lambda t: (self.df.get(t, 0), -len(t), t))
        return ranked[:TERMS_SHOWN]


def keyword_overlap(query_keywords: Sequence[str], docs_keywords: Sequence[Sequence[str]],
                    ids: Sequence[int], k: int = 10) -> list[int]:
    """The baseline: documents ranked by how many declared keywords they share with the query
    exactly (case aside), ties by id; documents sharing none are not listed."""
    wanted = {w.strip().lower() for w in query_keywords if w.strip()}
    scored = [
        (len(wanted & {w.strip().lower() for w in kw}), doc_id)
        for doc_id, kw in zip(ids, docs_keywords, strict=True)
    ]
    ranked = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
    return [doc_id for _, doc_id in ranked[:k]]


def reciprocal_rank(ranked: Sequence[int], relevant: set[int]) -> float:
    """1 / the rank of the first relevant document (0 when none is listed)."""
    return next((1.0 / (r + 1) for r, i in enumerate(ranked) if i in relevant), 0.0)


def recall_at(ranked: Sequence[int], relevant: set[int], k: int = 10) -> float:
    """The share of the relevant documents among the first k."""
    if not relevant:
        return math.nan
    return len(relevant & set(ranked[:k])) / len(relevant)
