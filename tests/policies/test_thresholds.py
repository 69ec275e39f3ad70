"""Both sides of every threshold of the shipped policies, in both evaluators, and their YAML cases.

The oracle compares in human units with Decimal, independently of the integer bounds the
engine derives, so a rounding slip in `resolve` (ceil vs floor, > vs >=) shows up here.
"""

from __future__ import annotations

import operator
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from highland.policies.rules.explain import criterion_truth
from highland.policies.rules.loader import load_library
from highland.policies.rules.model import Criterion, compile_policy
from highland.policies.rules.testcases import run_tests
from highland.policies.rules.vector import criterion_expr
from highland.policies.service import DEMO_LIBRARY

LIB = load_library([DEMO_LIBRARY])
AS_OF = date(2026, 6, 30)
ORACLE = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


def _numeric_criteria() -> list[tuple[str, Criterion]]:
    out = []
    for policy in LIB.policies.values():
        when = AS_OF if policy.in_force(AS_OF) else policy.effective
        for c in compile_policy(policy, when).criteria:
            if c.predicate.spec.numeric and c.predicate.op in (*ORACLE, "between"):
                out.append((f"{policy.id}:{c.label}", c))
    return out


CRITERIA = _numeric_criteria()


def _oracle(c: Criterion, v: int) -> bool:
    human = Decimal(v) / c.predicate.spec.scale
    t: Any = c.threshold
    if c.predicate.op == "between":
        return bool(t[0] <= human <= t[1])
    return bool(ORACLE[c.predicate.op](human, t))


def _edges(c: Criterion) -> list[int]:
    t: Any = c.threshold
    points = list(t) if isinstance(t, tuple) else [t]
    scale = c.predicate.spec.scale
    out = set()
    for p in points:
        exact = Decimal(p) * scale
        base = int(exact.to_integral_value(rounding="ROUND_FLOOR"))
        out |= {base - 1, base, base + 1, base + 2}
    return sorted(out)


def test_demo_library_is_valid_and_large_enough() -> None:
    assert LIB.ok, LIB.errors
    assert len(LIB.policies) >= 30
    assert len(LIB.packages) >= 3
    assert len(CRITERIA) >= 40


@pytest.mark.parametrize(("name", "criterion"), CRITERIA, ids=[n for n, _ in CRITERIA])
def test_both_sides_of_each_threshold(name: str, criterion: Criterion) -> None:
    edges = _edges(criterion)
    frame = pl.DataFrame({criterion.field: [*edges, None]}, schema={criterion.field: pl.Int64})
    got = frame.select(criterion_expr(criterion).alias("x"))["x"].to_list()
    for v, vec in zip(edges, got, strict=False):
        want = _oracle(criterion, v)
        assert criterion_truth(criterion, v) is want, (name, v)
        assert vec is want, (name, v)
    assert sorted({_oracle(criterion, v) for v in edges}) == [False, True], name
    assert criterion_truth(criterion, None) is None
    assert got[-1] is None


def test_shipped_yaml_cases_pass_in_both_evaluators() -> None:
    results = run_tests(LIB)
    assert len(results) >= 60
    failures = [f"{r.path}:{r.line} {r.name}: {r.problems}" for r in results if not r.passed]
    assert not failures, failures


def test_a_wrong_expectation_fails() -> None:
    text = """
id: t-one
title: 测试
issuer: 测试
level: district
effective: 2025-01-01
benefit: {type: award, amount: "100000", rounding: yuan}
eligibility: {field: revenue, op: ">=", value: 1000}
---
kind: tests
as_of: 2025-06-30
cases:
  - name: right
    policy: t-one
    portrait: {revenue: 1000}
    expect: {status: eligible, amount: "100000"}
  - {name: wrong, policy: t-one, portrait: {revenue: 999.99}, expect: {status: eligible}}
"""
    from highland.policies.rules.loader import read_text

    lib = read_text(text, "t.yaml")
    assert lib.ok, lib.errors
    results = {r.name: r for r in run_tests(lib)}
    assert results["right"].passed
    assert results["wrong"].problems == ("status: expected 'eligible', got 'ineligible'",)
