"""The bitset engine (eligibility only, and the full summaries) and the lazy evaluate_all agree
with the plain evaluator on random rules and portraits."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.policies.rules import arrowbits, bitset
from highland.policies.rules.explain import PolicyResult, evaluate, evaluate_all
from highland.policies.rules.loader import read_text
from highland.policies.rules.model import Compiled, compile_policy
from highland.policies.rules.testcases import frame_of
from highland.policies.rules.vector import summarise
from tests.policies.test_agreement import AS_OF, policies, portraits

FIELDS_READ = ("status", "amount_fen", "criteria", "failed", "missing", "near_miss",
               "potential_fen")  # fmt: skip


def _compiled(texts: list[str]) -> list[Compiled]:
    out = []
    for i, text in enumerate(texts):
        lib = read_text(text.replace("p-random", f"p-random-{i}"), "random.yaml")
        assert lib.ok, lib.errors
        out.append(compile_policy(lib.policies[f"p-random-{i}"], AS_OF))
    return out


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    frames = [frame_of(r).with_columns(pl.lit(str(i)).alias("uscc")) for i, r in enumerate(rows)]
    return pl.concat(frames)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(policies(), min_size=1, max_size=4), st.lists(portraits(), min_size=1, max_size=70))
def test_statuses_and_summaries_agree_with_the_plain_evaluator(
    texts: list[str], rows: list[dict[str, Any]]
) -> None:
    compiled = _compiled(texts)
    frame = _frame(rows)
    statuses = bitset.statuses(frame, compiled)
    summaries = summarise(frame, compiled)
    for j, cp in enumerate(compiled):
        plain = [evaluate(cp, r) for r in rows]
        want = [r.status for r in plain]
        for status in ("eligible", "ineligible", "unknown"):
            got = statuses.mask(j, status).tolist()
            assert got == [w == status for w in want], (texts[j], status)
        column = statuses.column(j).to_list()
        assert column == [{"eligible": True, "ineligible": False}.get(w) for w in want]
        e, i, u = statuses.counts()[j]
        assert (e, i, u) == (want.count("eligible"), want.count("ineligible"),
                             want.count("unknown"))  # fmt: skip
        s = summaries[j]
        assert (s.eligible, s.ineligible, s.unknown) == (e, i, u)
        assert s.near_miss == sum(bool(r.near_miss) for r in plain), texts[j]
        assert s.near_by_criterion == tuple(
            sum(k in r.near_miss for r in plain) for k in range(len(cp.criteria))
        ), texts[j]
        assert s.amount_fen == sum(r.amount_fen or 0 for r in plain)
        eligible = [r for r in plain if r.status == "eligible"]
        assert s.amount_unknown == sum(r.amount_fen is None for r in eligible)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(policies(), min_size=1, max_size=5), st.lists(portraits(), min_size=1, max_size=4),
       st.permutations(FIELDS_READ))  # fmt: skip
def test_evaluate_all_reads_as_evaluate(
    texts: list[str], rows: list[dict[str, Any]], order: list[str]
) -> None:
    compiled = _compiled(texts)
    for row in rows:
        lazy = evaluate_all(compiled, row)
        assert all(isinstance(r, PolicyResult) for r in lazy)
        for cp, got in zip(compiled, lazy, strict=True):
            want = evaluate(cp, row)
            assert got.policy_id == cp.policy.id
            for name in order:  # any first read computes the rest consistently
                assert getattr(got, name) == getattr(want, name), (name, texts)
            assert got == want


def test_evaluate_all_keeps_the_values_it_was_given() -> None:
    compiled = _compiled([_POLICY])
    values: dict[str, Any] = {"revenue": 10_000_000_000, "rd_spend": 500_000_000}
    (result,) = evaluate_all(compiled, values)
    values["revenue"] = None  # a later change of the caller's dict
    assert result.status == "eligible"
    before = {"revenue": 10_000_000_000, "rd_spend": 500_000_000}
    assert result.amount_fen == evaluate(compiled[0], before).amount_fen
    assert result.criteria[0].value == 10_000_000_000


_POLICY = """
id: p-random
title: 研发补助
issuer: 测试
level: municipal
effective: 2025-01-01
eligibility: {field: revenue, op: ">=", value: 1000}
benefit: {type: subsidy, amount: "min(rd_spend * 0.10, 2000000)"}
"""


def test_frame_pairs_across_chunks_and_offsets() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 63, 64, 65, 1000, 4099):
        raw = rng.integers(0, 3, n)
        col = pl.Series("a", [None if x == 2 else bool(x) for x in raw], dtype=pl.Boolean)
        full = pl.Series("b", raw == 1)
        for frame in (
            pl.DataFrame([col, full]),
            pl.concat(
                [
                    pl.DataFrame([col, full]).head(n // 2),
                    pl.DataFrame([col, full]).tail(n - n // 2),
                ],
                rechunk=False,
            ),  # fmt: skip
            pl.DataFrame([col, full]).slice(min(3, n - 1)),
        ):
            pairs = arrowbits.frame_pairs(frame)
            for (t, f), name in zip(pairs, frame.columns, strict=True):
                s = frame.get_column(name)
                assert arrowbits.unpack(t, frame.height).tolist() == s.fill_null(False).to_list()
                assert (
                    arrowbits.unpack(f, frame.height).tolist()
                    == s.not_().fill_null(False).to_list()
                )
                assert int(t[-1] | f[-1]) >> (frame.height % 64 or 64) == 0  # no bits past n
