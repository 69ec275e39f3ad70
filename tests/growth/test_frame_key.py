"""The set-based evaluator keys each firm's combination of leaf truths: packed into one integer
for the usual rule sets, as text for a rule set of more leaves than an integer holds — both
give every firm the plain evaluator's line, and the same `__truths` digits (leaf 0 first)."""

from __future__ import annotations

import random

import pytest

from highland.growth.rules import frame, reference
from highland.growth.rules.loader import read_ruleset
from highland.growth.rules.reference import Firm
from tests.growth.helpers import firm, frame_of

WAN = 10_000 * 100  # ¥1万 in fen


def _ruleset(leaves: int) -> str:
    """A rule set of `leaves` revenue floors, ¥1万 apart, and one growth test."""
    floors = "\n".join(
        f'        - {{fn: value, of: revenue, back: 1, op: ">=", value: {10_000 * (i + 1)}}}'
        for i in range(leaves - 1)
    )
    return f"""id: many-floors
title: 多档营收
title_en: Many revenue floors
issuer: 测试
document: 测试
dated: 2024-01-01
precedence: [steady, growing]
categories:
  - id: steady
    title: 稳定
    title_en: Steady
    eligibility:
      all:
{floors}
  - id: growing
    title: 成长
    title_en: Growing
    eligibility:
      all:
        - {{fn: growth_each, of: revenue, years: 1, op: ">", value: 0}}
"""


def _firms(n: int, leaves: int) -> list[Firm]:
    rng = random.Random(39)
    out = []
    for i in range(n):
        last = rng.choice([None, rng.randint(0, leaves + 2) * WAN])
        now = rng.choice([None, rng.randint(0, leaves + 2) * WAN])
        out.append(firm(f"K{i:04d}", revenue={2023: last, 2024: now}))
    return out


@pytest.mark.parametrize("leaves", [5, 39, 40, 45])
def test_packed_and_text_keys_give_the_plain_evaluators_lines(leaves: int) -> None:
    rs = read_ruleset(_ruleset(leaves), "many.yaml")
    assert len(rs.leaves) == leaves
    firms = _firms(300, leaves)
    got = frame.classify(frame_of(firms, rs, 2024), rs, 2024)
    assert got.select(*frame.OUTPUT_COLUMNS).rows() == [
        reference.classify(rs, f, 2024) for f in firms
    ]
    for f, truths in zip(firms, got.get_column("__truths"), strict=True):
        digits = ["2" if t is None else "1" if t else "0" for t in reference.truths(rs, f, 2024)]
        assert truths == "".join(digits)
    assert {s for s in got.get_column("status")} == {"eligible", "ineligible", "unknown"}
