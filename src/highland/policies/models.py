"""Policy library tables: versions of policies and packages, snapshots and match runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class PolicyVersion(Base):
    """One version of a policy as loaded: its YAML as written plus the columns lists need.

    A changed policy becomes a new version; old versions stay, so that any match run can be
    replayed with exactly the rules it used.
    """

    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("policy_id", "version", name="uq_policy_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(12))
    document: Mapped[str | None] = mapped_column(String(200))
    effective: Mapped[date] = mapped_column(Date)
    expires: Mapped[date | None] = mapped_column(Date)
    package_id: Mapped[str | None] = mapped_column(String(64), index=True)
    benefit_type: Mapped[str] = mapped_column(String(16))
    no_application: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class PolicyHead(Base):
    """The current version of each policy (retired policies keep their history)."""

    __tablename__ = "policy"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id"))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PackageVersion(Base):
    """One version of a policy package."""

    __tablename__ = "policy_package_version"
    __table_args__ = (UniqueConstraint("package_id", "version", name="uq_package_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class PackageHead(Base):
    """The current version of each package."""

    __tablename__ = "policy_package"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("policy_package_version.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PortraitSnapshot(Base):
    """The whole registry's portraits as of a date, frozen as Parquet for replay."""

    __tablename__ = "portrait_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    as_of: Mapped[date] = mapped_column(Date)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rows: Mapped[int] = mapped_column(Integer)
    # Deferred: finding the newest snapshot must not fetch tens of MB of Parquet every request
    # (the frame is usually in the process's cache already).
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # The registry's change log position it was built at (enterprises.public.change_seq); None
    # for snapshots from before the log was kept. With a base, `data` holds only the rows of
    # the enterprises changed since the base's position (a spliced snapshot).
    change_seq: Mapped[int | None] = mapped_column(BigInteger)
    base_id: Mapped[int | None] = mapped_column(Integer)


class MatchRun(Base):
    """An official match run: the rule versions and snapshot it used, and its result digest."""

    __tablename__ = "policy_match_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("portrait_snapshot.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    # JSON list of policy_version ids, and the package versions that capped totals.
    policy_versions: Mapped[str] = mapped_column(Text)
    package_versions: Mapped[str] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(32))
    result_sha256: Mapped[str] = mapped_column(String(64))
    enterprises: Mapped[int] = mapped_column(Integer)


class MatchCount(Base):
    """One policy's counts in a match run."""

    __tablename__ = "policy_match_count"

    run_id: Mapped[int] = mapped_column(ForeignKey("policy_match_run.id"), primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(
        ForeignKey("policy_version.id"), primary_key=True
    )
    eligible: Mapped[int] = mapped_column(Integer)
    ineligible: Mapped[int] = mapped_column(Integer)
    unknown: Mapped[int] = mapped_column(Integer)
    near_miss: Mapped[int] = mapped_column(Integer)
    near_by_criterion: Mapped[str] = mapped_column(Text)  # JSON list, criterion order
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    amount_unknown: Mapped[int] = mapped_column(Integer)
