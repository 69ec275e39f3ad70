"""The set-based evaluator: compiled policies over a whole portrait frame, in Polars.

The same compiled criteria as the plain evaluator become column expressions. Polars booleans
with nulls follow Kleene logic (false & null = false, true | null = true, ~null = null), which
is exactly the rule language's three-valued logic, so a policy's status is one expression.
Nothing here loops over enterprises: the plan can move to any engine with the same semantics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import TypeVar

import numpy as np
import polars as pl

from highland.policies.rules import bitset
from highland.policies.rules.amounts import amount_expr as _amount_expr
from highland.policies.rules.amounts import bounds as _bounds
from highland.policies.rules.amounts import shared_totals
from highland.policies.rules.fields import FIELDS, QUALIFICATION_CODES, UNSOURCED_FIELDS
from highland.policies.rules.model import Benefit, Compiled, Criterion, Tree, qualification_bit

QMASK = "__qualification_mask"
CODE_PREFIX = "__code_"  # a String code field as Enum codes (prepare)
FIELD_ORDER = {name: i for i, name in enumerate(FIELDS)}
_TRUE = pl.lit(True, dtype=pl.Boolean)
_NULL_BOOL = pl.lit(None, dtype=pl.Boolean)
_NULL_TYPES: dict[str, pl.DataType] = {
    "code": pl.String(), "set": pl.List(pl.String()), "bool": pl.Boolean(),
    "money": pl.Int64(), "usd": pl.Int64(), "count": pl.Int64(), "years": pl.Int64(),
    "ratio": pl.Int64(),
}  # fmt: skip


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the qualification bitmask the set criteria test (one integer per enterprise), a
    null (missing) column for each rule field the portrait does not hold, and each String
    code field as small integer codes (`__code_<field>`, an Enum of the values present), so
    that membership tests compare integers; in one chunk per column. Done once per snapshot
    frame (it is cached)."""
    absent = [n for n in UNSOURCED_FIELDS if n not in frame.columns]
    if absent:
        frame = frame.with_columns(
            pl.lit(None, dtype=_NULL_TYPES[FIELDS[n].kind]).alias(n) for n in absent
        )
    if QMASK in frame.columns:
        return frame
    bits = [
        pl.col("qualifications").list.contains(code).cast(pl.Int64) * qualification_bit(code)
        for code in QUALIFICATION_CODES
    ]
    mask = pl.when(pl.col("qualifications").is_null()).then(None).otherwise(pl.sum_horizontal(bits))
    coded = []
    for name, spec in FIELDS.items():
        if spec.kind == "code" and frame.schema.get(name) == pl.String:
            cats = frame.get_column(name).unique().drop_nulls().sort()
            coded.append(pl.col(name).cast(pl.Enum(cats)).alias(CODE_PREFIX + name))
    # One chunk per column: the criterion columns computed from it are then single Arrow
    # arrays, which rules/arrowbits.py reads without Polars first joining their chunks.
    return frame.with_columns(mask.cast(pl.Int64).alias(QMASK), *coded).rechunk()


def criterion_expr(c: Criterion) -> pl.Expr:
    """The predicate as a nullable boolean column (null = unknown)."""
    col = pl.col(c.field)
    kind = c.kind
    if kind == "exists":
        return col.is_not_null()
    if kind == "missing":
        return col.is_null()
    if FIELDS[c.field].kind == "set" and c.field != "qualifications":
        # An open set (chains, segments): membership per item; a null list stays unknown.
        found = [col.list.contains(pl.lit(str(i))) for i in c.items]
        if kind == "has_all":
            return reduce(lambda a, b: a & b, found)
        hit = reduce(lambda a, b: a | b, found)
        return hit if kind == "one_of" else ~hit
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


def _status_and_missing(
    status: pl.Expr, missing_unknown: pl.Expr, benefit: Benefit
) -> tuple[pl.Expr, pl.Expr]:
    """The status text and the `missing` text of a policy.

    `missing` lists the undecided fields when the status is unknown, and the missing amount
    inputs when it is eligible.
    """
    amount_missing = pl.lit("")
    if benefit.amount is not None:
        amount_missing = _joined(
            [
                pl.when(pl.col(f).is_null()).then(pl.lit(f))
                for f in sorted(benefit.amount.fields, key=FIELD_ORDER.__getitem__)
            ]
        )
    missing = (
        pl.when(status.is_null())
        .then(missing_unknown)
        .when(status)
        .then(amount_missing)
        .otherwise(pl.lit(""))
    )
    code = pl.when(status).then(pl.lit("eligible")).when(status.not_()).then(pl.lit("ineligible"))
    return code.otherwise(pl.lit("unknown")), missing


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


# --------------------------------------------------------------------------- shared leaves

LeafKey = tuple[object, ...]
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def _key(c: Criterion) -> LeafKey:
    """What makes two criteria the same column (negation lives in the tree, not here)."""
    items = tuple(sorted({(type(x).__name__, str(x)) for x in c.items}))
    return (c.field, c.kind, c.lo, c.hi, items)


def _coded(c: Criterion, schema: Mapping[str, pl.DataType]) -> bool:
    """Whether a criterion tests a String code column by membership (encoded as integers)."""
    return (
        c.kind in ("one_of", "none_of")
        and FIELDS[c.field].kind == "code"
        and schema.get(c.field) == pl.String
        and all(isinstance(x, str) for x in c.items)
    )


def code_tables(schema: Mapping[str, pl.DataType]) -> dict[str, dict[str, int]]:
    """Each prepared code field's integer code of every value present in the frame."""
    out: dict[str, dict[str, int]] = {}
    for name, dtype in schema.items():
        if name.startswith(CODE_PREFIX) and isinstance(dtype, pl.Enum):
            out[name[len(CODE_PREFIX) :]] = {v: i for i, v in enumerate(dtype.categories)}
    return out


def _leaf_expr(c: Criterion, codes: dict[str, dict[str, int]], coded: bool) -> pl.Expr:
    """criterion_expr; for a String code field (`coded`), on its integer codes if it has them."""
    if not coded:
        return criterion_expr(c)
    table = codes.get(c.field)
    values: Sequence[object]
    if table is not None:
        col = pl.col(CODE_PREFIX + c.field).to_physical()
        values = sorted({table[x] for x in c.items if isinstance(x, str) and x in table})
    else:
        col, values = pl.col(c.field), sorted({str(x) for x in c.items})
    if not values:  # no value in the data can match
        hit = pl.when(col.is_null()).then(_NULL_BOOL).otherwise(pl.lit(False))
    elif len(values) <= 4:  # a few equalities beat a hash lookup; null stays null
        hit = reduce(lambda a, b: a | b, [col == pl.lit(v) for v in values])
    else:
        hit = pl.when(col.is_null()).then(_NULL_BOOL).otherwise(col.is_in(values))
    return hit if c.kind == "one_of" else ~hit


def distinct_criteria(compiled: Sequence[Compiled]) -> tuple[list[Criterion], list[list[int]]]:
    """Each distinct criterion once; per policy, the position of each of its criteria."""
    index: dict[LeafKey, int] = {}
    distinct: list[Criterion] = []
    per_policy: list[list[int]] = []
    for cp in compiled:
        cols = []
        for c in cp.criteria:
            k = _key(c)
            if k not in index:
                index[k] = len(distinct)
                distinct.append(c)
            cols.append(index[k])
        per_policy.append(cols)
    return distinct, per_policy


def leaf_expr(c: Criterion, codes: dict[str, dict[str, int]],
              schema: Mapping[str, pl.DataType]) -> pl.Expr:  # fmt: skip
    """One criterion as a boolean expression over a prepared frame of that schema (`codes`:
    its code_tables)."""
    return _leaf_expr(c, codes, _coded(c, schema))


def leaf_exprs(frame: pl.DataFrame, compiled: Sequence[Compiled]
               ) -> tuple[list[pl.Expr], list[list[int]]]:  # fmt: skip
    """Each distinct criterion once as a boolean expression over a prepared frame; per
    policy, the position of each of its criteria among them."""
    schema = frame.schema  # built anew on each access: once here
    codes = code_tables(schema)
    distinct, per_policy = distinct_criteria(compiled)
    exprs = [
        _leaf_expr(c, codes, _coded(c, schema)).alias(f"__leaf{i}") for i, c in enumerate(distinct)
    ]
    return exprs, per_policy


def _leaves(frame: pl.DataFrame, compiled: Sequence[Compiled]
            ) -> tuple[pl.DataFrame, list[list[str]]]:  # fmt: skip
    """Each distinct criterion once as a boolean column; per policy, its criteria's columns."""
    exprs, per_policy = leaf_exprs(frame, compiled)
    names = [[f"__leaf{i}" for i in cols] for cols in per_policy]
    return frame.select(exprs), names


def _status(cp: Compiled, cols: Sequence[str]) -> pl.Expr:
    return tree_expr(cp.tree, [pl.col(n) for n in cols])


def _forced(cp: Compiled, cols: Sequence[str], i: int) -> pl.Expr:
    leaves = [pl.col(n) for n in cols]
    leaves[i] = pl.lit(not cp.criteria[i].negated, dtype=pl.Boolean)
    return tree_expr(cp.tree, leaves)


def _near_flag(cp: Compiled, cols: Sequence[str], status: pl.Expr, i: int) -> pl.Expr:
    """Ineligible now, eligible if criterion i alone passed; never for a fixed condition
    (district, industry, age, …: rules/fields.py), which is no advice an enterprise can act on.
    """
    if cp.criteria[i].fixed:
        return pl.lit(False, dtype=pl.Boolean)
    return (status.not_() & _forced(cp, cols, i)).fill_null(False)


def _eligible_rows(frame: FrameT, cp: Compiled, ok: pl.Series) -> FrameT:
    """The amount inputs of the rows where `ok` is true (a placeholder column without any)."""
    benefit = cp.policy.benefit
    fields = list(dict.fromkeys(benefit.amount.fields)) if benefit.amount is not None else []
    if not fields:
        rows = ok.filter(ok).to_frame("__ok")
        return rows.lazy() if isinstance(frame, pl.LazyFrame) else rows
    return frame.select(fields).filter(pl.lit(ok))


def _amounts(frame: pl.DataFrame, cp: Compiled, ok: pl.Series) -> pl.Series | None:
    """The amount (Int64, null when it cannot be computed) on the rows where `ok` is true."""
    benefit = cp.policy.benefit
    if benefit.amount is None:
        return None
    rows = _eligible_rows(frame, cp, ok)
    expr = _amount_expr(cp, _bounds(rows, list(dict.fromkeys(benefit.amount.fields))))
    return rows.with_columns(expr).get_column("__a")


def summarise(
    frame: pl.DataFrame, compiled: Sequence[Compiled], batch_size: int = 25
) -> list[Summary]:
    """Status counts, near-miss counts per criterion and total amount of each policy.

    Each distinct criterion is evaluated once into bitsets, statuses and near misses are bit
    operations on them (rules/bitset.py), and each distinct amount formula is computed
    exactly once, on the rows eligible for any policy using it, then summed per policy
    (rules/amounts.py). `batch_size` is kept for callers; the bitsets need no batching.
    """
    frame = prepare(frame)
    lv = bitset.leaves(frame, compiled)
    counts = []
    wanted: list[tuple[Compiled, np.ndarray]] = []
    with_amount: list[int] = []
    for j, cp in enumerate(compiled):
        leaf = lv.of(j)
        status = bitset.tree_pair(cp.tree, leaf)
        counts.append(bitset.summary_counts(cp, leaf, status, lv.n))
        if cp.policy.benefit.amount is not None and counts[-1][0]:
            wanted.append((cp, status[0]))
            with_amount.append(j)
    totals = dict(zip(with_amount, shared_totals(frame, wanted), strict=True))
    out: list[Summary] = []
    for j, cp in enumerate(compiled):
        eligible, ineligible, unknown, near, per = counts[j]
        total, amount_unknown = totals.get(j, (0, eligible))
        out.append(Summary(cp.policy.id, eligible, ineligible, unknown, near, per, total,
                           amount_unknown))  # fmt: skip
    return out


def eligible(frame: pl.DataFrame, compiled: Sequence[Compiled], amounts: bool = True
             ) -> list[pl.DataFrame]:  # fmt: skip
    """Per policy, its eligible enterprises: (uscc, policy_id, amount_fen).

    Statuses only (rules/bitset.py), and the amounts (as `details` gives them; null without
    `amounts`) on the eligible rows only: what stacking and notices need, without the failed
    and missing texts of every enterprise.
    """
    frame = prepare(frame)
    st = bitset.statuses(frame, compiled)
    out = []
    for j, cp in enumerate(compiled):
        ok = bitset.eligible_series(st.pairs[j], st.n)
        rows = frame.select("uscc").filter(ok)
        amount = _amounts(frame, cp, ok) if amounts else None
        if amount is None:
            amount = pl.Series("amount_fen", [None] * rows.height, dtype=pl.Int64)
        out.append(
            rows.with_columns(pl.lit(cp.policy.id).alias("policy_id"), amount.alias("amount_fen"))
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


def _detail_exprs(cp: Compiled, leaves: Sequence[pl.Expr], status: pl.Expr) -> list[pl.Expr]:
    """status, failed and missing columns, as `policies match` writes them."""
    crits = cp.criteria
    failed_paths: dict[int, pl.Expr] = {}
    _path_exprs(cp.tree, leaves, False, False, _TRUE, failed_paths)
    unknown_paths: dict[int, pl.Expr] = {}
    _path_exprs(cp.tree, leaves, None, False, _TRUE, unknown_paths)
    failed = _joined([pl.when(failed_paths[i]).then(pl.lit(c.label)) for i, c in enumerate(crits)])
    # One name per field, in criterion order, as the plain evaluator lists them.
    by_field: dict[str, pl.Expr] = {}
    for i, c in sorted(enumerate(crits), key=lambda ic: FIELD_ORDER[ic[1].field]):
        by_field[c.field] = (
            by_field[c.field] | unknown_paths[i] if c.field in by_field else (unknown_paths[i])
        )
    missing_unknown = _joined([pl.when(e).then(pl.lit(f)) for f, e in by_field.items()])
    code, missing = _status_and_missing(status, missing_unknown, cp.policy.benefit)
    return [
        code.alias("status"),
        pl.when(status.not_()).then(failed).otherwise(pl.lit("")).fill_null("").alias("failed"),
        missing.fill_null("").alias("missing"),
    ]


def _texts(cp: Compiled, base: pl.DataFrame, leaf_names: Sequence[str],
           fields: Sequence[str], near: bool) -> pl.DataFrame:  # fmt: skip
    """status, failed, missing (and near) per row of `base` (leaf columns and amount inputs).

    These depend only on each criterion's truth and on which amount inputs are null, so when
    that combination fits in an integer they are built once per distinct combination and
    joined back, instead of once per row.
    """

    def text_exprs(s: pl.Expr) -> list[pl.Expr]:
        exprs = _detail_exprs(cp, [pl.col(n) for n in leaf_names], s)
        if near:
            flags = [_near_flag(cp, leaf_names, s, i) for i in range(len(leaf_names))]
            joined = _joined([pl.when(e).then(pl.lit(str(i))) for i, e in enumerate(flags)])
            exprs.append(joined.fill_null("").alias("near"))
        return exprs

    k = len(leaf_names)
    if 3**k * 2 ** len(fields) >= 2**62:
        status = tree_expr(cp.tree, [pl.col(n) for n in leaf_names]).alias("__status")
        return base.lazy().with_columns(status).select(text_exprs(pl.col("__status"))).collect()
    parts = [pl.col(n).cast(pl.Int64).fill_null(2) * 3**i for i, n in enumerate(leaf_names)]
    parts += [pl.col(f).is_null().cast(pl.Int64) * (3**k * 2**j) for j, f in enumerate(fields)]
    key = pl.sum_horizontal(parts) if parts else pl.lit(0, dtype=pl.Int64)
    keys = base.select(key.cast(pl.Int64).alias("__key"))
    digit = [(pl.col("__key") // 3**i) % 3 for i in range(k)]
    decoded = [
        pl.when(d == 2).then(_NULL_BOOL).otherwise(d == 1).alias(n)
        for d, n in zip(digit, leaf_names, strict=True)
    ]
    decoded += [
        pl.when((pl.col("__key") // (3**k * 2**j)) % 2 == 1)
        .then(pl.lit(None, dtype=pl.Int64))
        .otherwise(pl.lit(0, dtype=pl.Int64))
        .alias(f)
        for j, f in enumerate(fields)
    ]
    table = (
        keys.unique()
        .lazy()
        .with_columns(decoded)
        .with_columns(tree_expr(cp.tree, [pl.col(n) for n in leaf_names]).alias("__status"))
        .select(pl.col("__key"), *text_exprs(pl.col("__status")))
        .collect()
    )
    table = table.sort("__key")
    rows = table.get_column("__key").search_sorted(keys.get_column("__key"), side="left")
    return table.drop("__key")[rows]


def details(frame: pl.DataFrame, compiled: Compiled, extra: Sequence[str] = ()) -> pl.DataFrame:
    """Per enterprise: status, amount, failed criteria and missing fields of one policy.

    `extra` names further criterion-level columns to keep: "near" adds `near` (the indexes
    of criteria that alone keep an ineligible enterprise out, ';'-joined).
    """
    frame = prepare(frame)
    leaf_frame, per_policy = _leaves(frame, [compiled])
    cols = per_policy[0]
    status = leaf_frame.select(_status(compiled, cols).alias("__status")).get_column("__status")
    eligible = status.fill_null(False)
    amount = pl.Series("amount_fen", [], dtype=pl.Int64).extend_constant(None, frame.height)
    amounts = _amounts(frame, compiled, eligible)
    if amounts is not None and len(amounts):
        amount = amount.scatter(eligible.arg_true(), amounts)
    benefit = compiled.policy.benefit
    fields = list(dict.fromkeys(benefit.amount.fields if benefit.amount is not None else ()))
    leaf_names = [f"__c{i}" for i in range(len(cols))]
    base = pl.concat(
        [
            leaf_frame.select([pl.col(c).alias(n) for c, n in zip(cols, leaf_names, strict=True)]),
            frame.select(fields),
        ],
        how="horizontal",
    )
    texts = _texts(compiled, base, leaf_names, fields, "near" in extra)
    order = ["uscc", "policy_id", "status", "amount_fen", "failed", "missing"]
    return pl.concat([frame.select("uscc"), amount.to_frame(), texts], how="horizontal").select(
        *(pl.lit(compiled.policy.id).alias(c) if c == "policy_id" else pl.col(c) for c in order),
        *(["near"] if "near" in extra else []),
    )
