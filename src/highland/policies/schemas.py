"""API shapes of the policy library and matching.

Money is exact: an integer in fen (`*_fen`) beside a yuan string with two decimals (null when
missing), never a float. Portrait values and gaps are strings in human units: yuan with two
decimals for money, US dollars with two decimals for *_usd, decimal fractions for ratios
("0.035" is 3.5 %), plain integers for counts and years.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from highland.platform.kit.money import fen_to_yuan
from highland.policies.models import MatchCount, MatchRun, PolicyVersion, PortraitSnapshot
from highland.policies.rules.explain import CriterionResult, Gap, PolicyResult
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.loader import Library, RuleError
from highland.policies.rules.model import Compiled, Criterion, Package, Policy, value_text
from highland.policies.rules.vector import Summary


def yuan(fen: int | None) -> str | None:
    """Fen as a yuan string with two decimals; None when missing."""
    value = fen_to_yuan(fen)
    return None if value is None else f"{value:.2f}"


def _plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 0.035, 4, 100."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def human(field: str, value: object) -> str | None:
    """A portrait value (integer representation) as a string in the field's human unit."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return value_text(tuple(sorted(str(v) for v in value)))
    spec = FIELDS.get(field)
    if spec is not None and spec.numeric and isinstance(value, int):
        return shortfall_text(field, value)
    return str(value)


def shortfall_text(field: str, n: int) -> str:
    """An amount in the field's integer unit (fen, cents, millionths) in human units."""
    spec = FIELDS[field]
    if spec.kind in ("money", "usd"):
        return f"{Decimal(n).scaleb(-2):.2f}"
    if spec.kind == "ratio":
        return _plain(Decimal(n).scaleb(-6))
    return str(n)


# --------------------------------------------------------------------------- the library


class PolicyOut(BaseModel):
    """A policy version as the library lists it."""

    id: str
    version: int
    title: str
    title_en: str | None
    issuer: str
    level: str
    document: str | None
    article: str | None
    effective: date
    expires: date | None
    package: str | None
    benefit_type: str
    no_application: bool
    in_force: bool

    @classmethod
    def of(cls, v: PolicyVersion, p: Policy, as_of: date) -> PolicyOut:
        """Build from a stored version and its parsed policy."""
        return cls(
            id=v.policy_id,
            version=v.version,
            title=v.title,
            title_en=v.title_en,
            issuer=v.issuer,
            level=v.level,
            document=v.document,
            article=p.article,
            effective=v.effective,
            expires=v.expires,
            package=v.package_id,
            benefit_type=v.benefit_type,
            no_application=v.no_application,
            in_force=p.in_force(as_of),
        )


class CriterionOut(BaseModel):
    """One criterion of a policy, resolved for a date (the stages criterion comes last)."""

    index: int
    label: str
    field: str
    op: str
    cite: str | None

    @classmethod
    def of(cls, c: Criterion) -> CriterionOut:
        """Build from a compiled criterion."""
        return cls(
            index=c.index, label=c.label, field=c.field, op=c.predicate.op, cite=c.predicate.cite
        )


class VersionOut(BaseModel):
    """One stored version of a policy."""

    version: int
    created_at: datetime
    created_by: str
    sha256: str


class PolicyVersionOut(PolicyOut):
    """A policy version with its YAML source and criteria."""

    amount: str | None = Field(description="The benefit's amount expression as written")
    rounding: str
    stages: list[str]
    excludes: list[str]
    sha256: str
    created_at: datetime
    created_by: str
    source: str
    criteria: list[CriterionOut]

    @classmethod
    def build(cls, v: PolicyVersion, compiled: Compiled, as_of: date) -> PolicyVersionOut:
        """Build from a stored version and the policy compiled for a date."""
        p = compiled.policy
        return cls(
            **PolicyOut.of(v, p, as_of).model_dump(),
            amount=p.benefit.amount.source if p.benefit.amount is not None else None,
            rounding=p.benefit.rounding,
            stages=list(p.stages),
            excludes=list(p.excludes),
            sha256=v.sha256,
            created_at=v.created_at,
            created_by=v.created_by,
            source=v.source,
            criteria=[CriterionOut.of(c) for c in compiled.criteria],
        )


class PolicyDetailOut(PolicyVersionOut):
    """The current version of a policy with its whole history, newest first."""

    versions: list[VersionOut]


class RuleErrorOut(BaseModel):
    """One problem in rule text: the file name given, its line, what is wrong."""

    path: str
    line: int
    message: str

    @classmethod
    def of(cls, e: RuleError) -> RuleErrorOut:
        """Build from a loader error."""
        return cls(path=e.path, line=e.line, message=e.message)


class CheckOut(BaseModel):
    """What a check found: errors with lines, and the ids read."""

    ok: bool
    errors: list[RuleErrorOut]
    policies: list[str]
    packages: list[str]
    test_cases: int

    @classmethod
    def of(cls, lib: Library) -> CheckOut:
        """Build from a checked library."""
        return cls(
            ok=not lib.errors,
            errors=[RuleErrorOut.of(e) for e in lib.errors],
            policies=list(lib.policies),
            packages=list(lib.packages),
            test_cases=sum(len(t.cases) for t in lib.tests),
        )


class LoadOut(BaseModel):
    """What a load stored: ids created, given a new version, or unchanged."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]


class RuleErrorsOut(BaseModel):
    """A refusal: the rule text has errors and nothing was stored."""

    detail: str
    field: str
    errors: list[RuleErrorOut]


# --------------------------------------------------------------------------- who qualifies


class SnapshotOut(BaseModel):
    """The frozen portraits a result was computed from."""

    id: int
    as_of: date
    built_at: datetime
    rows: int
    sha256: str

    @classmethod
    def of(cls, s: PortraitSnapshot) -> SnapshotOut:
        """Build from a model."""
        return cls(id=s.id, as_of=s.as_of, built_at=s.built_at, rows=s.rows, sha256=s.sha256)


class CountsOut(BaseModel):
    """A policy's counts over the registry; `near` are ineligible but one criterion away."""

    eligible: int
    unknown: int
    ineligible: int
    near: int
    amount_fen: int
    amount: str | None

    @classmethod
    def of(cls, c: Mapping[str, int]) -> CountsOut:
        """Build from service.counts."""
        fen = c["amount_fen"]
        return cls(
            eligible=c["eligible"],
            unknown=c["unknown"],
            ineligible=c["ineligible"],
            near=c["near"],
            amount_fen=fen,
            amount=yuan(fen),
        )


class MatchItemOut(BaseModel):
    """One enterprise's result for a policy."""

    uscc: str
    name: str | None
    status: str
    amount_fen: int | None
    amount: str | None
    failed: list[str]
    missing: list[str]
    near: list[str] = Field(description="Labels of criteria that alone keep it out")


class MatchPage(BaseModel):
    """Who qualifies for a policy: counts and one page of a status."""

    policy: PolicyOut
    as_of: date
    snapshot: SnapshotOut
    counts: CountsOut
    status: str
    items: list[MatchItemOut]
    total: int
    page: int
    per_page: int


def split(text: str | None) -> list[str]:
    """A ';'-joined column of a details frame as a list."""
    return [x for x in (text or "").split(";") if x]


class SummaryOut(BaseModel):
    """A policy's reach over the registry."""

    eligible: int
    unknown: int
    ineligible: int
    near_miss: int
    amount_fen: int
    amount: str | None
    amount_unknown: int = Field(description="Eligible enterprises whose amount is unknown")

    @classmethod
    def of(cls, s: Summary | MatchCount) -> SummaryOut:
        """Build from a summary or stored counts."""
        return cls(
            eligible=s.eligible,
            unknown=s.unknown,
            ineligible=s.ineligible,
            near_miss=s.near_miss,
            amount_fen=s.amount_fen,
            amount=yuan(s.amount_fen),
            amount_unknown=s.amount_unknown,
        )


class WhatIfIn(BaseModel):
    """An unsaved change of a policy: an edited copy of its YAML, or new criterion values."""

    yaml: str | None = Field(
        None, description="The policy's source with a threshold or amount changed"
    )
    thresholds: dict[int, str] | None = Field(
        None,
        description="Criterion index (as in GET /policies/{id} criteria) → new value written "
        'as in YAML, e.g. {"1": "0.03"}',
    )
    amount: str | None = Field(None, description="A new amount expression")
    as_of: str | None = Field(None, description="YYYY-MM-DD; default today")


class DeltaOut(BaseModel):
    """After minus before."""

    eligible: int
    unknown: int
    near_miss: int
    amount_fen: int
    amount: str | None


class WhatIfOut(BaseModel):
    """A policy's reach before and after an unsaved change."""

    policy_id: str
    as_of: date
    before: SummaryOut
    after: SummaryOut
    delta: DeltaOut

    @classmethod
    def build(cls, policy_id: str, as_of: date, before: Summary, after: Summary) -> WhatIfOut:
        """Build from the two summaries."""
        amount = after.amount_fen - before.amount_fen
        delta = DeltaOut(
            eligible=after.eligible - before.eligible,
            unknown=after.unknown - before.unknown,
            near_miss=after.near_miss - before.near_miss,
            amount_fen=amount,
            amount=yuan(amount),
        )
        return cls(
            policy_id=policy_id,
            as_of=as_of,
            before=SummaryOut.of(before),
            after=SummaryOut.of(after),
            delta=delta,
        )


# --------------------------------------------------------------------------- one enterprise


class GapOut(BaseModel):
    """How far a failed criterion is from passing, in human units (negative: must fall)."""

    field: str
    shortfall: str
    via_field: str | None
    via_amount: str | None

    @classmethod
    def of(cls, g: Gap) -> GapOut:
        """Build from an explained gap."""
        via = None
        if g.via_field is not None and g.via_amount is not None:
            via = shortfall_text(g.via_field, g.via_amount)
        return cls(
            field=g.field,
            shortfall=shortfall_text(g.field, g.shortfall),
            via_field=g.via_field,
            via_amount=via,
        )


class CriterionResultOut(BaseModel):
    """One criterion for one enterprise: the threshold as written and the value seen."""

    index: int
    label: str
    field: str
    op: str
    threshold: str | None
    value: str | None
    outcome: bool | None = Field(description="The predicate itself (null: data missing)")
    passed: bool | None = Field(description="The criterion as the policy wants it")
    cite: str | None
    gap: GapOut | None

    @classmethod
    def of(cls, r: CriterionResult) -> CriterionResultOut:
        """Build from an explained criterion."""
        c = r.criterion
        return cls(
            index=c.index,
            label=c.label,
            field=c.field,
            op=c.predicate.op,
            threshold=value_text(c.threshold) if c.threshold is not None else None,
            value=human(c.field, r.value),
            outcome=r.outcome,
            passed=r.passed,
            cite=c.predicate.cite,
            gap=GapOut.of(r.gap) if r.gap is not None else None,
        )


class EnterprisePolicyOut(BaseModel):
    """One policy for one enterprise, explained; `kept` is false when stacking drops it."""

    policy_id: str
    version: int
    title: str
    title_en: str | None
    status: str
    amount_fen: int | None
    amount: str | None
    kept: bool | None
    excluded_by: str | None
    package: str | None
    missing: list[str]
    failed: list[str]
    near_miss: list[str]
    potential_fen: int | None
    potential_amount: str | None
    criteria: list[CriterionResultOut]

    @classmethod
    def of(
        cls, v: PolicyVersion, r: PolicyResult, kept: tuple[bool, str | None] | None
    ) -> EnterprisePolicyOut:
        """Build from a version, its result and the stacking decision (eligible only)."""
        crits = r.compiled.criteria
        return cls(
            policy_id=v.policy_id,
            version=v.version,
            title=v.title,
            title_en=v.title_en,
            status=r.status,
            amount_fen=r.amount_fen,
            amount=yuan(r.amount_fen),
            kept=kept[0] if kept else None,
            excluded_by=kept[1] if kept else None,
            package=r.compiled.policy.package,
            missing=list(r.missing),
            failed=list(r.failed),
            near_miss=[crits[i].label for i in r.near_miss],
            potential_fen=r.potential_fen,
            potential_amount=yuan(r.potential_fen),
            criteria=[CriterionResultOut.of(c) for c in r.criteria],
        )


class PackageTotalOut(BaseModel):
    """An enterprise's kept benefits in one package, before and after the package cap."""

    package_id: str | None
    kept_fen: int | None
    cap_fen: int | None
    total_fen: int | None
    total: str | None
    amount_unknown: int

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> PackageTotalOut:
        """Build from a row of stacking.totals."""
        return cls(
            package_id=row["package_id"],
            kept_fen=row["kept_fen"],
            cap_fen=row["cap_fen"],
            total_fen=row["total_fen"],
            total=yuan(row["total_fen"]),
            amount_unknown=int(row["amount_unknown"] or 0),
        )


class EnterprisePoliciesOut(BaseModel):
    """Every policy in force for one enterprise, with stacking and package caps applied."""

    uscc: str
    as_of: date
    policies: list[EnterprisePolicyOut]
    packages: list[PackageTotalOut]
    total_fen: int
    total: str | None
    amount_unknown: int = Field(description="Kept benefits whose amount cannot be computed")


# --------------------------------------------------------------------------- packages


class PackageOut(BaseModel):
    """A policy package with its cap per enterprise and its current policies."""

    id: str
    version: int
    title: str
    title_en: str | None
    issuer: str | None
    document: str | None
    cap_fen: int | None
    cap: str | None
    policies: list[str]

    @classmethod
    def of(cls, version: int, p: Package, policies: list[str]) -> PackageOut:
        """Build from a parsed package."""
        return cls(
            id=p.id,
            version=version,
            title=p.title,
            title_en=p.title_en,
            issuer=p.issuer,
            document=p.document,
            cap_fen=p.cap_fen,
            cap=yuan(p.cap_fen),
            policies=policies,
        )


class PackagePolicyOut(BaseModel):
    """A policy of a package with its counts (null when not in force at the date)."""

    policy_id: str
    version: int
    title: str
    title_en: str | None
    in_force: bool
    counts: SummaryOut | None


class ReachOut(BaseModel):
    """Who a package reaches: enterprises eligible for any of its policies, and the cost."""

    enterprises: int
    total_fen: int
    total: str | None
    amount_unknown: int


class PackageDetailOut(PackageOut):
    """A package's policies with their counts, and its reach after stacking and the cap."""

    as_of: date
    snapshot: SnapshotOut
    members: list[PackagePolicyOut]
    reach: ReachOut


# --------------------------------------------------------------------------- runs


class RunIn(BaseModel):
    """Start an official run."""

    as_of: str | None = Field(None, description="YYYY-MM-DD; default today")


class RunOut(BaseModel):
    """An official match run: what it used and the digest of its results."""

    id: int
    as_of: date
    enterprises: int
    policies: int
    result_sha256: str
    snapshot_id: int
    snapshot_sha256: str
    engine: str
    actor: str
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, r: MatchRun, snapshot_sha256: str, policies: int) -> RunOut:
        """Build from a model."""
        return cls(
            id=r.id,
            as_of=r.as_of,
            enterprises=r.enterprises,
            policies=policies,
            result_sha256=r.result_sha256,
            snapshot_id=r.snapshot_id,
            snapshot_sha256=snapshot_sha256,
            engine=r.engine,
            actor=r.actor,
            started_at=r.started_at,
            finished_at=r.finished_at,
        )


class RunCountOut(SummaryOut):
    """One policy's stored counts in a run."""

    policy_id: str
    version: int


class RunDetailOut(RunOut):
    """A run with each policy's counts."""

    counts: list[RunCountOut]


class ReplayItemOut(BaseModel):
    """One recomputed result."""

    uscc: str
    policy_id: str
    status: str
    amount_fen: int | None
    amount: str | None
    failed: list[str]
    missing: list[str]


class ReplayOut(BaseModel):
    """A run recomputed from its rule versions and snapshot; `verified` when identical."""

    run: RunOut
    verified: bool
    digest: str
    policy: str | None
    status: str
    items: list[ReplayItemOut]
    total: int
    page: int
    per_page: int
