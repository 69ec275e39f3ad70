"""The plain and the set-based evaluators agree on every random rule and portrait."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.policies.rules.explain import evaluate
from highland.policies.rules.fields import (
    FIELDS,
    LIFECYCLE_STAGES,
    QUALIFICATION_CODES,
    SIZE_CLASSES,
)
from highland.policies.rules.loader import read_text
from highland.policies.rules.model import compile_policy
from highland.policies.rules.testcases import frame_of
from highland.policies.rules.vector import details, summarise

AS_OF = date(2026, 6, 30)
NUMERIC = ["revenue", "rd_spend", "employees", "rd_intensity", "age_years", "valuation_usd"]
CODES = {"size_class": SIZE_CLASSES, "lifecycle_stage": LIFECYCLE_STAGES,
         "district": ("320115", "320106", "320114")}  # fmt: skip
OPEN_SETS = {"chains": ("ic", "nev", "ai"), "segments": ("ic/design", "ic/make", "nev/battery")}
# Thresholds and values come from the same small grid so that boundaries are hit often.
GRID = [Decimal(x) for x in ("0", "0.5", "1", "2", "3", "10", "100", "1000.01")]


def _yaml(value: Any) -> str:
    """Flow YAML (JSON-like) that writes Decimals as plain numbers."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    return '"' + str(value) + '"'


@st.composite
def predicates(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["num", "num", "code", "bool", "set", "chain", "exists"]))
    if kind == "num":
        field = draw(st.sampled_from(NUMERIC))
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "between", "in", "not_in"]))
        if op == "between":
            a, b = sorted(draw(st.lists(st.sampled_from(GRID), min_size=2, max_size=2)))
            return {"field": field, "op": op, "value": [a, b]}
        if op in ("in", "not_in"):
            return {
                "field": field,
                "op": op,
                "value": draw(st.lists(st.sampled_from(GRID), min_size=1, max_size=3)),
            }
        return {"field": field, "op": op, "value": draw(st.sampled_from(GRID))}
    if kind == "code":
        field = draw(st.sampled_from(sorted(CODES)))
        op = draw(st.sampled_from(["==", "!=", "in", "not_in"]))
        pick = st.sampled_from(CODES[field])
        value = draw(st.lists(pick, min_size=1, max_size=2)) if "in" in op else draw(pick)
        return {"field": field, "op": op, "value": value}
    if kind == "bool":
        return {"field": "listed", "op": draw(st.sampled_from(["==", "!="])),
                "value": draw(st.booleans())}  # fmt: skip
    if kind == "set":
        op = draw(st.sampled_from(["contains", "in", "not_in"]))
        codes = draw(st.lists(st.sampled_from(QUALIFICATION_CODES[:4]), min_size=1, max_size=2))
        return {"field": "qualifications", "op": op, "value": codes}
    if kind == "chain":  # open sets: any code, an empty set is known
        field = draw(st.sampled_from(sorted(OPEN_SETS)))
        op = draw(st.sampled_from(["contains", "in", "not_in"]))
        codes = draw(st.lists(st.sampled_from(OPEN_SETS[field]), min_size=1, max_size=2))
        value: Any = codes[0] if op == "contains" and draw(st.booleans()) else codes
        return {"field": field, "op": op, "value": value}
    return {"field": draw(st.sampled_from([*NUMERIC, "listed"])), "op": "exists",
            "value": draw(st.booleans())}  # fmt: skip


def trees(depth: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        predicates(),
        lambda children: st.one_of(
            st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda c: {"not": c}, children),
        ),
        max_leaves=6,
    )


AMOUNTS = [
    None,
    "300000",
    "min(rd_spend * 0.10, 2000000)",
    "revenue * 0.015 + employees * 3.5",
    "max(revenue - rd_spend, 0) / 3",
    "rd_spend / employees",
    "valuation_usd * 0.001 - 50",
]


@st.composite
def policies(draw: st.DrawFn) -> str:
    doc: dict[str, Any] = {
        "id": "p-random", "title": "随机", "issuer": "测试", "level": "municipal",
        "effective": "2025-01-01", "eligibility": draw(trees()),
        "benefit": {"type": "subsidy",
                    "rounding": draw(st.sampled_from(["fen", "yuan", "wan"]))},
    }  # fmt: skip
    amount = draw(st.sampled_from(AMOUNTS))
    if amount:
        doc["benefit"]["amount"] = amount
    if draw(st.booleans()):
        doc["stages"] = draw(st.lists(st.sampled_from(LIFECYCLE_STAGES), min_size=1, max_size=2))
    return _yaml(doc)


def _value(draw: st.DrawFn, name: str) -> Any:
    spec = FIELDS[name]
    if spec.numeric:
        base = draw(st.sampled_from(GRID)) * spec.scale
        return int(base) + draw(st.sampled_from([-1, 0, 0, 1]))
    if name == "listed":
        return draw(st.booleans())
    if name == "qualifications":
        return sorted(set(draw(st.lists(st.sampled_from(QUALIFICATION_CODES[:4]), max_size=3))))
    if name in OPEN_SETS:  # often empty: no membership is a known empty set
        return sorted(set(draw(st.lists(st.sampled_from(OPEN_SETS[name]), max_size=2))))
    return draw(st.sampled_from(CODES[name]))


@st.composite
def portraits(draw: st.DrawFn) -> dict[str, Any]:
    names = [*NUMERIC, *CODES, "listed", "qualifications", *OPEN_SETS]
    return {n: (None if draw(st.integers(0, 4)) == 0 else _value(draw, n)) for n in names}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), st.lists(portraits(), min_size=1, max_size=8))
def test_plain_and_set_based_agree(text: str, rows: list[dict[str, Any]]) -> None:
    lib = read_text(text, "random.yaml")
    assert lib.ok, lib.errors
    compiled = compile_policy(lib.policies["p-random"], AS_OF)
    frames = [frame_of(r).with_columns(pl.lit(str(i)).alias("uscc")) for i, r in enumerate(rows)]
    frame = pl.concat(frames)
    got = details(frame, compiled, extra=("near",)).rows(named=True)
    plain = [evaluate(compiled, r) for r in rows]
    for row, result in zip(got, plain, strict=True):
        assert row["status"] == result.status, text
        assert row["amount_fen"] == result.amount_fen, text
        assert [s for s in row["failed"].split(";") if s] == list(result.failed), text
        assert [s for s in row["missing"].split(";") if s] == list(result.missing), text
        assert [int(s) for s in row["near"].split(";") if s] == list(result.near_miss), text
    summary = summarise(frame, [compiled])[0]
    assert summary.eligible == sum(r.status == "eligible" for r in plain)
    assert summary.unknown == sum(r.status == "unknown" for r in plain)
    assert summary.near_miss == sum(bool(r.near_miss) for r in plain)
    for i in range(len(compiled.criteria)):
        assert summary.near_by_criterion[i] == sum(i in r.near_miss for r in plain)
    assert summary.amount_fen == sum(r.amount_fen or 0 for r in plain)
