"""From the truths of a rule set's leaves to one enterprise's line of the list: its category
(one per firm, by precedence), status, near miss, and the criteria failed or missing.

- eligible: the first category by precedence that holds;
- unknown: none holds and at least one is open (missing figures): the first open one, with
  its missing criteria; a near miss (below) is named beside it with the criteria it fails;
- ineligible: every category fails. The line then names the near miss — the first category
  one criterion away (never a fixed condition: age, industry, being listed) — or else the
  first category whose failure is in criteria the enterprise can change, or else the first.
"""

from __future__ import annotations

from collections.abc import Sequence

from highland.growth.rules.model import FieldLeaf, RuleSet, tree_leaves
from highland.policies import public as rules

OUTPUT_COLUMNS = ("uscc", "category", "status", "near_miss", "failed", "missing")
Truth = bool | None


def fixed(ruleset: RuleSet, i: int) -> bool:
    """Whether leaf i is a condition the enterprise cannot change."""
    leaf = ruleset.leaves[i]
    if isinstance(leaf, FieldLeaf):
        return bool(rules.FIELDS[leaf.predicate.field].fixed)
    return leaf.fixed


def _near(ruleset: RuleSet, tree: rules.Tree, truths: Sequence[Truth]) -> bool:
    """Fails now, holds if one changeable failing criterion alone passed."""
    for i in dict.fromkeys(tree_leaves(tree)):
        passing = _positive(tree, i)  # the leaf's value that counts for the category
        if fixed(ruleset, i) or truths[i] is not (not passing):
            continue
        forced = list(truths)
        forced[i] = passing
        if rules.evaluate_tree(tree, forced) is True:
            return True
    return False


def _positive(tree: rules.Tree, i: int, parity: bool = True) -> bool:
    """Whether leaf i counts for the tree (under an even number of `not`)."""
    if tree[0] == "leaf":
        return parity
    if tree[0] == "not":
        return _positive(tree[1], i, not parity)
    for child in tree[1]:
        if i in tree_leaves(child):
            return _positive(child, i, parity)
    return parity


def _failed(ruleset: RuleSet, tree: rules.Tree, truths: Sequence[Truth]) -> list[int]:
    """The criteria that decide a failed category — leaving out the alternatives (`any`
    branches) that a fixed condition closes, e.g. the manufacturing branch for a services firm,
    when another branch is open to the enterprise."""
    ids = rules.decided_by(tree, list(truths), False)
    if tree[0] != "any":
        if tree[0] == "all":
            out: list[int] = []
            for child in tree[1]:
                if rules.evaluate_tree(child, list(truths)) is False:
                    out += _failed(ruleset, child, truths)
            return out
        return ids
    branches = [_failed(ruleset, child, truths) for child in tree[1]]
    open_ = [b for b in branches if not any(fixed(ruleset, i) for i in b)]
    return [i for b in (open_ or branches) for i in b]


def _labels(ruleset: RuleSet, ids: Sequence[int]) -> str:
    return ";".join(dict.fromkeys(ruleset.leaf_label(i) for i in ids))


def decide(ruleset: RuleSet, truths: Sequence[Truth]) -> tuple[str, str, str, str, str]:
    """(category, status, near_miss, failed, missing) for one combination of leaf truths."""
    status = [rules.evaluate_tree(c.tree, list(truths)) for c in ruleset.categories]
    cats = ruleset.categories
    for c, s in zip(cats, status, strict=True):
        if s is True:
            return c.id, "eligible", "", "", ""
    near = next((c for c in cats if _near(ruleset, c.tree, truths)), None)
    near_id = near.id if near else ""
    near_failed = _labels(ruleset, _failed(ruleset, near.tree, truths)) if near else ""
    for c, s in zip(cats, status, strict=True):
        if s is None:  # the near miss, if any, with what it fails, beside what is missing
            missing = rules.decided_by(c.tree, list(truths), None)
            return c.id, "unknown", near_id, near_failed, _labels(ruleset, missing)
    shown = near
    if shown is None:
        changeable = [
            c for c in cats if not any(fixed(ruleset, i) for i in _failed(ruleset, c.tree, truths))
        ]
        shown = changeable[0] if changeable else cats[0]
    failed = _failed(ruleset, shown.tree, truths)
    return shown.id, "ineligible", near_id, _labels(ruleset, failed), ""


def truths_of(key: str) -> list[Truth]:
    """Leaf truths from their digits (0 false, 1 true, 2 unknown)."""
    return [None if d == "2" else d == "1" for d in key]


def reasons(ruleset: RuleSet, key: str, category_id: str) -> tuple[str, str, bool]:
    """One category for one combination of leaf truths: its status, the criteria behind it
    (failed when ineligible, missing when unknown, ';'-joined), and whether being listed on a
    stock exchange is among the failed criteria."""
    truths = truths_of(key)
    tree = ruleset.category(category_id).tree
    status = rules.evaluate_tree(tree, truths)
    if status is True:
        return "eligible", "", False
    if status is None:
        return "unknown", _labels(ruleset, rules.decided_by(tree, truths, None)), False
    failed = _failed(ruleset, tree, truths)
    listed = any(getattr(ruleset.leaves[i], "fn", None) == "listed" for i in failed)
    return "ineligible", _labels(ruleset, failed), listed
