"""The `chains` and `segments` portrait fields: accepted memberships only, the empty set when
there are none (known, not missing), equal in the frame and the one-enterprise path, and
evaluated alike by the plain and the set-based evaluators."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from highland.chains.mapping import service as mapping
from highland.enterprises.snapshot import portrait_frame, portrait_values
from highland.policies.rules.explain import evaluate
from highland.policies.rules.loader import read_text
from highland.policies.rules.model import compile_policy
from highland.policies.rules.vector import details
from tests.chains.test_mapping import World, build
from tests.conftest import ACTOR
from tests.factories import uscc

AS_OF = date(2026, 6, 30)


@pytest.fixture
def w(db: Session, sessions: Any) -> World:
    world = build(db, sessions)
    mapping.suggest(db, ACTOR)  # suggestions do not count
    mapping.add_member(db, ACTOR, world.chain.id, uscc(1), "design")
    mapping.add_member(db, ACTOR, world.chain.id, uscc(1), "pack")
    mapping.add_member(db, ACTOR, world.other.id, uscc(2), "battery")
    rows = mapping.members(db, world.chain.id, mapping.MemberFilter(segment="make"))[1]
    mapping.decide(db, ACTOR, world.chain.id, "reject", ids=[r.id for r, _ in rows])
    db.flush()
    return world


def test_frame_and_one_row_agree(db: Session, w: World) -> None:
    frame = portrait_frame(db, AS_OF)
    got = {r["uscc"]: (r["chains"], r["segments"]) for r in frame.to_dicts()}
    assert got[uscc(1)] == (["ic"], ["ic/design", "ic/pack"])
    assert got[uscc(2)] == (["nev"], ["nev/battery"])  # its `make` suggestion was rejected
    assert got[uscc(4)] == ([], [])  # only suggested: an empty set, not missing
    for row in frame.to_dicts():
        assert portrait_values(db, row["uscc"], AS_OF) == row


def test_retired_chain_does_not_count(db: Session, w: World) -> None:
    w.other.retired = True
    db.flush()
    frame = portrait_frame(db, AS_OF, [uscc(2)])
    assert frame.row(0, named=True)["chains"] == []
    values = portrait_values(db, uscc(2), AS_OF)
    assert values is not None and values["chains"] == []


RULES = """\
id: p-chain
title: 链上企业
issuer: 测试
level: municipal
effective: 2025-01-01
benefit: {type: award}
eligibility:
  any:
    - {field: chains, op: contains, value: ic}
    - {field: segments, op: in, value: ["nev/battery", "ai/chip"]}
"""


@pytest.mark.parametrize(
    "rule,expected",
    [
        (RULES, {1: "eligible", 2: "eligible", 4: "ineligible", 5: "ineligible"}),
        (
            RULES.replace("any:", "all:").replace("op: in,", "op: not_in,"),
            {1: "eligible", 2: "ineligible", 4: "ineligible", 5: "ineligible"},
        ),
    ],
)
def test_rules_on_chain_fields_agree(
    db: Session, w: World, rule: str, expected: dict[int, str]
) -> None:
    lib = read_text(rule, "chain.yaml")
    assert lib.ok, lib.errors
    compiled = compile_policy(lib.policies["p-chain"], AS_OF)
    frame = portrait_frame(db, AS_OF)
    vector = {r["uscc"]: r["status"] for r in details(frame, compiled).rows(named=True)}
    for n, status in expected.items():
        values = portrait_values(db, uscc(n), AS_OF)
        assert values is not None
        assert evaluate(compiled, values).status == status
        assert vector[uscc(n)] == status


def test_missing_set_is_unknown_in_both() -> None:
    lib = read_text(RULES, "chain.yaml")
    compiled = compile_policy(lib.policies["p-chain"], AS_OF)
    from highland.policies.rules.testcases import frame_of

    values: dict[str, Any] = {"chains": None, "segments": []}
    frame = frame_of(values)
    assert details(frame, compiled).row(0, named=True)["status"] == "unknown"
    assert evaluate(compiled, values).status == "unknown"


def test_set_values_are_checked() -> None:
    bad = RULES.replace("value: ic}", "value: 3}")
    lib = read_text(bad, "chain.yaml")
    assert not lib.ok
    assert any("chains contains" in str(e) for e in lib.errors)
