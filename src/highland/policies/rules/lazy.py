"""One enterprise against many policies: every status at once, explanations when read.

`evaluate_all` (explain.py) gives one PolicyResult per policy. Computing each one fully (the
criteria results, failed and missing lists, near misses, amounts) costs far more than its
status, and a page shows the details of few policies. So here the status of every policy
comes from one generated function over the distinct criteria of the policy list (each
criterion tested once, Kleene logic as min/max over 0 = false, 1 = unknown, 2 = true), and
the other fields of a result are computed by the plain evaluator (explain.evaluate) the
first time one of them is read. The results read exactly as evaluate's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from highland.policies.rules.explain import PolicyResult, criterion_truth, evaluate
from highland.policies.rules.model import Compiled, Criterion, Tree

_CODE = {False: 0, None: 1, True: 2}
_STATUS = ("ineligible", "unknown", "eligible")
_DEFERRED = ("amount_fen", "criteria", "failed", "missing", "near_miss", "potential_fen")


def _truth_code(c: Criterion, v: object) -> int:
    return _CODE[criterion_truth(c, v)]


class _Deferred:
    """What a deferred result needs to be computed: the enterprise's values."""

    __slots__ = ("values", "explain")

    def __init__(self, values: dict[str, Any], explain: bool) -> None:
        self.values = values
        self.explain = explain


# The raw slots of PolicyResult (potential_fen's is wrapped by explain's lazy amount).
_RAW = {
    name: getattr(PolicyResult.__dict__[name], "slot", PolicyResult.__dict__[name])
    for name in ("compiled", *_DEFERRED)
}


def _resolve(obj: Any, deferred: _Deferred) -> None:
    """Fill a deferred result's fields from the plain evaluator."""
    compiled = _RAW["compiled"].__get__(obj, PolicyResult)
    full = evaluate(compiled, deferred.values, deferred.explain)
    for name in _DEFERRED:
        raw = _RAW[name]
        raw.__set__(obj, raw.__get__(full, PolicyResult))


class _LazyField:
    """A PolicyResult field that computes the whole result on first read when deferred."""

    __slots__ = ("inner",)

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = self.inner.__get__(obj, owner)
        if value.__class__ is _Deferred:
            _resolve(obj, value)
            value = self.inner.__get__(obj, owner)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.inner.__set__(obj, value)


for _name in _DEFERRED:
    setattr(PolicyResult, _name, _LazyField(PolicyResult.__dict__[_name]))


class _Build:
    """PolicyResult's slots, filled with a status and deferred fields, then given its class."""

    __slots__ = PolicyResult.__slots__

    def __init__(self, compiled: Compiled, status: str, deferred: _Deferred) -> None:
        self.compiled = compiled
        self.status = status
        self.amount_fen = deferred
        self.criteria = deferred
        self.failed = deferred
        self.missing = deferred
        self.near_miss = deferred
        self.potential_fen = deferred


def _truth_source(i: int, c: Criterion, var: str) -> str:
    """Python source giving criterion i's code (0, 1, 2) for the value in `var`."""
    kind = c.kind
    if kind == "exists":
        return f"(0 if {var} is None else 2)"
    if kind == "missing":
        return f"(2 if {var} is None else 0)"
    if (
        kind == "range"
        and (c.lo is None or type(c.lo) is int)
        and (c.hi is None or type(c.hi) is int)
    ):
        if c.lo is None and c.hi is None:
            test = "True"
        elif c.hi is None:
            test = f"{var} >= {c.lo!r}"
        elif c.lo is None:
            test = f"{var} <= {c.hi!r}"
        else:
            test = f"{var} >= {c.lo!r} and {var} <= {c.hi!r}"
        return f"(1 if {var} is None else 2 if {test} else 0)"
    return f"_t(C{i}, {var})"


def _tree_source(tree: Tree, leaf: Callable[[int], str]) -> str:
    """The tree as min/max over truth codes; nested groups of one kind merged."""
    kind = tree[0]
    if kind == "leaf":
        return leaf(tree[1])
    if kind == "not":
        return f"(2 - {_tree_source(tree[1], leaf)})"
    parts: list[str] = []
    stack = list(reversed(tree[1]))
    while stack:
        child = stack.pop()
        if child[0] == kind:
            stack.extend(reversed(child[1]))
        else:
            parts.append(_tree_source(child, leaf))
    if len(parts) == 1:
        return parts[0]
    return ("min(" if kind == "all" else "max(") + ", ".join(parts) + ")"


class _Batch:
    """Generated status function of one list of compiled policies."""

    __slots__ = ("compiled", "run")

    def __init__(self, compiled: Sequence[Compiled]) -> None:
        self.compiled = tuple(compiled)
        fields: dict[str, str] = {}
        distinct: dict[tuple[Any, ...], int] = {}
        names: dict[str, Any] = {"_t": _truth_code}
        truths: list[str] = []
        leaf_of: list[list[int]] = []
        for cp in self.compiled:
            mine = []
            for c in cp.criteria:
                key = (c.field, c.kind, c.lo, c.hi, c.items)
                if key not in distinct:
                    var = fields.setdefault(c.field, f"v{len(fields)}")
                    distinct[key] = len(truths)
                    names[f"C{len(truths)}"] = c
                    truths.append(_truth_source(len(truths), c, var))
                mine.append(distinct[key])
            leaf_of.append(mine)
        lines = ["def run(get):"]
        lines += [f"    {var} = get({field!r})" for field, var in fields.items()]
        lines += [f"    a{i} = {src}" for i, src in enumerate(truths)]
        statuses = [
            _tree_source(cp.tree, lambda i, mine=mine: f"a{mine[i]}")  # type: ignore[misc]
            for cp, mine in zip(self.compiled, leaf_of, strict=True)
        ]
        lines.append("    return (" + "".join(f"{s}, " for s in statuses) + ")")
        exec(compile("\n".join(lines) + "\n", "<policy statuses>", "exec"), names)  # noqa: S102
        self.run: Callable[[Callable[[str], Any]], tuple[int, ...]] = names["run"]


_BATCHES: dict[tuple[int, ...], _Batch] = {}
_MAX_BATCHES = 64


def _batch(compiled: Sequence[Compiled]) -> _Batch:
    """The list's status function, cached by the identity of its policies."""
    key = tuple(map(id, compiled))
    batch = _BATCHES.get(key)
    if batch is not None and all(a is b for a, b in zip(batch.compiled, compiled, strict=True)):
        return batch
    if len(_BATCHES) >= _MAX_BATCHES:
        _BATCHES.clear()
    batch = _BATCHES[key] = _Batch(compiled)
    return batch


def evaluate_all(
    compiled: Sequence[Compiled], values: Mapping[str, Any], explain: bool = True
) -> list[PolicyResult]:
    """Every policy for one enterprise: statuses now, each result's other fields on read."""
    batch = _batch(compiled)
    own = dict(values)  # the values as of now, for the fields computed later
    codes = batch.run(own.get)
    deferred = _Deferred(own, explain)
    out: list[Any] = []
    add = out.append
    for cp, code in zip(batch.compiled, codes, strict=True):
        r: Any = _Build(cp, _STATUS[code], deferred)
        r.__class__ = PolicyResult
        add(r)
    return out
