"""Enterprises in segments: set-based suggestions, decisions, manual links, leading firms."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from highland.chains import scope as chain_scope
from highland.chains.mapping import leading as lead
from highland.chains.mapping import service as mapping
from highland.chains.models import Chain, ChainVersion, EnterpriseSegment, LeadingFirm, Segment
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.audit.models import AuditEntry
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.identity.permissions import Principal, Role
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

# n → (industry class, business scope)
ENTS: dict[int, tuple[str, str | None]] = {
    1: ("3972", "集成电路芯片设计；半导体器件销售"),  # class of `design` + 2 keywords
    2: ("3973", "电子元器件制造"),  # group 397 of `make`
    3: ("3911", None),  # division 39 of `pack`; no scope
    4: ("6513", "软件开发；集成电路设计服务"),  # one keyword of `design`
    5: ("5191", "日用百货销售"),  # nothing
}


@dataclass
class World:
    chain: Chain
    other: Chain
    ids: dict[int, int]  # n → enterprise id


def make_chain(db: Session, code: str, segments: list[dict[str, Any]]) -> Chain:
    """A chain with one current version holding the given segments (as the loader would)."""
    chain = Chain(code=code, name=f"{code} 链", name_en=code)
    db.add(chain)
    db.flush()
    version = ChainVersion(chain_id=chain.id, version=1, source="", sha256="0" * 64,
                           created_by="tester")  # fmt: skip
    db.add(version)
    db.flush()
    for i, s in enumerate(segments, 1):
        db.add(Segment(version_id=version.id, position=i, parent_code=None, **s))
    chain.version_id = version.id
    db.flush()
    return chain


IC_SEGMENTS: list[dict[str, Any]] = [
    {"code": "design", "name": "芯片设计", "stream": "upstream", "industry_codes": ["3972"],
     "keywords": ["芯片设计", "集成电路", "半导体"]},
    {"code": "make", "name": "晶圆制造", "stream": "midstream", "industry_codes": ["397"],
     "keywords": []},
    {"code": "pack", "name": "封装测试", "stream": "downstream", "industry_codes": ["39"],
     "keywords": ["封装"], "bottleneck": True},
]  # fmt: skip


def build(db: Session, sessions: Any, financials: bool = False) -> World:
    """Five enterprises, the IC chain and another chain."""
    rows = [ent_row(n, industry_code=code) for n, (code, _) in ENTS.items()]
    run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv")
    ids = {n: db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(n))) or 0 for n in ENTS}
    for n, (_, scope) in ENTS.items():
        db.execute(update(Enterprise).where(Enterprise.id == ids[n]).values(business_scope=scope))
    if financials:
        fins = [fin_row(1, 2024, revenue="600.00"), fin_row(2, 2024, revenue="300.00"),
                fin_row(3, 2024, revenue=""), fin_row(3, 2023, revenue="999999.00")]  # fmt: skip
        run_import(sessions, ACTOR, "financials", to_csv(fins, FIN_HEADER), "f.csv")
    chain = make_chain(db, "ic", IC_SEGMENTS)
    other = make_chain(db, "nev", [{"code": "battery", "name": "电池", "stream": "upstream",
                                    "industry_codes": ["3841"], "keywords": ["电池"]}])  # fmt: skip
    db.flush()
    return World(chain, other, ids)


@pytest.fixture
def w(db: Session, sessions: Any) -> World:
    return build(db, sessions)


def rows(db: Session, chain_id: int) -> dict[tuple[int, str], EnterpriseSegment]:
    db.expire_all()
    stmt = select(EnterpriseSegment).where(EnterpriseSegment.chain_id == chain_id)
    return {(r.enterprise_id, r.segment_code): r for r in db.scalars(stmt)}


def test_candidates_by_industry_and_keyword(db: Session, w: World) -> None:
    got = mapping.candidates(mapping.registry_frame(db), mapping.current_segments(db, w.chain))
    table = {(r["enterprise_id"], r["segment_code"]): r for r in got.to_dicts()}
    i = w.ids
    # class match (80) beats the two keywords (60)
    assert table[(i[1], "design")] == {"enterprise_id": i[1], "segment_code": "design",
                                       "evidence": "industry", "detail": "3972",
                                       "confidence": 80}  # fmt: skip
    assert table[(i[2], "make")]["confidence"] == 60 and table[(i[2], "make")]["detail"] == "397"
    assert table[(i[3], "pack")]["confidence"] == 40
    kw = table[(i[4], "design")]
    assert (kw["evidence"], kw["detail"], kw["confidence"]) == ("keyword", "集成电路", 50)
    assert all(r["enterprise_id"] != i[5] for r in got.to_dicts())
    # 3972 also starts with 397 and 39: every division/group hit is there, one row each
    assert table[(i[1], "make")]["confidence"] == 60
    assert table[(i[1], "pack")]["confidence"] == 40


def test_keyword_confidence_grows_per_distinct_keyword(db: Session, w: World) -> None:
    seg = {"code": "s", "name": "s", "stream": "upstream", "industry_codes": [],
           "keywords": ["a", "b", "c", "d", "e", "f", "a"]}  # fmt: skip
    chain = make_chain(db, "kw", [seg])
    db.execute(update(Enterprise).where(Enterprise.id == w.ids[5]).values(business_scope="A b c"))
    db.execute(update(Enterprise).where(Enterprise.id == w.ids[4]).values(business_scope="abcdef"))
    got = mapping.candidates(mapping.registry_frame(db), mapping.current_segments(db, chain))
    conf = {r["enterprise_id"]: (r["confidence"], r["detail"]) for r in got.to_dicts()}
    assert conf[w.ids[5]] == (70, "a、b、c")  # case-insensitive, +10 per extra keyword
    assert conf[w.ids[4]][0] == 90  # six keywords: capped


def test_suggest_rerun_updates_only_suggestions(db: Session, w: World) -> None:
    res = mapping.suggest(db, ACTOR, w.chain.id)
    assert (res.inserted, res.updated, res.withdrawn) == (7, 0, 0)
    got = rows(db, w.chain.id)
    assert all(r.status == "suggested" for r in got.values())
    i = w.ids
    mapping.decide(db, ACTOR, w.chain.id, "accept", ids=[got[(i[1], "design")].id])
    mapping.decide(db, ACTOR, w.chain.id, "reject", ids=[got[(i[3], "pack")].id])
    # enterprise 4's scope changes (more keywords), 2's code changes away from the chain
    db.execute(update(Enterprise).where(Enterprise.id == i[4])
               .values(business_scope="芯片设计、集成电路、半导体"))  # fmt: skip
    db.execute(update(Enterprise).where(Enterprise.id == i[2]).values(industry_code="5191"))
    db.execute(update(Enterprise).where(Enterprise.id == i[1]).values(industry_code="5191"))
    db.execute(update(Enterprise).where(Enterprise.id == i[3]).values(industry_code="5191"))
    res = mapping.suggest(db, ACTOR, w.chain.id)
    after = rows(db, w.chain.id)
    assert res.updated == 1 and after[(i[4], "design")].confidence == 70
    assert (i[2], "make") not in after  # withdrawn: no evidence any more
    assert after[(i[1], "design")].status == "accepted"  # decisions untouched
    assert after[(i[1], "design")].confidence == 80
    assert after[(i[3], "pack")].status == "rejected"
    # a third run changes nothing, and never duplicates a row
    res = mapping.suggest(db, ACTOR, w.chain.id)
    assert (res.inserted, res.updated, res.withdrawn) == (0, 0, 0)
    n = db.scalar(select(func.count()).select_from(EnterpriseSegment)) or 0
    assert n == len(rows(db, w.chain.id)) + len(rows(db, w.other.id))


def test_suggest_all_chains_is_audited(db: Session, w: World) -> None:
    before = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    res = mapping.suggest(db, ACTOR)
    assert set(res.chains) == {"ic", "nev"} and res.chains["nev"] == (0, 0, 0)
    entries = db.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
    assert [(e.action, e.entity_key) for e in entries] == [
        ("chain.suggest", str(w.chain.id)),
        ("chain.suggest", str(w.other.id)),
    ]


def test_chain_without_version_suggests_nothing(db: Session, w: World) -> None:
    chain = Chain(code="empty", name="空")
    db.add(chain)
    db.flush()
    assert mapping.suggest(db, ACTOR, chain.id).inserted == 0
    with pytest.raises(NotFound):
        mapping.suggest(db, ACTOR, 9999)


def test_decide_by_segment_and_confidence(db: Session, w: World) -> None:
    mapping.suggest(db, ACTOR, w.chain.id)
    n = mapping.decide(db, ACTOR, w.chain.id, "accept", segment="design", min_confidence=60)
    assert n == 1  # 1 (80) only; 4 has 50
    got = rows(db, w.chain.id)
    assert got[(w.ids[1], "design")].status == "accepted"
    assert got[(w.ids[1], "design")].decided_by == "tester"
    assert got[(w.ids[4], "design")].status == "suggested"
    assert mapping.decide(db, ACTOR, w.chain.id, "reject", segment="design") == 1
    assert rows(db, w.chain.id)[(w.ids[1], "design")].status == "accepted"


def _snapshot(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(EnterpriseSegment)) or 0,
        db.scalar(select(func.count()).select_from(LeadingFirm)) or 0,
        db.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


@pytest.mark.parametrize(
    "kwargs,field,words",
    [
        ({"ids": [999999]}, "ids", "no suggestion with id 999999 in chain ic"),
        ({"segment": "nope"}, "segment", "chain ic has no segment 'nope'"),
        ({"segment": "design", "min_confidence": 101}, "min_confidence", "between 0 and 100"),
        ({}, "ids", "give the ids"),
        ({"ids": [1], "segment": "design"}, "ids", "not both"),
    ],
)
def test_decide_bad_input_writes_nothing(
    db: Session, w: World, kwargs: dict[str, Any], field: str, words: str
) -> None:
    mapping.suggest(db, ACTOR, w.chain.id)
    before = _snapshot(db)
    with pytest.raises(InvalidInput) as err:
        mapping.decide(db, ACTOR, w.chain.id, "accept", **kwargs)
    assert err.value.field == field and words in err.value.message
    assert _snapshot(db) == before
    assert all(r.status == "suggested" for r in rows(db, w.chain.id).values())


def test_decide_ids_of_another_chain_is_refused(db: Session, w: World) -> None:
    mapping.suggest(db, ACTOR)
    theirs = next(iter(rows(db, w.chain.id).values()))
    before = _snapshot(db)
    with pytest.raises(InvalidInput, match="in chain nev"):
        mapping.decide(db, ACTOR, w.other.id, "accept", ids=[theirs.id])
    assert _snapshot(db) == before


def test_manual_add_and_twice_in_a_segment(db: Session, w: World) -> None:
    mapping.suggest(db, ACTOR, w.chain.id)
    row = mapping.add_member(db, ACTOR, w.chain.id, uscc(5), "pack", "走访确认")
    assert (row.evidence, row.confidence, row.status, row.detail) == (
        "manual", 100, "accepted", "走访确认"
    )  # fmt: skip
    # a suggestion becomes the manual link (still one row)
    row4 = mapping.add_member(db, ACTOR, w.chain.id, uscc(4), "design")
    assert row4.evidence == "manual" and len(rows(db, w.chain.id)) == 8
    before = _snapshot(db)
    with pytest.raises(Conflict) as err:
        mapping.add_member(db, ACTOR, w.chain.id, uscc(5).lower(), "pack")
    assert f"{uscc(5)} is already in segment pack (封装测试) of chain ic (accepted on" in str(
        err.value.message
    )
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    "who,segment,field,words",
    [
        ("91320115XXXXXXXXXX", "pack", "uscc", "no enterprise with USCC"),
        (None, "nope", "segment", "chain ic has no segment 'nope'"),
    ],
)
def test_manual_add_bad_input(
    db: Session, w: World, who: str | None, segment: str, field: str, words: str
) -> None:
    before = _snapshot(db)
    with pytest.raises(InvalidInput) as err:
        mapping.add_member(db, ACTOR, w.chain.id, who or uscc(1), segment)
    assert err.value.field == field and words in err.value.message
    assert _snapshot(db) == before


def test_check_write() -> None:
    head = Principal(user_id=1, username="h", role=Role.chain_head, chain_id=1)
    chain_scope.check_write(head, 1)
    with pytest.raises(Forbidden, match="only your own chain"):
        chain_scope.check_write(head, 2)
    chain_scope.check_write(Principal(user_id=2, username="a", role=Role.analyst), 2)
    with pytest.raises(Forbidden):
        chain_scope.check_write(Principal(user_id=3, username="l", role=Role.leader), 2)


def test_leading_suggestions_and_marks(db: Session, sessions: Any) -> None:
    w = build(db, sessions, financials=True)
    i = w.ids
    for n, seg in ((1, "design"), (2, "make"), (3, "pack"), (4, "pack")):
        mapping.add_member(db, ACTOR, w.chain.id, uscc(n), seg)
    mapping.add_member(db, ACTOR, w.chain.id, uscc(2), "design")  # 2 also upstream
    got, year = lead.leading_suggestions(db, w.chain.id)
    assert year == 2024
    by = {s.enterprise_id: s for s in got}
    assert by[i[1]].revenue_fen == 60000 and by[i[1]].chain_revenue_fen == 90000
    assert by[i[1]].share == Fraction(2, 3) and by[i[1]].share_percent == "66.7%"
    assert by[i[3]].revenue_fen is None and by[i[3]].share is None  # missing, not zero
    assert by[i[4]].revenue_fen is None
    # upstream links: 1 (upstream) → 0; 2 (mid+up) → 1 (only 1 is further up, not itself);
    # 3 and 4 (downstream) → the others in upstream/midstream: 1 and 2, and each other no
    assert by[i[1]].upstream_members == 0
    assert by[i[2]].upstream_members == 1
    assert by[i[3]].upstream_members == 2 and by[i[4]].upstream_members == 2
    assert [s.enterprise_id for s in got][:2] == [i[1], i[2]]
    assert got[-1].share is None
    firm = lead.mark_leading(db, ACTOR, w.chain.id, uscc(1), "营收占比最高")
    assert firm.reason == "营收占比最高"
    assert lead.leading_suggestions(db, w.chain.id)[0][0].marked
    before = _snapshot(db)
    with pytest.raises(Conflict, match="already a leading firm of chain ic"):
        lead.mark_leading(db, ACTOR, w.chain.id, uscc(1))
    with pytest.raises(InvalidInput, match="not an accepted member of chain ic"):
        lead.mark_leading(db, ACTOR, w.chain.id, uscc(5))
    with pytest.raises(InvalidInput, match="no enterprise with USCC"):
        lead.mark_leading(db, ACTOR, w.chain.id, "nope")
    assert _snapshot(db) == before
    lead.unmark_leading(db, ACTOR, w.chain.id, uscc(1))
    assert lead.leading_firms(db, w.chain.id) == []
    with pytest.raises(NotFound):
        lead.unmark_leading(db, ACTOR, w.chain.id, uscc(1))


def test_members_filters(db: Session, w: World) -> None:
    mapping.suggest(db, ACTOR, w.chain.id)
    total, page = mapping.members(db, w.chain.id, mapping.MemberFilter(segment="design"))
    assert total == 2 and [r.confidence for r, _ in page] == [80, 50]
    flt = mapping.MemberFilter(evidence="industry", min_confidence=60)
    total, page = mapping.members(db, w.chain.id, flt, page=1, per_page=1)
    assert total == 3 and len(page) == 1
    with pytest.raises(InvalidInput, match="status must be one of"):
        mapping.members(db, w.chain.id, mapping.MemberFilter(status="maybe"))


# --------------------------------------------------------------------------- business scope


def test_import_reads_business_scope(db: Session, sessions: Any) -> None:
    header = [*ENT_HEADER, "经营范围"]
    row = ent_row(7) | {"经营范围": "集成电路设计；软件开发"}
    res = run_import(sessions, ACTOR, "enterprises", to_csv([row], header), "e.csv")
    assert res.created == 1
    ent = db.scalar(select(Enterprise).where(Enterprise.uscc == uscc(7)))
    assert ent is not None and ent.business_scope == "集成电路设计；软件开发"
    # an update changes it; a file without the column leaves it alone
    row["经营范围"] = "软件开发"
    run_import(sessions, ACTOR, "enterprises", to_csv([row], header), "e.csv")
    run_import(sessions, ACTOR, "enterprises", to_csv([ent_row(7)], ENT_HEADER), "e.csv")
    db.expire_all()
    assert db.scalar(select(Enterprise.business_scope).where(Enterprise.uscc == uscc(7))) == (
        "软件开发"
    )


def test_import_refuses_a_too_long_business_scope(db: Session, sessions: Any) -> None:
    header = [*ENT_HEADER, "business_scope"]
    rows = [ent_row(7) | {"business_scope": "研" * 2001}, ent_row(8)]
    res = run_import(sessions, ACTOR, "enterprises", to_csv(rows, header), "e.csv")
    assert res.created == 0
    assert [(e["row"], e["column"], e["error"]) for e in res.errors] == [
        (2, "business_scope", "longer than 2000 characters")
    ], res.errors
    assert db.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_demo_enterprises_have_a_business_scope() -> None:
    from highland.enterprises.demo import generate

    ents, _ = generate(400, seed=3)
    scope = ents["business_scope"]
    assert 0 < scope.null_count() < 40
    assert (scope.str.len_chars().max() or 0) <= 2000  # type: ignore[operator]
    chips = ents.filter(pl.col("industry_code") == "3973")["business_scope"].drop_nulls()
    assert chips.len() and chips.str.contains("集成电路").all()


# --------------------------------------------------------------------------- CLI


def test_cli_suggest_accept_leading(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from highland.chains.mapping.cli import app
    from highland.platform import config
    from highland.platform import db as highland_db
    from highland.platform.db import transaction

    monkeypatch.setenv("HIGHLAND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HIGHLAND_INSTANCE_DIR", str(tmp_path / "var"))
    config.get_settings.cache_clear()
    highland_db.get_engine.cache_clear()
    runner = CliRunner()
    from highland.cli.common import init_db as _init

    _init()
    engine = highland_db.get_engine()
    factory = highland_db.session_factory(engine)
    with transaction() as s:
        build(s, factory)
    fins = to_csv([fin_row(1, 2024, revenue="600.00")], FIN_HEADER)
    run_import(factory, ACTOR, "financials", fins, "f.csv")
    try:
        r = runner.invoke(app, ["suggest", "--chain", "ic"])
        assert r.exit_code == 0 and "ic：新增 7，更新 0，撤回 0" in r.output, r.output
        r = runner.invoke(app, ["accept", "--chain", "ic", "--segment", "design",
                                "--min-confidence", "50"])  # fmt: skip
        assert r.exit_code == 0 and "已接受 2 行" in r.output
        r = runner.invoke(app, ["reject", "--chain", "ic", "--ids", "x,1"])
        assert r.exit_code == 2 and "--ids 必须是以逗号分隔的数字" in r.output
        r = runner.invoke(app, ["accept", "--chain", "ic", "--ids", "99999"])
        assert r.exit_code == 1 and "产业链 ic 中没有编号为 99999 的建议" in r.output
        r = runner.invoke(app, ["leading", "--chain", "ic"])
        assert r.exit_code == 0 and "2024 年营收占比：100.0%" in r.output, r.output
        r = runner.invoke(app, ["leading", "--chain", "ic", "--mark", uscc(1)])
        assert r.exit_code == 0
        r = runner.invoke(app, ["leading", "--chain", "nope"])
        assert r.exit_code == 1 and "找不到编号或代码为“nope”的产业链" in r.output
    finally:
        engine.dispose()
        config.get_settings.cache_clear()
        highland_db.get_engine.cache_clear()
