"""The plain evaluator: one enterprise against compiled policies, with the full explanation.

Values are the portrait in its integer representation (fen, millionths, …; see fields.py),
None for missing. Three-valued logic: True, False, or None for unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from highland.policies.rules.amount import amount_fen
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.model import Compiled, Criterion, Tree

Truth = bool | None
STATUS = {True: "eligible", False: "ineligible", None: "unknown"}


@dataclass(frozen=True, slots=True)
class Gap:
    """How far a failed criterion is from passing, in the field's integer unit."""

    field: str
    shortfall: int  # > 0: the value must rise by this much; < 0: fall by -shortfall
    # A fix in another field the criterion derives from, e.g. more R&D spend for intensity.
    via_field: str | None = None
    via_amount: int | None = None


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion for one enterprise: the value seen, the outcome, and the gap if failed."""

    criterion: Criterion
    value: object | None
    outcome: Truth  # the predicate itself
    passed: Truth  # the criterion as the policy wants it (inverted under `not`)
    gap: Gap | None = None


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """One policy for one enterprise."""

    compiled: Compiled
    status: str  # eligible | ineligible | unknown
    amount_fen: int | None
    criteria: tuple[CriterionResult, ...]
    failed: tuple[str, ...]  # labels of the criteria that decide an ineligible result
    missing: tuple[str, ...]  # fields whose absence leaves the result open (or the amount)
    near_miss: tuple[int, ...]  # criteria that alone stand between the enterprise and eligible
    potential_fen: int | None  # the amount it would receive if eligible

    @property
    def policy_id(self) -> str:
        """The policy's id."""
        return self.compiled.policy.id


def criterion_truth(c: Criterion, v: object | None) -> Truth:
    """The predicate's truth for one value (None when the value is missing)."""
    kind = c.kind
    if kind == "exists":
        return v is not None
    if kind == "missing":
        return v is None
    if v is None:
        return None
    if kind == "range":
        return (c.lo is None or v >= c.lo) and (c.hi is None or v <= c.hi)  # type: ignore[operator]
    if kind == "not_equal":
        return v != c.lo
    if isinstance(v, (list, tuple, frozenset, set)):  # a set field
        if kind == "has_all":
            return all(i in v for i in c.items)
        hit = any(i in v for i in c.items)
        return hit if kind == "one_of" else not hit
    return (v in c.items) if kind == "one_of" else (v not in c.items)


def evaluate_tree(tree: Tree, leaves: Sequence[Truth], forced: int = -1) -> Truth:
    """Kleene evaluation of a tree of criterion indexes; `forced` makes one criterion pass."""
    kind = tree[0]
    if kind == "leaf":
        i: int = tree[1]
        return leaves[i]
    if kind == "not":
        inner = evaluate_tree(tree[1], leaves, forced)
        return None if inner is None else not inner
    children: tuple[Tree, ...] = tree[1]
    seen_unknown = False
    decisive = kind == "any"  # the child value that decides the group at once
    for child in children:
        value = evaluate_tree(child, leaves, forced)
        if value is decisive:
            return decisive
        if value is None:
            seen_unknown = True
    return None if seen_unknown else not decisive


def _forced_leaves(compiled: Compiled, leaves: Sequence[Truth], i: int) -> list[Truth]:
    """The leaves with criterion i set to its passing value."""
    out = list(leaves)
    out[i] = not compiled.criteria[i].negated
    return out


def decided_by(tree: Tree, leaves: Sequence[Truth], want: Truth, parity: bool = False
               ) -> list[int]:  # fmt: skip
    """Criteria whose whole path to the root evaluates to `want` (after `not` flips).

    With want=False this gives the failed criteria of an ineligible result; with want=None
    the unknown criteria whose absence keeps the result open.
    """
    value = evaluate_tree(tree, leaves)
    seen = None if value is None else (value != parity)
    if seen is not want:
        return []
    kind = tree[0]
    if kind == "leaf":
        return [tree[1]]
    if kind == "not":
        return decided_by(tree[1], leaves, want, not parity)
    out: list[int] = []
    for child in tree[1]:
        out.extend(decided_by(child, leaves, want, parity))
    return out


def evaluate(compiled: Compiled, values: Mapping[str, Any], explain: bool = True) -> PolicyResult:
    """Evaluate one compiled policy for one enterprise's portrait values."""
    crits = compiled.criteria
    leaves = [criterion_truth(c, values.get(c.field)) for c in crits]
    result = evaluate_tree(compiled.tree, leaves)
    status = STATUS[result]
    benefit = compiled.policy.benefit
    potential = None
    if benefit.amount is not None and in_bounds(benefit.amount.fields, values):
        potential = amount_fen(benefit.amount, values, benefit.rounding)
    failed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    near: tuple[int, ...] = ()
    if result is False:
        failed = tuple(crits[i].label for i in decided_by(compiled.tree, leaves, False))
        near = tuple(
            i
            for i, c in enumerate(crits)
            if leaves[i] is not None
            and leaves[i] == c.negated
            and evaluate_tree(compiled.tree, _forced_leaves(compiled, leaves, i)) is True
        )
    elif result is None:
        missing = _unique(crits[i].field for i in decided_by(compiled.tree, leaves, None))
    elif benefit.amount is not None and potential is None:
        missing = _unique(f for f in benefit.amount.fields if values.get(f) is None)
    results: tuple[CriterionResult, ...] = ()
    if explain:
        results = tuple(_explain(c, values, leaves[i]) for i, c in enumerate(crits))
    amount = potential if result is True else None
    return PolicyResult(compiled, status, amount, results, failed, missing, near, potential)


_ORDER = {name: i for i, name in enumerate(FIELDS)}


def in_bounds(names: Sequence[str], values: Mapping[str, Any]) -> bool:
    """Whether every amount input lies within its field's bound (beyond it, no exact amount)."""
    for name in names:
        v = values.get(name)
        if isinstance(v, int) and abs(v) > FIELDS[name].bound:
            return False
    return True


def _unique(names: Any) -> tuple[str, ...]:
    """Field names once each, in catalogue order (the order both evaluators list them)."""
    return tuple(sorted(set(names), key=_ORDER.__getitem__))


def _explain(c: Criterion, values: Mapping[str, Any], outcome: Truth) -> CriterionResult:
    passed = None if outcome is None else (outcome != c.negated)
    value = values.get(c.field)
    gap = _gap(c, values, value) if passed is False else None
    return CriterionResult(c, value, outcome, passed, gap)


def _gap(c: Criterion, values: Mapping[str, Any], v: object) -> Gap | None:
    """The distance to passing for a failed numeric range criterion (not under `not`)."""
    if c.kind != "range" or c.negated or not isinstance(v, int) or isinstance(v, bool):
        return None
    if c.lo is not None and v < c.lo:
        shortfall = c.lo - v
    elif c.hi is not None and v > c.hi:
        shortfall = c.hi - v
    else:
        return None
    if c.field == "rd_intensity" and shortfall > 0 and c.lo is not None:
        extra = _extra_rd_spend(c.lo, values.get("revenue"), values.get("rd_spend"))
        if extra is not None:
            return Gap(c.field, shortfall, "rd_spend", extra)
    return Gap(c.field, shortfall)


def _extra_rd_spend(lo: int, revenue: object, rd_spend: object) -> int | None:
    """The least extra R&D spend (fen) that lifts the rounded intensity to `lo` millionths.

    The portrait rounds rd_spend/revenue half-up to millionths, so the intensity reaches lo
    once rd_spend * 1e6 / revenue >= lo - 1/2.
    """
    if not isinstance(revenue, int) or not isinstance(rd_spend, int) or revenue <= 0:
        return None
    need = Fraction(2 * lo - 1, 2_000_000) * revenue
    least = -((-need.numerator) // need.denominator)  # ceiling
    return max(least - rd_spend, 0)


def evaluate_all(
    compiled: Sequence[Compiled], values: Mapping[str, Any], explain: bool = True
) -> list[PolicyResult]:
    """Evaluate several policies for one enterprise, in the order given."""
    return [evaluate(c, values, explain) for c in compiled]


def field_unit(name: str) -> tuple[int, str]:
    """The scale and human unit of a numeric field, for rendering gaps."""
    spec = FIELDS[name]
    unit = {"money": "yuan", "usd": "USD", "ratio": "", "count": "", "years": "years"}
    return spec.scale, unit.get(spec.kind, "")
