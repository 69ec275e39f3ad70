"""Demand tables: categories, routing, meetings, demands and their event log, attachments and
Open311 API keys (institutions and the working calendar are the kernel's:
highland.platform.institutions, highland.platform.calendar)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class DemandCategory(Base):
    """A demand category with its two limits in working days."""

    __tablename__ = "demand_category"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    response_days: Mapped[int] = mapped_column(Integer)
    resolution_days: Mapped[int] = mapped_column(Integer)
    # The urgent tier (紧急), chosen by priority "urgent" (demands/tiers.py): both set or both
    # NULL (no tier: urgent demands keep the normal limits). Response 0 = the same working day.
    urgent_response_days: Mapped[int | None] = mapped_column(Integer)
    urgent_resolution_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingRule(Base):
    """Category × district → lead institution and co-handlers.

    `district_code` NULL is the fallback for every district without a rule of its own.
    """

    __tablename__ = "demand_routing"
    __table_args__ = (UniqueConstraint("category_code", "district_key", name="uq_routing_cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str] = mapped_column(
        ForeignKey("demand_category.code", ondelete="RESTRICT")
    )
    # "*" for the fallback row (a NULL would not take part in the unique constraint).
    district_key: Mapped[str] = mapped_column(String(6), default="*")
    lead_code: Mapped[str] = mapped_column(ForeignKey("institution.code", ondelete="RESTRICT"))
    co_handlers: Mapped[list[str]] = mapped_column(JSON, default=list)


class Meeting(Base):
    """A meeting or visit record (e.g. a district leader's breakfast with the top-30 firms)."""

    __tablename__ = "demand_meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="meeting")  # meeting | visit
    title: Mapped[str] = mapped_column(String(300))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    leader: Mapped[str] = mapped_column(String(100))
    district_code: Mapped[str | None] = mapped_column(String(6))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class MeetingAttendee(Base):
    """An enterprise that attended a meeting."""

    __tablename__ = "demand_meeting_attendee"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("demand_meeting.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), primary_key=True
    )


METRIC_COLUMNS = (
    "institution_code",
    "dispatched_by",
    "responded_on_time",
    "resolved_on_time",
    "verdict",
    "rating",
    "dispatched_at",
    "category_code",
    "chain_id",
    "open",
    "state",
    "response_due",
    "closed_at",
    "resolution_due",
    "paused_at",
    "returns",
)


class Demand(Base):
    """One demand. Its columns after `state` are a projection of its event log, written in the
    same transaction as each event (workflow.apply); metrics read them, and
    `metrics.from_log` recomputes them from the events to prove they agree."""

    __tablename__ = "demand"
    __table_args__ = (
        Index("ix_demand_institution_state", "institution_code", "state"),
        # Covers every column the per-institution metrics group by or filter on, so that the
        # one GROUP BY over a million demands is a single pass over this index (≤ 1 s).
        Index("ix_demand_metrics", *METRIC_COLUMNS),
        # The sweep's marks read only open, unmarked rows through these partial indexes.
        *(
            Index(
                name,
                column,
                sqlite_where=text(f"{cond} AND open = 1"),
                postgresql_where=text(f"{cond} AND open"),
            )
            for name, column, cond in (
                ("ix_demand_warn_due", "warn_at", "warned_at IS NULL"),
                ("ix_demand_breach_due", "resolution_due", "breached_at IS NULL"),
                (
                    "ix_demand_response_due",
                    "response_due",
                    "response_breached_at IS NULL AND responded_at IS NULL",
                ),
                ("ix_demand_escalate_due", "escalate_at", "escalated_at IS NULL"),
            )
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    category_code: Mapped[str] = mapped_column(
        ForeignKey("demand_category.code", ondelete="RESTRICT")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # low|normal|high|urgent
    # 诉求类型 consult|help|complaint|suggest; NULL: not given (rows filed before types existed).
    request_type: Mapped[str | None] = mapped_column(String(12), index=True)
    chain_id: Mapped[int | None] = mapped_column(Integer, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand_meeting.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str] = mapped_column(String(16))  # enterprise|staff|meeting|open311
    # Open311 extras (optional): a public location and the requester's contact (confidential).
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[str | None] = mapped_column(String(20))
    lon: Mapped[str | None] = mapped_column(String(20))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # shown in Open311 GETs
    token: Mapped[str | None] = mapped_column(String(64), unique=True)  # Open311 token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    # Optimistic lock: every change increments it; a stale edit is refused with 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Events so far (the next event's seq is this + 1); the sweep adds events without
    # bumping `version`, so that its marks never make a handler's open form stale.
    event_count: Mapped[int] = mapped_column(Integer, default=0)

    # Projection of the event log.
    state: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    institution_code: Mapped[str | None] = mapped_column(
        ForeignKey("institution.code", ondelete="RESTRICT")
    )
    co_handlers: Mapped[list[str]] = mapped_column(JSON, default=list)
    dispatched_by: Mapped[str | None] = mapped_column(String(64))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clock_start: Mapped[datetime | None] = mapped_column(UTCDateTime())  # dispatch or reopen
    paused_days: Mapped[int] = mapped_column(Integer, default=0)  # working days spent waiting
    # Working days granted by approved extension requests in the current resolution round.
    extension_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The resolution deadline without those extensions (equals resolution_due when none).
    resolution_due_original: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 1 working day before
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resume_state: Mapped[str | None] = mapped_column(String(16))
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_on_time: Mapped[bool | None] = mapped_column(Boolean)
    resolved_on_time: Mapped[bool | None] = mapped_column(Boolean)
    returns: Mapped[int] = mapped_column(SmallInteger, default=0)
    reopens: Mapped[int] = mapped_column(SmallInteger, default=0)
    resolution: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(8))  # solved|partly|not
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DemandEvent(Base):
    """One transition of a demand. Append-only: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "demand_event"
    __table_args__ = (UniqueConstraint("demand_id", "seq", name="uq_demand_event_seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    institution_code: Mapped[str | None] = mapped_column(String(32), index=True)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class Attachment(Base):
    """A file attached to a demand (size- and type-checked at upload)."""

    __tablename__ = "demand_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class ApiKey(Base):
    """An Open311 API key (for POST requests); only its SHA-256 is stored."""

    __tablename__ = "open311_api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
