"""Which industry classes single a segment out, and the keyword evidence that backs a class
that does not (see mapping.service and docs/chains.md, "Shared classes need a keyword")."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains.models import Chain, Segment


def digits(code: str) -> str:
    """A class code without its section letter."""
    code = code.strip()
    return code[1:] if code[:1].isalpha() else code


def broad_classes(session: Session) -> frozenset[str]:
    """The classes (any level) listed by segments of more than one chain not retired."""
    rows = session.execute(
        select(Chain.id, Segment.industry_codes)
        .join(Segment, Segment.version_id == Chain.version_id)
        .where(Chain.retired.is_(False))
    ).all()
    pairs = {(chain_id, digits(c)) for chain_id, codes in rows for c in (codes or [])}
    frame = pl.DataFrame(
        list(pairs), schema={"chain_id": pl.Int64, "code": pl.String}, orient="row"
    )
    shared = frame.group_by("code").agg(pl.len().alias("n")).filter(pl.col("n") > 1)
    return frozenset(shared["code"].to_list())


def shared_pairs(segments: Sequence[Segment], broad: frozenset[str]) -> set[tuple[str, str]]:
    """(segment code, class) pairs whose class does not single the segment out: a broad class,
    or a class another segment of the chain lists that is neither above nor below it."""
    parent = {s.code: s.parent_code for s in segments}

    def line(code: str) -> set[str]:  # the segment and its ancestors
        out: set[str] = set()
        node: str | None = code
        while node is not None and node not in out:
            out.add(node)
            node = parent.get(node)
        return out

    lines = {s.code: line(s.code) for s in segments}
    listed: dict[str, set[str]] = {}
    for s in segments:
        for c in s.industry_codes or []:
            listed.setdefault(digits(c), set()).add(s.code)
    shared: set[tuple[str, str]] = set()
    for code, owners in listed.items():
        for own in owners:
            unrelated = [o for o in owners if own not in lines[o] and o not in lines[own]]
            if code in broad or unrelated:
                shared.add((own, code))
    return shared


def keyword_hits(registry: pl.DataFrame, segments: Sequence[Segment], column: str) -> pl.DataFrame:
    """(enterprise_id, segment_code, kw): a segment keyword found in the given text column."""
    words: list[pl.DataFrame] = [
        pl.DataFrame(schema={"enterprise_id": pl.Int64, "segment_code": pl.String, "kw": pl.String})
    ]
    texted = registry.filter(pl.col(column).is_not_null())
    for s in segments:
        for kw in sorted({k.strip() for k in (s.keywords or []) if k.strip()}):
            hit = texted.filter(pl.col(column).str.contains(kw.lower(), literal=True))
            words.append(
                hit.select(
                    "enterprise_id", pl.lit(s.code).alias("segment_code"), pl.lit(kw).alias("kw")
                )
            )
    return pl.concat(words)
