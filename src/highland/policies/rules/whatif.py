"""Unsaved edits of a policy for what-if: new thresholds for some criteria, a new amount."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import yaml

from highland.policies.rules.amount import AmountSyntaxError, parse_amount
from highland.policies.rules.loader import LineLoader, check_value
from highland.policies.rules.model import AllOf, AnyOf, Node, Not, Policy, Predicate
from highland.policies.rules.problems import RuleProblem

# The suffix of an edited policy's source name in its problems (the pages say it in words).
EDITED = " (edited)"


def parse_threshold(pred: Predicate, text: str) -> Predicate:
    """The criterion with a new value written as in YAML (0.035, [small, micro], "320115")."""
    where = f"criterion {pred.index + 1} ({pred.field} {pred.op})"
    try:
        raw = yaml.load(text, Loader=LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RuleProblem(
            f"{where}: {text!r} is not a value: {exc}",
            "whatif.not_value",
            n=pred.index + 1,
            field=pred.field,
            op=pred.op,
            value=text[:80],
        ) from None
    try:
        value = check_value(pred.field, pred.op, raw)
    except RuleProblem as exc:
        raise exc.restated(f"{where}: {exc}") from None
    return replace(pred, values=((date.min, value),))


def _rebuild(node: Node, edits: Mapping[int, Predicate]) -> Node:
    if isinstance(node, Predicate):
        return edits.get(node.index, node)
    if isinstance(node, Not):
        return Not(_rebuild(node.child, edits))
    children = tuple(_rebuild(c, edits) for c in node.children)
    return AllOf(children) if isinstance(node, AllOf) else AnyOf(children)


def edit_policy(policy: Policy, thresholds: Mapping[int, str], amount: str | None = None) -> Policy:
    """A copy of the policy with new values for criteria (by index) and optionally an amount.

    Raises ValueError naming the criterion (1-based, as pages number them) and what is wrong.
    """
    by_index = {p.index: p for p in policy.criteria}
    edits: dict[int, Predicate] = {}
    for index, text in thresholds.items():
        if index not in by_index:
            raise RuleProblem(
                f"criterion {index + 1} does not exist in {policy.id}",
                "whatif.no_criterion",
                n=index + 1,
                id=policy.id,
            )
        if text.strip():
            edits[index] = parse_threshold(by_index[index], text)
    eligibility = _rebuild(policy.eligibility, edits)
    benefit = policy.benefit
    if amount is not None and amount.strip():
        try:
            benefit = replace(benefit, amount=parse_amount(amount))
        except AmountSyntaxError as exc:
            raise exc.restated(f"amount: {exc}") from None
    criteria = tuple(edits.get(p.index, p) for p in policy.criteria)
    return replace(policy, eligibility=eligibility, benefit=benefit, criteria=criteria)
