"""Policies sharing an amount formula: the formula is computed once over the rows eligible for
any of them (rules/amounts.py), and each policy still gets exactly its own total."""

from __future__ import annotations

from typing import Any

from highland.policies.rules.amounts import amount_key
from highland.policies.rules.explain import evaluate
from highland.policies.rules.loader import read_text
from highland.policies.rules.model import Compiled, compile_policy
from highland.policies.rules.vector import summarise
from tests.policies.test_vector import AS_OF, _frame

TEMPLATE = """
id: {id}
title: 测试
issuer: 测试
level: district
effective: 2025-01-01
benefit: {{type: subsidy, amount: "{amount}", rounding: {rounding}}}
eligibility:
  all:
    - {{field: district, op: in, value: {districts}}}
    - {{field: employees, op: between, value: [{lo}, {hi}]}}
"""

# (formula as written, rounding, districts, employees from, to): the same formula written in
# three ways, under two roundings, over overlapping and disjoint rows; a fixed amount twice;
# a formula with a division (its own group).
SPECS = [
    ("min(rd_spend * 0.10, 2000000)", "yuan", '["320115", "320106"]', 1, 40),
    ("min(rd_spend*0.1, 2000000)", "yuan", '["320115"]', 20, 69),
    ("min( rd_spend * 0.1 , 2000000 )", "yuan", '["320104", "320105"]', 0, 69),
    ("min(rd_spend * 0.1, 2000000)", "wan", '["320115", "320106", "320104"]', 5, 30),
    ("300000", "yuan", '["320115"]', 0, 69),
    ("300000", "yuan", '["320106", "320102"]', 0, 35),
    ("min(revenue * 3 / (1 + employees), 500000)", "fen", '["320115", "320114"]', 0, 69),
    ("min(revenue * 3 / (1 + employees), 500000)", "fen", '["320106"]', 0, 69),
]


def _compiled() -> list[Compiled]:
    text = "---".join(
        TEMPLATE.format(id=f"p-{i}", amount=a, rounding=r, districts=d, lo=lo, hi=hi)
        for i, (a, r, d, lo, hi) in enumerate(SPECS)
    )
    lib = read_text(text, "shared.yaml")
    assert lib.ok, lib.errors
    return [compile_policy(p, AS_OF) for p in lib.policies.values()]


def _rows() -> list[dict[str, Any]]:
    districts = ["320115", "320106", "320114", "320102", "320104", "320105", None]
    return [
        {
            "district": districts[i % len(districts)],
            "revenue": None if i % 11 == 0 else (i * 997) % 40_000,
            "rd_spend": None if i % 13 == 0 else (i * 7919) % 50_000_000,
            "employees": None if i % 9 == 0 else i % 70,
        }
        for i in range(120)
    ]


def test_the_same_formula_written_differently_is_one_group() -> None:
    keys = [amount_key(cp) for cp in _compiled()]
    assert keys[0] == keys[1] == keys[2]
    assert keys[3] != keys[0]  # another rounding
    assert keys[4] == keys[5] and keys[6] == keys[7]
    assert len(set(keys)) == 4


def test_shared_formulas_give_each_policy_its_amounts_as_evaluated_separately() -> None:
    compiled, rows = _compiled(), _rows()
    frame = _frame(rows)
    together = summarise(frame, compiled)
    for cp, got in zip(compiled, together, strict=True):
        (alone,) = summarise(frame, [cp])
        assert got == alone, cp.policy.id
        plain = [evaluate(cp, r) for r in rows]
        eligible = [r for r in plain if r.status == "eligible"]
        assert got.eligible == len(eligible) > 0, cp.policy.id
        assert got.amount_fen == sum(r.amount_fen or 0 for r in eligible)
        assert got.amount_unknown == sum(r.amount_fen is None for r in eligible)


def test_a_second_pass_over_the_same_frame_reads_the_cached_bitsets_and_agrees() -> None:
    from highland.policies.rules import bitset, framebits
    from highland.policies.rules.vector import prepare

    compiled = _compiled()
    frame = prepare(_frame(_rows()))
    first = bitset.statuses(frame, compiled).counts()
    cache = framebits.of(frame)
    assert cache is framebits.of(frame)  # kept for the frame
    assert bitset.statuses(frame, compiled).counts() == first
    framebits.forget(frame)
    assert framebits.of(frame) is not cache
    assert bitset.statuses(frame, compiled).counts() == first
