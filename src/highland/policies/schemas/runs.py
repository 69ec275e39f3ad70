"""API shapes of official match runs and their replay."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from highland.policies.models import MatchRun
from highland.policies.schemas.matches import SummaryOut

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
