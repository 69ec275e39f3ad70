"""The plain evaluator: one enterprise against compiled policies, with the full explanation.

Values are the portrait in its integer representation (fen, millionths, …; see fields.py),
None for missing. Three-valued logic: True, False, or None for unknown.
"""

from __future__ import annotations

import contextlib
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
    """One policy for one enterprise.

    `potential_fen` is computed when first read: an eligible result has it at once (it is
    the amount), other results keep their inputs and compute it on access, so that
    evaluating many policies pays for the Fraction arithmetic only where it is shown.
    """

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


class _Pending(tuple):  # type: ignore[type-arg,unused-ignore]
    """(compiled, amount input values): a potential amount not computed yet (PolicyResult)."""

    __slots__ = ()

    def compute(self) -> int | None:
        compiled, inputs = self
        benefit = compiled.policy.benefit
        assert benefit.amount is not None
        values = dict(zip(benefit.amount.fields, inputs, strict=True))
        if not in_bounds(benefit.amount.fields, values):
            return None
        return amount_fen(benefit.amount, values, benefit.rounding)


class _LazyPotential:
    """PolicyResult.potential_fen: the slot, resolving a _Pending value on first read."""

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = self.slot.__get__(obj, owner)
        if value.__class__ is _Pending:
            value = value.compute()
            self.slot.__set__(obj, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.slot.__set__(obj, value)


_SLOT = PolicyResult.__dict__["potential_fen"]
setattr(PolicyResult, "potential_fen", _LazyPotential(_SLOT))  # noqa: B010 - not a field write

# Fast construction of the frozen slotted results: a twin class with the same slots is filled
# by plain attribute stores and then given the real class (the very same objects result).
_new = object.__new__


class _CRBuild:
    """CriterionResult's slots without the frozen __init__: built, then given its class."""

    __slots__ = ("criterion", "value", "outcome", "passed", "gap")

    def __init__(self, c: Criterion, v: object, t: Truth, passed: Truth, gap: Gap | None) -> None:
        self.criterion = c
        self.value = v
        self.outcome = t
        self.passed = passed
        self.gap = gap


class _PRBuild:
    """PolicyResult's slots without the frozen __init__ (see _CRBuild)."""

    __slots__ = PolicyResult.__slots__

    def __init__(self, *args: Any) -> None:
        (
            self.compiled,
            self.status,
            self.amount_fen,
            self.criteria,
            self.failed,
            self.missing,
            self.near_miss,
            self.potential_fen,
        ) = args


if _CRBuild.__slots__ != CriterionResult.__slots__:  # the same layout, for __class__
    raise TypeError("_CRBuild must list CriterionResult's slots in order")
_GAP_SET = tuple(Gap.__dict__[n].__set__ for n in ("field", "shortfall", "via_field", "via_amount"))


def _plain_gap(name: str, shortfall: int) -> Gap:
    """Gap(name, shortfall), built without the frozen __init__."""
    gap = _new(Gap)
    g_field, g_short, g_via, g_amount = _GAP_SET
    g_field(gap, name)
    g_short(gap, shortfall)
    g_via(gap, None)
    g_amount(gap, None)
    return gap


# Criterion kinds as small ints, the range split by which bounds it has.
_RANGE_LO, _RANGE_HI, _RANGE_BOTH, _RANGE_OPEN = 0, 1, 2, 3
_NOT_EQUAL, _ONE_OF, _NONE_OF, _HAS_ALL, _EXISTS, _MISSING = 4, 5, 6, 7, 8, 9
_SET_TYPES = (list, tuple, frozenset, set)
_CODES = {"not_equal": _NOT_EQUAL, "one_of": _ONE_OF, "none_of": _NONE_OF, "has_all": _HAS_ALL,
          "exists": _EXISTS, "missing": _MISSING}  # fmt: skip
# Values whose criterion result is cached per criterion: immutable, and never with a gap.
_CACHEABLE = frozenset({type(None), str, bool})
_CACHE_SIZE = 1024


class _Plan:
    """What evaluate needs of a Compiled, worked out once: criteria as flat tuples, the tree."""

    __slots__ = ("specs", "flat", "ops", "paths", "amount", "amount_fields", "rounding", "n",
                 "changeable")  # fmt: skip

    def __init__(self, compiled: Compiled) -> None:
        specs: list[tuple[Any, ...]] = []
        for c in compiled.criteria:
            kind = c.kind
            if kind == "range":
                code = (_RANGE_OPEN, _RANGE_LO, _RANGE_HI, _RANGE_BOTH)[
                    (c.lo is not None) + 2 * (c.hi is not None)
                ]
            else:
                code = _CODES[kind]
            items: Any = c.items
            with contextlib.suppress(TypeError):  # an unhashable item: keep the tuple
                items = frozenset(items)
            gapped = kind == "range" and not c.negated
            specs.append((c, c.field, code, c.lo, c.hi, items, c.negated, gapped, {}))
        self.specs = tuple(specs)
        self.n = len(specs)
        # Only what the enterprise can change is a near miss (rules/fields.py: fixed).
        self.changeable = tuple(not c.fixed for c in compiled.criteria)
        tree = compiled.tree
        self.flat = _all_leaves(tree)
        ops: list[tuple[str, Any]] = []
        _postfix(tree, ops)
        self.ops = tuple(ops)
        paths: list[tuple[tuple[str, tuple[int, ...]], ...]] = [()] * len(specs)
        _paths(self.ops, len(ops) - 1, (), paths)
        self.paths = tuple(paths)
        benefit = compiled.policy.benefit
        self.amount = benefit.amount
        self.amount_fields: tuple[str, ...] = (
            () if benefit.amount is None else tuple(benefit.amount.fields)
        )
        self.rounding = benefit.rounding


def _all_leaves(tree: Tree) -> bool:
    """Whether the tree is only `all` groups of plain leaves (then no `not` either)."""
    if tree[0] == "leaf":
        return True
    if tree[0] != "all":
        return False
    return all(_all_leaves(child) for child in tree[1])


def _postfix(tree: Tree, ops: list[tuple[str, Any]]) -> int:
    """Append the tree's nodes children first; return the node's position."""
    kind = tree[0]
    if kind == "leaf":
        ops.append(("leaf", tree[1]))
    elif kind == "not":
        ops.append(("not", _postfix(tree[1], ops)))
    else:
        ops.append((kind, tuple([_postfix(child, ops) for child in tree[1]])))
    return len(ops) - 1


def _paths(ops: tuple[tuple[str, Any], ...], pos: int,
           above: tuple[tuple[str, tuple[int, ...]], ...],
           out: list[tuple[tuple[str, tuple[int, ...]], ...]]) -> None:  # fmt: skip
    """Each leaf's path from the root: (group kind, the other children's positions) per step."""
    kind, arg = ops[pos]
    if kind == "leaf":
        out[arg] = above
    elif kind == "not":
        _paths(ops, arg, (*above, ("not", ())), out)
    else:
        for j in arg:
            _paths(ops, j, (*above, (kind, tuple(k for k in arg if k != j))), out)


def _lifts(path: tuple[tuple[str, tuple[int, ...]], ...], vals: list[Truth], forced: bool
           ) -> bool:  # fmt: skip
    """Whether setting the leaf at the end of `path` to `forced` makes the root true.

    Top-down: each group needs its path child to reach a target value given the other
    children's stored values (Kleene), unless those settle the group already.
    """
    target = True
    for kind, others in path:
        if kind == "not":
            target = not target
        elif (kind == "all") == target:  # all→True or any→False: every other child must agree
            for o in others:
                if vals[o] is not target:
                    return False
        else:  # all→False or any→True: one other child with the target settles it
            for o in others:
                if vals[o] is target:
                    return True
    return forced is target


def _node_values(ops: tuple[tuple[str, Any], ...], leaves: Sequence[Truth]) -> list[Truth]:
    """Every node's Kleene value, in postfix order (the root last)."""
    vals: list[Truth] = []
    append = vals.append
    for kind, arg in ops:
        if kind == "leaf":
            append(leaves[arg])
        elif kind == "not":
            v = vals[arg]
            append(None if v is None else not v)
        else:
            decisive = kind == "any"
            unknown = False
            for j in arg:
                v = vals[j]
                if v is decisive:
                    append(decisive)
                    break
                if v is None:
                    unknown = True
            else:
                append(None if unknown else not decisive)
    return vals


def _decided(ops: tuple[tuple[str, Any], ...], vals: list[Truth], pos: int, want: Truth,
             parity: bool, out: list[int]) -> None:  # fmt: skip
    """decided_by over stored node values: the leaves whose path to the root reads `want`."""
    v = vals[pos]
    seen = None if v is None else (v != parity)
    if seen is not want:
        return
    kind, arg = ops[pos]
    if kind == "leaf":
        out.append(arg)
    elif kind == "not":
        _decided(ops, vals, arg, want, not parity, out)
    else:
        for j in arg:
            _decided(ops, vals, j, want, parity, out)


_PLANS: dict[int, tuple[Compiled, _Plan]] = {}
_MAX_PLANS = 4096


def _plan(compiled: Compiled) -> _Plan:
    """The compiled policy's plan, cached by identity (what-if compiles throwaway policies)."""
    entry = _PLANS.get(id(compiled))
    if entry is not None and entry[0] is compiled:
        return entry[1]
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    plan = _Plan(compiled)
    _PLANS[id(compiled)] = (compiled, plan)
    return plan


def evaluate(compiled: Compiled, values: Mapping[str, Any], explain: bool = True) -> PolicyResult:
    """Evaluate one compiled policy for one enterprise's portrait values."""
    # long: the hot loop of matching one enterprise, inlined (bound methods, cached
    # truths per criterion) because it runs for every enterprise and policy; see bench/.
    entry = _PLANS.get(id(compiled))
    plan = entry[1] if entry is not None and entry[0] is compiled else _plan(compiled)
    get = values.get
    leaves: list[Truth] = []
    built: list[CriterionResult] = []
    n_false = n_none = 0
    add_leaf = leaves.append
    add_result = built.append
    for c, name, code, lo, hi, items, negated, gapped, cache in plan.specs:
        v = get(name)
        cacheable = v.__class__ in _CACHEABLE
        if cacheable:
            hit = cache.get(v)
            if hit is not None:
                t = hit[0]
                if t is None:
                    n_none += 1
                elif t == negated:
                    n_false += 1
                add_leaf(t)
                add_result(hit[1])
                continue
        if code >= _EXISTS:
            t = (v is not None) if code == _EXISTS else (v is None)
        elif v is None:
            t = None
        elif code == _RANGE_LO:
            t = v >= lo
        elif code == _RANGE_HI:
            t = v <= hi
        elif code == _RANGE_BOTH:
            t = lo <= v <= hi
        elif code == _RANGE_OPEN:
            t = True
        elif code == _NOT_EQUAL:
            t = v != lo
        else:
            try:
                if isinstance(v, _SET_TYPES):
                    if code == _HAS_ALL:
                        t = items.issubset(v)
                    else:
                        t = (not items.isdisjoint(v)) == (code == _ONE_OF)
                elif code == _ONE_OF:
                    t = v in items
                else:
                    t = v not in items
            except (TypeError, AttributeError):  # unhashable values or items: the plain test
                t = criterion_truth(c, v)
        if t is None:
            n_none += 1
            passed: Truth = None
        else:
            passed = t != negated
            if not passed:
                n_false += 1
        add_leaf(t)
        if explain or cacheable:
            gap = None
            if passed is False and gapped:
                if v.__class__ is int and name != "rd_intensity":
                    if lo is not None and v < lo:
                        gap = _plain_gap(name, lo - v)
                    elif hi is not None and v > hi:
                        gap = _plain_gap(name, hi - v)
                else:
                    gap = _gap(c, values, v)
            r: Any = _CRBuild(c, v, t, passed, gap)
            r.__class__ = CriterionResult
            add_result(r)
            if cacheable and len(cache) < _CACHE_SIZE:
                cache[v] = (t, r)
    failed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    near: tuple[int, ...] = ()
    specs = plan.specs
    if plan.flat:  # all of plain leaves: read everything off the counts
        result: Truth = False if n_false else (None if n_none else True)
        if n_false:
            failed = tuple([specs[i][0].label for i in range(plan.n) if leaves[i] is False])
            if n_false == 1 and not n_none:
                changeable = plan.changeable
                near = tuple([i for i in range(plan.n) if leaves[i] is False and changeable[i]])
        elif n_none:
            missing = _unique([specs[i][1] for i in range(plan.n) if leaves[i] is None])
    else:
        ops = plan.ops
        vals = _node_values(ops, leaves)
        result = vals[-1]
        if result is False:
            out: list[int] = []
            _decided(ops, vals, len(ops) - 1, False, False, out)
            failed = tuple([specs[i][0].label for i in out])
            if n_false:
                paths = plan.paths
                changeable = plan.changeable
                near = tuple(
                    [
                        i
                        for i in range(plan.n)
                        if changeable[i]
                        and leaves[i] is not None
                        and leaves[i] == specs[i][6]
                        and _lifts(paths[i], vals, not specs[i][6])
                    ]
                )
        elif result is None:
            out = []
            _decided(ops, vals, len(ops) - 1, None, False, out)
            missing = _unique([specs[i][1] for i in out])
    potential: Any = None
    amount_expr = plan.amount
    if amount_expr is not None:
        if result is True:
            if in_bounds(plan.amount_fields, values):
                potential = amount_fen(amount_expr, values, plan.rounding)
            if potential is None:
                missing = _unique([f for f in plan.amount_fields if get(f) is None])
        else:
            potential = _Pending((compiled, tuple(map(get, plan.amount_fields))))
    pr: Any = _PRBuild(
        compiled,
        STATUS[result],
        potential if result is True else None,
        tuple(built) if explain else (),
        failed,
        missing,
        near,
        potential,
    )
    pr.__class__ = PolicyResult
    return pr


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
    """Evaluate several policies for one enterprise, in the order given.

    Every status is computed at once; the rest of each result (criteria, failed, missing,
    near misses, amounts) when first read (rules/lazy.py), equal to evaluate's.
    """
    from highland.policies.rules import lazy

    return lazy.evaluate_all(compiled, values, explain)


def field_unit(name: str) -> tuple[int, str]:
    """The scale and human unit of a numeric field, for rendering gaps."""
    spec = FIELDS[name]
    unit = {"money": "yuan", "usd": "USD", "ratio": "", "count": "", "years": "years"}
    return spec.scale, unit.get(spec.kind, "")
