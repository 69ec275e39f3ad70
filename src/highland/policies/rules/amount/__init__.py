"""The amount expression of a support policy, such as ``min(rd_spend * 0.10, 2000000)``.

A small recursive-descent parser (`parser`, never Python's eval) turns the text into a tree of
frozen nodes (`syntax`); two evaluators then compute the same exact result: per enterprise in
Python with Fractions (`exact`), and set-based in Polars with Int128 numerator/denominator
pairs (`vector`). Both round once, half-up, to the policy's unit. Polars Int128 arithmetic
wraps silently on overflow, so the parser proves from the catalogue bounds that no
intermediate value can exceed 2**126.
"""

from highland.policies.rules.amount.exact import amount_fen, evaluate_amount, round_to_unit
from highland.policies.rules.amount.parser import parse_amount
from highland.policies.rules.amount.syntax import (
    FUNCTIONS,
    OUTPUT_NAME,
    UNITS,
    AmountExpr,
    AmountSyntaxError,
)
from highland.policies.rules.amount.vector import polars_amount_fen

__all__ = [
    "FUNCTIONS",
    "OUTPUT_NAME",
    "UNITS",
    "AmountExpr",
    "AmountSyntaxError",
    "amount_fen",
    "evaluate_amount",
    "parse_amount",
    "polars_amount_fen",
    "round_to_unit",
]
