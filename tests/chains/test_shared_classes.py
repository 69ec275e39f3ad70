"""Shared classes (a broad class such as 6513, or one class listed by sibling segments)
suggest a firm into a segment only with keyword evidence from its name or business scope;
segments then never share figures unless they share members."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from highland.chains import figures as chain_figures
from highland.chains.mapping import evidence
from highland.chains.mapping import service as mapping
from highland.chains.models import Chain, EnterpriseSegment, Segment
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from tests.chains.test_mapping import make_chain
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

# n → (class, name, business scope)
ENTS: dict[int, tuple[str, str, str | None]] = {
    1: ("3985", "南京甲新材料有限公司", "正极材料生产"),
    2: ("3985", "南京乙新材料有限公司", "负极材料、石墨销售"),
    3: ("3985", "南京正极材料有限公司", None),  # evidence from the name only
    4: ("3985", "南京丁电子有限公司", "电子元件"),  # the class alone: parent segment only
    5: ("6513", "南京戊信息有限公司", "应用软件开发"),
    6: ("6513", "南京己智行有限公司", "自动驾驶软件开发"),
    7: ("6513", "南京庚网络有限公司", "网站建设"),  # a broad class and no keyword: nowhere
}

NEV: list[dict[str, Any]] = [
    {"code": "battery-materials", "name": "电池材料", "stream": "upstream",
     "industry_codes": ["3985"], "keywords": ["锂电材料"]},
    {"code": "cathode", "name": "正极材料", "stream": "upstream",
     "parent_code": "battery-materials",
     "industry_codes": ["3985"], "keywords": ["正极材料"]},
    {"code": "anode", "name": "负极材料", "stream": "upstream", "parent_code": "battery-materials",
     "industry_codes": ["3985"], "keywords": ["负极材料", "石墨"]},
    {"code": "adas", "name": "自动驾驶系统", "stream": "midstream", "industry_codes": ["6513"],
     "keywords": ["自动驾驶", "辅助驾驶"]},
]  # fmt: skip
SOFT: list[dict[str, Any]] = [
    {"code": "apps", "name": "应用软件", "stream": "midstream", "industry_codes": ["6513"],
     "keywords": ["软件"]},
]  # fmt: skip


def _chain(db: Session, code: str, segments: list[dict[str, Any]]) -> Chain:
    chain = make_chain(db, code, [{k: v for k, v in s.items() if k != "parent_code"}
                                  for s in segments])  # fmt: skip
    for s in segments:  # make_chain puts every segment at the top; set the parents
        if "parent_code" in s:
            db.execute(
                update(Segment)
                .where(Segment.version_id == chain.version_id,
                       Segment.code == s["code"])
                .values(parent_code=s["parent_code"])
            )  # fmt: skip
    db.flush()
    return chain


@pytest.fixture
def world(db: Session, sessions: Any) -> tuple[Chain, Chain, dict[int, int]]:
    rows = [ent_row(n, industry_code=c, name=name) for n, (c, name, _) in ENTS.items()]
    run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv")
    fins = [fin_row(n, 2024, revenue=f"{2**n}00.00") for n in ENTS]  # distinct sums
    run_import(sessions, ACTOR, "financials", to_csv(fins, FIN_HEADER), "f.csv")
    ids = {n: db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(n))) or 0
           for n in ENTS}  # fmt: skip
    for n, (_, _, scope) in ENTS.items():
        db.execute(update(Enterprise).where(Enterprise.id == ids[n]).values(business_scope=scope))
    nev, soft = _chain(db, "nev", NEV), _chain(db, "soft", SOFT)
    return nev, soft, ids


def _accept_like_the_demo(db: Session) -> None:
    mapping.suggest(db, ACTOR)
    for chain_id, segment in db.execute(
        select(EnterpriseSegment.chain_id, EnterpriseSegment.segment_code).distinct()
    ).all():
        mapping.decide(db, ACTOR, chain_id, "accept", segment=segment, min_confidence=80)


def _members(db: Session, chain_id: int) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for seg, ent in db.execute(
        select(EnterpriseSegment.segment_code, EnterpriseSegment.enterprise_id).where(
            EnterpriseSegment.chain_id == chain_id, EnterpriseSegment.status == "accepted"
        )
    ):
        out.setdefault(seg, set()).add(ent)
    return out


def test_broad_classes_are_those_of_several_chains(db: Session, world: Any) -> None:
    assert evidence.broad_classes(db) == frozenset({"6513"})


def test_shared_class_needs_a_keyword_in_name_or_scope(db: Session, world: Any) -> None:
    nev, soft, i = world
    _accept_like_the_demo(db)
    got = _members(db, nev.id)
    assert got["cathode"] == {i[1], i[3]}  # scope, then name
    assert got["anode"] == {i[2]}
    assert got["battery-materials"] == {i[1], i[2], i[3], i[4]}  # its class is its own
    assert got["adas"] == {i[6]}  # not every 6513 software firm
    assert _members(db, soft.id)["apps"] == {i[5], i[6]}  # 7 has no keyword


def test_segments_share_figures_only_when_they_share_members(db: Session, world: Any) -> None:
    nev, _, _ = world
    _accept_like_the_demo(db)
    members = _members(db, nev.id)
    rows = chain_figures.chain_figures(db).filter(pl.col("chain_id") == nev.id)
    figures: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows.sort(["segment_code", "year"]).to_dicts():
        figures.setdefault(r["segment_code"], []).append((r["year"], r["members"], r["revenue"]))
    for a, b in combinations(sorted(members), 2):
        if members[a] != members[b]:
            assert figures[a] != figures[b], (a, b)
    assert figures["cathode"] != figures["anode"]
