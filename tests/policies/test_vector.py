"""The set-based evaluator's shortcuts (shared criteria, coded fields, amounts on eligible rows
only, explanations per distinct combination) give the plain evaluator's answers."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from highland.policies.rules.explain import evaluate
from highland.policies.rules.loader import read_text
from highland.policies.rules.model import Compiled, compile_policy
from highland.policies.rules.testcases import frame_of
from highland.policies.rules.vector import details, summarise

AS_OF = date(2026, 6, 30)
DISTRICTS = ["320115", "320106", "320114", "320102", "320104", "320105", None]

POLICIES = """
id: p-a
title: 甲
issuer: 测试
level: district
effective: 2025-01-01
benefit: {type: subsidy, amount: "min(rd_spend * 0.10, 2000000)", rounding: yuan}
eligibility:
  all:
    - {field: district, op: in, value: ["320115", "320106", "999999"]}
    - {field: revenue, op: ">=", value: 100}
---
id: p-b
title: 乙
issuer: 测试
level: district
effective: 2025-01-01
benefit: {type: award, amount: "300000", rounding: fen}
stages: [startup, growth]
eligibility:
  any:
    - {field: district, op: not_in, value: ["320115", "320106", "320114", "320102", "320104"]}
    - not: {field: district, op: "==", value: "888888"}
---
id: p-c
title: 丙
issuer: 测试
level: district
effective: 2025-01-01
benefit: {type: other}
eligibility:
  all:
    - {field: district, op: "!=", value: "320114"}
    - not: {field: listed, op: "==", value: true}
    - {field: employees, op: between, value: [1, 50]}
---
id: p-d
title: 丁
issuer: 测试
level: district
effective: 2025-01-01
benefit: {type: subsidy, amount: "revenue * 0.015 + employees * 3.5", rounding: fen}
eligibility:
  all:
    - {field: district, op: in, value: ["320115", "320106"]}
    - {field: revenue, op: ">=", value: 100}
"""


def _compiled() -> list[Compiled]:
    lib = read_text(POLICIES, "vector.yaml")
    assert lib.ok, lib.errors
    return [compile_policy(p, AS_OF) for p in lib.policies.values()]


def _rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(60):
        rows.append(
            {
                "district": DISTRICTS[i % len(DISTRICTS)],
                "revenue": None if i % 11 == 0 else (i * 997) % 40_000,
                "rd_spend": None if i % 13 == 0 else (i * 7919) % 50_000_000,
                "employees": None if i % 9 == 0 else i % 70,
                "listed": None if i % 8 == 0 else i % 3 == 0,
                "lifecycle_stage": [None, "startup", "growth", "mature"][i % 4],
            }
        )
    return rows


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.concat(
        [frame_of(r).with_columns(pl.lit(f"u{i}").alias("uscc")) for i, r in enumerate(rows)]
    )


def test_details_and_summaries_match_the_plain_evaluator() -> None:
    compiled, rows = _compiled(), _rows()
    frame = _frame(rows)
    summaries = summarise(frame, compiled, batch_size=3)
    for cp, summary in zip(compiled, summaries, strict=True):
        plain = [evaluate(cp, r) for r in rows]
        got = details(frame, cp, extra=("near",))
        assert got.columns == ["uscc", "policy_id", "status", "amount_fen", "failed", "missing",
                               "near"]  # fmt: skip
        assert got.get_column("uscc").to_list() == [f"u{i}" for i in range(len(rows))]
        for row, result in zip(got.rows(named=True), plain, strict=True):
            assert row["policy_id"] == cp.policy.id
            assert row["status"] == result.status
            assert row["amount_fen"] == result.amount_fen
            assert [s for s in row["failed"].split(";") if s] == list(result.failed)
            assert [s for s in row["missing"].split(";") if s] == list(result.missing)
            assert [int(s) for s in row["near"].split(";") if s] == list(result.near_miss)
        eligible = [r for r in plain if r.status == "eligible"]
        assert summary.eligible == len(eligible)
        assert summary.ineligible == sum(r.status == "ineligible" for r in plain)
        assert summary.unknown == sum(r.status == "unknown" for r in plain)
        assert summary.near_miss == sum(bool(r.near_miss) for r in plain)
        assert summary.near_by_criterion == tuple(
            sum(i in r.near_miss for r in plain) for i in range(len(cp.criteria))
        )
        assert summary.amount_fen == sum(r.amount_fen or 0 for r in plain)
        assert summary.amount_unknown == sum(r.amount_fen is None for r in eligible)


def test_empty_frame() -> None:
    compiled = _compiled()
    frame = _frame(_rows()).head(0)
    assert all(s.eligible == 0 and s.amount_fen == 0 for s in summarise(frame, compiled))
    got = details(frame, compiled[0], extra=("near",))
    assert got.height == 0
    assert got.columns[:6] == ["uscc", "policy_id", "status", "amount_fen", "failed", "missing"]
