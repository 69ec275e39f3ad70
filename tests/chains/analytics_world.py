"""A small hand-computed world for the analytics tests (figures in docs comments there)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from highland.chains.models import (
    Chain,
    ChainVersion,
    EnterpriseSegment,
    Prospect,
    ReferenceFigure,
    Segment,
)
from highland.enterprises.models import Enterprise, Financial
from highland.platform.kit.industry import parse_industry
from tests.factories import uscc

YEAR = 2024


def _ent(db: Session, n: int, code: str, district: str) -> Enterprise:
    ind = parse_industry(code)
    e = Enterprise(
        uscc=uscc(9000 + n), name=f"E{n}", district_code=district, industry_code=code,
        industry_section=ind.section, industry_division=ind.division,
        founded_on=date(2015, 1, 1),
    )  # fmt: skip
    db.add(e)
    db.flush()
    return e


def build(db: Session, reference: bool = True, prospects: bool = True) -> dict[str, Any]:
    """Chain 'ic' with four segments, six enterprises, reference figures, five prospects.

    Employment 2024: E1 6520/320115 100, E2 6520/320115 50, E3 3973/320106 30,
    E4 1311/320106 200, E5 6513/320115 (no figure), E6 3973/320102 (no row).
    """
    chain = Chain(code="ic-test", name="集成电路", name_en="Integrated circuits")
    db.add(chain)
    db.flush()
    version = ChainVersion(chain_id=chain.id, version=1, source="", sha256="0" * 64,
                           created_by="t")  # fmt: skip
    db.add(version)
    db.flush()
    chain.version_id = version.id
    segs = [
        ("design", "upstream", 1, ["6520"], False, ["芯片设计"], []),
        ("fab", "midstream", 2, ["3973"], False, ["晶圆"], ["12英寸晶圆"]),
        ("equip", "upstream", 3, ["3562"], True, ["光刻", "刻蚀"], ["刻蚀机"]),
        ("test", "downstream", 4, ["7452"], False, ["检测"], []),
    ]
    for code, stream, pos, codes, neck, kws, prods in segs:
        db.add(Segment(version_id=version.id, code=code, parent_code=None, name=code,
                       name_en=code, stream=stream, position=pos, industry_codes=codes,
                       products=prods, keywords=kws, bottleneck=neck))  # fmt: skip
    ents = {
        1: _ent(db, 1, "6520", "320115"),
        2: _ent(db, 2, "6520", "320115"),
        3: _ent(db, 3, "3973", "320106"),
        4: _ent(db, 4, "1311", "320106"),
        5: _ent(db, 5, "6513", "320115"),
        6: _ent(db, 6, "3973", "320102"),
    }
    figures = {1: (100, 600), 2: (50, 300), 3: (30, 100), 4: (200, 1000), 5: (None, None)}
    for n, (emp, rev) in figures.items():
        db.add(Financial(enterprise_id=ents[n].id, year=YEAR, employees=emp, revenue=rev,
                         source="statistics"))  # fmt: skip
    links = [
        (1, "design", "accepted"), (2, "design", "accepted"), (5, "design", "accepted"),
        (3, "fab", "accepted"), (6, "fab", "suggested"), (1, "fab", "rejected"),
    ]  # fmt: skip
    for n, seg, status in links:
        db.add(EnterpriseSegment(enterprise_id=ents[n].id, chain_id=chain.id, segment_code=seg,
                                 evidence="manual", confidence=100, status=status))  # fmt: skip
    if reference:
        for code, value in {"*": 10000, "65": 500, "3973": 200, "35": 2000, "74": 300}.items():
            db.add(ReferenceFigure(region="320000", year=YEAR, industry_code=code,
                                   measure="employment", value=value, source="test",
                                   loaded_by="t"))  # fmt: skip
    if prospects:
        rows = [
            ("P1", "3562", 200_000_000_000, 1500, 25, "刻蚀机、薄膜沉积设备"),
            ("P2", "3599", 5_000_000_000, None, None, "光刻胶"),
            ("P3", "6513", 1_000, 10, 0, "软件"),
            ("P4", "3562", None, 200, 3, None),
            ("P5", "7452", 20_000_000_000, None, None, "芯片检测服务"),
        ]
        for name, code, rev, emp, pat, prod in rows:
            db.add(Prospect(name=name, region="上海", industry_code=code, revenue_fen=rev,
                            employees=emp, patents=pat, products=prod, source="test"))  # fmt: skip
    db.flush()
    return {"chain": chain, "ents": ents}
