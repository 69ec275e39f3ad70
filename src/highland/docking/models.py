"""Docking tables: research achievements, enterprises' technology needs, and docking records
(a need introduced to an achievement's owner) with their append-only event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class Achievement(Base):
    """A research achievement (科技成果) of a university, laboratory or institute, offered for
    transfer: what it is, whose, how mature (TRL 1–9) and whom to call."""

    __tablename__ = "docking_achievement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)  # the owner's own number
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    abstract: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    field: Mapped[str] = mapped_column(String(20), index=True)  # docking.vocab.FIELDS
    institution: Mapped[str] = mapped_column(String(200))  # owner: university, lab, institute
    trl: Mapped[int] = mapped_column(SmallInteger)  # technology readiness level 1–9
    contact: Mapped[str | None] = mapped_column(String(200))
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("chain.id", ondelete="RESTRICT"))
    segment_code: Mapped[str | None] = mapped_column(String(64))
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)  # 示例 (demo data)
    # The segmented search terms (docking.text.document), kept so that rebuilding the matching
    # index never segments the registry again.
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class TechNeed(Base):
    """An enterprise's technology need (技术需求): what it looks for, in which field and which
    segment of which chain."""

    __tablename__ = "docking_need"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    field: Mapped[str] = mapped_column(String(20), index=True)
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("chain.id", ondelete="RESTRICT"))
    segment_code: Mapped[str | None] = mapped_column(String(64))
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)  # as the achievement's
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class DockingRecord(Base):
    """A need introduced to an achievement's owner by staff, followed on the workflow engine:
    introduced → met → agreement or no fit."""

    __tablename__ = "docking_record"
    __table_args__ = (UniqueConstraint("need_id", "achievement_id", name="uq_docking_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("docking_need.id", ondelete="RESTRICT"))
    achievement_id: Mapped[int] = mapped_column(
        ForeignKey("docking_achievement.id", ondelete="RESTRICT"), index=True
    )
    # Copied from the need: the enterprise involved sees the record (docking.scope).
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    score: Mapped[float] = mapped_column(Float)  # the match score when introduced
    explanation: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="introduced", index=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DockingEvent(Base):
    """One change of a docking record. Append-only: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "docking_event"
    __table_args__ = (UniqueConstraint("record_id", "seq", name="uq_docking_event_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("docking_record.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
