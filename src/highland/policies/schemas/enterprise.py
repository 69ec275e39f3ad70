"""API shapes of one enterprise's policies: criteria results, gaps, amounts and package totals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from highland.policies.models import PolicyVersion
from highland.policies.rules.explain import CriterionResult, Gap, PolicyResult
from highland.policies.rules.model import value_text
from highland.policies.schemas.values import human, shortfall_text, yuan

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
    fixed: bool = Field(
        False,
        description="A condition the enterprise cannot change (district, industry, age, …): "
        "never a near miss",
    )

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
            fixed=c.fixed,
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
