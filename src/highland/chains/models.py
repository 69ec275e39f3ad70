"""Chain tables: chains, their versions and segments, enterprises in segments, leading firms,
reference figures for location quotients and the prospect list for gaps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class Chain(Base):
    """An industrial chain. Its id is the number users' `chain_id` and demands' `chain_id`
    refer to; its segments live in versions (the current one is `version_id`)."""

    __tablename__ = "chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(Integer)  # chain_version.id (current)
    person_in_charge: Mapped[str | None] = mapped_column(String(100))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChainVersion(Base):
    """One version of a chain's segment tree, as loaded (the YAML kept as written)."""

    __tablename__ = "chain_version"
    __table_args__ = (UniqueConstraint("chain_id", "version", name="uq_chain_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class Segment(Base):
    """A segment (环节) of one chain version: a node of the tree."""

    __tablename__ = "chain_segment"
    __table_args__ = (UniqueConstraint("version_id", "code", name="uq_chain_segment_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("chain_version.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    stream: Mapped[str] = mapped_column(String(10))  # upstream | midstream | downstream
    position: Mapped[int] = mapped_column(Integer)  # order within its parent, from 1
    industry_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # GB/T 4754-2017
    products: Mapped[list[str]] = mapped_column(JSON, default=list)  # key products, technologies
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)  # for business-scope matches
    bottleneck: Mapped[bool] = mapped_column(Boolean, default=False)  # 卡脖子


class EnterpriseSegment(Base):
    """An enterprise in a segment of a chain, with the evidence and a confidence (0–100).

    Suggestions (by industry code or keyword) wait for a person to accept or reject them;
    manual links are accepted when made. One row per enterprise, chain and segment.
    """

    __tablename__ = "chain_enterprise_segment"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "chain_id", "segment_code", name="uq_enterprise_segment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="RESTRICT"), index=True)
    segment_code: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[str] = mapped_column(String(10))  # manual | industry | keyword
    detail: Mapped[str | None] = mapped_column(String(300))  # the code or keyword that matched
    confidence: Mapped[int] = mapped_column(SmallInteger)  # 0–100
    status: Mapped[str] = mapped_column(
        String(10), default="suggested"
    )  # suggested|accepted|rejected
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeadingFirm(Base):
    """A chain's leading enterprise (链主), marked by a person (possibly from a suggestion)."""

    __tablename__ = "chain_leading_firm"
    __table_args__ = (UniqueConstraint("chain_id", "enterprise_id", name="uq_chain_leading_firm"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    reason: Mapped[str | None] = mapped_column(String(300))
    marked_by: Mapped[str] = mapped_column(String(64))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReferenceFigure(Base):
    """A published figure of a region for an industry (GB/T 4754 class, group or division):
    the base of location quotients (e.g. the province's or nation's employment by industry)."""

    __tablename__ = "chain_reference_figure"
    __table_args__ = (
        UniqueConstraint(
            "region", "year", "industry_code", "measure", name="uq_chain_reference_figure"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(16), index=True)  # e.g. 320000, CN
    year: Mapped[int] = mapped_column(Integer)
    industry_code: Mapped[str] = mapped_column(String(5))  # "*" for the region's total
    measure: Mapped[str] = mapped_column(String(16))  # employment | revenue_fen | enterprises
    value: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(64))


class Prospect(Base):
    """An enterprise outside the city that the bureau might attract (招商), from an import."""

    __tablename__ = "chain_prospect"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    region: Mapped[str | None] = mapped_column(String(100))
    industry_code: Mapped[str | None] = mapped_column(String(4))
    revenue_fen: Mapped[int | None] = mapped_column(BigInteger)
    employees: Mapped[int | None] = mapped_column(Integer)
    products: Mapped[str | None] = mapped_column(Text)
    patents: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChainMeeting(Base):
    """The monthly scheduling (月度调度) of one chain: the indicators computed from the data
    as of that month (kept as computed, with each one's freshness), the matters discussed and
    the decisions (which become tasks)."""

    __tablename__ = "chain_meeting"
    __table_args__ = (UniqueConstraint("chain_id", "month", name="uq_chain_meeting_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="RESTRICT"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str | None] = mapped_column(String(200))
    chaired_by: Mapped[str | None] = mapped_column(String(100))
    attendees: Mapped[str | None] = mapped_column(Text)
    matters: Mapped[str | None] = mapped_column(Text)
    indicators: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class ChainTask(Base):
    """A decision of a chain's monthly scheduling, tracked like a demand: an owner, a deadline
    in working days of the same calendar, states, an event log and the overdue sweep."""

    __tablename__ = "chain_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("chain_meeting.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    owner_institution: Mapped[str | None] = mapped_column(
        ForeignKey("institution.code", ondelete="RESTRICT")
    )
    owner_name: Mapped[str | None] = mapped_column(String(100))
    working_days: Mapped[int] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_on_time: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[str | None] = mapped_column(Text)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChainTaskEvent(Base):
    """One change of a chain task. Append-only: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "chain_task_event"
    __table_args__ = (UniqueConstraint("task_id", "seq", name="uq_chain_task_event_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("chain_task.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


# --------------------------------------------------------------------------- figures
# Aggregates the chain analytics read instead of the registry's millions of rows (see
# chains/figures.py). They are rebuilt set-based when the data they come from has changed:
# database triggers on enterprise, enterprise_financial, enterprise_segment and chain bump a
# generation number in data_generation, and each build records the generations it read.


class FigureState(Base):
    """The generations the stored figures were built from, and when and how fast."""

    __tablename__ = "figure_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)  # "registry" | "links"
    built_from: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(Integer)
    milliseconds: Mapped[int] = mapped_column(Integer)


class RegistryCell(Base):
    """Registry figures by industry class and district. Year 0 holds the enterprise count;
    a year's row holds the sums and counts of the known employees and revenue that year."""

    __tablename__ = "registry_cell"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    industry_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    enterprises: Mapped[int] = mapped_column(Integer)
    employees: Mapped[int | None] = mapped_column(BigInteger)
    employees_known: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[int | None] = mapped_column(BigInteger)
    revenue_known: Mapped[int] = mapped_column(Integer)


class ChainFigure(Base):
    """Accepted members of a chain ("" = the whole chain) or of a segment with its
    sub-segments; year 0 holds the member count, a year's row the members' revenue that
    year: how many have one, Σ r, Σ r² (exact, as text) and the largest."""

    __tablename__ = "chain_figure"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[int | None] = mapped_column(BigInteger)
    revenue_squares: Mapped[str | None] = mapped_column(String(80))
    largest_id: Mapped[int | None] = mapped_column(Integer)
    largest_revenue: Mapped[int | None] = mapped_column(BigInteger)


class ChainMonthFigure(Base):
    """A chain's registry indicators as of a month's end (members, new members, output value,
    revenue, tax, growth), kept with the generations they were computed from: valid while the
    registry and the links are unchanged (chains/indicators.py). Demand counts are never kept."""

    __tablename__ = "chain_month_figure"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    registry_generation: Mapped[int] = mapped_column(BigInteger)
    links_generation: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[dict[str, object]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
