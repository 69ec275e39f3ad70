"""API shapes of policy packages and their reach."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from highland.policies.rules.model import Package
from highland.policies.schemas.matches import SnapshotOut, SummaryOut
from highland.policies.schemas.values import yuan

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
