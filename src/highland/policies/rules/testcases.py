"""YAML policy test cases: a portrait in, the expected status and amount out.

Each case runs through both evaluators (the plain one and the set-based one on a one-row
frame) and fails if either differs from what the case expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from highland.policies.rules.explain import evaluate
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.loader import Library, portrait_from_human
from highland.policies.rules.model import compile_policy
from highland.policies.rules.vector import details

_CASE_KEYS = {"name", "policy", "as_of", "portrait", "expect"}
_EXPECT_KEYS = {"status", "amount", "failed", "missing"}


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome: where it is, its name, and what went wrong (empty if it passed)."""

    path: str
    line: int
    name: str
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether the case passed."""
        return not self.problems


def frame_of(values: Mapping[str, Any]) -> pl.DataFrame:
    """A one-row portrait frame from integer-representation values."""
    schema: dict[str, pl.DataType] = {"uscc": pl.String()}
    for name, spec in FIELDS.items():
        if spec.numeric:
            schema[name] = pl.Int64()
        elif spec.kind == "bool":
            schema[name] = pl.Boolean()
        elif spec.kind == "set":
            schema[name] = pl.List(pl.String())
        else:
            schema[name] = pl.String()
    row = {"uscc": "case", **{n: values.get(n) for n in FIELDS}}
    return pl.DataFrame([row], schema=schema)


def yuan(fen: int | None) -> str:
    """Fen as yuan with 2 decimals; empty for None."""
    if fen is None:
        return ""
    return f"{Decimal(fen).scaleb(-2):.2f}"


def run_tests(lib: Library) -> list[CaseResult]:
    """Run every test document of a library against its policies."""
    results: list[CaseResult] = []
    for doc in lib.tests:
        for case, line in zip(doc.cases, doc.lines, strict=True):
            results.append(_run_case(lib, case, doc.as_of, doc.path, line))
    return results


def _run_case(lib: Library, case: Any, as_of: date | None, path: str, line: int) -> CaseResult:
    name = str(case.get("name", f"line {line}")) if isinstance(case, dict) else f"line {line}"
    problems = _case_problems(lib, case, as_of)
    return CaseResult(path, line, name, tuple(problems))


def _case_problems(lib: Library, case: Any, as_of: date | None) -> list[str]:
    if not isinstance(case, dict):
        return ["a case must be a mapping with policy, portrait and expect"]
    unknown = set(case) - _CASE_KEYS
    if unknown:
        return [f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in a case"]
    policy = lib.policies.get(str(case.get("policy")))
    if policy is None:
        return [f"policy {case.get('policy')!r} is not in the files given"]
    when = case.get("as_of", as_of)
    if isinstance(when, str):
        try:
            when = date.fromisoformat(when.strip())
        except ValueError:
            return [f"as_of: {when!r} is not a date (write YYYY-MM-DD, e.g. 2025-01-01)"]
    if not isinstance(when, date):
        return ["no as_of date (set as_of on the case or the document)"]
    expect = case.get("expect")
    if not isinstance(expect, dict) or not expect or set(expect) - _EXPECT_KEYS:
        return ["expect must be a mapping of status, amount, failed, missing"]
    try:
        values = portrait_from_human(case.get("portrait") or {})
    except ValueError as exc:
        return [f"portrait: {exc}"]
    if not policy.in_force(when):
        return [f"policy {policy.id} is not in force on {when}"]
    compiled = compile_policy(policy, when)
    plain = evaluate(compiled, values)
    got_plain = {
        "status": plain.status,
        "amount": yuan(plain.amount_fen),
        "failed": list(plain.failed),
        "missing": list(plain.missing),
    }
    row = details(frame_of(values), compiled).row(0, named=True)
    got_set = {
        "status": row["status"],
        "amount": yuan(row["amount_fen"]),
        "failed": [s for s in row["failed"].split(";") if s],
        "missing": [s for s in row["missing"].split(";") if s],
    }
    problems = []
    if got_plain != got_set:
        problems.append(f"the two evaluators disagree: plain {got_plain}, set-based {got_set}")
    for key, want in expect.items():
        norm = _normalise(key, want)
        if got_plain[key] != norm:
            problems.append(f"{key}: expected {norm!r}, got {got_plain[key]!r}")
    return problems


def _normalise(key: str, want: Any) -> Any:
    if key == "amount":
        return "" if want in (None, "") else f"{Decimal(str(want)):.2f}"
    if key in ("failed", "missing"):
        return [str(w) for w in (want or [])]
    return want
