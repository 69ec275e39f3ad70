"""The set-based engine on bitsets: each distinct criterion once, statuses by bit operations.

Every distinct criterion of the compiled policies is evaluated once over the frame (Polars, in
parallel; the very expressions of rules/vector.py) and kept as two bitsets over enterprises,
64 to a uint64 word: T, the rows where it is known true, and F, where it is known false (the
rest is unknown: a field it reads is missing). A policy's tree is then Kleene logic on words:

    all:  T = T1 & T2 & …    F = F1 | F2 | …
    any:  T = T1 | T2 | …    F = F1 & F2 & …
    not:  (T, F) → (F, T)

so the root's T is "eligible", F "ineligible" and neither "unknown". `statuses` stops there
(eligibility only). `summarise` adds each criterion's near misses (ineligible, eligible were
that criterion alone to pass: for an all-of policy F_i & the AND of the other criteria's T,
otherwise the tree evaluated again with that leaf forced) and the amounts, computed exactly
(Int128 in Polars, rules/amount) on each policy's eligible rows only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from highland.policies.rules import framebits
from highland.policies.rules.arrowbits import frame_pairs, ones, popcount, unpack, word_count
from highland.policies.rules.model import Compiled, Tree

Pair = tuple[np.ndarray, np.ndarray]  # (T, F) words: known true, known false


@dataclass(frozen=True)
class Leaves:
    """The distinct criteria of some policies as (T, F) bitsets over a frame's rows."""

    n: int
    pairs: list[Pair]  # per distinct criterion
    per_policy: list[list[int]]  # per policy: the distinct criterion of each of its criteria

    def of(self, j: int) -> Callable[[int], Pair]:
        """Policy j's criterion i → its pair."""
        cols = self.per_policy[j]
        pairs = self.pairs
        return lambda i: pairs[cols[i]]


def leaves(frame: pl.DataFrame, compiled: Sequence[Compiled]) -> Leaves:
    """Evaluate each distinct criterion of the policies once over a prepared frame: code and
    numeric tests on numpy views (rules/framebits.py), the others as one Polars query."""
    from highland.policies.rules import vector  # the expressions; vector delegates back here

    distinct, per_policy = vector.distinct_criteria(compiled)
    schema = frame.schema  # built anew on each access: once here
    codes = vector.code_tables(schema)
    pairs = framebits.pairs(frame, schema, codes, distinct)
    rest = [i for i, p in enumerate(pairs) if p is None]
    if rest:
        exprs = [vector.leaf_expr(distinct[i], codes, schema).alias(f"__leaf{i}") for i in rest]
        for i, p in zip(rest, frame_pairs(leaf_columns(frame, exprs)), strict=True):
            pairs[i] = p
    return Leaves(frame.height, [p for p in pairs if p is not None], per_policy)


# The criteria are distinct already: looking for common sub-expressions among a few hundred
# of them costs more than the little it finds (the code columns' to_physical).
_NO_CSE = pl.QueryOptFlags(comm_subexpr_elim=False)


def leaf_columns(frame: pl.DataFrame, exprs: Sequence[pl.Expr]) -> pl.DataFrame:
    """The criteria as Boolean columns (null: unknown), evaluated side by side."""
    query = frame.lazy().select([e.cast(pl.Boolean) for e in exprs])
    return query.collect(optimizations=_NO_CSE)


def tree_pair(tree: Tree, leaf: Callable[[int], Pair]) -> Pair:
    """The Kleene value of a tree over (T, F) bitsets; `leaf(i)` gives criterion i's pair.

    The result may be one of the leaves' own arrays: callers do not write into it.
    """
    kind = tree[0]
    if kind == "leaf":
        return leaf(tree[1])
    if kind == "not":
        t, f = tree_pair(tree[1], leaf)
        return f, t
    parts = [tree_pair(child, leaf) for child in tree[1]]
    if len(parts) == 1:
        return parts[0]
    and_t = kind == "all"
    (t0, f0), (t1, f1) = parts[0], parts[1]
    # The first operation writes a new array (no copy first), the others in place.
    t, f = (t0 & t1, f0 | f1) if and_t else (t0 | t1, f0 & f1)
    for pt, pf in parts[2:]:
        if and_t:
            t &= pt
            f |= pf
        else:
            t |= pt
            f &= pf
    return t, f


def flat_leaves(tree: Tree) -> list[int] | None:
    """The criterion indexes of a tree made only of `all` groups and leaves (else None)."""
    if tree[0] == "leaf":
        return [tree[1]]
    if tree[0] != "all":
        return None
    out: list[int] = []
    for child in tree[1]:
        inner = flat_leaves(child)
        if inner is None:
            return None
        out.extend(inner)
    return out


@dataclass(frozen=True)
class Statuses:
    """Eligibility only: per policy, the eligible and the ineligible rows as bitsets."""

    n: int
    policy_ids: tuple[str, ...]
    pairs: list[Pair]  # per policy: (eligible, ineligible) words; unknown is neither

    def counts(self) -> list[tuple[int, int, int]]:
        """(eligible, ineligible, unknown) per policy."""
        out = []
        for t, f in self.pairs:
            e, i = popcount(t), popcount(f)
            out.append((e, i, self.n - e - i))
        return out

    def mask(self, j: int, status: str) -> np.ndarray:
        """Rows of policy j with a status (eligible, ineligible, unknown), as numpy bools."""
        t, f = self.pairs[j]
        if status == "eligible":
            return unpack(t, self.n)
        if status == "ineligible":
            return unpack(f, self.n)
        return unpack(~(t | f) & ones(self.n), self.n)

    def column(self, j: int) -> pl.Series:
        """Policy j's status per row: true eligible, false ineligible, null unknown."""
        t, f = self.pairs[j]
        known = pl.Series(unpack(t | f, self.n))
        return pl.Series(unpack(t, self.n)).zip_with(known, pl.Series([None], dtype=pl.Boolean))


def statuses(frame: pl.DataFrame, compiled: Sequence[Compiled]) -> Statuses:
    """The three-valued status of every enterprise × policy, and nothing else."""
    from highland.policies.rules.vector import prepare

    lv = leaves(prepare(frame), compiled)
    pairs = [tree_pair(cp.tree, lv.of(j)) for j, cp in enumerate(compiled)]
    return Statuses(lv.n, tuple(cp.policy.id for cp in compiled), pairs)


def near_words(cp: Compiled, leaf: Callable[[int], Pair], status: Pair) -> list[np.ndarray | None]:
    """Per criterion, the rows it alone keeps out (None for a fixed condition: no advice)."""
    crits = cp.criteria
    fixed = [c.fixed for c in crits]
    out: list[np.ndarray | None] = [None] * len(crits)
    if all(fixed):
        return out
    flat = flat_leaves(cp.tree)
    if flat is not None and len(set(flat)) == len(flat):
        # all-of: F_i and every other criterion T. Prefix and suffix ANDs of the T's.
        ts = [leaf(i)[0] for i in flat]
        k = len(flat)
        suffix: list[np.ndarray | None] = [None] * (k + 1)
        for pos in range(k - 1, 0, -1):
            nxt = suffix[pos + 1]
            suffix[pos] = ts[pos] if nxt is None else ts[pos] & nxt
        prefix: np.ndarray | None = None
        for pos, i in enumerate(flat):
            if not fixed[i]:
                w = leaf(i)[1].copy()
                if prefix is not None:
                    w &= prefix
                after = suffix[pos + 1]
                if after is not None:
                    w &= after
                out[i] = w
            prefix = ts[pos] if prefix is None else prefix & ts[pos]
        return out
    n_words = status[0].size
    full, empty = np.full(n_words, np.uint64(2**64 - 1)), np.zeros(n_words, dtype=np.uint64)
    for i, c in enumerate(crits):
        if fixed[i]:
            continue
        forced: Pair = (empty, full) if c.negated else (full, empty)

        def with_forced(j: int, i: int = i, forced: Pair = forced) -> Pair:
            return forced if j == i else leaf(j)

        t, _ = tree_pair(cp.tree, with_forced)
        out[i] = status[1] & t
    return out


def summary_counts(cp: Compiled, leaf: Callable[[int], Pair], status: Pair, n: int
                   ) -> tuple[int, int, int, int, tuple[int, ...]]:  # fmt: skip
    """eligible, ineligible, unknown, near miss (any criterion) and near miss per criterion."""
    t, f = status
    eligible, ineligible = popcount(t), popcount(f)
    near = near_words(cp, leaf, status)
    per = tuple(0 if w is None else popcount(w) for w in near)
    any_near = 0
    present = [w for w in near if w is not None]
    if present and sum(per):
        acc = present[0].copy()
        for w in present[1:]:
            acc |= w
        any_near = popcount(acc)
    return eligible, ineligible, n - eligible - ineligible, any_near, per


def eligible_series(status: Pair, n: int) -> pl.Series:
    """The eligible rows as a Boolean Series (for filtering the frame)."""
    return pl.Series("eligible", unpack(status[0], n))


__all__ = ["Leaves", "Pair", "Statuses", "leaves", "statuses", "tree_pair", "word_count"]
