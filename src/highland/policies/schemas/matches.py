"""API shapes of who qualifies: snapshots, counts, match pages, summaries and what-if."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from pydantic import BaseModel, Field

from highland.policies.models import MatchCount, PortraitSnapshot
from highland.policies.rules.vector import Summary
from highland.policies.schemas.library import PolicyOut
from highland.policies.schemas.values import yuan

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
