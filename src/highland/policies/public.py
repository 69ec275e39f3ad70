"""What the policies domain lends other domains: an enterprise's policies in a few lines (the
desks), the city's reach of the last official match run, and the rule engine itself for other
rule sets (the high-growth lists): reading a field criterion, resolving it exactly for a date,
its truth for one value and as a Polars column, and the three-valued combination of a tree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from highland.platform.identity.permissions import Principal
from highland.platform.kit.yaml_lines import LineDict
from highland.policies import service
from highland.policies.present import Formatter
from highland.policies.rules.explain import Truth, criterion_truth, decided_by, evaluate_tree
from highland.policies.rules.fields import FIELDS, FieldSpec
from highland.policies.rules.loader.criteria import read_node
from highland.policies.rules.loader.library import Doc, LineLoader, RuleError
from highland.policies.rules.model import Criterion, Predicate, Tree, resolve
from highland.policies.rules.vector import criterion_expr, prepare, tree_expr
from highland.policies.sentences import criterion

__all__ = [
    "FIELDS", "Criterion", "EnterprisePolicies", "FieldSpec", "LineLoader", "PolicyLine",
    "PolicyReach", "Predicate", "RuleError", "Tree", "Truth", "criterion_expr", "criterion_truth",
    "criterion_words",
    "decided_by", "enterprise_policies", "evaluate_tree", "prepare", "reach", "read_criterion",
    "resolve", "tree_expr",
]  # fmt: skip

LACKING_SHOWN = 8


@dataclass(frozen=True)
class PolicyLine:
    """One policy for one enterprise: its title, amount (fen; None unknown) and what the
    enterprise lacks for it (missing data, or the criteria that alone keep it out)."""

    policy_id: str
    title: str
    amount_fen: int | None
    lacks: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnterprisePolicies:
    """An enterprise's policies in force at a date, by what it has to do."""

    as_of: date
    automatic: list[PolicyLine]  # eligible and 免申即享: received without applying
    to_apply: list[PolicyLine]  # eligible, the enterprise applies
    lacking: list[PolicyLine]  # open for missing data, or nearly met (the nearest few)
    total_fen: int
    lacking_total: int  # how many policies are within reach in all


def enterprise_policies(
    session: Session,
    principal: Principal,
    uscc: str,
    as_of: date,
    lang: str,
    regions: Mapping[str, tuple[str, str]],
) -> EnterprisePolicies:
    """An enterprise's policies as the enterprise desk shows them (NotFound out of scope)."""
    match = service.enterprise_match(session, principal, uscc, as_of)
    fmt = Formatter(lang, regions)
    automatic: list[PolicyLine] = []
    to_apply: list[PolicyLine] = []
    lacking: list[PolicyLine] = []
    for version, result in match.results:
        policy = result.compiled.policy
        title = fmt.title(version)
        if result.status == "eligible":
            line = PolicyLine(policy.id, title, result.amount_fen)
            (automatic if policy.no_application else to_apply).append(line)
        elif result.status == "unknown":
            lacks = tuple(fmt.field(f) for f in result.missing)
            lacking.append(PolicyLine(policy.id, title, None, lacks))
        elif result.near_miss:
            lacking.append(PolicyLine(policy.id, title, result.potential_fen,
                                      tuple(fmt.near(result))))  # fmt: skip
    lacking.sort(key=lambda line: len(line.lacks))  # the nearest first
    return EnterprisePolicies(as_of, automatic, to_apply, lacking[:LACKING_SHOWN],
                              match.total_fen, len(lacking))  # fmt: skip


@dataclass(frozen=True)
class PolicyReach:
    """The last official match run: how many enterprises it covered, enterprise–policy pairs
    eligible, enterprises reached (eligible for at least one policy is not stored: pairs are),
    and the money the eligible pairs come to (fen)."""

    run_id: int
    as_of: date
    finished_at: datetime | None
    enterprises: int
    policies: int
    eligible_pairs: int
    amount_fen: int
    amount_unknown: int


def reach(session: Session) -> PolicyReach | None:
    """The reach of the newest official match run, or None before the first run."""
    runs = service.runs(session, limit=1)
    if not runs:
        return None
    run = runs[0]
    counts = [c for _, c in service.run_counts(session, run)]
    return PolicyReach(
        run.id,
        run.as_of,
        run.finished_at,
        run.enterprises,
        len(counts),
        sum(c.eligible for c in counts),
        sum(c.amount_fen for c in counts),
        sum(c.amount_unknown for c in counts),
    )


# --------------------------------------------------------------------------- the rule engine


def read_criterion(
    raw: LineDict, path: str, index: int
) -> tuple[Predicate | None, list[RuleError]]:
    """One `{field, op, value}` criterion as policies write it (line numbers of `raw`'s file),
    checked against the field catalogue: the predicate (numbered `index`), or the errors."""
    errors: list[RuleError] = []
    node = read_node(raw, raw.line, Doc(path, 1, errors), [index], None)
    if errors or not isinstance(node, Predicate):
        return None, errors
    return node, []


def criterion_words(lang: str, predicate: Predicate, as_of: date) -> str:
    """A portrait criterion as written in a rule, as a sentence in the reader's language
    (所在行业门类为制造业 …): for other domains' rules that embed the policies' criteria."""
    return criterion(Formatter(lang, {}), resolve(predicate, as_of))
