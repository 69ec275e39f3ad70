"""Storing chain versions: all or nothing, unchanged files, clashes, the demo, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.chains import scope, service
from highland.chains.demo_data.chains import load_demo_chains
from highland.chains.loader import read_yaml
from highland.chains.models import Chain, ChainVersion, Segment
from highland.platform.audit.models import AuditEntry
from highland.platform.errors import Forbidden, InvalidInput, NotFound
from highland.platform.identity.permissions import Principal, Role
from tests.chains.chain_files import BROKEN, FLAT, SMALL
from tests.conftest import ACTOR


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _audits(db: Session, action: str) -> int:
    stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    return int(db.scalar(stmt) or 0)


def test_versions_unchanged_and_changed(db: Session) -> None:
    report = service.store(db, [read_yaml(SMALL, "s.yaml")], ACTOR)
    assert report.created == [1]
    chain = db.get(Chain, 1)
    assert chain is not None and chain.name == "软件和信息服务"
    v1 = service.get_version(db, 1)
    assert v1.version == 1 and chain.version_id == v1.id and "code: software" in v1.source
    assert len(service.segments(db, v1.id)) == 5
    # The same content in another layout: no new version.
    again = service.store(db, [read_yaml("# c\n" + SMALL, "s.yaml")], ACTOR)
    assert again.unchanged == [1] and _count(db, ChainVersion) == 1
    # A changed segment: version 2 becomes current; version 1 stays readable.
    changed = SMALL.replace("name: 应用软件", "name: 应用软件开发")
    assert service.store(db, [read_yaml(changed, "s.yaml")], ACTOR).updated == [1]
    db.refresh(chain)
    v2 = service.get_version(db, 1)
    assert v2.version == 2 and chain.version_id == v2.id
    old = service.get_version(db, 1, 1)
    assert old.id == v1.id and [s.name for s in service.segments(db, old.id)][3] == "应用软件"
    assert [s.name for s in service.segments(db, v2.id)][3] == "应用软件开发"
    assert [v.version for v in service.versions(db, 1)] == [2, 1]
    assert _audits(db, "chain.version") == 2
    with pytest.raises(NotFound, match="chain 1 has no version 9"):
        service.get_version(db, 1, 9)
    with pytest.raises(NotFound, match="no chain 5"):
        service.versions(db, 5)


def test_a_file_with_errors_stores_nothing(db: Session) -> None:
    files = [read_yaml(FLAT, "flat.yaml"), read_yaml(BROKEN, "bad.yaml")]
    with pytest.raises(InvalidInput, match="nothing was stored: bad.yaml:1: id must"):
        service.store(db, files, ACTOR)
    assert _count(db, Chain) == 0 and _count(db, Segment) == 0
    assert _audits(db, "chain.version") == 0


def test_clashes_with_stored_chains_and_between_files(db: Session) -> None:
    service.store(db, [read_yaml(SMALL, "s.yaml")], ACTOR)
    same_code = SMALL.replace("id: 1", "id: 7")
    errors = service.check(db, [read_yaml(same_code, "c.yaml")])
    assert [str(e) for e in errors] == ["c.yaml:2: code 'software' belongs to chain 1, not 7"]
    other_code = SMALL.replace("code: software", "code: soft2")
    errors = service.check(db, [read_yaml(other_code, "d.yaml")])
    assert [str(e) for e in errors] == [
        "d.yaml:1: chain 1 has the code 'software', not 'soft2' (a chain's code does not change)"
    ]
    twice = [read_yaml(FLAT, "a.yaml"), read_yaml(FLAT.replace("code: flat", "code: f2"), "b")]
    assert [str(e) for e in service.check(db, twice)] == ["b:1: chain id 2 is also given in a.yaml"]
    before = _count(db, ChainVersion)
    with pytest.raises(InvalidInput):
        service.store(db, [read_yaml(FLAT, "ok.yaml"), read_yaml(same_code, "c.yaml")], ACTOR)
    assert _count(db, ChainVersion) == before and db.get(Chain, 2) is None


def test_list_show_retire(db: Session) -> None:
    service.store(db, [read_yaml(SMALL, "s.yaml"), read_yaml(FLAT, "f.yaml")], ACTOR)
    rows = service.list_chains(db)
    assert [(r.id, r.segments, r.bottlenecks, r.version) for r in rows] == [(1, 5, 1, 1),
                                                                          (2, 4, 1, 1)]  # fmt: skip
    lines = service.show_lines(db, 2)
    assert lines == [
        "2\t扁平写法 (flat) v1",
        "  a 上游 (upstream)",
        "    b 下级 (upstream)",
        "      c 再下级 (upstream) ★",
        "  d 下游 (downstream)",
    ]
    assert "  basic 基础软件 (upstream) ★ [6511]" in service.show_lines(db, 1)
    service.retire(db, 2, ACTOR)
    assert [r.id for r in service.list_chains(db)] == [1]
    assert [r.id for r in service.list_chains(db, include_retired=True)] == [1, 2]
    service.retire(db, 2, ACTOR, retired=False)
    assert _audits(db, "chain.retire") == 1 and _audits(db, "chain.restore") == 1
    streams = service.by_stream(service.segments(db, service.get_version(db, 1).id))
    assert [n.segment.code for n in streams["upstream"]] == ["basic"]
    assert [c.segment.code for c in streams["upstream"][0].children] == ["os", "db"]


def test_demo_is_idempotent(db: Session) -> None:
    assert load_demo_chains(db, ACTOR) == {"created": 8, "updated": 0, "unchanged": 0}
    assert load_demo_chains(db, ACTOR) == {"created": 0, "updated": 0, "unchanged": 8}
    names = [r.name for r in service.list_chains(db)]
    assert names == ["软件和信息服务", "新能源汽车", "新医药与生命健康", "人工智能", "集成电路",
                     "智能电网", "轨道交通", "智能制造装备"]  # fmt: skip


def test_who_may_write() -> None:
    head = Principal(1, "h", Role.chain_head, chain_id=1)
    team = Principal(2, "t", Role.chain_team, chain_id=2)
    assert scope.may_write(head, 1) and not scope.may_write(head, 2)
    assert scope.may_write(team, 2) and not scope.may_write(team, 1)
    assert scope.may_write(Principal(3, "a", Role.analyst), 5)
    assert not scope.may_write(Principal(4, "l", Role.leader), 1)
    with pytest.raises(Forbidden, match=r"only its own chain \(chain 1\)"):
        scope.require_write(head, 3)
