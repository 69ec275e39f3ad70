"""Innovation resources and international cooperation: platforms, overseas collaborative
innovation centres, events, and cooperation projects tracked on the platform's workflow engine
(`innovation.pipeline.workflow`) with their append-only event log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class InnovationPlatform(Base):
    """An innovation platform: a technology innovation centre, a laboratory, a new R&D
    institution, an engineering centre…, hosted by an institution or an enterprise."""

    __tablename__ = "innovation_platform"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16))  # national | provincial | municipal
    host_name: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    chains: Mapped[list[str]] = mapped_column(JSON, default=list)  # "chain" or "chain/segment"
    founded_on: Mapped[date | None] = mapped_column(Date)
    staff: Mapped[int | None] = mapped_column(Integer)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OverseasCentre(Base):
    """An overseas collaborative innovation centre (海外协同创新中心)."""

    __tablename__ = "innovation_centre"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)  # ISO 3166-1 alpha-2
    city: Mapped[str] = mapped_column(String(100))
    partner: Mapped[str | None] = mapped_column(String(200))
    since: Mapped[date | None] = mapped_column(Date)
    contact: Mapped[str | None] = mapped_column(String(200))
    chains: Mapped[list[str]] = mapped_column(JSON, default=list)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InnovationEvent(Base):
    """An event: Innovation Week, a forum, an exhibition, a delegation visit."""

    __tablename__ = "innovation_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # e.g. munich-2024
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    forums: Mapped[int | None] = mapped_column(Integer)
    exhibits: Mapped[int | None] = mapped_column(Integer)
    attendance: Mapped[int | None] = mapped_column(Integer)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)  # taking part
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CoopProject(Base):
    """A cooperation project signed with a foreign partner, tracked through its stages
    (signed → registered → started → operating, or stalled / cancelled) with a follow-up
    institution and a next review date on the working-day clock."""

    __tablename__ = "innovation_project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    partner: Mapped[str] = mapped_column(String(200))
    partner_en: Mapped[str | None] = mapped_column(String(200))
    partner_country: Mapped[str] = mapped_column(String(2), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("innovation_platform.id", ondelete="RESTRICT"), index=True
    )
    chain_code: Mapped[str | None] = mapped_column(String(32), index=True)
    segment_code: Mapped[str | None] = mapped_column(String(64))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)  # the currency's minor units
    currency: Mapped[str | None] = mapped_column(String(3))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("innovation_event.id", ondelete="RESTRICT"), index=True
    )
    signed_on: Mapped[date] = mapped_column(Date)
    registered_on: Mapped[date | None] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    operating_on: Mapped[date | None] = mapped_column(Date)
    stalled_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)  # why stalled or cancelled
    demand_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # linked demands
    owner_institution: Mapped[str | None] = mapped_column(
        ForeignKey("institution.code", ondelete="RESTRICT"), index=True
    )
    review_from: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the clock's start
    next_review: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="signed", index=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CoopProjectEvent(Base):
    """One change of a cooperation project. Append-only: database triggers refuse UPDATE and
    DELETE."""

    __tablename__ = "innovation_project_event"
    __table_args__ = (
        UniqueConstraint("project_id", "seq", name="uq_innovation_project_event_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("innovation_project.id", ondelete="RESTRICT")
    )
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
