"""Matching both ways: segmented text scored with BM25, field and chain segment as features,
an explanation per match, and the index built once per registry change (never per query)."""

from __future__ import annotations

from typing import Any

import pytest

from highland.docking import matching, repository, service
from highland.docking.index import Doc, Index, Query, keyword_overlap, recall_at, reciprocal_rank
from highland.docking.text import document, split_keywords, terms
from tests.conftest import ACTOR
from tests.docking.world import HEADER, bearer, browse, make_world


@pytest.fixture
def world(db: Any, sessions: Any) -> dict[str, Any]:
    return make_world(db, sessions)


def test_segmentation_keeps_compounds_and_their_parts() -> None:
    words = terms("一种锂离子电池硅碳负极材料的制备方法")
    assert {"锂离子", "电池", "硅碳", "负极", "材料"} <= set(words)
    assert "一种" not in words and "的" not in words and "方法" not in words
    three = split_keywords("硅碳负极；锂离子电池, 固态电解质")
    assert three == ["硅碳负极", "锂离子电池", "固态电解质"]
    assert split_keywords("机器视觉 缺陷检测") == ["机器视觉", "缺陷检测"]


def test_index_scores_text_field_and_segment() -> None:
    docs = [
        Doc(1, document("分布式数据库事务引擎", None, []), "software", 1, "db"),
        Doc(2, document("分布式数据库事务引擎", None, []), "software", 1, "os"),
        Doc(3, document("分布式数据库事务引擎", None, []), "ai", None, None),
        Doc(4, document("锂电池负极", None, []), "software", 1, "db"),
    ]
    index = Index.build(docs)
    found = index.search(Query(terms("分布式数据库"), "software", 1, "db"), 10)
    assert [m.id for m in found] == [1, 2, 3]  # 4 shares no term: not listed
    one, two, three = found
    assert (one.same_field, one.same_segment, one.same_chain) == (True, True, True)
    assert (two.same_segment, two.same_chain) == (False, True)
    assert one.score == pytest.approx(1.0) and two.score == pytest.approx(0.95)
    assert three.score == pytest.approx(0.70) and "分布式" in one.terms
    assert index.one(Query(terms("分布式数据库"), "software"), 4) is None
    assert Index.build([]).search(Query(["x"]), 5) == []


def test_need_finds_its_achievement_with_reasons(db: Any, world: Any) -> None:
    need = repository.get_need(db, _staff(), world["need_a"])
    found = matching.for_need(db, need, 10)
    assert found[0][0].ref == "NJU-001"
    why = matching.explain(found[0][1], need.field).plain()
    assert [w["key"] for w in why] == ["docking.why.terms", "docking.why.field",
                                       "docking.why.segment"]  # fmt: skip
    assert "分布式数据库" in why[0]["params"]["terms"]


def test_achievement_finds_its_need(db: Any, world: Any) -> None:
    nuaa = next(a for a in repository.achievements(db, 1).items if a.ref == "NUAA-003")
    found = matching.for_achievement(db, nuaa, 10)
    assert [n.id for n, _m in found] == [world["need_b"]]
    assert found[0][1].same_field and "硅碳负极" in found[0][1].terms


def test_index_is_kept_until_the_registry_changes(db: Any, world: Any) -> None:
    first = matching.achievement_index(db)
    assert matching.achievement_index(db) is first  # no rebuild per query
    body = (HEADER + "NEW-1,分布式数据库备份,,,software,南大,3,,,\n").encode()
    service.import_achievements(db, ACTOR, body, "n.csv")
    second = matching.achievement_index(db)
    assert second is not first and len(second) == len(first) + 1
    need = repository.get_need(db, _staff(), world["need_a"])
    assert "NEW-1" in {a.ref for a, _m in matching.for_need(db, need, 10)}


def test_baseline_and_measures() -> None:
    ranked = keyword_overlap(["数据库", "事务"], [["数据库"], ["事务", "数据库"], ["电池"]],
                             [1, 2, 3])  # fmt: skip
    assert ranked == [2, 1]
    assert reciprocal_rank([5, 2, 1], {1}) == pytest.approx(1 / 3)
    assert recall_at([5, 2, 1], {1, 9}, 2) == 0 and recall_at([5, 2, 1], {1, 9}, 3) == 0.5


def test_api_and_pages_show_matches_to_staff_only(client: Any, world: Any) -> None:
    need = world["need_a"]
    resp = client.get(f"/api/v1/docking/needs/{need}/matches", headers=bearer(world, "leader"))
    assert resp.status_code == 200
    top = resp.json()[0]
    assert top["same_field"] and top["why"][0]["key"] == "docking.why.terms"
    denied = client.get(f"/api/v1/docking/needs/{world['need_b']}/matches",
                        headers=bearer(world, "enterprise"))  # fmt: skip
    assert denied.status_code == 403
    browse(client, world, "analyst")
    page = client.get(f"/docking/needs/{need}")
    assert "共同关键词" in page.text and "技术领域一致：软件和信息服务" in page.text
    assert f'data-introduce="{world["nju"]}"' in page.text
    browse(client, world, "enterprise")
    own = client.get(f"/docking/needs/{world['need_b']}")
    assert own.status_code == 200 and "match-table" not in own.text


def _staff() -> Any:
    from highland.platform.identity.permissions import Principal, Role

    return Principal(user_id=0, username="t", role=Role.analyst)
