"""What a policy is once its YAML has been validated, and its criteria resolved for a date.

A criterion's threshold is resolved for the matching date (dated parameters) and turned into
exact integer bounds in the field's integer unit (fen, millionths, …), so that the plain and
the set-based evaluators compare the very same integers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from highland.policies.rules.amount import AmountExpr
from highland.policies.rules.fields import FIELDS, QUALIFICATION_CODES, FieldSpec

OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "between", "exists")
LEVELS = ("national", "provincial", "municipal", "district")
BENEFIT_TYPES = ("subsidy", "tax", "loan_interest", "award", "qualification", "other")
ROUNDINGS = ("fen", "yuan", "wan")

Scalar = Decimal | str | bool
# A value as written: a scalar, a list of scalars, or (for between) a [low, high] pair.
Value = Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class Predicate:
    """One criterion as written: field, operator and value (possibly dated)."""

    field: str
    op: str
    # (from_date, value) pairs, oldest first; a plain value is one pair from date.min.
    values: tuple[tuple[date, Value], ...]
    cite: str | None = None
    line: int | None = None
    index: int = 0  # position among the policy's criteria, in document order

    @property
    def spec(self) -> FieldSpec:
        """The field's catalogue entry."""
        return FIELDS[self.field]

    def value_at(self, as_of: date) -> Value:
        """The value in force at a date (the newest dated value not after it)."""
        current: Value | None = None
        for since, value in self.values:
            if since <= as_of:
                current = value
        if current is None:
            raise ValueError(f"{self.field}: no value in force at {as_of}")
        return current

    @property
    def dated(self) -> bool:
        """Whether the value changes over time."""
        return len(self.values) > 1 or self.values[0][0] != date.min


@dataclass(frozen=True)
class AllOf:
    """All children must hold."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one child must hold."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child must not hold (unknown stays unknown)."""

    child: Node


Node = Predicate | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Benefit:
    """What the policy gives and how much."""

    type: str
    amount: AmountExpr | None = None
    rounding: str = "fen"
    note: str | None = None


@dataclass(frozen=True)
class Policy:
    """One version of a support policy, validated."""

    id: str
    title: str
    issuer: str
    level: str
    effective: date
    benefit: Benefit
    eligibility: Node
    title_en: str | None = None
    # 主管部门/执行单位: the body that runs the policy, when it is not the issuer (发文单位).
    authority: str | None = None
    document: str | None = None
    article: str | None = None
    expires: date | None = None
    package: str | None = None
    stages: tuple[str, ...] = ()
    no_application: bool = False
    excludes: tuple[str, ...] = ()
    source: str = ""  # the YAML document as written
    path: str = ""
    line: int = 1
    criteria: tuple[Predicate, ...] = field(default=(), compare=False)

    def in_force(self, as_of: date) -> bool:
        """Whether the policy applies at a date (effective and expiry dates inclusive)."""
        return self.effective <= as_of and (self.expires is None or as_of <= self.expires)


@dataclass(frozen=True)
class Package:
    """A policy package (政策包): a title, its document, and an optional cap per enterprise."""

    id: str
    title: str
    title_en: str | None = None
    issuer: str | None = None
    document: str | None = None
    cap_fen: int | None = None
    source: str = ""
    path: str = ""
    line: int = 1


# --------------------------------------------------------------------------- resolution


Kind = Literal["range", "not_equal", "one_of", "none_of", "has_all", "exists", "missing"]


@dataclass(frozen=True)
class Criterion:
    """A predicate resolved for a date into an exact test on the integer representation.

    kinds: range (lo <= v <= hi, either bound open), not_equal (v != lo), one_of / none_of
    (v in / not in `items`; for a set field: holds any / holds none), has_all (a set field
    holds every item), exists / missing (never unknown).
    """

    predicate: Predicate
    kind: Kind
    lo: int | None = None
    hi: int | None = None
    items: tuple[object, ...] = ()
    negated: bool = False  # under an odd number of `not`: the criterion passes when false
    label: str = ""
    threshold: Value | None = None  # as written, resolved for the date

    @property
    def field(self) -> str:
        """The field the criterion reads."""
        return self.predicate.field

    @property
    def index(self) -> int:
        """The criterion's position in the policy."""
        return self.predicate.index

    @property
    def fixed(self) -> bool:
        """A condition the enterprise cannot change (district, industry, age, …): never a
        near miss, shown as a condition of the scheme rather than as advice."""
        return FIELDS[self.predicate.field].fixed


def _scaled(value: Decimal, spec: FieldSpec) -> Decimal:
    return value * spec.scale


def _integral(x: Decimal) -> int | None:
    return int(x) if x == x.to_integral_value() else None


def resolve(pred: Predicate, as_of: date, negated: bool = False) -> Criterion:
    """Resolve a predicate for a date into exact integer bounds."""
    spec = pred.spec
    value = pred.value_at(as_of)
    label = criterion_label(pred.field, pred.op, value, negated)
    base = {"predicate": pred, "negated": negated, "label": label, "threshold": value}
    op = pred.op
    if op == "exists":
        return Criterion(kind="exists" if value is True else "missing", **base)  # type: ignore[arg-type]
    if spec.numeric:
        return _resolve_numeric(op, value, spec, base)
    if spec.kind == "set":
        items = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
        kind = {"contains": "has_all", "in": "one_of", "not_in": "none_of"}[op]
        return Criterion(kind=kind, items=items, **base)  # type: ignore[arg-type]
    if op in ("in", "not_in"):
        kind = "one_of" if op == "in" else "none_of"
        return Criterion(kind=kind, items=tuple(value), **base)  # type: ignore[arg-type]
    kind = "one_of" if op == "==" else "none_of"
    return Criterion(kind=kind, items=(value,), **base)  # type: ignore[arg-type]


def _resolve_numeric(op: str, value: Value, spec: FieldSpec, base: dict[str, object]) -> Criterion:
    if op in ("in", "not_in"):
        scaled = (_integral(_scaled(v, spec)) for v in value)  # type: ignore[union-attr,arg-type]
        items = tuple(sorted({v for v in scaled if v is not None}))
        return Criterion(kind="one_of" if op == "in" else "none_of", items=items, **base)  # type: ignore[arg-type]
    if op == "between":
        assert isinstance(value, tuple)
        low, high = value
        assert isinstance(low, Decimal) and isinstance(high, Decimal)
        lo = math.ceil(_scaled(low, spec))
        hi = math.floor(_scaled(high, spec))
        return Criterion(kind="range", lo=lo, hi=hi, **base)  # type: ignore[arg-type]
    t = _scaled(value, spec)  # type: ignore[arg-type]
    if op in ("==", "!="):
        exact = _integral(t)
        if exact is None:  # no integer equals it: == never holds, != holds for any known value
            if op == "==":
                return Criterion(kind="range", lo=1, hi=0, **base)  # type: ignore[arg-type]
            return Criterion(kind="range", **base)  # type: ignore[arg-type]
        kind = "range" if op == "==" else "not_equal"
        return Criterion(kind=kind, lo=exact, hi=exact, **base)  # type: ignore[arg-type]
    bounds = {
        ">=": (math.ceil(t), None),
        ">": (math.floor(t) + 1, None),
        "<=": (None, math.floor(t)),
        "<": (None, math.ceil(t) - 1),
    }[op]
    return Criterion(kind="range", lo=bounds[0], hi=bounds[1], **base)  # type: ignore[arg-type]


def value_text(value: Value) -> str:
    """A value as it reads in a criterion label: 0.04, true, [320115, 320106]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return str(value)


def criterion_label(field_name: str, op: str, value: Value, negated: bool = False) -> str:
    """`field op value`, prefixed with `not ` when the criterion sits under a `not`."""
    text = f"{field_name} {op} {value_text(value)}"
    return f"not {text}" if negated else text


def qualification_bit(code: str) -> int:
    """The bit of a qualification code in the set-based evaluator's mask."""
    return 1 << QUALIFICATION_CODES.index(code)


@dataclass(frozen=True)
class Compiled:
    """A policy resolved for a date: its criteria (document order) and its tree of indexes."""

    policy: Policy
    as_of: date
    criteria: tuple[Criterion, ...]
    tree: Tree


# A tree whose leaves are criterion indexes: ("leaf", i) | ("all"|"any", (...)) | ("not", t).
Tree = tuple[Any, ...]


def compile_policy(policy: Policy, as_of: date) -> Compiled:
    """Resolve every criterion of a policy for a date; `stages` becomes a last criterion."""
    criteria: list[Criterion] = []

    def walk(node: Node, negated: bool) -> Tree:
        if isinstance(node, Predicate):
            criteria.append(resolve(node, as_of, negated))
            return ("leaf", len(criteria) - 1)
        if isinstance(node, Not):
            return ("not", walk(node.child, not negated))
        kind = "all" if isinstance(node, AllOf) else "any"
        return (kind, tuple(walk(c, negated) for c in node.children))

    tree = walk(policy.eligibility, False)
    if policy.stages:
        stage = Predicate(
            "lifecycle_stage",
            "in",
            ((date.min, policy.stages),),
            "stages",
            policy.line,
            len(criteria),
        )
        criteria.append(resolve(stage, as_of))
        tree = ("all", (tree, ("leaf", len(criteria) - 1)))
    return Compiled(policy, as_of, tuple(criteria), tree)
