"""What-if edits: new thresholds and amounts, checked like rule files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from highland.policies.rules.explain import evaluate
from highland.policies.rules.loader import portrait_from_human, read_text
from highland.policies.rules.model import compile_policy
from highland.policies.rules.whatif import edit_policy
from tests.policies.test_loader import GOOD

POLICY = read_text(GOOD, "p.yaml").policies["nj-2025-rd-subsidy"]
AS_OF = date(2025, 6, 1)
ENTERPRISE = portrait_from_human({
    "district": "320115", "rd_intensity": Decimal("0.035"), "rd_spend": 3_500_000,
    "revenue": 100_000_000,
    "qualifications": ["high_tech"], "listed": False, "lifecycle_stage": "growth",
})  # fmt: skip


def test_lowering_a_threshold_and_changing_the_amount() -> None:
    assert evaluate(compile_policy(POLICY, AS_OF), ENTERPRISE).status == "ineligible"
    edited = edit_policy(POLICY, {1: "0.03"}, "min(rd_spend * 0.2, 500000)")
    result = evaluate(compile_policy(edited, AS_OF), ENTERPRISE)
    assert result.status == "eligible"
    assert result.amount_fen == 500_000_00
    assert POLICY.criteria[1].values[0][1] == Decimal("0.04")  # the original is untouched


def test_list_values_and_blank_fields_keep_the_original() -> None:
    edited = edit_policy(POLICY, {0: '["320115"]', 1: "  "})
    assert edited.criteria[0].values[0][1] == ("320115",)
    assert edited.criteria[1] == POLICY.criteria[1]


@pytest.mark.parametrize(
    ("thresholds", "amount", "message"),
    [
        ({1: '"0.03"'}, None, "criterion 2 (rd_intensity >=): rd_intensity >=: '0.03' is not a "),
        ({1: "[0.03"}, None, "criterion 2 (rd_intensity >=): '[0.03' is not a value"),
        ({0: "[320115]"}, None, 'quote codes: "320115"'),
        ({9: "1"}, None, "criterion 10 does not exist"),
        ({}, "rd_spend * ", "amount: column"),
    ],
)
def test_bad_edits_say_which_criterion_and_what(
    thresholds: dict[int, str], amount: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=None) as err:
        edit_policy(POLICY, thresholds, amount)
    assert message in str(err.value)
