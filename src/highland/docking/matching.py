"""Matching both ways: a need's best achievements and an achievement's best needs, each with
its explained score (docking.index).

Each registry's index is built once and kept in the process, keyed by the registry's
generation (a random mark its every write changes, docking.repository.bump): a query after a
change rebuilds it once; every other query reuses it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from highland.docking import repository
from highland.docking.index import Doc, Index, Match, Query
from highland.docking.models import Achievement, TechNeed
from highland.docking.text import document

_LOCK = threading.Lock()
# (database url, registry) → (generation, index)
_KEPT: dict[tuple[str, str], tuple[int, Index]] = {}


def _doc(row: Any) -> Doc:
    return Doc(row.id, list(row.terms or []), row.field, row.chain_id, row.segment_code)


def _index(session: Session, name: str) -> Index:
    gen = repository.generation(session, name)
    key = (str(session.get_bind().engine.url), name)
    kept = _KEPT.get(key)
    if kept is not None and kept[0] == gen:
        return kept[1]
    with _LOCK:
        kept = _KEPT.get(key)
        if kept is not None and kept[0] == gen:
            return kept[1]
        rows = (repository.achievement_docs(session) if name == repository.GEN_ACHIEVEMENTS
                else repository.need_docs(session))  # fmt: skip
        index = Index.build([_doc(r) for r in rows])
        _KEPT[key] = (gen, index)
        return index


def achievement_index(session: Session) -> Index:
    """The achievements' index (built when the registry changed since the last one)."""
    return _index(session, repository.GEN_ACHIEVEMENTS)


def need_index(session: Session) -> Index:
    """The needs' index."""
    return _index(session, repository.GEN_NEEDS)


def forget() -> None:
    """Drop every kept index (tests; after a restore)."""
    with _LOCK:
        _KEPT.clear()


def query_of(row: TechNeed | Achievement) -> Query:
    """The query a need or an achievement makes of the other side."""
    body = row.description if isinstance(row, TechNeed) else row.abstract
    return Query(document(row.title, body, row.keywords or []), row.field, row.chain_id,
                 row.segment_code)  # fmt: skip


@dataclass(frozen=True)
class Why:
    """A match's explanation as the catalogue says it: (key, params) phrases."""

    phrases: list[tuple[str, dict[str, Any]]]

    def plain(self) -> list[dict[str, Any]]:
        """For the API and the record: [{"key":…, "params":…}]."""
        return [{"key": k, "params": p} for k, p in self.phrases]


def explain(m: Match, field: str) -> Why:
    """Which terms matched and whether field and segment agree."""
    out: list[tuple[str, dict[str, Any]]] = [
        ("docking.why.terms", {"terms": "、".join(m.terms), "share": f"{m.text:.0%}"})
    ]
    if m.same_field:
        out.append(("docking.why.field", {"field": f"@docking.field.{field}"}))
    if m.same_segment:
        out.append(("docking.why.segment", {}))
    elif m.same_chain:
        out.append(("docking.why.chain", {}))
    return Why(out)


def for_need(session: Session, need: TechNeed, k: int = 10) -> list[tuple[Achievement, Match]]:
    """The k achievements that best meet a need, best first."""
    found = achievement_index(session).search(query_of(need), k)
    rows = repository.achievements_by_id(session, (m.id for m in found))
    return [(rows[m.id], m) for m in found if m.id in rows]


def for_achievement(
    session: Session, achievement: Achievement, k: int = 10
) -> list[tuple[TechNeed, Match]]:
    """The k needs an achievement best meets, best first."""
    found = need_index(session).search(query_of(achievement), k)
    rows = repository.needs_by_id(session, (m.id for m in found))
    return [(rows[m.id], m) for m in found if m.id in rows]
