"""API shapes of the policy library: policies, versions, criteria, rule checks and loads."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from highland.platform.web.i18n import error_text
from highland.policies.models import PolicyVersion
from highland.policies.rules.loader import Library, RuleError
from highland.policies.rules.model import Compiled, Criterion, Policy

# --------------------------------------------------------------------------- the library


class PolicyOut(BaseModel):
    """A policy version as the library lists it."""

    id: str
    version: int
    title: str
    title_en: str | None
    issuer: str = Field(description="发文单位: the body that issued the document")
    authority: str | None = Field(
        description="主管部门/执行单位: the body that runs the policy; null when the rule file "
        "does not name one"
    )
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
            authority=p.authority,
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
    fixed: bool = Field(
        False,
        description="A condition the enterprise cannot change (district, industry, age, …): "
        "never a near miss",
    )

    @classmethod
    def of(cls, c: Criterion) -> CriterionOut:
        """Build from a compiled criterion."""
        return cls(
            index=c.index, label=c.label, field=c.field, op=c.predicate.op,
            cite=c.predicate.cite, fixed=c.fixed,
        )  # fmt: skip


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
    message: str = Field(description="What is wrong, in English (logs, scripts)")
    code: str | None = Field(None, description="The problem's code (error.<code>), if it has one")
    text: str = Field(description="What is wrong, in the caller's language (Accept-Language)")

    @classmethod
    def of(cls, e: RuleError, lang: str = "zh-CN") -> RuleErrorOut:
        """Build from a loader error."""
        text = error_text(lang, e)
        return cls(path=e.path, line=e.line, message=e.message, code=e.code, text=text)


class CheckOut(BaseModel):
    """What a check found: errors with lines, and the ids read."""

    ok: bool
    errors: list[RuleErrorOut]
    policies: list[str]
    packages: list[str]
    test_cases: int

    @classmethod
    def of(cls, lib: Library, lang: str = "zh-CN") -> CheckOut:
        """Build from a checked library (the errors' text in `lang`)."""
        return cls(
            ok=not lib.errors,
            errors=[RuleErrorOut.of(e, lang) for e in lib.errors],
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
