"""The set-based evaluator: compiled policies over a whole portrait frame, in Polars.

The same compiled criteria as the plain evaluator become column expressions. Polars booleans
with nulls follow Kleene logic (false & null = false, true | null = true, ~null = null), which
is exactly the rule language's three-valued logic, so a policy's status is one expression.
Nothing here loops over enterprises: the plan can move to any engine with the same semantics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import polars as pl

from highland.policies.rules.amount import polars_amount_fen
from highland.policies.rules.fields import FIELDS, QUALIFICATION_CODES
from highland.policies.rules.model import Compiled, Criterion, Tree, qualification_bit

QMASK = "__qualification_mask"
FIELD_ORDER = {name: i for i, name in enumerate(FIELDS)}
_TRUE = pl.lit(True, dtype=pl.Boolean)
_NULL_BOOL = pl.lit(None, dtype=pl.Boolean)


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the qualification bitmask the set criteria test (one integer per enterprise)."""
    if QMASK in frame.columns:
        return frame
    bits = [
        pl.col("qualifications").list.contains(code).cast(pl.Int64) * qualification_bit(code)
        for code in QUALIFICATION_CODES
    ]
    mask = pl.when(pl.col("qualifications").is_null()).then(None).otherwise(pl.sum_horizontal(bits))
    return frame.with_columns(mask.cast(pl.Int64).alias(QMASK))


def criterion_expr(c: Criterion) -> pl.Expr:
    """The predicate as a nullable boolean column (null = unknown)."""
    col = pl.col(c.field)
    kind = c.kind
    if kind == "exists":
        return col.is_not_null()
    if kind == "missing":
        return col.is_null()
    if FIELDS[c.field].kind == "set":
        mask = sum(qualification_bit(code) for code in {str(i) for i in c.items})
        q = pl.col(QMASK)
        if kind == "has_all":
            return (q & mask) == mask
        hit = (q & mask) != 0
        return hit if kind == "one_of" else ~hit
    if kind == "range":
        parts = []
        if c.lo is not None:
            parts.append(col >= c.lo)
        if c.hi is not None:
            parts.append(col <= c.hi)
        if c.lo is not None and c.hi is not None and c.lo > c.hi:
            return pl.when(col.is_null()).then(_NULL_BOOL).otherwise(pl.lit(False))
        return reduce(lambda a, b: a & b, parts) if parts else col.is_not_null() | _NULL_BOOL
    if kind == "not_equal":
        if c.lo is None or c.hi is None or c.lo > c.hi:  # nothing equals it
            return pl.when(col.is_null()).then(_NULL_BOOL).otherwise(pl.lit(True))
        return col != c.lo
    items = list(c.items)
    hit = pl.when(col.is_null()).then(_NULL_BOOL).otherwise(col.is_in(items))
    return hit if kind == "one_of" else ~hit


def tree_expr(tree: Tree, leaves: Sequence[pl.Expr]) -> pl.Expr:
    """The Kleene combination of criterion columns following a policy's tree."""
    kind = tree[0]
    if kind == "leaf":
        return leaves[tree[1]]
    if kind == "not":
        return ~tree_expr(tree[1], leaves)
    children = [tree_expr(t, leaves) for t in tree[1]]
    op = (lambda a, b: a & b) if kind == "all" else (lambda a, b: a | b)
    return reduce(op, children)


def _joined(parts: list[pl.Expr]) -> pl.Expr:
    """The non-null parts joined with ';' (empty text when there are none)."""
    if not parts:
        return pl.lit("")
    return pl.concat_str(parts, separator=";", ignore_nulls=True)


def _leaf_names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}c{i}" for i in range(n)]


@dataclass(frozen=True)
class PolicyPlan:
    """Column expressions of one policy: criteria, status, and per-criterion forced passes."""

    compiled: Compiled
    prefix: str

    @property
    def leaf_columns(self) -> list[str]:
        """Names of the criterion columns."""
        return _leaf_names(self.prefix, len(self.compiled.criteria))

    def leaf_exprs(self) -> list[pl.Expr]:
        """The criterion columns, named."""
        return [
            criterion_expr(c).alias(name)
            for c, name in zip(self.compiled.criteria, self.leaf_columns, strict=True)
        ]

    def status(self) -> pl.Expr:
        """The policy's result over the criterion columns: true, false or null."""
        return tree_expr(self.compiled.tree, [pl.col(n) for n in self.leaf_columns])

    def forced(self, i: int) -> pl.Expr:
        """The result with criterion i made to pass."""
        leaves = [pl.col(n) for n in self.leaf_columns]
        leaves[i] = pl.lit(not self.compiled.criteria[i].negated, dtype=pl.Boolean)
        return tree_expr(self.compiled.tree, leaves)

    def near_misses(self) -> list[pl.Expr]:
        """Per criterion: ineligible now, eligible if that one criterion passed."""
        status = self.status()
        return [(status.not_() & self.forced(i)).fill_null(False) for i in range(self.width)]

    @property
    def width(self) -> int:
        """Number of criteria."""
        return len(self.compiled.criteria)

    def amount(self) -> pl.Expr:
        """The amount in fen where eligible (null otherwise or when inputs are missing)."""
        benefit = self.compiled.policy.benefit
        if benefit.amount is None:
            return pl.lit(None, dtype=pl.Int64)
        value = polars_amount_fen(benefit.amount, benefit.rounding)
        inside = [pl.col(f).abs().fill_null(0) <= FIELDS[f].bound for f in benefit.amount.fields]
        ok = reduce(lambda a, b: a & b, inside, self.status())
        return pl.when(ok).then(value).otherwise(pl.lit(None, dtype=pl.Int64))


def _path_exprs(tree: Tree, leaves: Sequence[pl.Expr], want: bool | None, parity: bool,
                acc: pl.Expr, out: dict[int, pl.Expr]) -> None:  # fmt: skip
    """For each criterion, whether every node on its path evaluates to `want` (after nots)."""
    value = tree_expr(tree, leaves)
    here = value.is_null() if want is None else value == (want != parity)
    acc = acc & here.fill_null(False)
    kind = tree[0]
    if kind == "leaf":
        out[tree[1]] = acc
    elif kind == "not":
        _path_exprs(tree[1], leaves, want, not parity, acc, out)
    else:
        for child in tree[1]:
            _path_exprs(child, leaves, want, parity, acc, out)


def detail_exprs(plan: PolicyPlan) -> list[pl.Expr]:
    """status, amount_fen, failed and missing columns, as `policies match` writes them."""
    leaves = [pl.col(n) for n in plan.leaf_columns]
    crits = plan.compiled.criteria
    status = plan.status()
    failed_paths: dict[int, pl.Expr] = {}
    _path_exprs(plan.compiled.tree, leaves, False, False, _TRUE, failed_paths)
    unknown_paths: dict[int, pl.Expr] = {}
    _path_exprs(plan.compiled.tree, leaves, None, False, _TRUE, unknown_paths)
    failed = _joined([pl.when(failed_paths[i]).then(pl.lit(c.label)) for i, c in enumerate(crits)])
    # One name per field, in criterion order, as the plain evaluator lists them.
    by_field: dict[str, pl.Expr] = {}
    for i, c in sorted(enumerate(crits), key=lambda ic: FIELD_ORDER[ic[1].field]):
        by_field[c.field] = (
            by_field[c.field] | unknown_paths[i] if c.field in by_field else (unknown_paths[i])
        )
    missing_unknown = _joined([pl.when(e).then(pl.lit(f)) for f, e in by_field.items()])
    amount = plan.amount()
    benefit = plan.compiled.policy.benefit
    if benefit.amount is not None:
        amount_missing = _joined(
            [
                pl.when(pl.col(f).is_null()).then(pl.lit(f))
                for f in sorted(benefit.amount.fields, key=FIELD_ORDER.__getitem__)
            ]
        )
    else:
        amount_missing = pl.lit("")
    missing = (
        pl.when(status.is_null())
        .then(missing_unknown)
        .when(status)
        .then(amount_missing)
        .otherwise(pl.lit(""))
    )
    code = pl.when(status).then(pl.lit("eligible")).when(status.not_()).then(pl.lit("ineligible"))
    return [
        code.otherwise(pl.lit("unknown")).alias("status"),
        amount.alias("amount_fen"),
        pl.when(status.not_()).then(failed).otherwise(pl.lit("")).fill_null("").alias("failed"),
        missing.fill_null("").alias("missing"),
    ]


def plans(compiled: Sequence[Compiled]) -> list[PolicyPlan]:
    """One plan per policy, with distinct column prefixes."""
    return [PolicyPlan(c, f"p{i}_") for i, c in enumerate(compiled)]


def with_leaves(frame: pl.DataFrame | pl.LazyFrame, batch: Sequence[PolicyPlan]
                ) -> pl.LazyFrame:  # fmt: skip
    """The frame with the criterion columns of a batch of policies."""
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    return lazy.with_columns([e for p in batch for e in p.leaf_exprs()])


@dataclass(frozen=True)
class Summary:
    """Counts of one policy over a frame."""

    policy_id: str
    eligible: int
    ineligible: int
    unknown: int
    near_miss: int  # ineligible enterprises that one criterion alone keeps out
    near_by_criterion: tuple[int, ...]
    amount_fen: int  # total over the eligible with a computable amount
    amount_unknown: int  # eligible enterprises whose amount cannot be computed


def _summary_exprs(plan: PolicyPlan) -> list[pl.Expr]:
    status, p = plan.status(), plan.prefix
    near = plan.near_misses()
    any_near = reduce(lambda a, b: a | b, near) if near else pl.lit(False)
    amount = plan.amount()
    return [
        status.fill_null(False).sum().alias(f"{p}eligible"),
        status.not_().fill_null(False).sum().alias(f"{p}ineligible"),
        status.is_null().sum().alias(f"{p}unknown"),
        any_near.sum().alias(f"{p}near"),
        *(e.sum().alias(f"{p}near{i}") for i, e in enumerate(near)),
        amount.cast(pl.Int64).sum().alias(f"{p}amount"),
        (status.fill_null(False) & amount.is_null()).sum().alias(f"{p}amount_unknown"),
    ]


def summarise(
    frame: pl.DataFrame, compiled: Sequence[Compiled], batch_size: int = 25
) -> list[Summary]:
    """Status counts, near-miss counts per criterion and total amount of each policy.

    Policies are taken in batches so that the criterion columns of only one batch are held in
    memory at a time, whatever the number of policies.
    """
    frame = prepare(frame)
    all_plans = plans(compiled)
    out: list[Summary] = []
    for start in range(0, len(all_plans), batch_size):
        batch = all_plans[start : start + batch_size]
        row = (
            with_leaves(frame, batch)
            .select([e for p in batch for e in _summary_exprs(p)])
            .collect()
            .row(0, named=True)
        )
        for p in batch:
            x = p.prefix
            out.append(
                Summary(
                    p.compiled.policy.id,
                    int(row[f"{x}eligible"]),
                    int(row[f"{x}ineligible"]),
                    int(row[f"{x}unknown"]),
                    int(row[f"{x}near"]),
                    tuple(int(row[f"{x}near{i}"]) for i in range(p.width)),
                    int(row[f"{x}amount"] or 0),
                    int(row[f"{x}amount_unknown"]),
                )
            )
    return out


DETAIL_SCHEMA = {
    "uscc": pl.String,
    "policy_id": pl.String,
    "status": pl.String,
    "amount_fen": pl.Int64,
    "failed": pl.String,
    "missing": pl.String,
}


def details(frame: pl.DataFrame, compiled: Compiled, extra: Sequence[str] = ()) -> pl.DataFrame:
    """Per enterprise: status, amount, failed criteria and missing fields of one policy.

    `extra` names further criterion-level columns to keep: "near" adds `near` (the indexes
    of criteria that alone keep an ineligible enterprise out, ';'-joined).
    """
    plan = plans([compiled])[0]
    lazy = with_leaves(prepare(frame), [plan])
    cols = [
        pl.col("uscc"),
        pl.lit(compiled.policy.id).alias("policy_id"),
        *detail_exprs(plan),
    ]
    if "near" in extra:
        near = plan.near_misses()
        joined = _joined([pl.when(e).then(pl.lit(str(i))) for i, e in enumerate(near)])
        cols.append(joined.fill_null("").alias("near"))
    return lazy.select(cols).collect()
